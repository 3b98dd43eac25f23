// The estimators on degenerate data, as users of other MI packages meet it
// (scikit-learn issue 30772: a constant or nearly constant feature giving a
// mutual information larger than the label entropy; gcmi issue 3: collinear
// columns making the covariance not positive definite; ties; repeated points;
// NaN and infinity). Each case gets either a correct, documented answer or a
// clear error, never a silently wrong number (or a crash).
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "monitor/estimator.h"
#include "monitor/gcmi.h"
#include "monitor/ksg.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

using testing::CorrelatedGaussian;
using testing::SamplePair;

void ExpectError(const absl::StatusOr<double>& r, const std::string& fragment) {
  ASSERT_FALSE(r.ok()) << "expected an error containing '" << fragment << "', got " << *r;
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status();
}

Samples Column(int64_t n, double value) {
  Samples s(n, 1);
  for (double& v : s.values) v = value;
  return s;
}

TEST(DegenerateDataTest, ConstantColumnIsAnErrorForEveryContinuousEstimator) {
  const SamplePair p = CorrelatedGaussian(500, 1, 0.6, 1);
  const Samples c = Column(500, 1.0);
  const std::vector<int64_t> labels(500, 0);
  for (const absl::StatusOr<double>& r :
       {KsgMutualInformation(c, p.y), Ksg2MutualInformation(c, p.y),
        KsgConditionalMutualInformation(p.x, p.y, c), KozachenkoLeonenkoEntropy(c),
        MixedMutualInformation(c, labels), GcmiCc(c, p.y),
        GaussianMutualInformation(c, p.y, true, false)}) {
    ExpectError(r, "column 0 is constant (1 in all 500 samples)");
  }
}

// scikit-learn issue 30772: x = 1 everywhere but one sample (its relative
// jitter is far below the resolution of a double at 1.0, so the ties stay).
// The estimators whose counts then stop meaning "k neighbours" refuse; the
// others give the right answer, I(X;Y) ~ 0.
TEST(DegenerateDataTest, NearlyConstantColumn) {
  const int64_t n = 2000;
  const SamplePair p = CorrelatedGaussian(n, 1, 0.6, 2);
  Samples x = Column(n, 1.0);
  x(7, 0) = 1.0 + 1e-9;
  std::vector<int64_t> labels(n, 0);
  for (int i = 0; i < 100; ++i) labels[i] = 1;
  ExpectError(MixedMutualInformation(x, labels), "exact duplicates with label 0");
  ExpectError(Ksg2MutualInformation(x, p.y), "x or y sample 0 has 3 or more exact duplicates");
  const absl::StatusOr<double> ksg = KsgMutualInformation(x, p.y);
  ASSERT_TRUE(ksg.ok()) << ksg.status();
  EXPECT_NEAR(*ksg, 0.0, 0.01);
  const absl::StatusOr<double> gcmi = GcmiCc(x, p.y);
  ASSERT_TRUE(gcmi.ok()) << gcmi.status();
  EXPECT_NEAR(*gcmi, 0.0, 0.01);
}

// I(1[X > 0]; Y) for a standard bivariate normal with correlation rho:
// log 2 - E_Y[h(Phi(rho Y / sqrt(1 - rho^2)))], by Simpson's rule.
double BinarisedGaussianMi(double rho) {
  const auto h = [](double q) {
    return q <= 0 || q >= 1 ? 0.0 : -(q * std::log(q) + (1 - q) * std::log(1 - q));
  };
  const auto f = [&](double y) {
    const double q = 0.5 * std::erfc(-rho * y / std::sqrt(1 - rho * rho) / std::sqrt(2.0));
    return std::exp(-y * y / 2) / std::sqrt(2 * M_PI) * h(q);
  };
  const int steps = 4000;
  const double a = -12, b = 12, dx = (b - a) / steps;
  double sum = f(a) + f(b);
  for (int i = 1; i < steps; ++i) sum += (i % 2 ? 4 : 2) * f(a + i * dx);
  return std::log(2.0) - sum * dx / 3;
}

// Ties: x takes two values. The jitter breaks the ties, KSG then counts like
// Ross's mixed estimator, and both agree with the closed form.
TEST(DegenerateDataTest, TiedBinaryColumnMatchesTheClosedForm) {
  const int64_t n = 4000;
  const SamplePair p = CorrelatedGaussian(n, 1, 0.6, 3);
  Samples b(n, 1);
  std::vector<int64_t> labels(n);
  for (int64_t i = 0; i < n; ++i) {
    b(i, 0) = p.x(i, 0) > 0 ? 1.0 : 0.0;
    labels[i] = p.x(i, 0) > 0;
  }
  const double truth = BinarisedGaussianMi(0.6);
  EXPECT_NEAR(truth, 0.1305577, 1e-6);  // scipy.integrate.quad of the same integral
  const absl::StatusOr<double> ksg = KsgMutualInformation(b, p.y);
  const absl::StatusOr<double> mixed = MixedMutualInformation(p.y, labels);
  ASSERT_TRUE(ksg.ok() && mixed.ok());
  EXPECT_NEAR(*ksg, truth, 0.02);
  EXPECT_NEAR(*mixed, truth, 0.02);
}

