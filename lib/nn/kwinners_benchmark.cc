// Speed of the k-winners and kWTA layers: the fused CPU kernel
// (lib/nn/internal/winners_kernel.h) against the ATen topk path it replaces
// (inside an AtenWinnersScope; nupic.torch's algorithm), in the same run, forward and
// forward + backward, in training mode (duty-cycle update included), both tie
// rules (threshold: break_ties = false; topk: break_ties = true), with a plain
// ReLU of the same shape as the floor.
//   bazel run -c opt //lib/nn:kwinners_benchmark
#include <cstdint>
#include <optional>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "benchmark/benchmark.h"
#include "lib/nn/internal/winners_kernel.h"
#include "lib/nn/k_winners.h"
#include "lib/nn/kwta.h"

namespace sparselab {
namespace {

constexpr int64_t kUnits = 1024;
constexpr int64_t kWinners = 100;  // ~10 %, as the paper's hidden layers

struct Case {
  bool fused;
  bool top_k;     // break_ties = true
  bool backward;  // forward + backward
};

void Finish(benchmark::State& state, int64_t samples) {
  state.SetItemsProcessed(state.iterations() * samples);
  state.counters["threads"] = at::get_num_threads();
}

template <typename Layer>
void Loop(benchmark::State& state, Layer& layer, std::vector<int64_t> shape, Case c) {
  std::optional<internal::AtenWinnersScope> aten;
  if (!c.fused) aten.emplace();
  const bool backward = c.backward;
  at::manual_seed(0);
  const at::Tensor x = at::randn(shape).set_requires_grad(backward);
  const at::Tensor grad = at::ones(shape);
  for (auto _ : state) {
    at::Tensor out = layer->forward(x);
    if (backward) out.backward(grad);
    benchmark::DoNotOptimize(out.data_ptr());
  }
  Finish(state, shape[0]);
}

void KWinners1d(benchmark::State& state, Case c) {
  KWinners layer(KWinnersOptions(kUnits, kWinners).break_ties(c.top_k));
  Loop(state, layer, {state.range(0), kUnits}, c);
}

// sparseCNN2's first block: 32 x 12 x 12 = 4608 units, 400 winners.
void KWinners2dGlobal(benchmark::State& state, Case c) {
  KWinners2d layer(KWinners2dOptions(32, 400).break_ties(c.top_k));
  Loop(state, layer, {state.range(0), 32, 12, 12}, c);
}

// 3 of 32 channels at each of the 12 x 12 positions.
void KWinners2dLocal(benchmark::State& state, Case c) {
  KWinners2d layer(KWinners2dOptions(32, 3).local(true).break_ties(c.top_k));
  Loop(state, layer, {state.range(0), 32, 12, 12}, c);
}

void KWTABinary1d(benchmark::State& state, Case c) {
  KWTABinary layer{KWTABinaryOptions(kWinners)};
  Loop(state, layer, {state.range(0), kUnits}, c);
}

void KWTASoft1d(benchmark::State& state, Case c) {
  KWTASoft layer{KWTASoftOptions(kWinners)};
  Loop(state, layer, {state.range(0), kUnits}, c);
}

void Relu(benchmark::State& state, bool conv, bool backward) {
  const int64_t batch = state.range(0);
  const std::vector<int64_t> shape =
      conv ? std::vector<int64_t>{batch, 32, 12, 12} : std::vector<int64_t>{batch, kUnits};
  const at::Tensor x = at::randn(shape).set_requires_grad(backward);
  const at::Tensor grad = at::ones(shape);
  for (auto _ : state) {
    at::Tensor out = at::relu(x);
    if (backward) out.backward(grad);
    benchmark::DoNotOptimize(out.data_ptr());
  }
  Finish(state, batch);
}

// Batches of 64 and 1000 (or 64 only), in ms, after a warm-up (the first
// calls of a layer allocate and fault in memory).
void Batches(benchmark::internal::Benchmark* b) {
  b->Arg(64)->Arg(1000)->MinWarmUpTime(0.3)->Unit(benchmark::kMillisecond);
}
void Batch64(benchmark::internal::Benchmark* b) {
  b->Arg(64)->MinWarmUpTime(0.3)->Unit(benchmark::kMillisecond);
}

constexpr Case kAten{false, false, false}, kFused{true, false, false};
constexpr Case kAtenTopk{false, true, false}, kFusedTopk{true, true, false};
constexpr Case kAtenBack{false, false, true}, kFusedBack{true, false, true};
constexpr Case kAtenTopkBack{false, true, true}, kFusedTopkBack{true, true, true};

BENCHMARK_CAPTURE(KWinners1d, aten_threshold_forward, kAten)->Apply(Batches);
BENCHMARK_CAPTURE(KWinners1d, fused_threshold_forward, kFused)->Apply(Batches);
BENCHMARK_CAPTURE(KWinners1d, aten_topk_forward, kAtenTopk)->Apply(Batches);
BENCHMARK_CAPTURE(KWinners1d, fused_topk_forward, kFusedTopk)->Apply(Batches);
BENCHMARK_CAPTURE(Relu, dense_forward, false, false)->Apply(Batches);
BENCHMARK_CAPTURE(KWinners1d, aten_threshold_forward_backward, kAtenBack)->Apply(Batches);
BENCHMARK_CAPTURE(KWinners1d, fused_threshold_forward_backward, kFusedBack)->Apply(Batches);
BENCHMARK_CAPTURE(KWinners1d, aten_topk_forward_backward, kAtenTopkBack)->Apply(Batches);
BENCHMARK_CAPTURE(KWinners1d, fused_topk_forward_backward, kFusedTopkBack)->Apply(Batches);
BENCHMARK_CAPTURE(Relu, dense_forward_backward, false, true)->Apply(Batches);

BENCHMARK_CAPTURE(KWinners2dGlobal, aten_threshold_forward, kAten)->Apply(Batch64);
BENCHMARK_CAPTURE(KWinners2dGlobal, fused_threshold_forward, kFused)->Apply(Batch64);
BENCHMARK_CAPTURE(KWinners2dGlobal, aten_topk_forward, kAtenTopk)->Apply(Batch64);
BENCHMARK_CAPTURE(KWinners2dGlobal, fused_topk_forward, kFusedTopk)->Apply(Batch64);
BENCHMARK_CAPTURE(Relu, conv_forward, true, false)->Apply(Batch64);
BENCHMARK_CAPTURE(KWinners2dGlobal, aten_threshold_forward_backward, kAtenBack)->Apply(Batch64);
BENCHMARK_CAPTURE(KWinners2dGlobal, fused_threshold_forward_backward, kFusedBack)->Apply(Batch64);
BENCHMARK_CAPTURE(KWinners2dGlobal, aten_topk_forward_backward, kAtenTopkBack)->Apply(Batch64);
BENCHMARK_CAPTURE(KWinners2dGlobal, fused_topk_forward_backward, kFusedTopkBack)->Apply(Batch64);
BENCHMARK_CAPTURE(Relu, conv_forward_backward, true, true)->Apply(Batch64);

BENCHMARK_CAPTURE(KWinners2dLocal, aten_threshold_forward_backward, kAtenBack)->Apply(Batch64);
BENCHMARK_CAPTURE(KWinners2dLocal, fused_threshold_forward_backward, kFusedBack)->Apply(Batch64);
BENCHMARK_CAPTURE(KWinners2dLocal, aten_topk_forward_backward, kAtenTopkBack)->Apply(Batch64);
BENCHMARK_CAPTURE(KWinners2dLocal, fused_topk_forward_backward, kFusedTopkBack)->Apply(Batch64);

BENCHMARK_CAPTURE(KWTABinary1d, aten_forward_backward, kAtenBack)->Apply(Batch64);
BENCHMARK_CAPTURE(KWTABinary1d, fused_forward_backward, kFusedBack)->Apply(Batch64);
BENCHMARK_CAPTURE(KWTASoft1d, aten_forward_backward, kAtenBack)->Apply(Batch64);
BENCHMARK_CAPTURE(KWTASoft1d, fused_forward_backward, kFusedBack)->Apply(Batch64);

}  // namespace
}  // namespace sparselab
