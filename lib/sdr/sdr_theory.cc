#include "lib/sdr/sdr_theory.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/sdr/exact_counts.h"
#include "lib/sdr/internal/sampling.h"

namespace sparselab {
namespace {

using sdr_internal::Below;

absl::Status CheckPopulation(int64_t n, int64_t a, int64_t s) {
  if (n < 1 || a < 0 || a > n || s < 0 || s > n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a segment on a population needs n >= 1, 0 <= a <= n and 0 <= s <= n; got n=", n,
        ", a=", a, ", s=", s));
  }
  return absl::OkStatus();
}

absl::Status CheckUnion(int64_t n, int64_t s, int64_t M) {
  if (n < 1 || s < 0 || s > n || M < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a union of M patterns of s cells out of n needs n >= 1, 0 <= s <= n and M >= 1; got n=",
        n, ", s=", s, ", M=", M));
  }
  return absl::OkStatus();
}

// Marks a uniformly random k-subset of {0, ..., n - 1} (Floyd's algorithm):
// calls visit(cell) once per chosen cell until visit returns false. `mark`
// holds, per cell, the stamp of the last subset that chose it.
template <typename Visit>
void FloydSubset(int64_t n, int64_t k, uint64_t stamp, std::vector<uint64_t>& mark,
                 sdr_internal::Rng& rng, Visit visit) {
  for (int64_t j = n - k; j < n; ++j) {
    const int64_t t = Below(rng, static_cast<uint32_t>(j + 1));
    const int64_t cell = mark[t] == stamp ? j : t;
    mark[cell] = stamp;
    if (!visit(cell)) return;
  }
}

}  // namespace

absl::StatusOr<double> FalsePositiveProbability(int64_t n, int64_t a, int64_t s, int64_t theta) {
  RETURN_IF_ERROR(CheckPopulation(n, a, s));
  ASSIGN_OR_RETURN(const ExactFraction p, HypergeometricTail(n, s, a, theta));
  return p.ToDouble();
}

absl::StatusOr<double> FalseNegativeProbability(int64_t a, int64_t s, int64_t theta, int64_t v) {
  if (s < 0 || s > a || v < 0 || v > a) {
    return absl::InvalidArgumentError(absl::StrCat(
        "noise on a stored pattern needs 0 <= s <= a and 0 <= v <= a; got a=", a, ", s=", s,
        ", v=", v));
  }
  // The number of removed cells that carry a synapse is hypergeometric (a, s, v).
  ASSIGN_OR_RETURN(const ExactFraction p, HypergeometricTail(a, s, v, s - theta + 1));
  return p.ToDouble();
}

absl::StatusOr<double> UnionExpectedSize(int64_t n, int64_t s, int64_t M) {
  RETURN_IF_ERROR(CheckUnion(n, s, M));
  // 1 - (1 - s/n)^M without cancellation when s/n is small.
  return -std::expm1(M * std::log1p(-static_cast<double>(s) / n)) * n;
}

absl::StatusOr<std::vector<double>> UnionSizeDistribution(int64_t n, int64_t s, int64_t M) {
  RETURN_IF_ERROR(CheckUnion(n, s, M));
  const int64_t top = std::min(n, M * s);
  std::vector<double> p(top + 1, 0.0);
  p[s] = 1.0;
  // transition[u][o]: P(overlap o | union of u cells), computed once per u.
  std::vector<std::vector<double>> transition(top + 1);
  for (int64_t m = 2; m <= M; ++m) {
    std::vector<double> next(top + 1, 0.0);
    for (int64_t u = s; u <= std::min(top, (m - 1) * s); ++u) {
      if (p[u] == 0.0) continue;
      if (transition[u].empty()) {
        ASSIGN_OR_RETURN(transition[u], HypergeometricPmf(n, u, s));
      }
      const std::vector<double>& pmf = transition[u];
      for (int64_t o = 0; o < static_cast<int64_t>(pmf.size()); ++o) {
        if (pmf[o] > 0.0) next[u + s - o] += p[u] * pmf[o];
      }
    }
    p = std::move(next);
  }
  return p;
}

absl::StatusOr<double> UnionFalsePositiveProbability(int64_t n, int64_t a, int64_t s, int64_t M,
                                                     int64_t theta) {
  RETURN_IF_ERROR(CheckPopulation(n, a, s));
  ASSIGN_OR_RETURN(const std::vector<double> size, UnionSizeDistribution(n, s, M));
  double total = 0.0;
  for (int64_t u = 0; u < static_cast<int64_t>(size.size()); ++u) {
    if (size[u] == 0.0) continue;
    ASSIGN_OR_RETURN(const double fp, FalsePositiveProbability(n, a, u, theta));
    total += size[u] * fp;
  }
  return std::min(total, 1.0);
}

absl::StatusOr<double> UnionFalsePositiveAtExpectedSize(int64_t n, int64_t a, int64_t s,
                                                        int64_t M, int64_t theta) {
  RETURN_IF_ERROR(CheckPopulation(n, a, s));
  ASSIGN_OR_RETURN(const double expected, UnionExpectedSize(n, s, M));
  return FalsePositiveProbability(n, a, std::llround(expected), theta);
}

MatchCount CountUnionMatches(int64_t n, int64_t a, int64_t s, int64_t M, int64_t theta,
                             int64_t trials, uint64_t seed) {
  const auto chunks = sdr_internal::RunChunks<int64_t>(
      trials, seed, [=](sdr_internal::Rng& rng, int64_t count) {
        std::vector<uint64_t> mark(n, 0);      // stamp of the last subset drawing the cell
        std::vector<uint64_t> in_union(n, 0);  // stamp of the trial whose union holds it
        uint64_t stamp = 0;
        int64_t matches = 0;
        for (int64_t t = 1; t <= count; ++t) {
          const uint64_t trial = static_cast<uint64_t>(t);
          for (int64_t m = 0; m < M; ++m) {
            FloydSubset(n, s, ++stamp, mark, rng, [&](int64_t cell) {
              in_union[cell] = trial;
              return true;
            });
          }
          int64_t hits = 0, drawn = 0;
          FloydSubset(n, a, ++stamp, mark, rng, [&](int64_t cell) {
            hits += in_union[cell] == trial;
            ++drawn;
            // Stop once the match is decided either way.
            return hits < theta && hits + (a - drawn) >= theta;
          });
          matches += hits >= theta;
        }
        return matches;
      });
  MatchCount result;
  result.trials = trials;
  for (int64_t m : chunks) result.matches += m;
  return result;
}

}  // namespace sparselab
