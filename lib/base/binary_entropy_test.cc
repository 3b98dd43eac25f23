#include "lib/base/binary_entropy.h"

#include "gtest/gtest.h"

namespace sparselab {
namespace {

TEST(BinaryEntropyTest, HandComputedValues) {
  EXPECT_DOUBLE_EQ(BinaryEntropyBits(0.5), 1.0);
  // H2(1/4) = 1/4 * 2 + 3/4 * log2(4/3) = 2 - (3/4) log2 3.
  EXPECT_DOUBLE_EQ(BinaryEntropyBits(0.25), 2.0 - 0.75 * std::log2(3.0));
  EXPECT_DOUBLE_EQ(BinaryEntropyBits(0.25), BinaryEntropyBits(0.75));
  EXPECT_EQ(BinaryEntropyBits(0.0), 0.0);
  EXPECT_EQ(BinaryEntropyBits(1.0), 0.0);
  EXPECT_EQ(BinaryEntropyBits(-0.1), 0.0);
  EXPECT_EQ(BinaryEntropyBits(NAN), 0.0);
}

}  // namespace
}  // namespace sparselab
