// Deterministic test data that a reference implementation in another language
// can regenerate bit for bit: SplitMix64 (Steele, Lea & Flood 2014) uniform
// doubles (top 53 bits / 2^53) and Box-Muller normals
// sqrt(-2 log(1 - u1)) * cos(2 pi u2), two uniforms per normal, drawn row by
// row. The expected values in the *_test.cc files were computed from exactly
// these numbers.
#ifndef SPARSELAB_MONITOR_TEST_DATA_H_
#define SPARSELAB_MONITOR_TEST_DATA_H_

#include <cmath>
#include <cstdint>

#include "monitor/samples.h"

namespace sparselab {
namespace monitor {
namespace testing {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Normal() {
    const double u1 = Uniform(), u2 = Uniform();
    return std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2.0 * M_PI * u2);
  }

 private:
  uint64_t state_;
};

// n x dim independent standard normals, row by row.
inline Samples StandardNormals(int64_t n, int64_t dim, uint64_t seed) {
  SplitMix64 rng(seed);
  Samples s(n, dim);
  for (double& v : s.values) v = rng.Normal();
  return s;
}

// Columns [begin, end) of s.
inline Samples Columns(const Samples& s, int64_t begin, int64_t end) {
  Samples out(s.n, end - begin);
  for (int64_t i = 0; i < s.n; ++i)
    for (int64_t j = begin; j < end; ++j) out(i, j - begin) = s(i, j);
  return out;
}

// x = g[:, :d], y = rho * x + sqrt(1 - rho^2) * g[:, d:2d] for g = StandardNormals(n, 2d):
// d independent pairs with correlation rho, MI = -(d/2) log(1 - rho^2).
struct SamplePair {
  Samples x, y;
};
inline SamplePair CorrelatedGaussian(int64_t n, int64_t d, double rho, uint64_t seed) {
  const Samples g = StandardNormals(n, 2 * d, seed);
  SamplePair p{Columns(g, 0, d), Columns(g, d, 2 * d)};
  const double c = std::sqrt(1.0 - rho * rho);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) p.y(i, j) = rho * p.x(i, j) + c * p.y(i, j);
  return p;
}

inline double GaussianMutualInformationTruth(int64_t d, double rho) {
  return -0.5 * static_cast<double>(d) * std::log(1.0 - rho * rho);
}

}  // namespace testing
}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_TEST_DATA_H_
