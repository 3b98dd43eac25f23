#include "experiments/sparse_coding/solver_race.h"

#include <algorithm>
#include <chrono>
#include <limits>

namespace sparselab::sparse_coding {
namespace {

struct Contender {
  std::string name;
  SparseCodingOptions options;
};

std::vector<Contender> Contenders(double lambda) {
  const auto base = SparseCodingOptions().lambda(lambda).tol(0);
  return {
      {"ista", SparseCodingOptions(base).solver(SparseSolver::kIsta)},
      {"fista", SparseCodingOptions(base).solver(SparseSolver::kFista)},
      {"fista_restart", SparseCodingOptions(base).solver(SparseSolver::kFista).restart(true)},
      {"fista_backtracking",
       SparseCodingOptions(base).solver(SparseSolver::kFista).backtracking(true).backtracking_l0(1.0)},
      {"lca", SparseCodingOptions(base).solver(SparseSolver::kLca)},
  };
}

double Milliseconds(const std::chrono::steady_clock::time_point& start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

RaceResult RaceSolvers(const at::Tensor& x, const at::Tensor& dictionary, double lambda,
                       int64_t iterations, int64_t reference_iterations, double target_gap,
                       int repeats) {
  RaceResult race;
  const SparseCodeResult ref = SparseEncode(
      x, dictionary,
      SparseCodingOptions().lambda(lambda).tol(0).max_iter(reference_iterations).restart(true));
  race.f_star = SparseCodingObjective(x, dictionary, ref.z, lambda).mean().item<double>();
  race.lipschitz = SparseCodingLipschitz(dictionary);
  race.distance_sq = ref.z.to(at::kDouble).pow(2).sum().item<double>() / static_cast<double>(x.size(0));
  for (Contender c : Contenders(lambda)) {
    RaceEntry e;
    e.name = c.name;
    c.options.max_iter(iterations).record_objective(true);
    const SparseCodeResult r = SparseEncode(x, dictionary, c.options);
    for (double f : r.objective) e.gap.push_back((f - race.f_star) / race.f_star);
    for (size_t k = 0; k < e.gap.size(); ++k) {
      if (e.gap[k] <= target_gap) {
        e.iterations_to_target = static_cast<int64_t>(k);
        break;
      }
    }
    const int64_t timed = e.iterations_to_target > 0 ? e.iterations_to_target : iterations;
    c.options.max_iter(timed).record_objective(false);
    double best = std::numeric_limits<double>::infinity();
    for (int rep = 0; rep < repeats; ++rep) {
      const auto start = std::chrono::steady_clock::now();
      SparseEncode(x, dictionary, c.options);
      best = std::min(best, Milliseconds(start));
    }
    e.ms_per_iteration = best / static_cast<double>(timed);
    e.ms_to_target = e.iterations_to_target > 0 ? best : 0;
    race.entries.push_back(std::move(e));
  }
  return race;
}

}  // namespace sparselab::sparse_coding
