#include "lib/nn/sparse_linear/sparse_linear.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>
#include <torch/utils.h>

#include "gtest/gtest.h"
#include "lib/nn/gradient_check.h"
#include "lib/nn/sparse_linear/internal/connectivity.h"
#include "lib/nn/sparse_linear/internal/kernels.h"
#include "lib/nn/sparse_linear/internal/rigl.h"

namespace sparselab {
namespace {

// The message of the c10::Error `f` throws ("" if none).
template <typename F>
std::string ErrorOf(F f) {
  try {
    f();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  }
  return "";
}

SparseLinear DoubleLayer(SparseLinearOptions options) {
  SparseLinear layer(options);
  layer->to(at::kDouble);
  return layer;
}

// Forward and all gradients against a dense layer holding the same masked weights.
TEST(SparseLinearTest, ForwardAndGradientsEqualDenseMaskedLayer) {
  torch::manual_seed(1);
  SparseLinear layer = DoubleLayer(SparseLinearOptions(37, 23).sparsity(0.7));
  EXPECT_EQ(layer->nnz(), std::llround(0.3 * 37 * 23));
  EXPECT_EQ(layer->row_offsets.scalar_type(), at::kInt);
  const at::Tensor dense = layer->dense_weight().requires_grad_(true);
  const at::Tensor dense_bias = layer->bias.detach().clone().requires_grad_(true);
  const at::Tensor x = at::randn({5, 3, 37}, at::kDouble).requires_grad_(true);
  const at::Tensor x_dense = x.detach().clone().requires_grad_(true);
  const at::Tensor r = at::randn({5, 3, 23}, at::kDouble);

  const at::Tensor y = layer->forward(x);
  const at::Tensor y_dense = at::linear(x_dense, dense, dense_bias);
  ASSERT_EQ(y.sizes(), y_dense.sizes());
  EXPECT_TRUE(at::allclose(y, y_dense, 1e-12, 1e-12));
  (y * r).sum().backward();
  (y_dense * r).sum().backward();
  EXPECT_TRUE(at::allclose(x.grad(), x_dense.grad(), 1e-12, 1e-12));
  EXPECT_TRUE(at::allclose(layer->bias.grad(), dense_bias.grad(), 1e-12, 1e-12));
  // The values' gradient is the dense gradient at the non-zeros.
  const at::Tensor positions = PositionsFromCsr(layer->pattern(), 37);
  EXPECT_TRUE(at::allclose(layer->values.grad(), dense.grad().view({-1}).index_select(0, positions),
                           1e-12, 1e-12));
}

TEST(SparseLinearTest, GradientsMatchFiniteDifferences) {
  torch::manual_seed(2);
  SparseLinear layer = DoubleLayer(SparseLinearOptions(9, 6).sparsity(0.5).bias(false));
  const at::Tensor x = at::randn({4, 9}, at::kDouble);
  const at::Tensor r = at::randn({4, 6}, at::kDouble);
  auto of_input = [&](const at::Tensor& in) { return (layer->forward(in) * r).sum(); };
  EXPECT_TRUE(at::allclose(testing::AnalyticGradient(of_input, x),
                           testing::NumericGradient(of_input, x), 1e-7, 1e-8));
  const at::Tensor values = layer->values.detach().clone();
  auto of_values = [&](const at::Tensor& v) {
    at::NoGradGuard no_grad;
    layer->values.copy_(v);
    return (layer->forward(x) * r).sum();
  };
  const at::Tensor numeric = testing::NumericGradient(of_values, values);
  layer->values.detach().copy_(values);
  layer->zero_grad();
  (layer->forward(x) * r).sum().backward();
  EXPECT_TRUE(at::allclose(layer->values.grad(), numeric, 1e-7, 1e-8));
}

TEST(SparseLinearTest, OneDimensionalInputAndBatchOne) {
  torch::manual_seed(3);
  SparseLinear layer = DoubleLayer(SparseLinearOptions(10, 4));
  const at::Tensor x = at::randn({10}, at::kDouble);
  const at::Tensor y = layer->forward(x);
  ASSERT_EQ(y.sizes(), (at::IntArrayRef{4}));
  EXPECT_TRUE(at::allclose(y, at::linear(x, layer->dense_weight(), layer->bias.detach())));
}

// The parallel paths (row chunks, per-block accumulators) give the serial result.
TEST(SparseLinearKernelsTest, TwoThreadsEqualOne) {
  torch::manual_seed(4);
  const CsrPattern p = CsrFromPositions(RandomPositions(300, 200, 12000, 100000000), 300, 200);
  const at::Tensor values = at::randn({p.nnz()}, at::kDouble);
  const at::Tensor x_t = at::randn({200, 16}, at::kDouble);
  const at::Tensor g_t = at::randn({300, 16}, at::kDouble);
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  const at::Tensor y1 = CsrMatmul(p, values, x_t, 300);
  const at::Tensor t1 = CsrTransposedMatmul(p, values, g_t, 200);
  const at::Tensor s1 = CsrSampledProduct(p, g_t, x_t);
  at::set_num_threads(2);
  EXPECT_TRUE(at::allclose(CsrMatmul(p, values, x_t, 300), y1, 1e-12, 1e-12));
  EXPECT_TRUE(at::allclose(CsrTransposedMatmul(p, values, g_t, 200), t1, 1e-12, 1e-12));
  EXPECT_TRUE(at::allclose(CsrSampledProduct(p, g_t, x_t), s1, 1e-12, 1e-12));
  at::set_num_threads(threads);
}

TEST(SparseLinearTest, UserConnectivityIsUsedAsGiven) {
  // Pairs (row 2, col 0), (row 0, col 3), (row 1, col 1): rows first, then columns.
  const at::Tensor pairs = at::tensor({2, 0, 1, 0, 3, 1}, at::kLong).view({2, 3});
  SparseLinear layer(SparseLinearOptions(4, 3).connectivity(pairs));
  EXPECT_EQ(layer->nnz(), 3);
  // Stored in CSR order.
  const at::Tensor expected = at::tensor({0, 1, 2, 3, 1, 0}, at::kLong).view({2, 3});
  EXPECT_TRUE(at::equal(layer->indices(), expected));
}

TEST(SparseLinearTest, ConnectivityErrorsNameTheProblem) {
  auto make = [](const at::Tensor& c) { SparseLinear layer(SparseLinearOptions(4, 3).connectivity(c)); };
  const at::Tensor row_out = at::tensor({0, 3, 1, 1}, at::kLong).view({2, 2});
  EXPECT_NE(ErrorOf([&] { make(row_out); }).find("pair 1 (row 3, col 1) is outside"), std::string::npos)
      << ErrorOf([&] { make(row_out); });
  const at::Tensor col_out = at::tensor({0, 1, -1, 1}, at::kLong).view({2, 2});
  EXPECT_NE(ErrorOf([&] { make(col_out); }).find("pair 0 (row 0, col -1) is outside"), std::string::npos);
  const at::Tensor twice = at::tensor({1, 0, 1, 2, 0, 2}, at::kLong).view({2, 3});
  EXPECT_NE(ErrorOf([&] { make(twice); }).find("(row 1, col 2) appears twice (at 0 and 2)"),
            std::string::npos)
      << ErrorOf([&] { make(twice); });
  EXPECT_NE(ErrorOf([&] { make(at::zeros({3, 2}, at::kLong)); }).find("(2, nnz)"), std::string::npos);
  EXPECT_NE(ErrorOf([&] { make(at::zeros({2, 2}, at::kInt)); }).find("int64"), std::string::npos);
  EXPECT_NE(ErrorOf([&] {
              SparseLinear l(SparseLinearOptions(4, 3).connectivity(row_out).small_world(true));
            }).find("not both"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { SparseLinear l(SparseLinearOptions(4, 3).sparsity(1.0)); }).find("[0, 1)"),
            std::string::npos);
  SparseLinear layer(SparseLinearOptions(4, 3));
  EXPECT_NE(ErrorOf([&] { layer->forward(at::zeros({2, 5})); }).find("(N, *, 4)"), std::string::npos);
}

TEST(SparseLinearConnectivityTest, RandomPositionsAreDistinctAndUniform) {
  torch::manual_seed(5);
  // Both paths: one permutation (total <= max_size) and chunked draws.
  for (int64_t max_size : {int64_t{100000000}, int64_t{1000}}) {
    const at::Tensor p = RandomPositions(200, 300, 30000, max_size);
    ASSERT_EQ(p.numel(), 30000);
    EXPECT_TRUE(at::equal(p, std::get<0>(at::_unique(p, true, false))));  // sorted, distinct
    EXPECT_GE(p.min().item<int64_t>(), 0);
    EXPECT_LT(p.max().item<int64_t>(), 60000);
    // Each row holds 150 on average; binomial sd ~ 8.7.
    const at::Tensor per_row = at::bincount(p.div(300, "floor"), {}, 200).to(at::kDouble);
    EXPECT_NEAR(per_row.mean().item<double>(), 150.0, 1e-9);
    EXPECT_NEAR(per_row.std().item<double>(), std::sqrt(150.0 * 0.5), 2.0);
  }
}

TEST(SparseLinearConnectivityTest, SmallWorldDegreeStatistics) {
  torch::manual_seed(6);
  const int64_t out = 200, in = 100, nnz = 2000;
  const double lambda = SmallWorldLambda(out, in, nnz);
  EXPECT_NEAR(SmallWorldExpectedCount(out, in, lambda), nnz, 1e-6 * nnz * 1.01);
  // Several draws: the count is a sum of Bernoullis with mean nnz.
  double count_sum = 0;
  std::map<int64_t, std::pair<double, double>> by_distance;  // |u - v| bucket -> (hits, expected)
  const int draws = 5;
  for (int d = 0; d < draws; ++d) {
    const at::Tensor p = SmallWorldPositions(out, in, nnz);
    count_sum += p.numel();
    const int64_t* q = p.data_ptr<int64_t>();
    for (int64_t k = 0; k < p.numel(); ++k) {
      const double dist = std::abs(SmallWorldPosition(q[k] / in, out, 200) -
                                   SmallWorldPosition(q[k] % in, in, 200));
      by_distance[static_cast<int64_t>(dist / 20)].first += 1;
    }
  }
  EXPECT_NEAR(count_sum / draws, nnz, 5 * std::sqrt(nnz / double(draws)));
  for (int64_t r = 0; r < out; ++r) {
    for (int64_t c = 0; c < in; ++c) {
      const double dist = std::abs(SmallWorldPosition(r, out, 200) - SmallWorldPosition(c, in, 200));
      by_distance[static_cast<int64_t>(dist / 20)].second +=
          draws * std::pow(dist + 1, -lambda);
    }
  }
  // Observed connections per distance bucket match the expected probabilities,
  // and short connections dominate (the small-world locality).
  for (const auto& [bucket, counts] : by_distance) {
    EXPECT_NEAR(counts.first, counts.second, 5 * std::sqrt(counts.second) + 1) << "bucket " << bucket;
  }
  EXPECT_GT(by_distance[0].first, 3 * by_distance[5].first);
  // Far too few connections for the geometry: a clear error.
  EXPECT_NE(ErrorOf([] { SmallWorldLambda(100, 100, 50); }).find("too few"), std::string::npos);
}

TEST(SparseLinearRiglTest, DropFractionIsCosineDecay) {
  EXPECT_DOUBLE_EQ(RiglDropFraction(0.1, 0, 1000), 0.1);
  EXPECT_NEAR(RiglDropFraction(0.1, 500, 1000), 0.05, 1e-15);
  EXPECT_NEAR(RiglDropFraction(0.1, 1000, 1000), 0.0, 1e-15);
}

// A 3 x 4 case by hand: drop the two smallest |w|, grow where |g x^T| is largest.
TEST(SparseLinearRiglTest, DropsSmallestGrowsLargestGradient) {
  const at::Tensor positions = at::tensor({0, 1, 6, 11}, at::kLong);  // (0,0) (0,1) (1,2) (2,3)
  const at::Tensor values = at::tensor({0.5, -0.01, 0.3, 0.02}, at::kDouble);
  const at::Tensor x_t = at::tensor({1.0, 2.0, 3.0, 4.0}, at::kDouble).view({4, 1});
  const at::Tensor g_t = at::tensor({1.0, -1.1, 0.5}, at::kDouble).view({3, 1});
  // |g x^T| = [1 2 3 4; 1.1 2.2 3.3 4.4; .5 1 1.5 2]; kept: 0 and 6; best free: 7 (4.4), 3 (4).
  for (int64_t max_size : {int64_t{100}, int64_t{4}}) {
    const RiglRewiring plan = PlanRiglRewiring(positions, values, g_t, x_t, 2, max_size);
    EXPECT_EQ(plan.moved, 2);
    EXPECT_TRUE(at::equal(plan.positions, at::tensor({0, 3, 6, 7}, at::kLong)));
    EXPECT_TRUE(at::equal(plan.source_slots, at::tensor({0, -1, 2, -1}, at::kLong)));
    EXPECT_TRUE(at::equal(GatherSlots(values, plan.source_slots),
                          at::tensor({0.5, 0.0, 0.3, 0.0}, at::kDouble)));
  }
}

TEST(SparseLinearRiglTest, ChunkedAndUnchunkedGrowAgree) {
  torch::manual_seed(7);
  const at::Tensor g_t = at::randn({30, 8}, at::kDouble);
  const at::Tensor x_t = at::randn({40, 8}, at::kDouble);
  const at::Tensor excluded = RandomPositions(30, 40, 300, 100000000);
  const at::Tensor whole = std::get<0>(TopGradientPositions(g_t, x_t, excluded, 50, 100000000).sort());
  for (int64_t max_size : {1, 40, 100, 1000}) {
    const at::Tensor chunked = std::get<0>(TopGradientPositions(g_t, x_t, excluded, 50, max_size).sort());
    EXPECT_TRUE(at::equal(chunked, whole)) << "max_size " << max_size;
  }
  // Against the dense definition.
  at::Tensor scores = at::mm(g_t, x_t.t()).abs().view({-1});
  scores.index_fill_(0, excluded, -1.0);
  EXPECT_TRUE(at::equal(whole, std::get<0>(std::get<1>(scores.topk(50)).sort())));
}

// The layer's hook inside a training loop: nnz constant, weights and momentum
// follow their connections, grown connections start at zero.
TEST(SparseLinearRiglTest, RiglStepKeepsNnzAndMovesMomentum) {
  torch::manual_seed(8);
  SparseLinear layer = DoubleLayer(
      SparseLinearOptions(20, 15).sparsity(0.8).dynamic(true).delta_t(3).t_end(100).alpha(0.3));
  torch::optim::SGD sgd(layer->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  const int64_t nnz = layer->nnz();
  int64_t moved_total = 0;
  for (int64_t step = 1; step <= 6; ++step) {
    sgd.zero_grad();
    const at::Tensor x = at::randn({8, 20}, at::kDouble);
    layer->forward(x).pow(2).sum().backward();
    sgd.step();
    std::map<int64_t, std::pair<double, double>> before;  // position -> (value, momentum)
    const at::Tensor positions = PositionsFromCsr(layer->pattern(), 20);
    const auto& state = static_cast<torch::optim::SGDParamState&>(
        *sgd.state().at(c10::guts::to_string(layer->values.unsafeGetTensorImpl())));
    for (int64_t k = 0; k < nnz; ++k) {
      before[positions[k].item<int64_t>()] = {layer->values[k].item<double>(),
                                              state.momentum_buffer()[k].item<double>()};
    }
    const int64_t moved = layer->rigl_step(step, &sgd);
    moved_total += moved;
    EXPECT_EQ(moved, step % 3 == 0 ? static_cast<int64_t>(std::floor(RiglDropFraction(0.3, step, 100) * nnz)) : 0);
    EXPECT_EQ(layer->nnz(), nnz);
    const at::Tensor after = PositionsFromCsr(layer->pattern(), 20);
    EXPECT_EQ(std::get<0>(at::_unique(after, true, false)).numel(), nnz);
    int64_t grown = 0;
    for (int64_t k = 0; k < nnz; ++k) {
      const auto it = before.find(after[k].item<int64_t>());
      if (it == before.end()) {
        ++grown;
        EXPECT_EQ(layer->values[k].item<double>(), 0.0);
        EXPECT_EQ(state.momentum_buffer()[k].item<double>(), 0.0);
      } else {
        EXPECT_EQ(layer->values[k].item<double>(), it->second.first);
        EXPECT_EQ(state.momentum_buffer()[k].item<double>(), it->second.second);
      }
    }
    EXPECT_LE(grown, moved);
    // Still a plain sparse layer: same output as its dense weight.
    const at::Tensor probe = at::randn({2, 20}, at::kDouble);
    EXPECT_TRUE(at::allclose(layer->forward(probe),
                             at::linear(probe, layer->dense_weight(), layer->bias.detach())));
  }
  EXPECT_GT(moved_total, 0);
}

TEST(SparseLinearTest, SaveLoadRoundTrip) {
  torch::manual_seed(9);
  SparseLinear saved(SparseLinearOptions(30, 20).small_world(true).sparsity(0.8));
  const std::string path = std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") +
                           "/sparse_linear.pt";
  torch::save(saved, path);
  torch::manual_seed(10);
  SparseLinear loaded(SparseLinearOptions(30, 20).small_world(true).sparsity(0.8));
  torch::load(loaded, path);
  EXPECT_TRUE(at::equal(loaded->indices(), saved->indices()));
  EXPECT_TRUE(at::equal(loaded->values, saved->values));
  EXPECT_TRUE(at::equal(loaded->bias, saved->bias));
  const at::Tensor x = at::randn({3, 30});
  EXPECT_TRUE(at::equal(loaded->forward(x), saved->forward(x)));
  std::remove(path.c_str());
}

// The wide layer: 50,000 x 50,000 at 99.9 % holds 2.5 M weights and trains.
TEST(SparseLinearTest, WideLayerBuildsAndTrains) {
  torch::manual_seed(11);
  SparseLinear layer(SparseLinearOptions(50000, 50000).sparsity(0.999));
  EXPECT_EQ(layer->nnz(), 2500000);
  torch::optim::SGD sgd(layer->parameters(), torch::optim::SGDOptions(0.01));
  const at::Tensor x = at::randn({4, 50000});
  const at::Tensor before = layer->values.detach().clone();
  layer->forward(x).pow(2).mean().backward();
  sgd.step();
  EXPECT_FALSE(at::equal(before, layer->values));
  EXPECT_EQ(layer->values.grad().numel(), 2500000);
}

}  // namespace
}  // namespace sparselab
