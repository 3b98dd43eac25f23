#include "lib/sdr/exact_counts.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "gtest/gtest.h"
#include "lib/sdr/sdr_math.h"

namespace sparselab {
namespace {

// Brute force: the number of w_y-subsets of n (bit masks) sharing exactly b
// bits with {0, ..., w_x - 1}.
int64_t EnumeratedOverlapSetSize(int n, int w_x, int w_y, int b) {
  const uint32_t x = (1u << w_x) - 1;
  int64_t count = 0;
  for (uint32_t y = 0; y < (1u << n); ++y) {
    if (__builtin_popcount(y) == w_y && __builtin_popcount(x & y) == b) ++count;
  }
  return count;
}

TEST(ExactCountsTest, BinomialsAndFallingFactorials) {
  EXPECT_EQ(ExactBinomial(52, 5), 2598960);
  EXPECT_EQ(ExactBinomial(100, 50).str(), "100891344545564193334812497256");
  EXPECT_EQ(ExactBinomial(7, 0), 1);
  EXPECT_EQ(ExactBinomial(7, 7), 1);
  EXPECT_EQ(ExactBinomial(3, 4), 0);
  EXPECT_EQ(ExactBinomial(3, -1), 0);
  EXPECT_EQ(ExactBinomial(3000, 1200), ExactBinomial(3000, 1800));
  EXPECT_EQ(FallingFactorial(5, 2), 20);
  EXPECT_EQ(FallingFactorial(5, 0), 1);
  EXPECT_EQ(FallingFactorial(3, 5), 0);
  // Pascal's rule at a size where doubles have long lost every digit.
  EXPECT_EQ(ExactBinomial(5000, 2000),
            ExactBinomial(4999, 1999) + ExactBinomial(4999, 2000));
}

TEST(ExactCountsTest, OverlapSetSizeMatchesEnumeration) {
  for (int n : {6, 9, 12}) {
    for (int w_x = 0; w_x <= 5; ++w_x) {
      for (int w_y = 0; w_y <= 6; ++w_y) {
        for (int b = -1; b <= 6; ++b) {
          EXPECT_EQ(ExactOverlapSetSize(n, w_x, w_y, b),
                    EnumeratedOverlapSetSize(n, w_x, w_y, b))
              << "n=" << n << " w_x=" << w_x << " w_y=" << w_y << " b=" << b;
        }
      }
    }
  }
}

TEST(ExactCountsTest, TailIsTheEnumeratedFractionExactly) {
  // numerator / denominator == matches / C(n, D) as fractions (cross-multiplied).
  for (int n : {7, 11, 13}) {
    for (int K = 0; K <= 6; ++K) {
      for (int D = 0; D <= 7; ++D) {
        for (int lo = -1; lo <= 7; ++lo) {
          auto f = HypergeometricTail(n, K, D, lo);
          ASSERT_TRUE(f.ok());
          int64_t matches = 0;
          for (int b = std::max(lo, 0); b <= 7; ++b) matches += EnumeratedOverlapSetSize(n, K, D, b);
          EXPECT_EQ(f->numerator * ExactBinomial(n, D), BigInt(matches) * f->denominator)
              << "n=" << n << " K=" << K << " D=" << D << " lo=" << lo;
        }
      }
    }
  }
}

TEST(ExactCountsTest, ThetaEqualSIsAProductOfRatios) {
  // P(all 6 stored cells active) with 2000 of 100000 active:
  // prod_{i<6} (2000 - i) / (100000 - i), each factor exact in a double.
  double product = 1.0;
  for (int i = 0; i < 6; ++i) product *= (2000.0 - i) / (100000.0 - i);
  auto f = HypergeometricTail(100000, 6, 2000, 6);
  ASSERT_TRUE(f.ok());
  EXPECT_NEAR(f->ToDouble() / product, 1.0, 1e-15);
  // The same law with K and D swapped (the symmetric form picks the smaller).
  auto g = HypergeometricTail(100000, 2000, 6, 6);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(f->ToDouble(), g->ToDouble());
}

TEST(ExactCountsTest, PmfSumsToOneAndAgreesWithLogSpace) {
  auto pmf = HypergeometricPmf(3500, 24, 1750);
  ASSERT_TRUE(pmf.ok());
  ASSERT_EQ(pmf->size(), 25u);
  double total = 0.0;
  for (int b = 0; b <= 24; ++b) {
    total += (*pmf)[b];
    const double log_space = std::exp(LogOverlapSetSize(3500, 24, 1750, b) - LogBinomial(3500, 1750));
    EXPECT_NEAR((*pmf)[b] / log_space, 1.0, 1e-9) << "b=" << b;
  }
  EXPECT_NEAR(total, 1.0, 1e-15);
  // A zero-probability end: 10 draws from 12 with 5 marked must take >= 3 of them.
  auto forced = HypergeometricPmf(12, 5, 10);
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ((*forced)[0], 0.0);
  EXPECT_EQ((*forced)[2], 0.0);
  EXPECT_GT((*forced)[3], 0.0);
}

TEST(ExactCountsTest, RoundingAndLogarithms) {
  ExactFraction third{BigInt(1), BigInt(3)};
  EXPECT_EQ(third.ToDouble(), 1.0 / 3.0);
  ExactFraction tenth{BigInt(1), BigInt(10)};
  EXPECT_EQ(tenth.ToDouble(), 0.1);
  // Far outside the range of doubles, but still about one third.
  const BigInt big = boost::multiprecision::pow(BigInt(10), 400);
  ExactFraction near_third{big + 1, 3 * big};
  EXPECT_EQ(near_third.ToDouble(), 1.0 / 3.0);
  ExactFraction tiny{BigInt(1), boost::multiprecision::pow(BigInt(10), 500)};
  EXPECT_EQ(tiny.ToDouble(), 0.0);
  EXPECT_NEAR(tiny.Log10(), -500.0, 1e-12);
  EXPECT_TRUE(std::isinf(ExactFraction{BigInt(0), BigInt(1)}.Log10()));
}

TEST(ExactCountsTest, BadSizesAreErrors) {
  EXPECT_FALSE(HypergeometricTail(10, 11, 3, 1).ok());
  EXPECT_FALSE(HypergeometricTail(10, 3, -1, 1).ok());
  EXPECT_FALSE(HypergeometricTail(-1, 0, 0, 0).ok());
  EXPECT_FALSE(HypergeometricPmf(5, 2, 6).ok());
}

}  // namespace
}  // namespace sparselab
