// What the compact export buys at inference: a pruned 1024 -> 512 FC layer (the
// size of LeNet-5's first FC layer, which holds 90 % of its weights) as a CSR
// SparseLinear from SparseLinearFromDense against the dense Linear it came
// from, forward without autograd, batch 1 and 1000, at 50 ... 99 % sparsity.
// Compare the rows of one run (the ratio is the claim, not the absolute time).
// One run here (2-core machine, load about 7, medians of 3 repetitions):
//   sparsity        50 %    75 %    90 %    95 %    98 %    99 %
//   batch 1    dense 141 us at every sparsity; CSR 128, 61, 25, 16, 8.8, 6.4 us
//   batch 1000 dense 9.1 ms at every sparsity; CSR 30.7, 16.2, 7.3, 4.0, 2.1, 1.4 ms
// so CSR is faster from 50 % at batch 1 (5.6x at 90 %, 22x at 99 %) and from
// about 85 % at batch 1000 (1.25x at 90 %, 6.6x at 99 %).
//
//   bazel run //lib/nn/sparse_linear:compact_export_benchmark
// One thread, OpenBLAS's pool included (as the experiment's timing).
#include <cstdint>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <benchmark/benchmark.h>
#include <torch/nn/modules/linear.h>

#include "lib/base/cpu_count.h"
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

void OneThread() {
  at::set_num_threads(1);
  SetBlasThreads(1);
}

void BM_DenseForward(benchmark::State& state) {
  OneThread();
  torch::nn::Linear layer = PrunedLinear(SparsityOf(state.range(0)));
  const at::Tensor x = at::randn({state.range(1), kIn});
  at::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(layer->forward(x));
}

void BM_CsrForward(benchmark::State& state) {
  OneThread();
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
