#include "lib/sdr/sdr_theory.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "lib/sdr/sdr_math.h"

namespace sparselab {
namespace {

// All k-subsets of {0, ..., n - 1} as bit masks.
std::vector<uint32_t> Subsets(int n, int k) {
  std::vector<uint32_t> out;
  for (uint32_t x = 0; x < (1u << n); ++x) {
    if (__builtin_popcount(x) == k) out.push_back(x);
  }
  return out;
}

// Brute force of the false positive: every active set of a cells against the
// segment's cells {0, ..., s - 1}.
double EnumeratedFalsePositive(int n, int a, int s, int theta) {
  const uint32_t segment = (1u << s) - 1;
  int64_t hits = 0, total = 0;
  for (uint32_t x : Subsets(n, a)) {
    ++total;
    hits += __builtin_popcount(x & segment) >= theta;
  }
  return static_cast<double>(hits) / total;
}

// Brute force of the false negative: the pattern is cells {0, ..., a - 1},
// the segment {0, ..., s - 1}; every choice of the v removed pattern cells
// (the v added cells lie outside the pattern, so never on the segment).
double EnumeratedFalseNegative(int a, int s, int theta, int v) {
  const uint32_t segment = (1u << s) - 1;
  int64_t misses = 0, total = 0;
  for (uint32_t removed : Subsets(a, v)) {
    ++total;
    misses += s - __builtin_popcount(removed & segment) < theta;
  }
  return static_cast<double>(misses) / total;
}

// Brute force of the union: every M-tuple of s-subsets, every active set.
double EnumeratedUnionFalsePositive(int n, int a, int s, int M, int theta) {
  const std::vector<uint32_t> patterns = Subsets(n, s), inputs = Subsets(n, a);
  int64_t hits = 0, total = 0;
  std::vector<size_t> index(M, 0);
  while (true) {
    uint32_t u = 0;
    for (size_t i : index) u |= patterns[i];
    for (uint32_t x : inputs) {
      ++total;
      hits += __builtin_popcount(x & u) >= theta;
    }
    int m = 0;
    while (m < M && ++index[m] == patterns.size()) index[m++] = 0;
    if (m == M) break;
  }
  return static_cast<double>(hits) / total;
}

TEST(SdrTheoryTest, FalsePositiveMatchesEnumeration) {
  for (int n : {6, 9, 13}) {
    for (int a = 0; a <= 6; ++a) {
      for (int s = 0; s <= 6; ++s) {
        for (int theta = -1; theta <= s + 1; ++theta) {
          auto p = FalsePositiveProbability(n, a, s, theta);
          ASSERT_TRUE(p.ok()) << p.status();
          EXPECT_NEAR(*p, EnumeratedFalsePositive(n, a, s, theta), 1e-15)
              << "n=" << n << " a=" << a << " s=" << s << " theta=" << theta;
        }
      }
    }
  }
}

TEST(SdrTheoryTest, FalsePositiveLimitsAndClosedForms) {
  EXPECT_EQ(*FalsePositiveProbability(100000, 2000, 10, 0), 1.0);
  EXPECT_EQ(*FalsePositiveProbability(100000, 2000, 10, -3), 1.0);
  EXPECT_EQ(*FalsePositiveProbability(100000, 2000, 10, 11), 0.0);
  EXPECT_EQ(*FalsePositiveProbability(500, 8, 24, 9), 0.0);  // fewer active cells than theta
  // theta = s: all s cells active, prod_{i<s} (a - i) / (n - i).
  double product = 1.0;
  for (int i = 0; i < 10; ++i) product *= (2000.0 - i) / (100000.0 - i);
  EXPECT_NEAR(*FalsePositiveProbability(100000, 2000, 10, 10) / product, 1.0, 1e-14);
  // theta = 1: 1 - C(n - s, a) / C(n, a) = 1 - prod_{i<s} (n - a - i) / (n - i).
  double none = 1.0;
  for (int i = 0; i < 4; ++i) none *= (4000.0 - 200 - i) / (4000.0 - i);
  EXPECT_NEAR(*FalsePositiveProbability(4000, 200, 4, 1), 1.0 - none, 1e-15);
  // The log-space evaluation of sdr_math (same sum, a and s swapped by symmetry).
  for (int64_t n : {300, 3500, 19900}) {
    EXPECT_NEAR(*FalsePositiveProbability(n, 128, 24, 12) / *MatchProbability(n, 24, 128, 12), 1.0, 1e-8)
        << "n=" << n;
  }
}

TEST(SdrTheoryTest, FalseNegativeMatchesEnumeration) {
  for (int a : {6, 10, 13}) {
    for (int s = 0; s <= 6; ++s) {
      for (int v = 0; v <= a; v += 2) {
        for (int theta = -1; theta <= s + 1; ++theta) {
          auto p = FalseNegativeProbability(a, s, theta, v);
          ASSERT_TRUE(p.ok()) << p.status();
          EXPECT_NEAR(*p, EnumeratedFalseNegative(a, s, theta, v), 1e-15)
              << "a=" << a << " s=" << s << " theta=" << theta << " v=" << v;
        }
      }
    }
  }
}

TEST(SdrTheoryTest, FalseNegativeLimits) {
  EXPECT_EQ(*FalseNegativeProbability(128, 30, 0, 64), 0.0);   // theta = 0 never misses
  EXPECT_EQ(*FalseNegativeProbability(128, 30, 31, 0), 1.0);   // theta > s always misses
  EXPECT_EQ(*FalseNegativeProbability(128, 30, 12, 0), 0.0);   // no noise
  EXPECT_EQ(*FalseNegativeProbability(128, 30, 12, 18), 0.0);  // v <= s - theta: cannot miss
  EXPECT_GT(*FalseNegativeProbability(128, 30, 12, 19), 0.0);
  // theta = s: a miss is any removed cell on the segment, 1 - C(a - s, v) / C(a, v).
  double kept = 1.0;
  for (int i = 0; i < 30; ++i) kept *= (128.0 - 10 - i) / (128.0 - i);
  EXPECT_NEAR(*FalseNegativeProbability(128, 30, 30, 10), 1.0 - kept, 1e-15);
}

TEST(SdrTheoryTest, UnionMatchesEnumeration) {
  for (int M : {1, 2, 3}) {
    for (int a = 1; a <= 4; ++a) {
      for (int theta = 0; theta <= 3; ++theta) {
        auto p = UnionFalsePositiveProbability(7, a, 2, M, theta);
        ASSERT_TRUE(p.ok()) << p.status();
        EXPECT_NEAR(*p, EnumeratedUnionFalsePositive(7, a, 2, M, theta), 1e-14)
            << "M=" << M << " a=" << a << " theta=" << theta;
      }
    }
  }
}

TEST(SdrTheoryTest, UnionSizeLaw) {
  // Enumerated law of |union| of 3 random 2-subsets of 7 cells.
  const std::vector<uint32_t> pairs = Subsets(7, 2);
  std::vector<double> counts(8, 0.0);
  for (uint32_t x : pairs)
    for (uint32_t y : pairs)
      for (uint32_t z : pairs) counts[__builtin_popcount(x | y | z)] += 1.0;
  const double total = std::pow(static_cast<double>(pairs.size()), 3);
  auto pmf = UnionSizeDistribution(7, 2, 3);
  ASSERT_TRUE(pmf.ok());
  ASSERT_EQ(pmf->size(), 7u);  // sizes 0 .. min(7, 3 * 2)
  for (int u = 0; u <= 6; ++u) EXPECT_NEAR((*pmf)[u], counts[u] / total, 1e-15) << "u=" << u;
  // The mean of the exact law is the closed form n (1 - (1 - s/n)^M).
  auto law = UnionSizeDistribution(1000, 25, 10);
  ASSERT_TRUE(law.ok());
  double mean = 0.0, mass = 0.0;
  for (size_t u = 0; u < law->size(); ++u) {
    mean += u * (*law)[u];
    mass += (*law)[u];
  }
  EXPECT_NEAR(mass, 1.0, 1e-13);
  EXPECT_NEAR(mean / *UnionExpectedSize(1000, 25, 10), 1.0, 1e-13);
  EXPECT_NEAR(*UnionExpectedSize(1000, 25, 1), 25.0, 1e-12);
}

TEST(SdrTheoryTest, OnePatternIsTheSinglePatternCase) {
  for (int theta : {0, 5, 12, 15, 26}) {
    const double single = *FalsePositiveProbability(10000, 200, 25, theta);
    EXPECT_EQ(*UnionFalsePositiveProbability(10000, 200, 25, 1, theta), single) << theta;
    EXPECT_EQ(*UnionFalsePositiveAtExpectedSize(10000, 200, 25, 1, theta), single) << theta;
  }
}

TEST(SdrTheoryTest, UnionSimulationFollowsTheExactLawNotTheExpectedSize) {
  // n = 1000, a = 200, s = 25, M = 2, theta = 15: exact 0.0508, while the
  // reference's evaluation at the expected union size (49) gives 0.0474.
  const double exact = *UnionFalsePositiveProbability(1000, 200, 25, 2, 15);
  const double at_mean = *UnionFalsePositiveAtExpectedSize(1000, 200, 25, 2, 15);
  EXPECT_NEAR(exact, 0.050773363242822576, 1e-13);  // exact rational, evaluated independently
  EXPECT_NEAR(at_mean, 0.047389453029285517, 1e-13);
  const int64_t trials = 400000;
  at::set_num_threads(2);
  const MatchCount two = CountUnionMatches(1000, 200, 25, 2, 15, trials, 9);
  at::set_num_threads(1);
  const MatchCount one = CountUnionMatches(1000, 200, 25, 2, 15, trials, 9);
  EXPECT_EQ(one.matches, two.matches);
  const double sd = std::sqrt(exact * (1 - exact) / trials);  // 3.5e-4
  EXPECT_NEAR(one.frequency(), exact, 4 * sd);
  EXPECT_GT(std::abs(one.frequency() - at_mean), 4 * sd);
  // theta = 0 always matches; an empty input never reaches theta = 1.
  EXPECT_EQ(CountUnionMatches(50, 5, 3, 2, 0, 1000, 1).matches, 1000);
  EXPECT_EQ(CountUnionMatches(50, 0, 3, 2, 1, 1000, 1).matches, 0);
}

TEST(SdrTheoryTest, OverlapHistogramIsTheNoiseLaw) {
  // The number of the 30 segment cells among v = 64 removed of a = 128.
  const int64_t trials = 300000;
  const std::vector<int64_t> counts = OverlapHistogram(128, 30, 64, trials, 5);
  ASSERT_EQ(counts.size(), 31u);
  int64_t sum = 0;
  for (int64_t c : counts) sum += c;
  EXPECT_EQ(sum, trials);
  // Frequency of a miss at theta = 12 (more than 18 removed) against the closed form.
  int64_t misses = 0;
  for (int b = 19; b <= 30; ++b) misses += counts[b];
  const double p = *FalseNegativeProbability(128, 30, 12, 64);  // 0.0717
  EXPECT_NEAR(static_cast<double>(misses) / trials, p, 5 * std::sqrt(p * (1 - p) / trials));
}

TEST(SdrTheoryTest, BadArgumentsAreErrors) {
  EXPECT_FALSE(FalsePositiveProbability(100, 101, 5, 1).ok());
  EXPECT_FALSE(FalsePositiveProbability(100, 10, 101, 1).ok());
  EXPECT_FALSE(FalsePositiveProbability(0, 0, 0, 0).ok());
  EXPECT_FALSE(FalseNegativeProbability(10, 11, 5, 2).ok());
  EXPECT_FALSE(FalseNegativeProbability(10, 5, 5, 11).ok());
  EXPECT_FALSE(UnionExpectedSize(100, 5, 0).ok());
  EXPECT_FALSE(UnionSizeDistribution(100, 101, 2).ok());
  EXPECT_FALSE(UnionFalsePositiveProbability(100, 200, 5, 2, 1).ok());
}

}  // namespace
}  // namespace sparselab
