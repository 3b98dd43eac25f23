// Exact counting behind the SDR theory of Ahmad & Hawkins 2016 ("How do neurons
// operate on sparse distributed representations?", arXiv:1601.00720): binomial
// coefficients, overlap-set sizes and hypergeometric probabilities with big
// integers (Boost.Multiprecision). sdr_math.h evaluates the same sums in log
// space, fast but with a relative error that grows with n (about 1e-10 at
// n = 1e5, from lgamma); the fractions here are exact, and their doubles are
// correctly rounded, so they can settle the last printed digits of a paper.
#ifndef SPARSELAB_LIB_SDR_EXACT_COUNTS_H_
#define SPARSELAB_LIB_SDR_EXACT_COUNTS_H_

#include <cstdint>
#include <vector>

#include <boost/multiprecision/cpp_int.hpp>

#include "absl/status/statusor.h"

namespace sparselab {

using BigInt = boost::multiprecision::cpp_int;

// C(n, k); 0 when k < 0, k > n or n < 0.
BigInt ExactBinomial(int64_t n, int64_t k);

// The falling factorial n (n - 1) ... (n - k + 1); 1 for k = 0, and 0 when
// k > n >= 0 (a factor is zero). Requires k >= 0.
BigInt FallingFactorial(int64_t n, int64_t k);

// |Omega_n(w_x, b, w_y)|, the number of vectors with w_y of n bits on that
// share exactly b on-bits with a fixed vector of w_x on-bits:
// C(w_x, b) C(n - w_x, w_y - b) (0 outside the possible range).
BigInt ExactOverlapSetSize(int64_t n, int64_t w_x, int64_t w_y, int64_t b);

// A probability as an exact fraction numerator / denominator (not reduced).
struct ExactFraction {
  BigInt numerator;
  BigInt denominator;  // > 0
  // The value rounded to the nearest double (through a 332-bit quotient, so
  // wrong only if the exact value lies within 2^-280 of a rounding boundary).
  double ToDouble() const;
  // log10 of the value (-inf for 0): meaningful below the range of doubles.
  double Log10() const;
};

// The overlap of a fixed K-subset and a uniformly random D-subset of N items
// is hypergeometric: P(overlap = b) = C(K, b) C(N - K, D - b) / C(N, D). The
// law is symmetric in K and D, so with m = min(K, D) and M = max(K, D) it is
// computed as C(m, b) (M)_b (N - M)_(m - b) / (N)_m: products of at most m
// factors, never C(N, D) itself (C(100000, 2000) has 4,200 digits).
//
// P(overlap >= lo) as an exact fraction; lo <= 0 gives 1, lo > m gives 0.
// Errors unless N >= 0 and 0 <= K, D <= N.
absl::StatusOr<ExactFraction> HypergeometricTail(int64_t N, int64_t K, int64_t D, int64_t lo);

// The whole law, pmf[b] for b = 0 .. min(K, D), each value correctly rounded.
absl::StatusOr<std::vector<double>> HypergeometricPmf(int64_t N, int64_t K, int64_t D);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_SDR_EXACT_COUNTS_H_
