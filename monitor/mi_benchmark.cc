// Speed of the MI estimators (see monitor/README.md for the tables):
//  - KSG algorithm 1 over N = 1e3 .. 1e6 for d = 1+1, 2+2, 10+10, one thread,
//    with the log-log slope of time against N (BM_Slope);
//  - the path before the exact max-norm tree (BM_KsgBefore), same data, same
//    run, checked to give the same estimate bit for bit;
//  - the lower bound (BM_LowerBound): sorting each column of x and y, building
//    the joint tree and one k-NN query per point in it; KSG's time as a multiple;
//  - two threads against one; KSG algorithm 2, conditional MI,
//    Kozachenko-Leonenko and Ross over N;
//  - GCMI: copnorm and every gcmi_* / gccmi_* at N = 50,000 and 1,000,000;
//  - MINE with the automatic, one and two intra-op threads.
//
//   bazel build -c opt //monitor:mi_benchmark
//   bazel-bin/monitor/mi_benchmark --benchmark_filter='Ksg.*/d:1'
// Times are the fastest of the iterations (counter "seconds").
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "monitor/gcmi.h"
#include "monitor/internal/gcmi_before.h"
#include "monitor/internal/ksg_before.h"
#include "monitor/kdtree.h"
#include "monitor/ksg.h"
#include "monitor/mine.h"
#include "monitor/sorted_order.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

enum Work { kKsg, kKsgBefore, kLowerBound, kKsg2, kCmi, kEntropy, kMixed };
const char* WorkName(int w) {
  static const char* names[] = {"Ksg", "KsgBefore", "LowerBound", "Ksg2", "Cmi", "Entropy", "Mixed"};
  return names[w];
}

// Fastest time per (work, d, threads, N) so far in this run.
std::map<std::tuple<int, int64_t, int, int64_t>, double>& Times() {
  static std::map<std::tuple<int, int64_t, int, int64_t>, double> times;
  return times;
}

// Times `body` once per benchmark iteration, keeps the fastest, and reports it.
template <class Body>
double TimeIterations(benchmark::State& state, const Body& body) {
  double best = INFINITY;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    body();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  state.counters["seconds"] = best;
  return best;
}

struct Data {
  testing::SamplePair pair;
  Samples z;
  std::vector<int64_t> labels;
};

Data MakeData(int64_t n, int64_t d) {
  Data data{testing::CorrelatedGaussian(n, d, 0.5, 1), testing::StandardNormals(n, d, 2), {}};
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) data.z(i, j) += 0.5 * data.pair.x(i, j);
  data.labels.resize(n);
  for (int64_t i = 0; i < n; ++i) data.labels[i] = (data.pair.y(i, 0) > 0.0) + (i % 3 == 0);
  return data;
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The lower bound: a stable sort of every column of x and y, the joint tree,
// and the k nearest neighbours of every point in it; the three parts' times
// go to `parts`.
double LowerBound(const Samples& x, const Samples& y, const KsgOptions& options,
                  double parts[3]) {
  double sink = 0.0;
  auto start = std::chrono::steady_clock::now();
  for (const Samples* s : {&x, &y}) {
    for (int64_t j = 0; j < s->dim; ++j) sink += SortedOrder(s->values.data() + j, s->n, s->dim)[0];
  }
  parts[0] = Since(start);
  start = std::chrono::steady_clock::now();
  const MaxNormTree tree(ConcatColumns(x, y));
  parts[1] = Since(start);
  start = std::chrono::steady_clock::now();
  std::vector<Neighbour> nearest(options.k);
  for (int64_t r = 0; r < tree.size(); ++r) {
    tree.NearestExcluding(tree.PointAt(r), options.k, tree.IndexAt(r), nearest.data());
    sink += nearest[options.k - 1].distance;
  }
  parts[2] = Since(start);
  return sink;
}

