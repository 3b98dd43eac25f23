#include "lib/nn/plane_pruning.h"

#include <string>
#include <vector>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <torch/nn/modules/conv.h>
#include <torch/serialize.h>

#include "gtest/gtest.h"
#include "lib/nn/plane_sparse_conv.h"
#include "lib/nn/test_helpers.h"

namespace sparselab {
namespace {

using ::sparselab::testing::ExpectErrorNaming;
using ::sparselab::testing::TempPath;

// (4, 3, 2, 2) with plane (o, i) constant c = values[3 o + i]: norm 2 |c|.
at::Tensor ConstantPlanes(const std::vector<double>& values) {
  return at::tensor(values, at::kDouble).view({4, 3, 1, 1}).expand({4, 3, 2, 2}).contiguous();
}

// (4, 3) bool: planes that are all zero.
at::Tensor ZeroPlanes(const at::Tensor& w) { return w.eq(0).flatten(2).all(2); }

PruningOptions OneShot(double sparsity) {
  return PruningOptions().schedule(PruningSchedule::kConstant).final_sparsity(sparsity);
}

TEST(PlanePrunerTest, PrunesTheExactCountOfSmallestPlanes) {
  // |c|: 7 1 9 | 4 12 2 | 8 11 3 | 6 10 5.
  const std::vector<double> c = {7, -1, 9, 4, -12, 2, 8, 11, -3, 6, 10, -5};
  at::Tensor w = ConstantPlanes(c);
  const at::Tensor original = w.clone();
  auto pruner = PlanePruner::Create({w}, OneShot(0.3));  // round(0.3 * 12) = 4 planes
  ASSERT_TRUE(pruner.ok()) << pruner.status();
  pruner->Step(0);
  // The four smallest: |c| = 1, 2, 3, 4 at (0,1), (1,2), (2,2), (1,0).
  const at::Tensor expected =
      at::tensor({0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0}, at::kLong).view({4, 3}).ne(0);
  EXPECT_TRUE(ZeroPlanes(w).equal(expected));
  EXPECT_TRUE(w.equal(original * expected.logical_not().view({4, 3, 1, 1})));  // the rest kept
  EXPECT_EQ(pruner->masks()[0].sizes(), (at::IntArrayRef{4, 3, 1, 1}));
  EXPECT_DOUBLE_EQ(pruner->Sparsity(), 4.0 / 12.0);
}

// The score is the Frobenius norm: (1, 1, 1, 1) has norm 2 < 2.1 of
// (2.1, 0, 0, 0) but a larger L1 norm (4) and a smaller max (1 < 2.1).
TEST(PlanePrunerTest, ScoreIsTheFrobeniusNorm) {
  at::Tensor w = at::tensor(std::vector<double>{1, 1, 1, 1, 2.1, 0, 0, 0, 3, 3, 3, 3}, at::kDouble)
                     .view({1, 3, 2, 2});
  auto pruner = PlanePruner::Create({w}, OneShot(1.0 / 3.0));
  ASSERT_TRUE(pruner.ok());
  pruner->Step(0);
  EXPECT_TRUE(ZeroPlanes(w).equal(at::tensor({1, 0, 0}, at::kLong).view({1, 3}).ne(0)));
  // L1 would have pruned plane 1; it is intact.
  EXPECT_DOUBLE_EQ(w[0][1][0][0].item<double>(), 2.1);
}

// s_i = 0, s_f = 0.75, t0 = 2, n = 3, dt = 4: pruning steps 2, 6, 10, 14.
TEST(PlanePrunerTest, GradualCubicScheduleAndGrowingMasks) {
  at::manual_seed(1);
  at::Tensor w = at::randn({4, 4, 3, 3}, at::kDouble);
  auto pruner = PlanePruner::Create({w}, PruningOptions()
                                             .initial_sparsity(0)
                                             .final_sparsity(0.75)
                                             .begin_step(2)
                                             .num_steps(3)
                                             .frequency(4));
  ASSERT_TRUE(pruner.ok());
  EXPECT_EQ(pruner->SparsityAt(1), 0.0);
  EXPECT_DOUBLE_EQ(pruner->SparsityAt(2), 0.0);
  EXPECT_DOUBLE_EQ(pruner->SparsityAt(6), 0.75 - 0.75 * 8.0 / 27.0);  // (2/3)^3
  EXPECT_DOUBLE_EQ(pruner->SparsityAt(9), 0.75 - 0.75 * 8.0 / 27.0);  // held until 10
  EXPECT_DOUBLE_EQ(pruner->SparsityAt(10), 0.75 - 0.75 / 27.0);       // (1/3)^3
  EXPECT_DOUBLE_EQ(pruner->SparsityAt(14), 0.75);
  EXPECT_TRUE(pruner->IsPruningStep(6));
  EXPECT_FALSE(pruner->IsPruningStep(7));
  EXPECT_FALSE(pruner->IsPruningStep(18));

  // 16 planes: round(0.5278 * 16) = 8 after step 6, round(0.7222 * 16) = 12
  // after step 10, round(0.75 * 16) = 12 after step 14.
  const std::vector<int64_t> pruned_after = {0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 12, 12, 12, 12, 12, 12};
  at::Tensor previous = pruner->masks()[0].clone();
  for (int64_t step = 0; step < 16; ++step) {
    {
      at::NoGradGuard no_grad;
      w.add_(at::randn_like(w));  // "training" moves every weight, pruned ones too
      // Pruned planes pushed far up before a pruning step must stay pruned.
      if (step == 10) w.add_(previous.eq(0) * 100);
    }
    pruner->Step(step);
    const at::Tensor mask = pruner->masks()[0];
    EXPECT_EQ(mask.eq(0).sum().item<int64_t>(), pruned_after[step]) << step;
    EXPECT_TRUE(mask.le(previous).all().item<bool>()) << step;  // once pruned, always pruned
    EXPECT_TRUE(ZeroPlanes(w).equal(mask.view({4, 4}).eq(0))) << step;
    previous = mask.clone();
  }
}

// The stored planes of a PlaneSparseConv2d: mask (P, 1, 1), then
// drop_zero_planes frees the pruned ones.
TEST(PlanePrunerTest, PrunesPlaneSparseConvStoredPlanes) {
  at::manual_seed(2);
  PlaneSparseConv2d conv(PlaneSparseConv2dOptions(3, 4, 3));
  const at::Tensor norms = conv->weight.detach().flatten(1).norm(2, 1);
  auto pruner = PlanePruner::Create({conv->weight}, OneShot(0.5));
  ASSERT_TRUE(pruner.ok());
  pruner->Step(0);
  EXPECT_EQ(pruner->masks()[0].sizes(), (at::IntArrayRef{12, 1, 1}));
  const at::Tensor zero = conv->weight.detach().eq(0).flatten(1).all(1);
  EXPECT_EQ(zero.sum().item<int64_t>(), 6);
  // Every pruned plane's norm is below every kept one's.
  EXPECT_LT(norms.masked_select(zero).max().item<float>(),
            norms.masked_select(zero.logical_not()).min().item<float>());
  conv->drop_zero_planes();
  EXPECT_EQ(conv->num_pairs(), 6);
  ExpectErrorNaming([&] { pruner->ApplyMasks(); }, "create a new PlanePruner");
}

TEST(PlanePrunerTest, MaskBufferOnAConv2dIsUpdatedAndSaved) {
  at::manual_seed(3);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(2, 3, 3));
  at::Tensor mask = RegisterPlaneMask(*conv, conv->weight);
  EXPECT_EQ(mask.sizes(), (at::IntArrayRef{3, 2, 1, 1}));
  auto pruner = PlanePruner::Create({conv->weight}, {mask}, OneShot(0.5));
  ASSERT_TRUE(pruner.ok()) << pruner.status();
  pruner->Step(0);
  const at::Tensor buffer = *conv->named_buffers().find("weight_plane_mask");
  EXPECT_EQ(buffer.eq(0).sum().item<int64_t>(), 3);  // the module's own buffer
  const std::string path = TempPath("plane_pruned_conv.pt");
  torch::save(conv, path);

