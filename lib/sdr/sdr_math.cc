#include "lib/sdr/sdr_math.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/sdr/internal/sampling.h"

namespace sparselab {
namespace {

using sdr_internal::Below;
using sdr_internal::Uniform01;

// Runs `count(rng, trials)` over chunks in parallel and adds up the matches.
template <typename CountFn>
MatchCount ParallelCount(int64_t trials, uint64_t seed, CountFn count) {
  MatchCount result;
  result.trials = trials;
  for (int64_t m : sdr_internal::RunChunks<int64_t>(trials, seed, count)) result.matches += m;
  return result;
}

}  // namespace

double LogBinomial(int64_t n, int64_t k) {
  if (k < 0 || k > n || n < 0) return -std::numeric_limits<double>::infinity();
  return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
         std::lgamma(static_cast<double>(n - k) + 1);
}

double LogOverlapSetSize(int64_t n, int64_t a_w, int64_t a_x, int64_t b) {
  return LogBinomial(a_w, b) + LogBinomial(n - a_w, a_x - b);
}

absl::StatusOr<double> MatchProbability(int64_t n, int64_t a_w, int64_t a_x, int64_t theta) {
  if (n <= 0 || a_w < 0 || a_w > n || a_x < 0 || a_x > n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "match probability needs 0 <= a_w, a_x <= n and n > 0; got n=", n, ", a_w=", a_w,
        ", a_x=", a_x));
  }
  const int64_t lo = std::max<int64_t>(theta, 0);
  const int64_t hi = std::min(a_w, a_x);
  if (lo > hi) return 0.0;
  // log-sum-exp over the terms, relative to the largest.
  std::vector<double> terms;
  for (int64_t b = lo; b <= hi; ++b) {
    const double t = LogOverlapSetSize(n, a_w, a_x, b);
    if (std::isfinite(t)) terms.push_back(t);
  }
  if (terms.empty()) return 0.0;
  const double top = *std::max_element(terms.begin(), terms.end());
  double sum = 0.0;
  for (double t : terms) sum += std::exp(t - top);
  return std::min(1.0, std::exp(top + std::log(sum) - LogBinomial(n, a_x)));
}

int64_t SampleOverlapUpTo(int64_t n, int64_t a_w, int64_t a_x, int64_t theta,
                          Rng& rng) {
  int64_t chosen = 0;
  for (int64_t i = 0; i < a_w; ++i) {
    if (chosen >= theta) return chosen;                 // already a match
    if (chosen + (a_w - i) < theta) return chosen;      // can no longer match
    if (static_cast<int64_t>(Below(rng, static_cast<uint32_t>(n - i))) < a_x - chosen) ++chosen;
  }
  return chosen;
}

int64_t SampleOverlap(int64_t n, int64_t a_w, int64_t a_x, Rng& rng) {
  int64_t chosen = 0;
  for (int64_t i = 0; i < a_w && chosen < a_x; ++i) {
    if (static_cast<int64_t>(Below(rng, static_cast<uint32_t>(n - i))) < a_x - chosen) ++chosen;
  }
  return chosen;
}

MatchCount CountBinaryMatches(int64_t n, int64_t a_w, int64_t a_x, int64_t theta,
                              int64_t trials, uint64_t seed) {
  return ParallelCount(trials, seed, [=](Rng& rng, int64_t count) {
    int64_t matches = 0;
    for (int64_t t = 0; t < count; ++t) matches += SampleOverlapUpTo(n, a_w, a_x, theta, rng) >= theta;
    return matches;
  });
}

std::vector<int64_t> OverlapHistogram(int64_t n, int64_t a_w, int64_t a_x, int64_t trials,
                                      uint64_t seed) {
  const int64_t top = std::min(a_w, a_x);
  std::vector<int64_t> total(top + 1, 0);
  const auto chunks = sdr_internal::RunChunks<std::vector<int64_t>>(
      trials, seed, [=](Rng& rng, int64_t count) {
        std::vector<int64_t> counts(top + 1, 0);
        for (int64_t t = 0; t < count; ++t) ++counts[SampleOverlap(n, a_w, a_x, rng)];
        return counts;
      });
  for (const auto& counts : chunks) {
    for (int64_t b = 0; b <= top; ++b) total[b] += counts[b];
  }
  return total;
}

MatchCount CountScalarMatches(int64_t n, int64_t k_w, int64_t k_x, double scale, double theta,
                              int64_t trials, uint64_t seed) {
  const double w_range = 1.0 / k_w;
  const double x_range = 2.0 * scale / k_w;
  return ParallelCount(trials, seed, [=](Rng& rng, int64_t count) {
    int64_t matches = 0;
    for (int64_t t = 0; t < count; ++t) {
      const int64_t b = SampleOverlap(n, k_w, k_x, rng);
      double dot = 0.0;
      for (int64_t j = 0; j < b; ++j) {
        const double w = (2.0 * Uniform01(rng) - 1.0) * w_range;
        const double x = Uniform01(rng) * x_range;
        dot += w * x;
      }
      matches += dot >= theta;
    }
    return matches;
  });
}

double ScalarTheta(int64_t k_w) { return 1.0 / (6.0 * k_w); }

Interval WilsonInterval(int64_t successes, int64_t trials, double z) {
  if (trials <= 0) return {0.0, 1.0};
  const double n = static_cast<double>(trials);
  const double p = successes / n;
  const double z2 = z * z;
  const double center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

}  // namespace sparselab