// state.range(0) = N, range(1) = d (dimension of x and of y), range(2) = threads.
void BM_Work(benchmark::State& state, int work) {
  const int64_t n = state.range(0), d = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  const Data data = MakeData(n, d);
  const Samples& x = data.pair.x;
  const Samples& y = data.pair.y;
  KsgOptions options;
  options.num_threads = threads;
  double estimate = 0.0;
  double parts[3] = {0, 0, 0};
  const double seconds = TimeIterations(state, [&] {
    switch (work) {
      case kKsg: estimate = *KsgMutualInformation(x, y, options); break;
      case kKsgBefore: estimate = KsgMutualInformationBefore(x, y, options); break;
      case kLowerBound: estimate = LowerBound(x, y, options, parts); break;
      case kKsg2: estimate = *Ksg2MutualInformation(x, y, options); break;
      case kCmi: estimate = *KsgConditionalMutualInformation(x, y, data.z, options); break;
      case kEntropy: estimate = *KozachenkoLeonenkoEntropy(ConcatColumns(x, y), options); break;
      case kMixed: estimate = *MixedMutualInformation(x, data.labels, options); break;
    }
    benchmark::DoNotOptimize(estimate);
  });
  Times()[{work, d, threads, n}] = seconds;
  const auto ksg = Times().find({kKsg, d, 1, n});
  if (work == kKsgBefore) {
    if (*KsgMutualInformation(x, y, options) != estimate) {
      state.SkipWithError("the path before the exact tree gives a different estimate");
    }
    if (ksg != Times().end()) state.counters["before_over_ksg"] = seconds / ksg->second;
  }
  if (work == kLowerBound) {
    state.counters["sort_s"] = parts[0];
    state.counters["build_s"] = parts[1];
    state.counters["knn_s"] = parts[2];
    if (ksg != Times().end()) state.counters["ksg_over_bound"] = ksg->second / seconds;
  }
  if (threads > 1) {
    const auto one = Times().find({work, d, 1, n});
    if (one != Times().end()) state.counters["speedup_over_1_thread"] = one->second / seconds;
  }
}

// Least-squares slope of log(time) against log(N) over this run's times.
void BM_Slope(benchmark::State& state, int work, int64_t d) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int m = 0;
  for (const auto& [key, seconds] : Times()) {
    const auto& [w, dim, threads, n] = key;
    if (w != work || dim != d || threads != 1) continue;
    const double lx = std::log(static_cast<double>(n)), ly = std::log(seconds);
    sx += lx, sy += ly, sxx += lx * lx, sxy += lx * ly, ++m;
  }
  for (auto _ : state) {
  }
  if (m < 2) {
    state.SkipWithError("run the N sweep of this work and d in the same run first");
    return;
  }
  state.counters["slope"] = (m * sxy - sx * sy) / (m * sxx - sx * sx);
  state.counters["points"] = m;
}

// One iteration per point up to this many seconds of work, at least one.
int64_t IterationsFor(int64_t n, int64_t d, int work) {
  if (work == kKsgBefore) return 1;
  return std::max<int64_t>(1, std::min<int64_t>(20, 200000 / (n * std::max<int64_t>(1, d / 2))));
}