  torch::nn::Conv2d loaded(torch::nn::Conv2dOptions(2, 3, 3));
  RegisterPlaneMask(*loaded, loaded->weight);
  torch::load(loaded, path);
  const at::Tensor reused = RegisterPlaneMask(*loaded, loaded->weight);
  EXPECT_TRUE(reused.equal(buffer));
  EXPECT_TRUE(loaded->weight.equal(conv->weight));
  // A pruner made from the loaded mask keeps those planes pruned.
  auto resumed = PlanePruner::Create({loaded->weight}, {reused}, OneShot(0.5));
  ASSERT_TRUE(resumed.ok());
  resumed->ApplyMasks();
  EXPECT_EQ(ZeroPlanes(loaded->weight.detach()).sum().item<int64_t>(), 3);
}

TEST(PlanePrunerTest, BadInputsAreStatuses) {
  const at::Tensor w = at::ones({2, 2, 3, 3});
  auto global = PlanePruner::Create({w}, OneShot(0.5).scope(PruningScope::kGlobal));
  ASSERT_FALSE(global.ok());
  EXPECT_NE(global.status().message().find("use scope kLayer"), std::string::npos);
  EXPECT_FALSE(PlanePruner::Create({w}, OneShot(1.0)).ok());
  EXPECT_FALSE(PlanePruner::Create({}, OneShot(0.5)).ok());
  auto flat = PlanePruner::Create({at::ones({4, 9})}, OneShot(0.5));
  ASSERT_FALSE(flat.ok());
  EXPECT_NE(flat.status().message().find("(C_out, C_in, kh, kw)"), std::string::npos);
  auto bad_mask = PlanePruner::Create({w}, {at::ones({2, 2})}, OneShot(0.5));
  ASSERT_FALSE(bad_mask.ok());
  EXPECT_NE(bad_mask.status().message().find("RegisterPlaneMask"), std::string::npos);
  ExpectErrorNaming([&] { PlaneMagnitudeMask(w, 1.5); }, "sparsity must be in [0, 1)");
}

}  // namespace
}  // namespace sparselab
