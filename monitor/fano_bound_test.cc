#include "monitor/fano_bound.h"

#include <cmath>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

double H2(double p) { return -p * std::log2(p) - (1 - p) * std::log2(1 - p); }

TEST(FanoTest, BinaryLabels) {
  // H(Y) = 1 bit. Full information: no error; none: a coin flip.
  EXPECT_NEAR(*FanoAccuracyBound(1.0, 1.0, 2), 1.0, 1e-12);
  EXPECT_NEAR(*FanoAccuracyBound(0.0, 1.0, 2), 0.5, 1e-12);
  // H(Y|T) = H2(0.1): for C = 2 Fano is tight at Pe = 0.1.
  EXPECT_NEAR(*FanoAccuracyBound(1.0 - H2(0.1), 1.0, 2), 0.9, 1e-9);
}

TEST(FanoTest, TenClasses) {
  const double h_y = std::log2(10.0);
  EXPECT_NEAR(*FanoAccuracyBound(0.0, h_y, 10), 0.1, 1e-9);
  // Pe = 0.2 gives H(Y|T) = H2(0.2) + 0.2 log2 9.
  const double h = H2(0.2) + 0.2 * std::log2(9.0);
  EXPECT_NEAR(*FanoMinimumError(h, 10), 0.2, 1e-9);
  EXPECT_NEAR(*FanoAccuracyBound(h_y - h, h_y, 10), 0.8, 1e-9);
  // An estimate above H(Y) (estimator bias) permits every accuracy.
  EXPECT_NEAR(*FanoAccuracyBound(h_y + 0.5, h_y, 10), 1.0, 1e-12);
}

TEST(FanoTest, RejectsBadInput) {
  EXPECT_FALSE(FanoMinimumError(0.5, 1).ok());
  EXPECT_FALSE(FanoAccuracyBound(NAN, 1.0, 2).ok());
}

TEST(LabelEntropyTest, PlugIn) {
  EXPECT_DOUBLE_EQ(LabelEntropyBits({0, 1, 0, 1}), 1.0);
  EXPECT_DOUBLE_EQ(LabelEntropyBits({4, 4, 4}), 0.0);
  EXPECT_NEAR(LabelEntropyBits({0, 1, 2, 3}), 2.0, 1e-15);
}

}  // namespace
}  // namespace sparselab
