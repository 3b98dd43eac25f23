#include "lib/nn/sparse_weights.h"

#include <cstdlib>
#include <string>

#include <c10/util/Exception.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include "gtest/gtest.h"
#include "lib/nn/test_helpers.h"
#include "lib/nn/gradient_check.h"

namespace sparselab {
namespace {

using ::sparselab::testing::TempPath;

TEST(RandomFanInMaskTest, EveryUnitKeepsTheSameNumberOfInputs) {
  at::manual_seed(1);
  const at::Tensor mask = RandomFanInMask(at::ones({6, 10}), 0.3);
  EXPECT_TRUE(mask.sum(1).equal(at::full({6}, 3.0)));
  EXPECT_TRUE(((mask == 0) | (mask == 1)).all().item<bool>());
  // density 0.25 of 7 inputs: round(1.75) = 2.
  EXPECT_TRUE(RandomFanInMask(at::ones({3, 7}), 0.25).sum(1).equal(at::full({3}, 2.0)));
  EXPECT_TRUE(RandomFanInMask(at::ones({3, 7}), 1.0).equal(at::ones({3, 7})));
}

TEST(RandomFanInMaskTest, MasksDifferBetweenUnits) {
  at::manual_seed(2);
  const at::Tensor mask = RandomFanInMask(at::ones({50, 100}), 0.5);
  // 50 identical random halves of 100 inputs would be astronomically unlikely.
  EXPECT_FALSE((mask == mask[0]).all().item<bool>());
  // Every input is used by some unit with overwhelming probability.
  EXPECT_TRUE((mask.sum(0) > 0).all().item<bool>());
}

TEST(RandomFanInMaskTest, ClearErrors) {
  EXPECT_THROW(RandomFanInMask(at::ones({2, 10}), 0.0), c10::Error);
  EXPECT_THROW(RandomFanInMask(at::ones({2, 10}), 1.5), c10::Error);
  EXPECT_THROW(RandomFanInMask(at::ones({2, 10}), 0.01), c10::Error);  // keeps 0 of 10
  EXPECT_THROW(SparseWeights(torch::nn::Linear(10, 2), 0.0), c10::Error);
}

TEST(SparseWeightsTest, MaskedWeightsAreZeroFromConstruction) {
  at::manual_seed(3);
  SparseWeights layer(torch::nn::Linear(20, 5), SparseWeightsOptions(0.3));
  const at::Tensor& w = layer->module->weight;
  EXPECT_TRUE(w.masked_select(layer->weight_mask == 0).eq(0).all().item<bool>());
  EXPECT_TRUE(layer->weight_mask.sum(1).equal(at::full({5}, 6.0)));
  EXPECT_EQ(w.ne(0).sum().item<int64_t>(), 30);  // the kept ones are non-zero
}

TEST(SparseWeightsTest, MasksStayZeroAfterOptimizerStepsWithRezero) {
  at::manual_seed(4);
  SparseWeights layer(torch::nn::Linear(8, 4), SparseWeightsOptions(0.5));
  torch::optim::SGD sgd(layer->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  const at::Tensor before = layer->module->weight.detach().clone();
  for (int step = 0; step < 5; ++step) {
    sgd.zero_grad();
    layer(at::randn({16, 8})).pow(2).sum().backward();
    sgd.step();
    layer->rezero_weights();
    EXPECT_EQ(layer->module->weight.ne(0).sum().item<int64_t>(), 16) << "step " << step;
  }
  const at::Tensor& mask = layer->weight_mask;
  EXPECT_TRUE(layer->module->weight.masked_select(mask == 0).eq(0).all().item<bool>());
  // The kept weights did learn.
  EXPECT_FALSE(layer->module->weight.masked_select(mask == 1).equal(
      before.masked_select(mask == 1)));
}

TEST(SparseWeightsTest, FiniteDifferencesMatchForInputAndWeights) {
  at::manual_seed(5);
  SparseWeights layer(torch::nn::Linear(5, 3), SparseWeightsOptions(0.6));
  layer->to(at::kDouble);
  const at::Tensor x = at::randn({2, 5}, at::kDouble);
  const at::Tensor w = at::randn({2, 3}, at::kDouble);
  auto of_input = [&](const at::Tensor& in) { return (layer(in) * w).sum(); };
  EXPECT_TRUE(testing::AnalyticGradient(of_input, x)
                  .allclose(testing::NumericGradient(of_input, x), 1e-6, 1e-8));
  // d/dW of sum(w * (x W^T + b)) is w^T x, the same at kept and masked entries:
  // rezero_weights (not the gradient) keeps the mask.
  layer->zero_grad();
  of_input(x).backward();
  EXPECT_TRUE(layer->module->weight.grad().allclose(w.t().mm(x)));
}

TEST(SparseWeights2dTest, ConvMaskPerOutputChannel) {
  at::manual_seed(6);
  SparseWeights2d layer(torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 3)),
                        SparseWeightsOptions(0.5));
  // fan_in = 2 * 3 * 3 = 18, keep round(9) = 9 per output channel.
  EXPECT_TRUE(layer->weight_mask.sum({1, 2, 3}).equal(at::full({3}, 9.0)));
  EXPECT_EQ(layer->module->weight.ne(0).sum().item<int64_t>(), 27);
  torch::optim::SGD sgd(layer->parameters(), torch::optim::SGDOptions(0.1).momentum(0.5));
  for (int step = 0; step < 3; ++step) {
    sgd.zero_grad();
    layer(at::randn({2, 2, 5, 5})).sum().backward();
    sgd.step();
    layer->rezero_weights();
  }
  EXPECT_TRUE(layer->module->weight.masked_select(layer->weight_mask == 0).eq(0).all()
                  .item<bool>());
  EXPECT_EQ(layer(at::randn({1, 2, 5, 5})).sizes(), (std::vector<int64_t>{1, 3, 3, 3}));
}

TEST(SparseWeightsTest, SaveLoadRoundTripKeepsMaskAndWeights) {
  at::manual_seed(7);
  SparseWeights layer(torch::nn::Linear(12, 4), SparseWeightsOptions(0.25));
  const std::string path = TempPath("sparse_weights.pt");
  torch::save(layer, path);
  at::manual_seed(8);  // a different random mask before loading
  SparseWeights loaded(torch::nn::Linear(12, 4), SparseWeightsOptions(0.25));
  ASSERT_FALSE(loaded->weight_mask.equal(layer->weight_mask));
  torch::load(loaded, path);
  EXPECT_TRUE(loaded->weight_mask.equal(layer->weight_mask));
  EXPECT_TRUE(loaded->module->weight.equal(layer->module->weight));
  const at::Tensor x = at::randn({2, 12});
  EXPECT_TRUE(loaded(x).equal(layer(x)));
}

TEST(SparseWeightsTest, CloneIsDeepAndKeepsMaskAndWeights) {
  at::manual_seed(4);
  SparseWeights layer(torch::nn::Linear(10, 4), 0.4);
  auto copy = std::dynamic_pointer_cast<SparseWeightsImpl>(layer->clone());
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(copy->weight_mask.equal(layer->weight_mask));
  EXPECT_TRUE(copy->module->weight.equal(layer->module->weight));
  EXPECT_TRUE(copy->module->bias.equal(layer->module->bias));
  // The copy's wrapped layer is its own: the registered child and the member
  // are one object, and neither is the original's.
  EXPECT_EQ(copy->named_children()["module"].get(), copy->module.get());
  EXPECT_NE(copy->module.get(), layer->module.get());
  {
    at::NoGradGuard no_grad;
    copy->module->weight.fill_(7.0);
  }
  EXPECT_EQ(layer->module->weight.eq(7.0).sum().item<int64_t>(), 0);
  copy->rezero_weights();
  EXPECT_TRUE(copy->module->weight.eq(0).equal(layer->weight_mask.eq(0)));
}

TEST(SparseWeights2dTest, CloneIsDeep) {
  at::manual_seed(5);
  SparseWeights2d conv(torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 3)), 0.5);
  auto copy = std::dynamic_pointer_cast<SparseWeights2dImpl>(conv->clone());
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(copy->weight_mask.equal(conv->weight_mask));
  EXPECT_TRUE(copy->module->weight.equal(conv->module->weight));
  EXPECT_NE(copy->module->weight.data_ptr(), conv->module->weight.data_ptr());
  const at::Tensor x = at::randn({1, 2, 5, 5});
  EXPECT_TRUE(copy->forward(x).equal(conv->forward(x)));
}

TEST(RezeroWeightsTest, FindsNestedSparseLayers) {
  struct NetImpl : torch::nn::Module {
    NetImpl()
        : fc(register_module("fc", SparseWeights(torch::nn::Linear(6, 4), 0.5))),
          conv(register_module("conv", SparseWeights2d(torch::nn::Conv2d(1, 2, 3), 0.5))) {}
    SparseWeights fc;
    SparseWeights2d conv;
  };
  auto net = std::make_shared<NetImpl>();
  {
    at::NoGradGuard no_grad;
    net->fc->module->weight.fill_(1);
    net->conv->module->weight.fill_(1);
  }
  RezeroWeights(*net);
  EXPECT_EQ(net->fc->module->weight.sum().item<double>(), 12);   // 4 units x 3 kept
  EXPECT_EQ(net->conv->module->weight.sum().item<double>(), 10);  // 2 x round(4.5)
}

}  // namespace
}  // namespace sparselab
