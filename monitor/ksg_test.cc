#include "monitor/ksg.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "monitor/ksg_brute_force.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

using testing::Columns;
using testing::CorrelatedGaussian;
using testing::GaussianMutualInformationTruth;
using testing::StandardNormals;

double Value(const absl::StatusOr<double>& v) {
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : NAN;
}

// Expected values: the reference implementation NPEET (gregversteeg/NPEET,
// npeet/entropy_estimators.py at d562b77: `mi`, `mi(x, y, z)`, `entropy`,
// base=e, its default 1e-10 noise) run with numpy 1.24 / scipy 1.10 /
// scikit-learn 1.2 on the test_data.h samples regenerated in Python.
TEST(KsgTest, AgreesWithNpeetMi) {
  const auto a = CorrelatedGaussian(300, 1, 0.6, 1);
  EXPECT_NEAR(Value(KsgMutualInformation(a.x, a.y)), 0.19821870628194296, 1e-6);
  const auto b = CorrelatedGaussian(400, 2, 0.8, 2);
  EXPECT_NEAR(Value(KsgMutualInformation(b.x, b.y)), 1.0063474342748873, 1e-6);
  KsgOptions k5;
  k5.k = 5;
  EXPECT_NEAR(Value(KsgMutualInformation(b.x, b.y, k5)), 0.9829818146966921, 1e-6);
}

TEST(KsgTest, ConditionalAgreesWithNpeet) {
  // z = g0, x = z + 0.5 g1, y = z + 0.5 g2: X and Y independent given Z.
  const Samples g = StandardNormals(300, 3, 3);
  Samples z = Columns(g, 0, 1), x = Columns(g, 1, 2), y = Columns(g, 2, 3);
  for (int64_t i = 0; i < g.n; ++i) {
    x(i, 0) = z(i, 0) + 0.5 * x(i, 0);
    y(i, 0) = z(i, 0) + 0.5 * y(i, 0);
  }
  EXPECT_NEAR(Value(KsgConditionalMutualInformation(x, y, z)), -0.032458476250417985, 1e-6);
  EXPECT_NEAR(Value(KsgMutualInformation(x, y)), 0.663327911782604, 1e-6);
}

TEST(KsgTest, EntropyAgreesWithNpeet) {
  const Samples g = StandardNormals(300, 2, 4);
  Samples x(300, 2);
  for (int64_t i = 0; i < 300; ++i) {
    x(i, 0) = g(i, 0);
    x(i, 1) = 0.5 * g(i, 0) + g(i, 1);
  }
  EXPECT_NEAR(Value(KozachenkoLeonenkoEntropy(x)), 2.97272075171035, 1e-6);
}

// Expected values: scikit-learn 1.2.1 sklearn.feature_selection._mutual_info.
// _compute_mi_cd(c, labels, k), Ross's estimator (1-D, where its Euclidean
// metric equals the max-norm).
TEST(KsgTest, MixedAgreesWithScikitLearnRoss) {
  const int64_t n = 300;
  std::vector<int64_t> mod3(n), mod2(n);
  Samples c = StandardNormals(n, 1, 8), c2 = StandardNormals(n, 1, 9);
  for (int64_t i = 0; i < n; ++i) {
    mod3[i] = i % 3;
    mod2[i] = i % 2;
    c(i, 0) += 0.8 * mod3[i];
    c2(i, 0) += 1.0 * mod2[i];
  }
  EXPECT_NEAR(Value(MixedMutualInformation(c, mod3)), 0.14736033237255497, 1e-9);
  KsgOptions k5;
  k5.k = 5;
  EXPECT_NEAR(Value(MixedMutualInformation(c2, mod2, k5)), 0.089872290826773504, 1e-9);
}

TEST(KsgTest, TreeEqualsBruteForceExactly) {
  for (int64_t d : {1, 3}) {
    for (int k : {1, 3, 7}) {
      const auto p = CorrelatedGaussian(700, d, 0.5, 20 + d);
      KsgOptions options;
      options.k = k;
      options.seed = 9;
      EXPECT_EQ(Value(KsgMutualInformation(p.x, p.y, options)),
                Value(BruteForceKsgMutualInformation(p.x, p.y, options)))
          << "d " << d << " k " << k;
      EXPECT_EQ(Value(Ksg2MutualInformation(p.x, p.y, options)),
                Value(BruteForceKsg2MutualInformation(p.x, p.y, options)))
          << "d " << d << " k " << k;
    }
  }
  // Heavy ties (values rounded to 0.1): the jitter decides, identically.
  auto p = CorrelatedGaussian(500, 2, 0.7, 31);
  for (double& v : p.x.values) v = std::round(v * 10.0) / 10.0;
  for (double& v : p.y.values) v = std::round(v * 10.0) / 10.0;
  EXPECT_EQ(Value(KsgMutualInformation(p.x, p.y)),
            Value(BruteForceKsgMutualInformation(p.x, p.y)));
  EXPECT_EQ(Value(Ksg2MutualInformation(p.x, p.y)),
            Value(BruteForceKsg2MutualInformation(p.x, p.y)));
}

