#include "lib/sdr/sdr_math.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

// Brute force: enumerate every a_x-subset of n (as a bit mask) and count those
// sharing >= theta bits with {0, ..., a_w - 1}.
double EnumeratedMatchProbability(int n, int a_w, int a_x, int theta) {
  int64_t total = 0, matches = 0;
  const uint32_t stored = (1u << a_w) - 1;
  for (uint32_t x = 0; x < (1u << n); ++x) {
    if (__builtin_popcount(x) != a_x) continue;
    ++total;
    matches += __builtin_popcount(x & stored) >= theta;
  }
  return static_cast<double>(matches) / total;
}

TEST(SdrMathTest, LogBinomialSmallValues) {
  EXPECT_NEAR(std::exp(LogBinomial(10, 3)), 120.0, 1e-9);
  EXPECT_NEAR(std::exp(LogBinomial(52, 5)), 2598960.0, 1e-4);
  EXPECT_TRUE(std::isinf(LogBinomial(3, 4)));
  EXPECT_TRUE(std::isinf(LogBinomial(3, -1)));
}

TEST(SdrMathTest, ExactMatchesEnumerationForSmallN) {
  for (int n : {8, 12, 16}) {
    for (int a_w : {2, 4, 6}) {
      for (int a_x : {1, 3, 5, 8}) {
        for (int theta : {0, 1, 2, 3, 4}) {
          auto p = MatchProbability(n, a_w, a_x, theta);
          ASSERT_TRUE(p.ok());
          EXPECT_NEAR(*p, EnumeratedMatchProbability(n, a_w, a_x, theta), 1e-12)
              << "n=" << n << " a_w=" << a_w << " a_x=" << a_x << " theta=" << theta;
        }
      }
    }
  }
}

TEST(SdrMathTest, SymmetryAndLimits) {
  // Overlap of an a_w-set with a random a_x-set has the law of the reverse.
  EXPECT_NEAR(*MatchProbability(1000, 24, 128, 12), *MatchProbability(1000, 128, 24, 12), 1e-15);
  EXPECT_DOUBLE_EQ(*MatchProbability(500, 24, 64, 0), 1.0);
  EXPECT_DOUBLE_EQ(*MatchProbability(500, 24, 64, 25), 0.0);   // theta > a_w
  EXPECT_DOUBLE_EQ(*MatchProbability(500, 24, 500, 24), 1.0);  // x is all ones
  // The overlap distribution sums to one.
  double total = 0.0;
  for (int b = 0; b <= 24; ++b) total += std::exp(LogOverlapSetSize(2000, 24, 1000, b) - LogBinomial(2000, 1000));
  EXPECT_NEAR(total, 1.0, 1e-10);
  EXPECT_FALSE(MatchProbability(100, 101, 5, 1).ok());
  EXPECT_FALSE(MatchProbability(0, 0, 0, 0).ok());
}

TEST(SdrMathTest, AgreesWithThePapersTheoreticalValues) {
  // From numenta/htmpapers, how_can_we_be_so_dense/projects/plot_numerical_results.py
  // (a_w = 24, theta = 12).
  EXPECT_NEAR(*MatchProbability(300, 24, 64, 12) / 0.00109461662333690, 1.0, 1e-9);
  EXPECT_NEAR(*MatchProbability(300, 24, 128, 12) / 0.292078213737764, 1.0, 1e-9);
  EXPECT_NEAR(*MatchProbability(3500, 24, 256, 12) / 2.23380881095835e-8, 1.0, 1e-9);
  // The reference's a = n/2 curve (0.0052 .. 0.0070) is not reproduced by any
  // (a_w, theta): with a_x = n/2 the expected overlap is a_w / 2 = theta, so
  // P(overlap >= 12) is about 0.58 (see experiments/sdr_match/README.md).
  EXPECT_NEAR(*MatchProbability(3500, 24, 1750, 12), 0.58, 0.01);
}

TEST(SdrMathTest, SamplerReproducesTheExactLaw) {
  // Histogram of 200,000 full overlaps against the hypergeometric pmf.
  Rng rng(7);
  const int n = 60, a_w = 10, a_x = 20, trials = 200000;
  std::vector<int> counts(a_w + 1, 0);
  for (int t = 0; t < trials; ++t) ++counts[SampleOverlap(n, a_w, a_x, rng)];
  for (int b = 0; b <= a_w; ++b) {
    const double p = std::exp(LogOverlapSetSize(n, a_w, a_x, b) - LogBinomial(n, a_x));
    const double sd = std::sqrt(trials * p * (1 - p));
    EXPECT_NEAR(counts[b], trials * p, 5 * sd + 1) << "b=" << b;
  }
}

TEST(SdrMathTest, EarlyStoppingKeepsTheMatchDecision) {
  Rng a(11), b(11);
  for (int t = 0; t < 10000; ++t) {
    // Same stream: the early-stopped draw decides a match exactly when the
    // full draw would (it consumes a prefix of the same random numbers).
    const int64_t early = SampleOverlapUpTo(40, 12, 15, 5, a);
    Rng replay = b;
    const int64_t full = SampleOverlap(40, 12, 15, replay);
    b = a;
    EXPECT_EQ(early >= 5, full >= 5);
  }
}

TEST(SdrMathTest, CountIsIndependentOfThreadsAndCloseToExact) {
  at::set_num_threads(1);
  MatchCount one = CountBinaryMatches(300, 24, 128, 12, 3000000, 42);
  at::set_num_threads(2);
  MatchCount two = CountBinaryMatches(300, 24, 128, 12, 3000000, 42);
  EXPECT_EQ(one.matches, two.matches);
  const double p = *MatchProbability(300, 24, 128, 12);
  Interval ci = WilsonInterval(one.matches, one.trials, 4.0);
  EXPECT_LT(ci.low, p);
  EXPECT_GT(ci.high, p);
}

TEST(SdrMathTest, ScalarMatchesFollowTheSign) {
  // Inputs are non-negative and weights symmetric: with theta = 0 a match is
  // w . x >= 0, which holds with probability 1/2 given any overlap (plus
  // the no-overlap case where the dot product is exactly 0).
  const int64_t n = 50, k = 10, trials = 400000;
  MatchCount c = CountScalarMatches(n, k, k, 1.0, 0.0, trials, 3);
  const double p0 = std::exp(LogOverlapSetSize(n, k, k, 0) - LogBinomial(n, k));
  const double expected = p0 + (1 - p0) / 2;
  EXPECT_NEAR(c.frequency(), expected, 5 * std::sqrt(expected * (1 - expected) / trials));
  EXPECT_DOUBLE_EQ(ScalarTheta(32), 1.0 / 192.0);
  // A larger input scale makes matches more likely (Figure 3 right).
  MatchCount s1 = CountScalarMatches(1000, 32, 256, 1.0, ScalarTheta(32), 400000, 5);
  MatchCount s3 = CountScalarMatches(1000, 32, 256, 3.0, ScalarTheta(32), 400000, 5);
  EXPECT_GT(s3.frequency(), 5 * s1.frequency());
}

TEST(SdrMathTest, WilsonIntervalKnownValue) {
  // 10 of 100 at 95 %: [0.0552, 0.1744] (standard tables).
  Interval ci = WilsonInterval(10, 100);
  EXPECT_NEAR(ci.low, 0.0552, 1e-4);
  EXPECT_NEAR(ci.high, 0.1744, 1e-4);
  EXPECT_DOUBLE_EQ(WilsonInterval(0, 100).low, 0.0);
}

}  // namespace
}  // namespace sparselab
