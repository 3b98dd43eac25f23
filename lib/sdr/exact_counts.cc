#include "lib/sdr/exact_counts.h"

#include <algorithm>
#include <limits>

#include <boost/multiprecision/cpp_bin_float.hpp>

#include "absl/strings/str_cat.h"

namespace sparselab {
namespace {

using Float = boost::multiprecision::cpp_bin_float_100;

absl::Status CheckSizes(int64_t N, int64_t K, int64_t D) {
  if (N < 0 || K < 0 || K > N || D < 0 || D > N) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hypergeometric law needs N >= 0 and 0 <= K, D <= N; got N=", N, ", K=", K, ", D=", D));
  }
  return absl::OkStatus();
}

// The terms C(m, b) (M)_b (N - M)_(m - b), b = 0 .. m, of the symmetric form,
// and their common denominator (N)_m.
struct Terms {
  std::vector<BigInt> numerators;
  BigInt denominator;
};

Terms SymmetricTerms(int64_t N, int64_t K, int64_t D) {
  const int64_t m = std::min(K, D);
  const int64_t big = std::max(K, D);
  // rising[b] = (big)_b, rest[k] = (N - big)_k, built one factor at a time.
  std::vector<BigInt> rising(m + 1), rest(m + 1);
  rising[0] = 1;
  rest[0] = 1;
  for (int64_t b = 1; b <= m; ++b) {
    rising[b] = rising[b - 1] * (big - b + 1);
    rest[b] = rest[b - 1] * std::max<int64_t>(N - big - b + 1, 0);
  }
  Terms t;
  t.numerators.resize(m + 1);
  BigInt binomial = 1;  // C(m, b)
  for (int64_t b = 0; b <= m; ++b) {
    t.numerators[b] = binomial * rising[b] * rest[m - b];
    binomial = binomial * (m - b) / (b + 1);
  }
  t.denominator = FallingFactorial(N, m);
  return t;
}

double Quotient(const BigInt& numerator, const BigInt& denominator) {
  if (numerator == 0) return 0.0;
  const Float q = Float(numerator) / Float(denominator);
  return q.convert_to<double>();
}

}  // namespace

BigInt FallingFactorial(int64_t n, int64_t k) {
  BigInt result = 1;
  for (int64_t i = 0; i < k; ++i) {
    if (n - i == 0) return 0;
    result *= (n - i);
  }
  return result;
}

BigInt ExactBinomial(int64_t n, int64_t k) {
  if (n < 0 || k < 0 || k > n) return 0;
  k = std::min(k, n - k);
  BigInt result = 1;
  // After step i the value is C(n - k + i, i), an integer, so each division is exact.
  for (int64_t i = 1; i <= k; ++i) result = result * (n - k + i) / i;
  return result;
}

BigInt ExactOverlapSetSize(int64_t n, int64_t w_x, int64_t w_y, int64_t b) {
  return ExactBinomial(w_x, b) * ExactBinomial(n - w_x, w_y - b);
}

double ExactFraction::ToDouble() const { return Quotient(numerator, denominator); }

double ExactFraction::Log10() const {
  if (numerator == 0) return -std::numeric_limits<double>::infinity();
  const Float q = Float(numerator) / Float(denominator);
  return boost::multiprecision::log10(q).convert_to<double>();
}

absl::StatusOr<ExactFraction> HypergeometricTail(int64_t N, int64_t K, int64_t D, int64_t lo) {
  if (absl::Status s = CheckSizes(N, K, D); !s.ok()) return s;
  const int64_t m = std::min(K, D);
  ExactFraction f;
  f.denominator = 1;
  if (lo <= 0) {
    f.numerator = 1;
    return f;
  }
  if (lo > m) {
    f.numerator = 0;
    return f;
  }
  Terms t = SymmetricTerms(N, K, D);
  f.numerator = 0;
  for (int64_t b = lo; b <= m; ++b) f.numerator += t.numerators[b];
  f.denominator = std::move(t.denominator);
  return f;
}

absl::StatusOr<std::vector<double>> HypergeometricPmf(int64_t N, int64_t K, int64_t D) {
  if (absl::Status s = CheckSizes(N, K, D); !s.ok()) return s;
  const Terms t = SymmetricTerms(N, K, D);
  std::vector<double> pmf(t.numerators.size());
  for (size_t b = 0; b < pmf.size(); ++b) pmf[b] = Quotient(t.numerators[b], t.denominator);
  return pmf;
}

}  // namespace sparselab
