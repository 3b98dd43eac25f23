// What disabled taps cost: a torch::nn::Sequential MLP (784-256-64-256-784,
// ReLU, sigmoid output; the sparse autoencoder's shape) with and without a
// disabled Tap after every layer, and with the taps enabled, forward only and
// forward + backward, batch 64 and 1 (where a per-module cost shows most).
//   bazel run -c opt //lib/nn:tap_benchmark
#include <memory>

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include "benchmark/benchmark.h"
#include "lib/nn/tap.h"

namespace sparselab {
namespace {

enum Taps { kNone = 0, kDisabled = 1, kEnabled = 2 };

torch::nn::Sequential Mlp(Taps taps, const std::shared_ptr<TapRecorder>& recorder) {
  torch::nn::Sequential seq;
  const int64_t widths[] = {784, 256, 64, 256, 784};
  for (int i = 0; i < 4; ++i) {
    seq->push_back(torch::nn::Linear(widths[i], widths[i + 1]));
    if (i < 3) {
      seq->push_back(torch::nn::ReLU());
    } else {
      seq->push_back(torch::nn::Sigmoid());
    }
    if (taps != kNone) seq->push_back(Tap("layer" + std::to_string(i), recorder));
  }
  return seq;
}

void Run(benchmark::State& state, Taps taps, bool backward) {
  at::manual_seed(0);
  auto recorder = std::make_shared<TapRecorder>();
  recorder->set_enabled(taps == kEnabled);
  torch::nn::Sequential seq = Mlp(taps, recorder);
  const at::Tensor x = at::rand({state.range(0), 784});
  for (auto _ : state) {
    at::Tensor y = seq->forward(x);
    if (backward) y.sum().backward();
    benchmark::DoNotOptimize(y.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK_CAPTURE(Run, forward_no_taps, kNone, false)->Arg(1)->Arg(64);
BENCHMARK_CAPTURE(Run, forward_taps_disabled, kDisabled, false)->Arg(1)->Arg(64);
BENCHMARK_CAPTURE(Run, forward_taps_enabled, kEnabled, false)->Arg(1)->Arg(64);
BENCHMARK_CAPTURE(Run, backward_no_taps, kNone, true)->Arg(1)->Arg(64);
BENCHMARK_CAPTURE(Run, backward_taps_disabled, kDisabled, true)->Arg(1)->Arg(64);

}  // namespace
}  // namespace sparselab
