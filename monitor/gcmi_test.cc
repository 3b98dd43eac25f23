#include "monitor/gcmi.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

using testing::Columns;
using testing::CorrelatedGaussian;
using testing::StandardNormals;

double Value(const absl::StatusOr<double>& v) {
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : NAN;
}

// Expected values: the reference implementation gcmi (robince/gcmi,
// python/src/gcmi/_core.py at 09ce9eb; functions of the same names, which
// return bits, times log 2) run with numpy 1.24 / scipy 1.10 on the
// test_data.h samples regenerated in Python (the reference takes variables x
// samples, i.e. the transposes).
constexpr double kTol = 1e-9;

TEST(GcmiTest, CopnormMatchesReference) {
  const auto p = CorrelatedGaussian(500, 2, 0.7, 5);
  const Samples c = Copnorm(p.x);
  EXPECT_NEAR(c(0, 0), 0.02251652770070054, 1e-13);
  EXPECT_NEAR(c(1, 0), -0.8792946850030504, 1e-13);
  EXPECT_NEAR(c(2, 0), -1.6858932242067775, 1e-13);
  EXPECT_NEAR(Ndtri(0.5), 0.0, 1e-16);
  EXPECT_NEAR(Ndtri(0.975), 1.959963984540054, 1e-14);
}

TEST(GcmiTest, GaussianEstimatorsMatchReference) {
  const auto p = CorrelatedGaussian(500, 2, 0.7, 5);
  EXPECT_NEAR(Value(GaussianMutualInformation(p.x, p.y)), 0.7185830220011723, kTol);
  EXPECT_NEAR(Value(GaussianMutualInformation(p.x, p.y, false)), 0.72261122346803675, kTol);
  Samples s = StandardNormals(200, 3, 6);
  for (int64_t i = 0; i < s.n; ++i) {
    s(i, 1) += 0.5 * s(i, 0);
    s(i, 2) = 2.0 * s(i, 2) - s(i, 1);
  }
  EXPECT_NEAR(Value(GaussianEntropy(s)), 5.0547330093304215, kTol);
  EXPECT_NEAR(Value(GaussianEntropy(s, false)), 5.0395749235957226, kTol);
}

TEST(GcmiTest, GcmiCcMatchesReferenceAndIsMonotoneInvariant) {
  const auto p = CorrelatedGaussian(500, 2, 0.7, 5);
  Samples y3 = p.y, ex = p.x;
  for (double& v : y3.values) v = v * v * v;
  for (double& v : ex.values) v = std::exp(v);
  const double reference = 0.70758205103390437;
  EXPECT_NEAR(Value(GcmiCc(p.x, y3)), reference, kTol);
  EXPECT_NEAR(Value(GcmiCc(ex, p.y)), reference, kTol);
  // Copula normalisation sees ranks only: strictly increasing transforms of
  // any column leave GCMI exactly unchanged.
  Samples warped = p.x;
  for (int64_t i = 0; i < warped.n; ++i) {
    warped(i, 0) = std::atan(warped(i, 0)) * 7.0 - 3.0;
    warped(i, 1) = std::exp(2.0 * warped(i, 1));
  }
  EXPECT_EQ(Value(GcmiCc(warped, p.y)), Value(GcmiCc(p.x, p.y)));
}

TEST(GcmiTest, ContinuousDiscreteMatchesReference) {
  const int64_t n = 300;
  std::vector<int64_t> labels(n);
  Samples x = StandardNormals(n, 2, 7);
  for (int64_t i = 0; i < n; ++i) {
    labels[i] = i % 3;
    x(i, 0) += 0.5 * labels[i];
    x(i, 1) = std::exp(x(i, 1) + 0.5 * labels[i]);
  }
  EXPECT_NEAR(Value(GcmiModelCd(x, labels, 3)), 0.15289331238292186, kTol);
  EXPECT_NEAR(Value(GcmiMixtureCd(x, labels, 3)), 0.40851538784187147, kTol);
  EXPECT_NEAR(Value(GaussianModelDiscreteMutualInformation(x, labels, 3)), 0.1115681784464264,
              kTol);
}

TEST(GcmiTest, ConditionalMatchesReference) {
  const Samples g = StandardNormals(300, 3, 3);
  Samples z = Columns(g, 0, 1), x = Columns(g, 1, 2), y = Columns(g, 2, 3);
  for (int64_t i = 0; i < g.n; ++i) {
    x(i, 0) = z(i, 0) + 0.5 * x(i, 0);
    y(i, 0) = z(i, 0) + 0.5 * y(i, 0);
  }
  EXPECT_NEAR(Value(GccmiCcc(x, y, z)), -0.00077518064337794151, kTol);
  EXPECT_NEAR(Value(GaussianConditionalMutualInformation(x, y, z)), -0.00074396462599859981,
              kTol);
}

TEST(GcmiTest, GaussianClosedFormAtLargeN) {
  // N = 100,000: GCMI within 0.005 nats of -(d/2) log(1 - rho^2).
  for (int64_t d : {1, 3}) {
    const auto p = CorrelatedGaussian(100000, d, 0.6, 50 + d);
    EXPECT_NEAR(Value(GcmiCc(p.x, p.y)), testing::GaussianMutualInformationTruth(d, 0.6), 0.005)
        << "d " << d;
  }
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
