// KSG (k-d tree) against brute-force O(N^2) KSG, and GCMI on 1e6 samples.
//   bazel run -c opt //monitor:mi_benchmark
#include <benchmark/benchmark.h>

#include "monitor/gcmi.h"
#include "monitor/ksg.h"
#include "monitor/ksg_brute_force.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

// state.range(0) = N, state.range(1) = d (dimension of X and of Y).
void BM_KsgTree(benchmark::State& state) {
  const auto p = testing::CorrelatedGaussian(state.range(0), state.range(1), 0.5, 1);
  KsgOptions options;
  options.num_threads = 1;
  for (auto _ : state) benchmark::DoNotOptimize(KsgMutualInformation(p.x, p.y, options));
  state.SetComplexityN(state.range(0));
}

void BM_KsgBruteForce(benchmark::State& state) {
  const auto p = testing::CorrelatedGaussian(state.range(0), state.range(1), 0.5, 1);
  KsgOptions options;
  options.num_threads = 1;
  for (auto _ : state) benchmark::DoNotOptimize(BruteForceKsgMutualInformation(p.x, p.y, options));
  state.SetComplexityN(state.range(0));
}

void BM_GcmiCc(benchmark::State& state) {
  const auto p = testing::CorrelatedGaussian(state.range(0), state.range(1), 0.5, 1);
  for (auto _ : state) benchmark::DoNotOptimize(GcmiCc(p.x, p.y));
}

BENCHMARK(BM_KsgTree)
    ->ArgsProduct({{1000, 10000, 100000}, {1, 4, 16}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
// Brute force: N = 1e5 would take minutes per point (N^2 = 1e10 pairs).
BENCHMARK(BM_KsgBruteForce)
    ->ArgsProduct({{1000, 10000}, {1, 4, 16}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_GcmiCc)->Args({1000000, 1})->Args({1000000, 4})->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace monitor
}  // namespace sparselab
