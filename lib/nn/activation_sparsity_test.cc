#include "lib/nn/activation_sparsity.h"

#include <cmath>
#include <tuple>

#include <ATen/ATen.h>
#include <torch/utils.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

TEST(ActivationSparsityTest, KeepsTheTopKOfEachSample) {
  torch::manual_seed(1);
  ActivationSparsity layer(ActivationSparsityOptions(2000));
  EXPECT_EQ(layer->k(), 700);  // (1 - 0.65) * 2000
  const at::Tensor x = at::randn({5, 2000});
  const at::Tensor y = layer->forward(x);
  // Fresh duty cycles are all 0, so the boost is uniform: the top 700 of x win.
  const at::Tensor kept = y.ne(0);
  EXPECT_TRUE(at::equal(kept.sum(1), at::full({5}, 700, at::kLong)));
  at::Tensor top;
  std::tie(std::ignore, top) = x.topk(700, 1);
  EXPECT_TRUE(at::equal(kept, at::zeros_like(kept).scatter_(1, top, true)));
  EXPECT_TRUE(at::equal(y.masked_select(kept), x.masked_select(kept)));
}

TEST(ActivationSparsityTest, DutyCycleIsTheSeedsExponentialAverage) {
  torch::manual_seed(2);
  ActivationSparsity layer(ActivationSparsityOptions(50).batch_size(8).alpha(0.1));
  EXPECT_EQ(layer->winners->options.duty_cycle_period(), 80);
  for (int i = 0; i < 12; ++i) layer->forward(at::randn({8, 50}));  // past the 80-sample warm-up
  const at::Tensor before = layer->winners->duty_cycles.clone();
  const at::Tensor y = layer->forward(at::randn({8, 50}));
  const at::Tensor activity = y.ne(0).to(at::kFloat).mean(0);
  EXPECT_TRUE(at::allclose(layer->winners->duty_cycles, 0.9 * before + 0.1 * activity, 1e-6, 1e-7));
}

TEST(ActivationSparsityTest, BoostFavoursIdleUnitsAndEvalKeepsK) {
  ActivationSparsity layer(ActivationSparsityOptions(4).act_sparsity(0.75).beta(1.5));
  ASSERT_EQ(layer->k(), 1);
  // Unit 0 was always active, unit 1 never: boosts exp(1.5 (0.25 - 1)) vs exp(1.5 * 0.25).
  layer->winners->duty_cycles.copy_(at::tensor({1.0f, 0.0f, 0.25f, 0.25f}));
  layer->eval();
  const at::Tensor y = layer->forward(at::tensor({1.0f, 0.5f, 0.1f, 0.1f}).view({1, 4}));
  EXPECT_TRUE(at::equal(y, at::tensor({0.0f, 0.5f, 0.0f, 0.0f}).view({1, 4})));
}

TEST(ActivationSparsityTest, GradientReachesOnlyWinners) {
  torch::manual_seed(3);
  ActivationSparsity layer(ActivationSparsityOptions(20));
  const at::Tensor x = at::randn({3, 20}).requires_grad_(true);
  const at::Tensor y = layer->forward(x);
  y.sum().backward();
  EXPECT_TRUE(at::equal(x.grad().ne(0), y.ne(0)));
}

TEST(ActivationSparsityTest, BadOptionsFailClearly) {
  EXPECT_THROW(ActivationSparsity(ActivationSparsityOptions(10).act_sparsity(1.0)), c10::Error);
  EXPECT_THROW(ActivationSparsity(ActivationSparsityOptions(10).alpha(0)), c10::Error);
  ActivationSparsity layer(ActivationSparsityOptions(10));
  EXPECT_THROW(layer->forward(at::zeros({2, 11})), c10::Error);
}

}  // namespace
}  // namespace sparselab
