// Match probabilities of sparse vectors: the counting of Ahmad & Hawkins 2016
// ("How do neurons operate on sparse distributed representations?") used by
// Ahmad & Scheinkman 2019 ("How Can We Be So Dense?", Section 2, Figures 2-3),
// and exact samplers of the same random experiments.
#ifndef SPARSELAB_LIB_SDR_SDR_MATH_H_
#define SPARSELAB_LIB_SDR_SDR_MATH_H_

#include <cstdint>
#include <random>
#include <vector>

#include "absl/status/statusor.h"

namespace sparselab {

// 32-bit Mersenne Twister: each draw here needs only 32 bits (n < 2^32).
using Rng = std::mt19937;

// log C(n, k); -inf when k < 0 or k > n.
double LogBinomial(int64_t n, int64_t k);

// |Omega_n(a_w, b, a_x)|: the number of vectors with a_x of n bits on that
// share exactly b on-bits with a fixed vector of a_w on-bits (Ahmad & Scheinkman
// eq. 2): C(a_w, b) * C(n - a_w, a_x - b). As a natural log.
double LogOverlapSetSize(int64_t n, int64_t a_w, int64_t a_x, int64_t b);

// P(overlap >= theta) between a fixed vector with a_w of n bits on and a
// uniformly random vector with a_x of n bits on (eq. 3):
//   sum_{b = theta}^{min(a_w, a_x)} |Omega_n(a_w, b, a_x)| / C(n, a_x),
// summed in log space so that no term overflows (C(3500, 1750) ~ 1e1052).
// Errors when the sizes are inconsistent (a_w or a_x outside 0..n).
absl::StatusOr<double> MatchProbability(int64_t n, int64_t a_w, int64_t a_x, int64_t theta);

// One random trial of that experiment: draws a uniformly random a_x-subset of
// n and returns its overlap with the fixed a_w-subset {0, ..., a_w - 1}, or
// stops early with any value >= theta once the match is decided (the returned
// value then only says "match" or "no match"). Only the a_w stored positions
// matter, so it draws, position by position, whether each is in the random
// subset: with c of the first i chosen, position i is chosen with probability
// (a_x - c) / (n - i), which is exact sampling without replacement.
int64_t SampleOverlapUpTo(int64_t n, int64_t a_w, int64_t a_x, int64_t theta,
                          Rng& rng);

// The full overlap of one such trial (no early stop).
int64_t SampleOverlap(int64_t n, int64_t a_w, int64_t a_x, Rng& rng);

struct MatchCount {
  int64_t trials = 0;
  int64_t matches = 0;
  double frequency() const { return trials ? static_cast<double>(matches) / trials : 0.0; }
};

// Counts matches over `trials` independent trials with SampleOverlapUpTo, in
// parallel over fixed chunks whose generators are seeded from (seed, chunk), so
// the count does not depend on the number of threads.
MatchCount CountBinaryMatches(int64_t n, int64_t a_w, int64_t a_x, int64_t theta,
                              int64_t trials, uint64_t seed);

// The histogram of the full overlap (SampleOverlap) over `trials` independent
// trials: counts[b] for b = 0 .. min(a_w, a_x), chunked and seeded like
// CountBinaryMatches. One run gives the frequency of every threshold at once.
std::vector<int64_t> OverlapHistogram(int64_t n, int64_t a_w, int64_t a_x, int64_t trials,
                                      uint64_t seed);

// Scalar sparse vectors (Figure 3, the reference code's scalar_sdrs.py): a
// weight vector with k_w non-zeros uniform in [-1/k_w, 1/k_w], an input with
// k_x non-zeros uniform in [0, 2 s / k_w]; a match is w . x >= theta. Only the
// positions where both are non-zero contribute, so each trial draws that
// overlap b exactly (as above, without early stopping) and then b products.
MatchCount CountScalarMatches(int64_t n, int64_t k_w, int64_t k_x, double scale, double theta,
                              int64_t trials, uint64_t seed);

// The reference code's theta: half the mean of w . w for a weight vector of
// k_w non-zeros uniform in [-1/k_w, 1/k_w], i.e. (1/2) k_w E[u^2] = 1 / (6 k_w).
// (The reference estimates the same mean from 100,000 samples.)
double ScalarTheta(int64_t k_w);

// Wilson score interval for a binomial proportion (z = 1.96: 95 %).
struct Interval {
  double low;
  double high;
};
Interval WilsonInterval(int64_t successes, int64_t trials, double z = 1.96);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_SDR_SDR_MATH_H_
