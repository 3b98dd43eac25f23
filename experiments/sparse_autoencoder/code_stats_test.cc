#include "experiments/sparse_autoencoder/code_stats.h"

#include "gtest/gtest.h"

namespace sparselab::sparse_autoencoder {
namespace {

TEST(CodeStatsTest, HandComputed) {
  // 2 samples x 4 units; unit 3 never active.
  const at::Tensor a = at::tensor({0.5, 0.0, 0.005, 0.0, 0.2, 0.2, 0.0, 0.0}, at::kDouble).view({2, 4});
  const CodeStats s = MeasureCodes(a, 0.01);
  EXPECT_NEAR(s.mean_activation, 0.905 / 8, 1e-12);
  EXPECT_NEAR(s.active_share, 3.0 / 8, 1e-12);   // 1 of 4, 2 of 4
  EXPECT_NEAR(s.nonzero_share, 4.0 / 8, 1e-12);
  EXPECT_EQ(s.dead_units, 2);                    // unit 2 (0.005) and unit 3
  // Population: sample 0 (0.505/4)^2 / ((0.25 + 0.000025)/4); sample 1: 0.5.
  const double p0 = (0.505 / 4) * (0.505 / 4) / (0.250025 / 4);
  EXPECT_NEAR(s.population_ratio, (p0 + 0.5) / 2, 1e-12);
  // Lifetime: unit 0 (0.35)^2 / 0.145, unit 1 0.5, unit 2 0.5, unit 3 left out.
  EXPECT_NEAR(s.lifetime_ratio, (0.35 * 0.35 / 0.145 + 0.5 + 0.5) / 3, 1e-12);
  const RhoDeviation d = MeasureRhoDeviation(a, 0.1);
  // rho_hat = 0.35, 0.1, 0.0025, 0.
  EXPECT_NEAR(d.mean_abs, (0.25 + 0 + 0.0975 + 0.1) / 4, 1e-12);
  EXPECT_NEAR(d.max_abs, 0.25, 1e-12);
}

TEST(CodeStatsTest, ProbeSeparatesSeparableCodesAndNotNoise) {
  at::manual_seed(0);
  const at::Tensor labels = at::randint(0, 3, {600}, at::kLong);
  // Class c lights up unit c.
  const at::Tensor codes = at::one_hot(labels, 3).to(at::kFloat) + 0.1 * at::rand({600, 3});
  ProbeOptions o;
  o.epochs = 20;
  EXPECT_GT(LinearProbeAccuracy(codes.narrow(0, 0, 400), labels.narrow(0, 0, 400),
                                codes.narrow(0, 400, 200), labels.narrow(0, 400, 200), 3, o),
            0.99);
  const at::Tensor noise = at::rand({600, 3});
  EXPECT_LT(LinearProbeAccuracy(noise.narrow(0, 0, 400), labels.narrow(0, 0, 400),
                                noise.narrow(0, 400, 200), labels.narrow(0, 400, 200), 3, o),
            0.5);
}

}  // namespace
}  // namespace sparselab::sparse_autoencoder
