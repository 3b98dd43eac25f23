#include "lib/nn/model_pruning.h"

#include <sstream>

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

// Linear(2 -> 2) and Conv2d(1 -> 2, 1x1) with hand-set weights.
struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    fc = register_module("fc", torch::nn::Linear(torch::nn::LinearOptions(2, 2).bias(false)));
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 2, 1).bias(false)));
    torch::NoGradGuard no_grad;
    fc->weight.copy_(torch::tensor({{0.1, -0.5}, {0.3, 0.05}}));
    conv->weight.copy_(torch::tensor({0.02, -0.9}).view({2, 1, 1, 1}));
  }
  torch::nn::Linear fc{nullptr};
  torch::nn::Conv2d conv{nullptr};
};

TEST(ModelPruningTest, NamesAndParsing) {
  TinyImpl m;
  EXPECT_EQ(PrunableLayerNames(m), (std::vector<std::string>{"fc", "conv"}));
  EXPECT_EQ(*ParsePruningMethod("gradual"), PruningMethod::kGradual);
  EXPECT_EQ(*ParsePruningScope("global"), PruningScope::kGlobal);
  EXPECT_FALSE(ParsePruningMethod("cubic").ok());
  EXPECT_FALSE(ParsePruningScope("net").ok());
}

TEST(ModelPruningTest, LayerScopePrunesEachLayerToTheTarget) {
  TinyImpl m;
  auto pruner = ModelPruner::Create(
      m, ModelPruningOptions().method(PruningMethod::kConstant).final_sparsity(0.4));
  ASSERT_TRUE(pruner.ok()) << pruner.status();
  pruner->Step(0);
  // fc: round(1.6) = 2 of 4 go (0.05, 0.1); conv: round(0.8) = 1 of 2 (0.02).
  EXPECT_TRUE(m.fc->weight.equal(torch::tensor({{0.0, -0.5}, {0.3, 0.0}})));
  EXPECT_TRUE(m.conv->weight.equal(torch::tensor({0.0, -0.9}).view({2, 1, 1, 1})));
}

TEST(ModelPruningTest, GlobalScopeUsesOneThresholdAcrossLayers) {
  TinyImpl m;
  auto pruner = ModelPruner::Create(m, ModelPruningOptions()
                                           .method(PruningMethod::kConstant)
                                           .final_sparsity(0.4)
                                           .scope(PruningScope::kGlobal));
  ASSERT_TRUE(pruner.ok()) << pruner.status();
  pruner->Step(0);
  // round(0.4 * 6) = 2 smallest of all six: 0.02 (conv) and 0.05 (fc).
  EXPECT_TRUE(m.fc->weight.equal(torch::tensor({{0.1, -0.5}, {0.3, 0.0}})));
  EXPECT_TRUE(m.conv->weight.equal(torch::tensor({0.0, -0.9}).view({2, 1, 1, 1})));
  EXPECT_DOUBLE_EQ(pruner->Sparsity(), 2.0 / 6.0);
}

TEST(ModelPruningTest, OnlyListedLayersAndUnknownNames) {
  TinyImpl m;
  auto pruner = ModelPruner::Create(m, ModelPruningOptions()
                                           .method(PruningMethod::kConstant)
                                           .final_sparsity(0.5)
                                           .layers({"conv"}));
  ASSERT_TRUE(pruner.ok());
  pruner->Step(0);
  EXPECT_EQ(m.fc->weight.eq(0).sum().item<int64_t>(), 0);
  EXPECT_EQ(m.conv->weight.eq(0).sum().item<int64_t>(), 1);
  EXPECT_FALSE(m.fc->named_buffers().contains("weight_mask"));
  const auto bad = ModelPruner::Create(
      m, ModelPruningOptions().method(PruningMethod::kConstant).layers({"fc9"}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown layer \"fc9\"; the model's Linear and Conv2d "
                                        "layers are fc, conv"),
            std::string::npos)
      << bad.status();
}