void RegisterWork(int work, int64_t d, const std::vector<int64_t>& sizes, int threads) {
  for (int64_t n : sizes) {
    const std::string name = std::string("BM_") + WorkName(work);
    benchmark::RegisterBenchmark(name.c_str(), BM_Work, work)
        ->Args({n, d, threads})
        ->ArgNames({"N", "d", "threads"})
        ->Iterations(IterationsFor(n, d, work))
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

void RegisterSlope(int work, int64_t d) {
  const std::string name = std::string("BM_Slope/") + WorkName(work) + "/d:" + std::to_string(d);
  benchmark::RegisterBenchmark(name.c_str(), BM_Slope, work, d)->Iterations(1);
}

// GCMI, one column per variable: state.range(0) = N.
template <class Body>
void BM_Gcmi(benchmark::State& state, Body body) {
  const Data data = MakeData(state.range(0), 1);
  TimeIterations(state, [&] { benchmark::DoNotOptimize(body(data)); });
}

// MINE, 300 iterations at the default sizes (batch 256, 2 x 128 ELU), no
// early stopping: state.range(0) = intra-op threads (0: the automatic count).
void BM_Mine(benchmark::State& state) {
  const auto p = testing::CorrelatedGaussian(5000, 1, 0.5, 3);
  MineOptions o;
  o.iterations = 300;
  o.patience = 0;
  o.show_progress = false;
  o.num_threads = static_cast<int>(state.range(0));
  TimeIterations(state, [&] { benchmark::DoNotOptimize(MineMutualInformation(p.x, p.y, o)->mi); });
  state.counters["threads_used"] = MineThreads(o);
}
BENCHMARK(BM_Mine)->Arg(0)->Arg(1)->Arg(2)->ArgName("threads")->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

const bool kRegistered = [] {
  const std::vector<int64_t> sweep = {1000, 10000, 50000, 100000, 1000000};
  // KSG algorithm 1: the sweep, then the path before (as far as it finishes
  // in minutes), the lower bound and two threads, then the slopes.
  for (int64_t d : {1, 2}) RegisterWork(kKsg, d, sweep, 1);
  // 10+10: the 20-D k-d tree degrades towards a scan; N = 1e5 took 206 s.
  RegisterWork(kKsg, 10, {1000, 3000, 10000, 30000}, 1);
  RegisterWork(kKsgBefore, 1, {1000, 10000, 50000, 100000}, 1);
  RegisterWork(kKsgBefore, 2, {1000, 10000, 50000}, 1);
  RegisterWork(kKsgBefore, 10, {1000, 3000}, 1);
  for (int64_t d : {1, 2}) RegisterWork(kLowerBound, d, sweep, 1);
  RegisterWork(kLowerBound, 10, {1000, 3000, 10000, 30000}, 1);
  for (int64_t d : {1, 2}) RegisterWork(kKsg, d, {100000, 1000000}, 2);
  for (int64_t d : {1, 2, 10}) RegisterSlope(kKsg, d);
  for (int64_t d : {1, 2, 10}) RegisterSlope(kKsgBefore, d);
  // The other nearest-neighbour estimators, 1-D variables.
  for (int work : {kKsg2, kCmi, kEntropy, kMixed}) {
    RegisterWork(work, 1, sweep, 1);
    RegisterSlope(work, 1);
  }
  for (int64_t n : {50000, 1000000}) {
    const auto reg = [n](const char* name, auto body) {
      benchmark::RegisterBenchmark(name, [body](benchmark::State& s) { BM_Gcmi(s, body); })
          ->Arg(n)
          ->ArgName("N")
          ->Iterations(n > 100000 ? 3 : 20)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    };
    reg("BM_CopnormBefore", [](const Data& d) { return CopnormBefore(d.pair.x).values[0]; });
    reg("BM_Copnorm", [](const Data& d) { return Copnorm(d.pair.x).values[0]; });
    reg("BM_GcmiCcBefore", [](const Data& d) { return *GcmiCcBefore(d.pair.x, d.pair.y); });
    reg("BM_GcmiCc", [](const Data& d) { return *GcmiCc(d.pair.x, d.pair.y); });
    reg("BM_GcmiModelCd", [](const Data& d) { return *GcmiModelCd(d.pair.x, d.labels, 3); });
    reg("BM_GcmiMixtureCd", [](const Data& d) { return *GcmiMixtureCd(d.pair.x, d.labels, 3); });
    reg("BM_GccmiCcc", [](const Data& d) { return *GccmiCcc(d.pair.x, d.pair.y, d.z); });
  }
  return true;
}();

}  // namespace
}  // namespace monitor
}  // namespace sparselab
