#include "monitor/ksg_brute_force.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "lib/base/status_macros.h"
#include "monitor/digamma.h"
#include "monitor/kdtree.h"
#include "monitor/parallel.h"
#include "monitor/validate.h"

namespace sparselab {
namespace monitor {
namespace {

struct Prepared {
  Samples x, y;
};

absl::StatusOr<Prepared> Prepare(const Samples& x, const Samples& y, const KsgOptions& options) {
  RETURN_IF_ERROR(CheckSamples(x, "x"));
  RETURN_IF_ERROR(CheckSamples(y, "y"));
  RETURN_IF_ERROR(CheckSameCount(x, "x", y, "y"));
  RETURN_IF_ERROR(CheckNeighbourCount(options.k, x.n));
  if (!options.jitter) return Prepared{x, y};
  return Prepared{JitterForTies(x, JitterSeed(options.seed, 0)),
                  JitterForTies(y, JitterSeed(options.seed, 1))};
}

// The k nearest other samples of i in the joint max-norm, nearest first.
std::vector<std::pair<double, int64_t>> JointNeighbours(const Samples& x, const Samples& y,
                                                        int64_t i, int k) {
  std::vector<std::pair<double, int64_t>> all;
  all.reserve(x.n - 1);
  for (int64_t j = 0; j < x.n; ++j) {
    if (j == i) continue;
    all.emplace_back(std::max(MaxNormDistance(x.row(i), x.row(j), x.dim),
                              MaxNormDistance(y.row(i), y.row(j), y.dim)),
                     j);
  }
  std::partial_sort(all.begin(), all.begin() + k, all.end());
  all.resize(k);
  return all;
}

int64_t CountWithin(const Samples& s, int64_t i, double radius) {
  int64_t count = 0;
  for (int64_t j = 0; j < s.n; ++j) count += MaxNormDistance(s.row(i), s.row(j), s.dim) <= radius;
  return count;
}

}  // namespace

absl::StatusOr<double> BruteForceKsgMutualInformation(const Samples& x_in, const Samples& y_in,
                                                      const KsgOptions& options) {
  ASSIGN_OR_RETURN(const Prepared p, Prepare(x_in, y_in, options));
  const int64_t n = p.x.n;
  std::vector<int64_t> n_x(n), n_y(n);
  ParallelFor(n, options.num_threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const double eps = JointNeighbours(p.x, p.y, i, options.k).back().first;
      n_x[i] = CountWithin(p.x, i, eps - 1e-15);
      n_y[i] = CountWithin(p.y, i, eps - 1e-15);
    }
  });
  return Digamma(options.k) + Digamma(static_cast<double>(n)) - MeanDigamma(n_x) -
         MeanDigamma(n_y);
}

absl::StatusOr<double> BruteForceKsg2MutualInformation(const Samples& x_in, const Samples& y_in,
                                                       const KsgOptions& options) {
  ASSIGN_OR_RETURN(const Prepared p, Prepare(x_in, y_in, options));
  const int64_t n = p.x.n;
  std::vector<int64_t> n_x(n), n_y(n);
  ParallelFor(n, options.num_threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      double eps_x = 0.0, eps_y = 0.0;
      for (const auto& [dist, j] : JointNeighbours(p.x, p.y, i, options.k)) {
        eps_x = std::max(eps_x, MaxNormDistance(p.x.row(i), p.x.row(j), p.x.dim));
        eps_y = std::max(eps_y, MaxNormDistance(p.y.row(i), p.y.row(j), p.y.dim));
      }
      n_x[i] = CountWithin(p.x, i, eps_x) - 1;
      n_y[i] = CountWithin(p.y, i, eps_y) - 1;
    }
  });
  return Digamma(options.k) - 1.0 / options.k + Digamma(static_cast<double>(n)) -
         MeanDigamma(n_x) - MeanDigamma(n_y);
}

}  // namespace monitor
}  // namespace sparselab
