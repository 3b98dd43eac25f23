#include "lib/nn/synaptic_scaling.h"

#include <cstdlib>
#include <string>

#include <c10/util/Exception.h>
#include <torch/serialize.h>

#include "gtest/gtest.h"
#include "lib/nn/kwta.h"

namespace sparselab {
namespace {

at::Tensor D(std::vector<double> values, std::vector<int64_t> shape) {
  return at::tensor(values, at::kDouble).view(shape);
}

SynapticScaling Make(int64_t n, int64_t k, int64_t period = 1000) {
  SynapticScaling layer(torch::nn::AnyModule(KWTABinary(k)),
                        SynapticScalingOptions(n, static_cast<double>(k) / n).period(period));
  layer->to(at::kDouble);
  return layer;
}

TEST(SynapticScalingTest, FiringRateIsTheRunningMeanOfTheCode) {
  SynapticScaling layer = Make(4, 1, /*period=*/4);
  // Fresh rates are 0: every unit scaled by exp(0.25), the order is unchanged.
  EXPECT_TRUE(layer(D({1, 0, 0, 0, 0, 2, 0, 0}, {2, 4})).equal(D({1, 0, 0, 0, 0, 1, 0, 0}, {2, 4})));
  EXPECT_TRUE(layer->firing_rate.allclose(D({0.5, 0.5, 0, 0}, {4})));
  layer->eval();
  layer(D({0, 0, 0, 1}, {1, 4}));  // no update in eval mode
  EXPECT_TRUE(layer->firing_rate.allclose(D({0.5, 0.5, 0, 0}, {4})));
}

TEST(SynapticScalingTest, ScalingChangesTheWinner) {
  SynapticScaling layer = Make(4, 1);
  {
    at::NoGradGuard no_grad;
    layer->firing_rate.copy_(at::tensor({1.0, 0.0, 0.0, 0.0}));
  }
  const at::Tensor x = D({1.0, 0.8, 0.1, 0.1}, {1, 4});
  // 1.0 * exp(0.25 - 1) = 0.47 < 0.8 * exp(0.25) = 1.03: unit 1 wins in training.
  EXPECT_TRUE(layer(x).equal(D({0, 1, 0, 0}, {1, 4})));
  layer->eval();  // no scaling at inference (EmbedderSDR)
  EXPECT_TRUE(layer(x).equal(D({1, 0, 0, 0}, {1, 4})));
}

TEST(SynapticScalingTest, SaveLoadKeepsFiringRate) {
  SynapticScaling layer = Make(6, 2);
  layer(at::randn({5, 6}, at::kDouble));
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/synaptic.pt";
  torch::save(layer, path);
  SynapticScaling loaded = Make(6, 2);
  torch::load(loaded, path);
  EXPECT_TRUE(loaded->firing_rate.equal(layer->firing_rate));
  EXPECT_EQ(loaded->learning_iterations.item<double>(), 5);
}

TEST(SynapticScalingTest, CloneIsDeepAndKeepsFiringRates) {
  SynapticScaling layer = Make(6, 2);
  layer(at::randn({5, 6}, at::kDouble));
  auto copy = std::dynamic_pointer_cast<SynapticScalingImpl>(layer->clone());
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(copy->firing_rate.equal(layer->firing_rate));
  EXPECT_EQ(copy->learning_iterations.item<int64_t>(), 5);
  EXPECT_NE(copy->kwta.ptr().get(), layer->kwta.ptr().get());
  EXPECT_EQ(copy->named_children()["kwta"].get(), copy->kwta.ptr().get());
  // Training the copy moves only its own rates.
  const at::Tensor before = layer->firing_rate.clone();
  copy->forward(at::randn({3, 6}, at::kDouble));
  EXPECT_TRUE(layer->firing_rate.equal(before));
  EXPECT_FALSE(copy->firing_rate.equal(before));
}

TEST(SynapticScalingTest, ClearErrors) {
  SynapticScaling layer = Make(4, 1);
  EXPECT_THROW(layer(at::zeros({2, 5}, at::kDouble)), c10::Error);
  EXPECT_THROW(SynapticScaling(torch::nn::AnyModule(KWTABinary(1)), SynapticScalingOptions(4, 1.5)),
               c10::Error);
}

}  // namespace
}  // namespace sparselab
