#include "lib/nn/pruning.h"

#include <torch/optim/sgd.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

TEST(ParsePruningScheduleTest, KnownNamesAndError) {
  EXPECT_EQ(*ParsePruningSchedule("constant"), PruningSchedule::kConstant);
  EXPECT_EQ(*ParsePruningSchedule("gradual"), PruningSchedule::kGradual);
  const auto bad = ParsePruningSchedule("cubic");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("\"constant\" or \"gradual\""), std::string::npos);
}

TEST(MagnitudePrunerTest, GradualCubicScheduleValues) {
  // s_i = 0, s_f = 0.8, t0 = 10, n = 4, dt = 5.
  auto pruner = MagnitudePruner::Create(
      {at::ones({10})},
      PruningOptions().initial_sparsity(0).final_sparsity(0.8).begin_step(10).num_steps(4).frequency(5));
  ASSERT_TRUE(pruner.ok());
  EXPECT_EQ(pruner->SparsityAt(9), 0.0);
  EXPECT_DOUBLE_EQ(pruner->SparsityAt(10), 0.0);
  EXPECT_DOUBLE_EQ(pruner->SparsityAt(15), 0.8 - 0.8 * 0.421875);  // (3/4)^3
  EXPECT_DOUBLE_EQ(pruner->SparsityAt(17), 0.8 - 0.8 * 0.421875);  // held until 20
  EXPECT_DOUBLE_EQ(pruner->SparsityAt(20), 0.8 - 0.8 * 0.125);     // (1/2)^3
  EXPECT_DOUBLE_EQ(pruner->SparsityAt(25), 0.8 - 0.8 * 0.015625);  // (1/4)^3
  EXPECT_DOUBLE_EQ(pruner->SparsityAt(30), 0.8);
  EXPECT_DOUBLE_EQ(pruner->SparsityAt(1000), 0.8);
  EXPECT_TRUE(pruner->IsPruningStep(10));
  EXPECT_TRUE(pruner->IsPruningStep(30));
  EXPECT_FALSE(pruner->IsPruningStep(12));
  EXPECT_FALSE(pruner->IsPruningStep(35));
}

TEST(MagnitudePrunerTest, PrunesSmallestMagnitudesPerTensor) {
  at::Tensor w = at::tensor({0.5, -0.1, 0.9, 0.05, -0.7, 0.3, -0.2, 0.8, 0.01, 0.6});
  at::Tensor v = at::tensor({1.0, -2.0, 3.0, -4.0});
  auto pruner = MagnitudePruner::Create(
      {w, v}, PruningOptions().schedule(PruningSchedule::kConstant).final_sparsity(0.3).begin_step(2));
  ASSERT_TRUE(pruner.ok());
  pruner->Step(0);
  pruner->Step(1);
  EXPECT_EQ(w.eq(0).sum().item<int64_t>(), 0);
  pruner->Step(2);  // 30 %: 3 of 10 and round(1.2) = 1 of 4
  EXPECT_TRUE(w.equal(at::tensor({0.5, 0.0, 0.9, 0.0, -0.7, 0.3, -0.2, 0.8, 0.0, 0.6})));
  EXPECT_TRUE(v.equal(at::tensor({0.0, -2.0, 3.0, -4.0})));
  EXPECT_DOUBLE_EQ(pruner->Sparsity(), 4.0 / 14.0);
}

TEST(MagnitudePrunerTest, MasksPersistThroughOptimizerSteps) {
  at::manual_seed(0);
  at::Tensor w = at::randn({8, 8}).set_requires_grad(true);
  torch::optim::SGD sgd({w}, torch::optim::SGDOptions(0.1).momentum(0.9));
  auto pruner = MagnitudePruner::Create(
      {w}, PruningOptions().initial_sparsity(0.25).final_sparsity(0.75).begin_step(0).num_steps(2).frequency(3));
  ASSERT_TRUE(pruner.ok());
  at::Tensor previous_mask = pruner->masks()[0].clone();
  for (int64_t step = 0; step < 10; ++step) {
    sgd.zero_grad();
    (w * at::randn({8, 8})).sum().backward();
    sgd.step();
    pruner->Step(step);
    const at::Tensor mask = pruner->masks()[0];
    EXPECT_TRUE(w.detach().masked_select(mask.eq(0)).eq(0).all().item<bool>()) << step;
    // Once pruned, always pruned.
    EXPECT_TRUE(mask.le(previous_mask).all().item<bool>()) << step;
    previous_mask = mask.clone();
  }
  // Steps 0, 3, 6: 25 %, 0.75 - 0.5 * (1/2)^3 = 68.75 %, 75 % of 64.
  EXPECT_EQ(pruner->masks()[0].eq(0).sum().item<int64_t>(), 48);
}

TEST(MagnitudePrunerTest, BadOptionsAreStatuses) {
  EXPECT_FALSE(MagnitudePruner::Create({at::ones({3})}, PruningOptions().final_sparsity(1.0)).ok());
  EXPECT_FALSE(MagnitudePruner::Create({at::ones({3})},
                                       PruningOptions().initial_sparsity(0.5).final_sparsity(0.2))
                   .ok());
  EXPECT_FALSE(MagnitudePruner::Create({at::ones({3})}, PruningOptions().frequency(0)).ok());
  EXPECT_FALSE(MagnitudePruner::Create({}, PruningOptions()).ok());
}

}  // namespace
}  // namespace sparselab
