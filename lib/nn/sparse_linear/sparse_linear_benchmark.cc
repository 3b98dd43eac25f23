// SparseLinear against a dense torch::nn::Linear of the same shape, as in the
// SparseLinear tutorial's efficiency section: a 20,000 x 20,000 layer at 90 %,
// 99 % and 99.9 % sparsity, batch 1 and 64, forward (no autograd) and
// forward + backward (gradients for the weights and the input, the case of a
// hidden layer), plus the bytes held by parameters, their gradients and (for
// SparseLinear) the index buffers.
//
//   bazel run //lib:sparse_linear_benchmark [-- --benchmark_filter=...]
// Intra-op threads: $SPARSELAB_THREADS, else every core. Gradients are zeroed
// in place between iterations, as an optimizer's zero_grad does.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <torch/nn/modules/linear.h>

#include "lib/nn/sparse_linear/sparse_linear.h"

namespace sparselab {
namespace {

constexpr int64_t kWidth = 20000;
const double kSparsities[] = {0.9, 0.99, 0.999};

void SetThreadsOnce() {
  static const bool done = [] {
    const char* env = std::getenv("SPARSELAB_THREADS");
    const int threads = env != nullptr ? std::atoi(env)
                                       : static_cast<int>(std::thread::hardware_concurrency());
    at::set_num_threads(std::max(1, threads));
    benchmark::AddCustomContext("intra_op_threads", std::to_string(at::get_num_threads()));
    return true;
  }();
  (void)done;
}

// Layers are built once per shape and reused by every benchmark.
SparseLinear& Sparse(int sparsity_index) {
  static std::map<int, SparseLinear> layers;
  auto it = layers.find(sparsity_index);
  if (it == layers.end()) {
    torch::manual_seed(0);
    it = layers.emplace(sparsity_index,
                        SparseLinear(SparseLinearOptions(kWidth, kWidth)
                                         .sparsity(kSparsities[sparsity_index])))
             .first;
  }
  return it->second;
}

torch::nn::Linear& Dense() {
  static torch::nn::Linear layer = [] {
    torch::manual_seed(0);
    return torch::nn::Linear(kWidth, kWidth);
  }();
  return layer;
}

// Parameters and their gradients, plus buffers (SparseLinear's indices).
double HeldBytes(torch::nn::Module& module) {
  double bytes = 0;
  for (const auto& p : module.parameters()) {
    bytes += p.numel() * p.element_size();
    if (p.grad().defined()) bytes += p.grad().numel() * p.grad().element_size();
  }
  for (const auto& b : module.buffers()) bytes += b.numel() * b.element_size();
  return bytes;
}

template <typename Layer>
void Forward(benchmark::State& state, Layer& layer) {
  SetThreadsOnce();
  const at::Tensor x = at::rand({state.range(1), kWidth});
  at::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(layer->forward(x).template data_ptr<float>());
  state.SetItemsProcessed(state.iterations() * state.range(1));
}

template <typename Layer>
void ForwardBackward(benchmark::State& state, Layer& layer) {
  SetThreadsOnce();
  const at::Tensor x = at::rand({state.range(1), kWidth}).requires_grad_(true);
  for (auto _ : state) {
    // In-place zeroing, as torch::optim::Optimizer::zero_grad does in training.
    layer->zero_grad(/*set_to_none=*/false);
    if (x.grad().defined()) x.mutable_grad().zero_();
    layer->forward(x).sum().backward();
    benchmark::DoNotOptimize(x.grad().data_ptr<float>());
  }
  state.counters["bytes_params_grads"] = HeldBytes(*layer);
  state.SetItemsProcessed(state.iterations() * state.range(1));
}

// range(0): sparsity index (0.9, 0.99, 0.999); range(1): batch.
void BM_SparseForward(benchmark::State& state) { Forward(state, Sparse(state.range(0))); }
void BM_SparseForwardBackward(benchmark::State& state) {
  ForwardBackward(state, Sparse(state.range(0)));
}
// range(0) unused (0): the dense layer has one shape.
void BM_DenseForward(benchmark::State& state) { Forward(state, Dense()); }
void BM_DenseForwardBackward(benchmark::State& state) { ForwardBackward(state, Dense()); }

void SparseArgs(benchmark::internal::Benchmark* b) {
  for (int s = 0; s < 3; ++s) {
    for (int batch : {1, 64}) b->Args({s, batch});
  }
  b->ArgNames({"sparsity_index", "batch"})->Unit(benchmark::kMillisecond)->UseRealTime();
}
void DenseArgs(benchmark::internal::Benchmark* b) {
  for (int batch : {1, 64}) b->Args({0, batch});
  b->ArgNames({"-", "batch"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_SparseForward)->Apply(SparseArgs);
BENCHMARK(BM_SparseForwardBackward)->Apply(SparseArgs);
BENCHMARK(BM_DenseForward)->Apply(DenseArgs);
BENCHMARK(BM_DenseForwardBackward)->Apply(DenseArgs);

}  // namespace
}  // namespace sparselab
