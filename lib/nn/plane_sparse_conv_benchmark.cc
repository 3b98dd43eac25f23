// Speed and memory of PlaneSparseConv2d against the dense at::conv2d with the
// same weight, in one run: a 3x3 convolution (padding 1) from 64 dense input
// planes of 8 x 8 to C_out = 1,000, 10,000 and 100,000 output planes, batch
// 16, computing only 1 % or 0.1 % of the output planes per sample (distinct
// random planes per sample; kPerSample gathers). Forward, and forward +
// backward (the gradients of the input values and of the weight, set to none
// before each pass as Optimizer::zero_grad does). The dense conv computes every
// output plane. Counters (bytes): active_bytes = the active output planes'
// data (nnz x 8 x 8 floats), sparse_bytes = the PlaneSparseTensor's actual
// bytes (values and index), dense_out_bytes = the dense output, weight_bytes
// = the stored planes with their pair index (PlaneSparseConv2d::bytes) or
// the dense kernel.
//   bazel build -c opt //lib/nn:plane_sparse_conv_benchmark
//   OMP_NUM_THREADS=1 bazel-bin/lib/nn/plane_sparse_conv_benchmark --benchmark_min_time=0.2
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include "benchmark/benchmark.h"
#include "lib/nn/plane_sparse.h"
#include "lib/nn/plane_sparse_conv.h"

namespace sparselab {
namespace {

constexpr int64_t kBatch = 16, kIn = 64, kSide = 8;
// The dense conv is skipped when its output and weight (twice, with their
// gradients, for forward + backward) would exceed this (a third of the
// machine's 24 GiB). At C_out = 100,000 they are 0.64 GB (1.3 GB): it runs.
constexpr double kDenseBudgetBytes = 8.0 * (1 << 30);

// One layer per C_out, shared by the sparse and dense cases (the same weight).
PlaneSparseConv2d& Layer(int64_t cout) {
  static std::map<int64_t, std::unique_ptr<PlaneSparseConv2d>> layers;
  auto& layer = layers[cout];
  if (!layer) {
    at::manual_seed(cout);
    layer = std::make_unique<PlaneSparseConv2d>(PlaneSparseConv2dOptions(kIn, cout, 3).padding(1));
  }
  return *layer;
}

// `active` distinct random planes of `cout` per sample.
PlaneIndex RandomOutputs(int64_t cout, int64_t active) {
  std::vector<at::Tensor> rows;
  for (int64_t n = 0; n < kBatch; ++n) rows.push_back(at::randperm(cout).narrow(0, 0, active));
  return PlaneIndexFromIndices(at::stack(rows), cout);
}

int64_t ActivePlanes(int64_t cout, int64_t per_100000) {
  return std::max<int64_t>(1, cout * per_100000 / 100000);
}

void Counters(benchmark::State& state, int64_t active) {
  state.counters["threads"] = at::get_num_threads();
  state.counters["active_per_sample"] = static_cast<double>(active);
  state.counters["dense_out_bytes"] =
      static_cast<double>(kBatch * state.range(0) * kSide * kSide * sizeof(float));
}

// state.range(0) = C_out, state.range(1) = active planes per 100,000.
void SparseConv(benchmark::State& state, bool backward) {
  const int64_t cout = state.range(0);
  const int64_t active = ActivePlanes(cout, state.range(1));
  PlaneSparseConv2d& conv = Layer(cout);
  at::manual_seed(1);
  PlaneSparseTensor x =
      PlaneSparseFromDense(at::randn({kBatch, kIn, kSide, kSide}), FullPlaneIndex(kBatch, kIn));
  x.values = x.values.detach().set_requires_grad(backward);
  const PlaneIndex outputs = RandomOutputs(cout, active);
  at::GradMode::set_enabled(backward);
  PlaneSparseTensor y;
  for (auto _ : state) {
    y = conv->forward(x, outputs);
    if (backward) {
      conv->weight.mutable_grad().reset();
      x.values.mutable_grad().reset();
      y.values.sum().backward();
    }
    benchmark::DoNotOptimize(y.values.data_ptr());
  }
  at::GradMode::set_enabled(true);
  Counters(state, active);
  state.counters["active_bytes"] =
      static_cast<double>(y.nnz() * y.height * y.width * sizeof(float));
  state.counters["sparse_bytes"] = static_cast<double>(y.bytes());
  state.counters["weight_bytes"] = static_cast<double>(conv->bytes());
}

void DenseConv(benchmark::State& state, bool backward) {
  const int64_t cout = state.range(0);
  const int64_t active = ActivePlanes(cout, state.range(1));
  const double bytes = (backward ? 2.0 : 1.0) * sizeof(float) *
                       static_cast<double>(kBatch * cout * kSide * kSide + cout * kIn * 9);
  if (bytes > kDenseBudgetBytes) {
    const std::string why = "dense at::conv2d skipped: its output and weight" +
                            std::string(backward ? " with their gradients" : "") + " need " +
                            std::to_string(bytes / 1e9) + " GB, above the 8 GiB budget";
    state.SkipWithError(why.c_str());
    return;
  }
  at::Tensor weight = Layer(cout)->dense_weight().detach().clone().set_requires_grad(backward);
  at::manual_seed(1);
  const at::Tensor x = at::randn({kBatch, kIn, kSide, kSide}).set_requires_grad(backward);
  at::GradMode::set_enabled(backward);
  at::Tensor y;
  for (auto _ : state) {
    y = at::conv2d(x, weight, {}, {1, 1}, {1, 1});
    if (backward) {
      weight.mutable_grad().reset();
      x.mutable_grad().reset();
      y.sum().backward();
    }
    benchmark::DoNotOptimize(y.data_ptr());
  }
  at::GradMode::set_enabled(true);
  Counters(state, active);
  state.counters["weight_bytes"] = static_cast<double>(weight.nbytes());
}

// C_out 1,000 / 10,000 / 100,000 at 1 % (1000 per 100,000) and 0.1 % (100).
void Shapes(benchmark::internal::Benchmark* b) {
  for (int64_t cout : {1000, 10000, 100000}) {
    for (int64_t share : {1000, 100}) b->Args({cout, share});
  }
  b->ArgNames({"C_out", "per_100k"})->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(SparseConv, forward, false)->Apply(Shapes);
BENCHMARK_CAPTURE(DenseConv, forward, false)->Apply(Shapes);
BENCHMARK_CAPTURE(SparseConv, forward_backward, true)->Apply(Shapes);
BENCHMARK_CAPTURE(DenseConv, forward_backward, true)->Apply(Shapes);

}  // namespace
}  // namespace sparselab
