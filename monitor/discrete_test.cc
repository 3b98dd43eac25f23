#include "monitor/discrete.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace sparselab {
namespace monitor {
namespace {

const double kLog2 = std::log(2.0);

TEST(DiscreteTest, HandComputedEntropies) {
  // {0, 0, 1, 2}: p = (1/2, 1/4, 1/4), H = 3/2 log 2; 3 symbols of N = 4: +2/8.
  const std::vector<int64_t> s = {0, 0, 1, 2};
  EXPECT_DOUBLE_EQ(*DiscreteEntropy(s, false), 1.5 * kLog2);
  EXPECT_DOUBLE_EQ(*DiscreteEntropy(s, true), 1.5 * kLog2 + 0.25);
  // A constant variable: H = 0, and MM adds (1 - 1) / 2N = 0.
  EXPECT_DOUBLE_EQ(*DiscreteEntropy({7, 7, 7}, true), 0.0);
}

TEST(DiscreteTest, HandComputedMutualInformation) {
  const std::vector<int64_t> x = {0, 0, 1, 1}, y = {0, 1, 0, 1};
  // Independent: plug-in 0; Miller-Madow (log2 + 1/8) * 2 - (log 4 + 3/8) = -1/8.
  EXPECT_NEAR(*DiscreteMutualInformation(x, y, false), 0.0, 1e-15);
  EXPECT_NEAR(*DiscreteMutualInformation(x, y, true), -0.125, 1e-15);
  // Y = X: I = H = log 2; Miller-Madow log 2 + 1/8.
  EXPECT_NEAR(*DiscreteMutualInformation(x, x, false), kLog2, 1e-15);
  EXPECT_NEAR(*DiscreteMutualInformation(x, x, true), kLog2 + 0.125, 1e-15);
  // x = {0,0,0,1,1,1}, y = {0,0,1,1,1,1}: H(X) = log 2, H(Y) = H(1/3),
  // H(X,Y) over {(0,0):2, (0,1):1, (1,1):3}.
  const std::vector<int64_t> a = {0, 0, 0, 1, 1, 1}, b = {0, 0, 1, 1, 1, 1};
  const double hy = -(1.0 / 3) * std::log(1.0 / 3) - (2.0 / 3) * std::log(2.0 / 3);
  const double hxy = -(2.0 / 6) * std::log(2.0 / 6) - (1.0 / 6) * std::log(1.0 / 6) -
                     (3.0 / 6) * std::log(3.0 / 6);
  EXPECT_NEAR(*DiscreteMutualInformation(a, b, false), kLog2 + hy - hxy, 1e-15);
  EXPECT_NEAR(*DiscreteMutualInformation(a, b, true),
              kLog2 + hy - hxy + (1.0 + 1.0 - 2.0) / 12.0, 1e-15);
}

TEST(DiscreteTest, ConditionalAndCodes) {
  // X = Z, Y = Z: I(X; Y | Z) = 0 exactly; I(X; Y) = H(Z).
  const std::vector<int64_t> z = {0, 1, 2, 0, 1, 2};
  EXPECT_NEAR(*DiscreteConditionalMutualInformation(z, z, z, false), 0.0, 1e-15);
  // Binary codes: rows are symbols.
  const Samples codes = Samples::FromRows({{1, 0, 1}, {0, 0, 1}, {1, 0, 1}, {1, 1, 0}});
  EXPECT_EQ(SymbolsFromRows(codes), (std::vector<int64_t>{0, 1, 0, 2}));
  EXPECT_DOUBLE_EQ(*DiscreteEntropy(SymbolsFromRows(codes), false), 1.5 * kLog2);
}

TEST(DiscreteTest, Errors) {
  EXPECT_FALSE(DiscreteEntropy({}).ok());
  EXPECT_FALSE(DiscreteMutualInformation({0, 1}, {0, 1, 1}).ok());
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
