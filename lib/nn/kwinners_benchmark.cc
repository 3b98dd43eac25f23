// Speed of the k-winners layers: the k-th-value threshold selection
// (break_ties = false, one kthvalue pass) against the top-k selection
// (break_ties = true, topk + scatter), forward and forward + backward, in
// training mode (duty-cycle update included), with a plain ReLU as the floor.
//   bazel run -c opt //lib:kwinners_benchmark
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "benchmark/benchmark.h"
#include "lib/nn/k_winners.h"

namespace sparselab {
namespace {

constexpr int64_t kUnits = 1024;
constexpr int64_t kWinners = 100;  // ~10 %, as the paper's hidden layers

void Finish(benchmark::State& state, int64_t samples) {
  state.SetItemsProcessed(state.iterations() * samples);
  state.counters["threads"] = at::get_num_threads();
}

void KWinners1d(benchmark::State& state, bool top_k, bool backward) {
  const int64_t batch = state.range(0);
  at::manual_seed(0);
  KWinners layer(KWinnersOptions(kUnits, kWinners).break_ties(top_k));
  const at::Tensor x = at::randn({batch, kUnits}).set_requires_grad(backward);
  const at::Tensor grad = at::ones({batch, kUnits});
  for (auto _ : state) {
    at::Tensor out = layer(x);
    if (backward) out.backward(grad);
    benchmark::DoNotOptimize(out.data_ptr());
  }
  Finish(state, batch);
}

void KWinners2dGlobal(benchmark::State& state, bool top_k, bool backward) {
  const int64_t batch = state.range(0);
  at::manual_seed(0);
  // sparseCNN2's first block: 32 x 12 x 12 = 4608 units, 400 winners.
  KWinners2d layer(KWinners2dOptions(32, 400).break_ties(top_k));
  const at::Tensor x = at::randn({batch, 32, 12, 12}).set_requires_grad(backward);
  const at::Tensor grad = at::ones_like(x);
  for (auto _ : state) {
    at::Tensor out = layer(x);
    if (backward) out.backward(grad);
    benchmark::DoNotOptimize(out.data_ptr());
  }
  Finish(state, batch);
}

void Relu(benchmark::State& state, bool conv, bool backward) {
  const int64_t batch = state.range(0);
  const at::Tensor x = (conv ? at::randn({batch, 32, 12, 12}) : at::randn({batch, kUnits}))
                           .set_requires_grad(backward);
  const at::Tensor grad = at::ones_like(x);
  for (auto _ : state) {
    at::Tensor out = at::relu(x);
    if (backward) out.backward(grad);
    benchmark::DoNotOptimize(out.data_ptr());
  }
  Finish(state, batch);
}

BENCHMARK_CAPTURE(KWinners1d, threshold_forward, false, false)->Arg(64)->Arg(1000);
BENCHMARK_CAPTURE(KWinners1d, topk_forward, true, false)->Arg(64)->Arg(1000);
BENCHMARK_CAPTURE(Relu, dense_forward, false, false)->Arg(64)->Arg(1000);
BENCHMARK_CAPTURE(KWinners1d, threshold_forward_backward, false, true)->Arg(64)->Arg(1000);
BENCHMARK_CAPTURE(KWinners1d, topk_forward_backward, true, true)->Arg(64)->Arg(1000);
BENCHMARK_CAPTURE(Relu, dense_forward_backward, false, true)->Arg(64)->Arg(1000);
BENCHMARK_CAPTURE(KWinners2dGlobal, threshold_forward, false, false)->Arg(64);
BENCHMARK_CAPTURE(KWinners2dGlobal, topk_forward, true, false)->Arg(64);
BENCHMARK_CAPTURE(Relu, conv_forward, true, false)->Arg(64);
BENCHMARK_CAPTURE(KWinners2dGlobal, threshold_forward_backward, false, true)->Arg(64);
BENCHMARK_CAPTURE(KWinners2dGlobal, topk_forward_backward, true, true)->Arg(64);
BENCHMARK_CAPTURE(Relu, conv_forward_backward, true, true)->Arg(64);

}  // namespace
}  // namespace sparselab
