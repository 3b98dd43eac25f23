#include "lib/nn/penalties.h"

#include <cmath>

#include <c10/util/Exception.h>

#include "gtest/gtest.h"
#include "lib/nn/gradient_check.h"

namespace sparselab {
namespace {

at::Tensor D(std::vector<double> values, std::vector<int64_t> shape) {
  return at::tensor(values, at::kDouble).view(shape);
}

TEST(L1ActivationPenaltyTest, WeightTimesMeanAbsoluteSumPerSample) {
  const at::Tensor a = D({1, -2, 0, 3}, {2, 2});
  EXPECT_DOUBLE_EQ(L1ActivationPenalty(a, 0.5).item<double>(), 0.5 * 6 / 2);
  const at::Tensor x = a.clone().set_requires_grad(true);
  L1ActivationPenalty(x, 0.5).backward();
  EXPECT_TRUE(x.grad().equal(D({0.25, -0.25, 0, 0.25}, {2, 2})));
}

TEST(BernoulliKLTest, HandComputed) {
  EXPECT_NEAR(BernoulliKL(0.05, D({0.05}, {1})).item<double>(), 0, 1e-15);
  const double expected = 0.05 * std::log(0.05 / 0.2) + 0.95 * std::log(0.95 / 0.8);
  EXPECT_NEAR(BernoulliKL(0.05, D({0.2}, {1})).item<double>(), expected, 1e-15);
}

TEST(KLSparsityPenaltyTest, ValueFromBatchMeans) {
  // rho_hat = (0.1, 0.4).
  const at::Tensor a = D({0.0, 0.3, 0.2, 0.5}, {2, 2});
  const double kl1 = 0.05 * std::log(0.05 / 0.1) + 0.95 * std::log(0.95 / 0.9);
  const double kl2 = 0.05 * std::log(0.05 / 0.4) + 0.95 * std::log(0.95 / 0.6);
  EXPECT_NEAR(KLSparsityPenalty(a, 0.05, 3.0).item<double>(), 3.0 * (kl1 + kl2), 1e-12);
}

TEST(KLSparsityPenaltyTest, AutogradMatchesClosedFormInRhoHat) {
  const double rho = 0.05, beta = 3.0;
  const at::Tensor rho_hat = D({0.01, 0.05, 0.2, 0.7, 0.99}, {5}).set_requires_grad(true);
  (beta * BernoulliKL(rho, rho_hat).sum()).backward();
  const at::Tensor r = rho_hat.detach();
  const at::Tensor closed_form = beta * ((1 - rho) / (1 - r) - rho / r);
  EXPECT_TRUE(rho_hat.grad().allclose(closed_form, 1e-12, 1e-12));
  EXPECT_NEAR(rho_hat.grad()[1].item<double>(), 0, 1e-12);  // minimum at rho
}

TEST(KLSparsityPenaltyTest, FiniteDifferencesInActivations) {
  at::manual_seed(0);
  const at::Tensor a = at::rand({4, 3}, at::kDouble) * 0.8 + 0.1;
  auto f = [](const at::Tensor& x) { return KLSparsityPenalty(x, 0.05, 2.0); };
  EXPECT_TRUE(testing::AnalyticGradient(f, a).allclose(testing::NumericGradient(f, a), 1e-6, 1e-8));
  // Chain rule: dP/da_ij = closed form at rho_hat_j / batch.
  const at::Tensor r = a.mean(0);
  const at::Tensor expected = (2.0 * (0.95 / (1 - r) - 0.05 / r) / 4).expand({4, 3});
  EXPECT_TRUE(testing::AnalyticGradient(f, a).allclose(expected, 1e-12, 1e-12));
}

TEST(PenaltiesTest, ClearErrors) {
  EXPECT_THROW(KLSparsityPenalty(at::zeros({3}), 0.05, 1.0), c10::Error);
  EXPECT_THROW(BernoulliKL(1.0, at::zeros({3})), c10::Error);
  EXPECT_THROW(L1ActivationPenalty(at::zeros({2, 2}), -1), c10::Error);
}

}  // namespace
}  // namespace sparselab
