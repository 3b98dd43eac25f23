// What the compact export buys at inference: a pruned 1024 -> 512 FC layer (the
// size of LeNet-5's first FC layer, which holds 90 % of its weights) as a CSR
// SparseLinear from SparseLinearFromDense against the dense Linear it came
// from, forward without autograd, batch 1 and 1000, at 50 ... 99 % sparsity.
// Compare the rows of one run (the ratio is the claim, not the absolute time).
//
//   bazel run //lib/nn/sparse_linear:compact_export_benchmark
// Intra-op threads: 1 (as the experiment's timing).
#include <cstdint>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <benchmark/benchmark.h>
#include <torch/nn/modules/linear.h>

#include "lib/nn/sparse_linear/compact_export.h"

namespace sparselab {
namespace {

constexpr int64_t kIn = 1024, kOut = 512;

// A dense layer with the smallest |w| zeroed to `sparsity` (magnitude pruning).
torch::nn::Linear PrunedLinear(double sparsity) {
  at::manual_seed(1);
  torch::nn::Linear layer(kIn, kOut);
  at::NoGradGuard no_grad;
  const int64_t n = layer->weight.numel();
  const int64_t drop = static_cast<int64_t>(sparsity * static_cast<double>(n));
  if (drop > 0) {
    const at::Tensor threshold = std::get<0>(layer->weight.abs().reshape({-1}).kthvalue(drop));
    layer->weight.masked_fill_(layer->weight.abs() <= threshold, 0);
  }
  return layer;
}

double SparsityOf(int64_t arg) { return static_cast<double>(arg) / 100.0; }

void BM_DenseForward(benchmark::State& state) {
  at::set_num_threads(1);
  torch::nn::Linear layer = PrunedLinear(SparsityOf(state.range(0)));
  const at::Tensor x = at::randn({state.range(1), kIn});
  at::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(layer->forward(x));
}

void BM_CsrForward(benchmark::State& state) {
  at::set_num_threads(1);
  torch::nn::Linear dense = PrunedLinear(SparsityOf(state.range(0)));
  SparseLinear layer = SparseLinearFromDense(dense->weight, dense->bias);
  const at::Tensor x = at::randn({state.range(1), kIn});
  at::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(layer->forward(x));
  state.counters["nnz"] = static_cast<double>(layer->nnz());
}

void Args(benchmark::internal::Benchmark* b) {
  for (int64_t batch : {1, 1000}) {
    for (int64_t sparsity : {50, 75, 90, 95, 98, 99}) b->Args({sparsity, batch});
  }
  b->ArgNames({"sparsity_pct", "batch"})->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_DenseForward)->Apply(Args);
BENCHMARK(BM_CsrForward)->Apply(Args);

}  // namespace
}  // namespace sparselab