TEST(KsgTest, GaussianClosedForm) {
  // 2-D correlated Gaussian, N = 10,000: KSG's bias is far below 0.02 nats.
  const auto p = CorrelatedGaussian(10000, 1, 0.6, 40);
  const double truth = GaussianMutualInformationTruth(1, 0.6);
  EXPECT_NEAR(Value(KsgMutualInformation(p.x, p.y)), truth, 0.02);
  EXPECT_NEAR(Value(Ksg2MutualInformation(p.x, p.y)), truth, 0.02);
  // Independent variables: ~0.
  const auto q = CorrelatedGaussian(5000, 2, 0.0, 41);
  EXPECT_NEAR(Value(KsgMutualInformation(q.x, q.y)), 0.0, 0.02);
}

TEST(KsgTest, KozachenkoLeonenkoGaussianEntropy) {
  // x = A g with A = [[1, 0], [0.5, 2]]: C = A A^T, det C = 4.
  const Samples g = StandardNormals(5000, 2, 42);
  Samples x(g.n, 2);
  for (int64_t i = 0; i < g.n; ++i) {
    x(i, 0) = g(i, 0);
    x(i, 1) = 0.5 * g(i, 0) + 2.0 * g(i, 1);
  }
  const double truth = 0.5 * std::log(std::pow(2.0 * M_PI * M_E, 2) * 4.0);
  EXPECT_NEAR(Value(KozachenkoLeonenkoEntropy(x)), truth, 0.03);
}

TEST(KsgTest, ConditionalIndependenceGivesZero) {
  const Samples g = StandardNormals(3000, 3, 43);
  Samples z = Columns(g, 0, 1), x = Columns(g, 1, 2), y = Columns(g, 2, 3);
  for (int64_t i = 0; i < g.n; ++i) {
    x(i, 0) = z(i, 0) + 0.5 * x(i, 0);
    y(i, 0) = z(i, 0) + 0.5 * y(i, 0);
  }
  EXPECT_NEAR(Value(KsgConditionalMutualInformation(x, y, z)), 0.0, 0.02);
  // Unconditionally they share z: I(X;Y) = -1/2 log(1 - 0.8^2) = 0.51.
  EXPECT_NEAR(Value(KsgMutualInformation(x, y)), 0.5108, 0.03);
}

TEST(KsgTest, MixedRecoversGaussianClassSeparation) {
  // Two equiprobable classes at -1 and +1 with unit noise: I = 0.3368 nats
  // (numerical integral of the two-Gaussian mixture's entropy minus 1/2 log 2 pi e).
  const int64_t n = 8000;
  Samples x = StandardNormals(n, 1, 44);
  std::vector<int64_t> labels(n);
  for (int64_t i = 0; i < n; ++i) {
    labels[i] = i % 2;
    x(i, 0) += labels[i] == 0 ? -1.0 : 1.0;
  }
  // Entropy of the mixture by quadrature.
  double h = 0.0;
  for (double t = -12.0; t <= 12.0; t += 1e-3) {
    const double p = 0.5 * (std::exp(-0.5 * (t + 1) * (t + 1)) + std::exp(-0.5 * (t - 1) * (t - 1))) /
                     std::sqrt(2.0 * M_PI);
    if (p > 0) h -= p * std::log(p) * 1e-3;
  }
  const double truth = h - 0.5 * std::log(2.0 * M_PI * M_E);
  EXPECT_NEAR(truth, 0.3368, 1e-3);  // 0.486 bits
  EXPECT_NEAR(Value(MixedMutualInformation(x, labels)), truth, 0.03);
}

TEST(KsgTest, SameSeedSameNumbersAnyThreadCount) {
  const auto p = CorrelatedGaussian(2000, 2, 0.5, 45);
  KsgOptions one, two;
  one.num_threads = 1;
  two.num_threads = 2;
  EXPECT_EQ(Value(KsgMutualInformation(p.x, p.y, one)), Value(KsgMutualInformation(p.x, p.y, two)));
  EXPECT_EQ(Value(Ksg2MutualInformation(p.x, p.y, one)),
            Value(Ksg2MutualInformation(p.x, p.y, two)));
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
