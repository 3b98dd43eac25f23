// How reliably a dendritic segment recognises a sparse pattern: the closed
// forms of Ahmad & Hawkins 2016, "How do neurons operate on sparse distributed
// representations? A mathematical theory of sparsity, neurons and active
// dendrites" (arXiv:1601.00720), and exact samplers of the random experiments
// they describe.
//
// A population of n cells has a active at a time, a uniformly random a-subset.
// A dendritic segment has s synapses onto distinct cells and fires (an NMDA
// spike) when at least theta of them are active. Every probability below is a
// hypergeometric sum evaluated exactly with big integers (exact_counts.h) and
// rounded once to a double; sdr_math.h's MatchProbability is the log-space
// evaluation of the same false-positive sum.
#ifndef SPARSELAB_LIB_SDR_SDR_THEORY_H_
#define SPARSELAB_LIB_SDR_SDR_THEORY_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/sdr/sdr_math.h"

namespace sparselab {

// False positive with subsampling: a random pattern activates at least theta
// of the segment's s synapses,
//   P = sum_{b = theta}^{s} C(s, b) C(n - s, a - b) / C(n, a).
// theta <= 0 gives 1, theta > s gives 0. Errors unless n >= 1, 0 <= a <= n and
// 0 <= s <= n.
absl::StatusOr<double> FalsePositiveProbability(int64_t n, int64_t a, int64_t s, int64_t theta);

// False negative with noise: the segment's s synapses are onto cells of a
// stored pattern of a active cells; v of those a cells are replaced by v cells
// outside the pattern (so the population must have n >= a + v cells, which
// otherwise does not matter). The segment misses the pattern when fewer than
// theta of its synapses stay active, i.e. when more than s - theta of the v
// removed cells carry one of its synapses:
//   P = sum_{b = s - theta + 1}^{s} C(s, b) C(a - s, v - b) / C(a, v).
// theta <= 0 gives 0, theta > s gives 1. Errors unless 0 <= s <= a, 0 <= v <= a.
absl::StatusOr<double> FalseNegativeProbability(int64_t a, int64_t s, int64_t theta, int64_t v);

// Unions. A segment that stores M patterns with s synapses each, onto
// independent uniformly random s-subsets of the n cells, holds their union.
// A cell is in none of them with probability (1 - s/n)^M, so the union's
// expected size is n (1 - (1 - s/n)^M). Errors unless n >= 1, 0 <= s <= n,
// M >= 1.
absl::StatusOr<double> UnionExpectedSize(int64_t n, int64_t s, int64_t M);

// The exact law of the union's size, pmf[u] for u = 0 .. min(n, M s): adding
// one more s-subset to a union of u cells adds s - o cells, where the overlap
// o is hypergeometric (n, u, s).
absl::StatusOr<std::vector<double>> UnionSizeDistribution(int64_t n, int64_t s, int64_t M);

// The union segment's false-positive probability, exactly: the union size U
// is random, so P = sum_u P(U = u) FalsePositiveProbability(n, a, u, theta).
// M = 1 is FalsePositiveProbability(n, a, s, theta).
absl::StatusOr<double> UnionFalsePositiveProbability(int64_t n, int64_t a, int64_t s, int64_t M,
                                                     int64_t theta);

// The same evaluated at the expected size, as the paper's reference code does
// (numenta/htmresearch projects/sdr_paper/sdr_paper_unions.py):
// FalsePositiveProbability(n, a, round(UnionExpectedSize(n, s, M)), theta).
// An approximation: it ignores the spread of U.
absl::StatusOr<double> UnionFalsePositiveAtExpectedSize(int64_t n, int64_t a, int64_t s,
                                                        int64_t M, int64_t theta);

// One literal random trial per count: M random s-subsets of n (each drawn with
// Floyd's algorithm) form the union, a random a-subset is the input, and a
// match is at least theta input cells in the union. Chunked and seeded like
// CountBinaryMatches (the count does not depend on the number of threads).
MatchCount CountUnionMatches(int64_t n, int64_t a, int64_t s, int64_t M, int64_t theta,
                             int64_t trials, uint64_t seed);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_SDR_SDR_THEORY_H_