// More than k copies of a point put its k-th neighbour at distance 0: an error,
// where it used to be a digamma pole (an uncaught exception) without the
// jitter, or a jitter-determined number when the jitter is below the
// resolution of the values (an offset of 1e8 on unit-spread data).
TEST(DegenerateDataTest, RepeatedPointsAreAnErrorNotACrash) {
  const SamplePair p = CorrelatedGaussian(1000, 1, 0.6, 4);
  Samples x = p.x, y = p.y;
  for (int i = 1; i < 10; ++i) {
    x(i, 0) = x(0, 0);
    y(i, 0) = y(0, 0);
  }
  KsgOptions no_jitter;
  no_jitter.jitter = false;
  ExpectError(KsgMutualInformation(x, y, no_jitter), "(x, y) sample 0 has 3 or more exact duplicates");
  ExpectError(Ksg2MutualInformation(x, y, no_jitter), "exact duplicates");
  ExpectError(KsgConditionalMutualInformation(x, y, x, no_jitter), "(x, y, z) sample 0");
  Samples x_far = x, y_far = y;
  for (double& v : x_far.values) v += 1e8;
  for (double& v : y_far.values) v += 1e8;
  ExpectError(KsgMutualInformation(x_far, y_far), "or centre the columns");
  // With the jitter on and ordinary magnitudes the copies are told apart.
  EXPECT_TRUE(KsgMutualInformation(x, y).ok());
}

// gcmi issue 3: linearly dependent columns make the covariance singular.
TEST(DegenerateDataTest, CollinearColumnsAreAnErrorForGcmi) {
  const int64_t n = 1000;
  const SamplePair p = CorrelatedGaussian(n, 1, 0.6, 5);
  Samples two(n, 2), nearly(n, 2);
  for (int64_t i = 0; i < n; ++i) {
    two(i, 0) = nearly(i, 0) = p.x(i, 0);
    two(i, 1) = 2 * p.x(i, 0) + 1;
    nearly(i, 1) = p.x(i, 0) + 1e-9 * p.y(i, 0);
  }
  ExpectError(GaussianMutualInformation(two, p.y, true, false), "covariance of x is singular");
  ExpectError(GcmiCc(two, p.y), "covariance of x is singular");
  ExpectError(GcmiCc(nearly, p.y), "covariance of x is singular");
  // Y = X: the joint covariance is singular (the true MI is infinite).
  ExpectError(GcmiCc(p.x, p.x), "covariance of (x, y) is singular");
  // Values whose squares overflow: an error, where it used to be NaN.
  Samples huge = p.x;
  for (double& v : huge.values) v *= 1e300;
  ExpectError(GaussianMutualInformation(huge, p.y, true, false), "overflows");
  // The copula transform only sees ranks: the same data at any scale.
  const absl::StatusOr<double> a = GcmiCc(huge, p.y), b = GcmiCc(p.x, p.y);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_DOUBLE_EQ(*a, *b);
}

TEST(DegenerateDataTest, NonFiniteValuesAreAnErrorNamingTheSample) {
  const SamplePair p = CorrelatedGaussian(300, 1, 0.6, 6);
  Samples with_nan = p.x, with_inf = p.y;
  with_nan(12, 0) = std::nan("");
  with_inf(40, 0) = -INFINITY;
  for (Estimator e : {Estimator::kKsg, Estimator::kKsg2, Estimator::kGcmi, Estimator::kDiscrete}) {
    const absl::StatusOr<MiEstimate> a = EstimateMutualInformation(e, with_nan, p.y, {});
    const absl::StatusOr<MiEstimate> b = EstimateMutualInformation(e, p.x, with_inf, {});
    ASSERT_FALSE(a.ok() || b.ok()) << EstimatorName(e);
    EXPECT_NE(a.status().message().find("x has a non-finite value (NaN) in sample 12"),
              std::string::npos) << a.status();
    EXPECT_NE(b.status().message().find("y has a non-finite value (infinity) in sample 40"),
              std::string::npos) << b.status();
  }
}

// The probe: a 1-row x against a 3-row y is a row-count mismatch, not
// "x column 0 is constant".
TEST(DegenerateDataTest, RowCountMismatchIsReportedFirst) {
  const Samples x = Column(1, 0.5);
  Samples y(3, 1);
  y.values = {1, 2, 3};
  for (Estimator e : {Estimator::kKsg, Estimator::kGcmi, Estimator::kDiscrete, Estimator::kMine}) {
    const absl::StatusOr<MiEstimate> r = EstimateMutualInformation(e, x, y, {});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("x has 1 samples but y has 3"), std::string::npos)
        << EstimatorName(e) << ": " << r.status();
  }
  const absl::StatusOr<MiEstimate> c =
      EstimateConditionalMutualInformation(Estimator::kKsg, y, y, x, {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("x has 3 samples but z has 1"), std::string::npos) << c.status();
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
