#include "lib/sdr/sdr_math.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include <ATen/Parallel.h>

#include "absl/strings/str_cat.h"

namespace sparselab {
namespace {

// Trials per chunk: small enough to balance threads, large enough that seeding
// a generator per chunk costs nothing.
constexpr int64_t kChunk = 1 << 20;

uint64_t ChunkSeed(uint64_t seed, int64_t chunk) {
  // splitmix64 finaliser: decorrelates nearby (seed, chunk) pairs.
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(chunk) + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform integer in [0, range), exactly unbiased: Lemire's multiply-shift
// with rejection ("Fast random integer generation in an interval", 2019).
inline uint32_t Below(Rng& rng, uint32_t range) {
  uint64_t m = static_cast<uint64_t>(rng()) * range;
  uint32_t low = static_cast<uint32_t>(m);
  if (low < range) {
    const uint32_t threshold = -range % range;
    while (low < threshold) {
      m = static_cast<uint64_t>(rng()) * range;
      low = static_cast<uint32_t>(m);
    }
  }
  return static_cast<uint32_t>(m >> 32);
}

inline double Uniform01(Rng& rng) {
  return (static_cast<double>(rng() >> 5) * 67108864.0 + (rng() >> 6)) * 0x1.0p-53;
}

// Runs `count(rng, trials)` over chunks in parallel and adds up the matches.
template <typename CountFn>
MatchCount ParallelCount(int64_t trials, uint64_t seed, CountFn count) {
  const int64_t chunks = (trials + kChunk - 1) / kChunk;
  std::vector<int64_t> matches(chunks, 0);
  at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const uint64_t s = ChunkSeed(seed, c);
      std::seed_seq seq{static_cast<uint32_t>(s), static_cast<uint32_t>(s >> 32)};
      Rng rng(seq);
      const int64_t n = std::min(kChunk, trials - c * kChunk);
      matches[c] = count(rng, n);
    }
  });
  MatchCount result;
  result.trials = trials;
  for (int64_t m : matches) result.matches += m;
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