TEST(ModelPruningTest, MasksAreBuffersThatSurviveSaveAndLoad) {
  auto m = std::make_shared<TinyImpl>();
  auto pruner = ModelPruner::Create(
      *m, ModelPruningOptions().method(PruningMethod::kConstant).final_sparsity(0.5));
  ASSERT_TRUE(pruner.ok());
  pruner->Step(0);
  std::stringstream bytes;
  torch::save(m, bytes);
  // A fresh model with its own (all-ones) masks loads the pruned ones.
  auto fresh = std::make_shared<TinyImpl>();
  auto fresh_pruner = ModelPruner::Create(
      *fresh, ModelPruningOptions().method(PruningMethod::kConstant).final_sparsity(0.5).begin_step(99));
  ASSERT_TRUE(fresh_pruner.ok());
  torch::load(fresh, bytes);
  // fc at 50 %: 2 of 4 go, the smallest magnitudes 0.1 and 0.05.
  EXPECT_TRUE(fresh->fc->named_buffers()["weight_mask"].equal(torch::tensor({{0.0, 1.0}, {1.0, 0.0}})));
  // The pruner holds the loaded masks (same tensors), so its zeros are kept.
  EXPECT_TRUE(fresh_pruner->masks()[0].equal(pruner->masks()[0]));
  EXPECT_TRUE(fresh_pruner->masks()[1].equal(pruner->masks()[1]));
}

template <typename Optimizer, typename Options>
void TrainAndCheckZeros(const Options& options, bool sgd) {
  torch::manual_seed(0);
  TinyImpl m;
  Optimizer optimizer(m.parameters(), options);
  auto pruner = ModelPruner::Create(m, ModelPruningOptions()
                                           .method(PruningMethod::kGradual)
                                           .initial_sparsity(0.0)
                                           .final_sparsity(0.5)
                                           .begin_step(2)
                                           .end_step(6)
                                           .frequency(2));
  ASSERT_TRUE(pruner.ok());
  for (int64_t step = 0; step < 12; ++step) {
    optimizer.zero_grad();
    const at::Tensor x = torch::randn({4, 1, 1, 1});
    const at::Tensor y = m.conv(x).sum() + m.fc(torch::randn({3, 2})).pow(2).sum();
    y.backward();
    optimizer.step();
    pruner->Step(step);
    MaskOptimizerState(optimizer, *pruner);
  }
  EXPECT_DOUBLE_EQ(pruner->Sparsity(), 3.0 / 6.0);  // 2 of fc's 4, 1 of conv's 2
  for (size_t i = 0; i < 2; ++i) {
    const at::Tensor& w = pruner->weights()[i];
    const at::Tensor pruned = pruner->masks()[i].eq(0);
    EXPECT_TRUE(w.masked_select(pruned).eq(0).all().item<bool>());
    auto& state = optimizer.state().at(c10::guts::to_string(w.unsafeGetTensorImpl()));
    if (sgd) {
      const at::Tensor& buf = static_cast<torch::optim::SGDParamState&>(*state).momentum_buffer();
      EXPECT_TRUE(buf.masked_select(pruned).eq(0).all().item<bool>());
      EXPECT_TRUE(buf.masked_select(pruned.logical_not()).ne(0).all().item<bool>());
    } else {
      auto& adam = static_cast<torch::optim::AdamParamState&>(*state);
      EXPECT_TRUE(adam.exp_avg().masked_select(pruned).eq(0).all().item<bool>());
      EXPECT_TRUE(adam.exp_avg_sq().masked_select(pruned).eq(0).all().item<bool>());
      EXPECT_TRUE(adam.exp_avg_sq().masked_select(pruned.logical_not()).ne(0).all().item<bool>());
    }
  }
}

TEST(ModelPruningTest, PrunedWeightsAndMomentumStayZeroUnderSgd) {
  TrainAndCheckZeros<torch::optim::SGD>(torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(0.01),
                                        true);
}

TEST(ModelPruningTest, PrunedWeightsAndMomentsStayZeroUnderAdam) {
  TrainAndCheckZeros<torch::optim::Adam>(torch::optim::AdamOptions(0.01).weight_decay(0.01), false);
}

TEST(ModelPruningTest, BadOptionsAreStatuses) {
  TinyImpl m;
  EXPECT_FALSE(ModelPruner::Create(m, ModelPruningOptions()).ok());  // none
  EXPECT_FALSE(ModelPruner::Create(
      m, ModelPruningOptions().method(PruningMethod::kConstant).final_sparsity(1.0)).ok());
  EXPECT_FALSE(ModelPruner::Create(m, ModelPruningOptions()
                                          .method(PruningMethod::kGradual)
                                          .begin_step(10)
                                          .end_step(5))
                   .ok());
}

}  // namespace
}  // namespace sparselab
