#include "lib/nn/sparse_linear/compact_export.h"

#include <cstdio>
#include <filesystem>
#include <string>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/modules/container/named_any.h>

#include "gtest/gtest.h"
#include "lib/nn/model_pruning.h"

namespace sparselab {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / name).string();
}

TEST(SparseLinearFromDenseTest, KeepsExactlyTheNonZeros) {
  const at::Tensor w = at::tensor({0.f, 1.5f, 0.f, -2.f, 0.f, 0.f, 0.f, 3.f}).view({2, 4});
  const at::Tensor b = at::tensor({0.25f, -1.f});
  SparseLinear s = SparseLinearFromDense(w, b);
  EXPECT_EQ(s->nnz(), 3);
  EXPECT_TRUE(at::equal(s->dense_weight(), w));
  EXPECT_TRUE(at::equal(s->row_offsets, at::tensor({0, 2, 3}, at::kInt)));
  EXPECT_TRUE(at::equal(s->col_indices, at::tensor({1, 3, 3}, at::kInt)));
  const at::Tensor x = at::tensor({1.f, 2.f, 3.f, 4.f}).view({1, 4});
  // Hand: row 0 = 1.5 * 2 - 2 * 4 + 0.25 = -4.75; row 1 = 3 * 4 - 1 = 11.
  EXPECT_TRUE(at::equal(s(x), at::tensor({-4.75f, 11.f}).view({1, 2})));
  // A weight with no non-zero keeps one explicit zero.
  SparseLinear empty = SparseLinearFromDense(at::zeros({3, 2}), at::Tensor());
  EXPECT_EQ(empty->nnz(), 1);
  EXPECT_TRUE(at::equal(empty->dense_weight(), at::zeros({3, 2})));
  EXPECT_FALSE(empty->bias.defined());
}

torch::nn::Sequential SmallCnn() {
  return torch::nn::Sequential(
      {{"conv1", torch::nn::AnyModule(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3)))},
       {"relu1", torch::nn::AnyModule(torch::nn::ReLU())},
       {"pool1", torch::nn::AnyModule(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)))},
       {"flatten", torch::nn::AnyModule(torch::nn::Flatten())},
       {"fc1", torch::nn::AnyModule(torch::nn::Linear(4 * 3 * 3, 200))},
       {"relu2", torch::nn::AnyModule(torch::nn::ReLU())},
       {"fc2", torch::nn::AnyModule(torch::nn::Linear(200, 10))}});
}

// A 90 %-sparse model exported, saved, loaded into a fresh compact twin: the
// same outputs as the pruned dense model, and the file about as small as the
// CSR arithmetic says.
TEST(CompactExportTest, RoundTripGivesTheSameOutputsAndFewerBytes) {
  at::manual_seed(1);
  torch::nn::Sequential model = SmallCnn();
  auto pruner = ModelPruner::Create(*model, ModelPruningOptions()
                                                .method(PruningMethod::kConstant)
                                                .final_sparsity(0.9)
                                                .layers({"fc1", "fc2"}));
  ASSERT_TRUE(pruner.ok()) << pruner.status();
  pruner->Step(0);
  const at::Tensor x = at::randn({5, 1, 8, 8});
  model->eval();
  const at::Tensor expected = model->forward(x);

  torch::nn::Sequential compact = CompactSequential(model);
  const std::string path = TempPath("compact.pt");
  ASSERT_TRUE(SaveModule(*compact, path).ok());
  at::manual_seed(2);
  torch::nn::Sequential loaded = CompactSequential(SmallCnn());  // other weights, other nnz
  ASSERT_TRUE(LoadModule(*loaded, path).ok());
  loaded->eval();
  const at::Tensor actual = loaded->forward(x);
  EXPECT_TRUE(at::allclose(actual, expected, 1e-5, 1e-6))
      << (actual - expected).abs().max().item<float>();
  const auto* fc1 = loaded[4]->as<SparseLinearImpl>();
  ASSERT_NE(fc1, nullptr);
  EXPECT_EQ(fc1->nnz(), 720);  // 7200 - llround(0.9 * 7200)
  EXPECT_EQ(loaded[6]->as<SparseLinearImpl>()->nnz(), 200);

  // Bytes: the dense save holds 7200 + 2000 float weights the compact one
  // replaces by 920 floats + 920 int32 columns + 211 + 11 int32 row offsets.
  torch::nn::Sequential dense = CompactSequential(model, /*sparse_linear=*/false);
  auto dense_bytes = SavedBytes(*dense);
  auto compact_bytes = SavedBytes(*compact);
  ASSERT_TRUE(dense_bytes.ok() && compact_bytes.ok());
  const int64_t saved = 4 * (7200 + 2000) - (8 * 920 + 4 * (201 + 11));
  EXPECT_NEAR(static_cast<double>(*dense_bytes - *compact_bytes), static_cast<double>(saved),
              2048.0)  // archive overhead of the two extra buffers per layer
      << *dense_bytes << " " << *compact_bytes;
  // The mask-free dense copy computes the same as the pruned model too.
  dense->eval();
  EXPECT_TRUE(at::equal(dense->forward(x), expected));
  std::remove(path.c_str());
}

TEST(CompactExportTest, LoadErrorsNameTheFile) {
  torch::nn::Sequential model = CompactSequential(SmallCnn());
  const std::string missing = TempPath("no_such_model.pt");
  EXPECT_EQ(LoadModule(*model, missing).code(), absl::StatusCode::kNotFound);
  const std::string other = TempPath("other_model.pt");
  torch::nn::Sequential different(torch::nn::Linear(3, 2));
  ASSERT_TRUE(SaveModule(*different, other).ok());
  const absl::Status s = LoadModule(*model, other);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(other), std::string::npos) << s;
  std::remove(other.c_str());
}

}  // namespace
}  // namespace sparselab
