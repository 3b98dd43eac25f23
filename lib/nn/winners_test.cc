#include "lib/nn/winners.h"

#include <c10/util/Exception.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

at::Tensor Row(std::vector<double> values) {
  return at::tensor(values, at::kDouble).view({1, -1});
}

// A bool mask as 0/1 integers, for comparisons.
at::Tensor Ints(const at::Tensor& mask) { return mask.to(at::kLong); }
at::Tensor Mask(std::vector<int64_t> values) { return at::tensor(values).view({1, -1}); }

TEST(KthLargestTest, PicksKthLargestPerRow) {
  const at::Tensor x = at::tensor({4.0, 1.0, 3.0, 2.0, 10.0, 30.0, 20.0, 0.0},
                                  at::kDouble).view({2, 4});
  EXPECT_TRUE(KthLargest(x, 1, 1).equal(at::tensor({4.0, 30.0}, at::kDouble).view({2, 1})));
  EXPECT_TRUE(KthLargest(x, 3, 1).equal(at::tensor({2.0, 10.0}, at::kDouble).view({2, 1})));
  EXPECT_TRUE(KthLargest(x, 4, 1).equal(at::tensor({1.0, 0.0}, at::kDouble).view({2, 1})));
  // Along dim 0.
  EXPECT_TRUE(KthLargest(x, 1, 0).equal(
      at::tensor({10.0, 30.0, 20.0, 2.0}, at::kDouble).view({1, 4})));
}

TEST(KthLargestTest, RejectsKOutOfRange) {
  const at::Tensor x = Row({1, 2, 3});
  EXPECT_THROW(KthLargest(x, 0, 1), c10::Error);
  EXPECT_THROW(KthLargest(x, 4, 1), c10::Error);
}

TEST(WinnerMaskTest, TiesAllWinWithoutBreakingTies) {
  const at::Tensor x = Row({1, 3, 3, 2});
  EXPECT_TRUE(Ints(WinnerMask(x, 1, 1, false)).equal(Mask({0, 1, 1, 0})));
  const at::Tensor broken = WinnerMask(x, 1, 1, true);
  EXPECT_EQ(broken.sum().item<int64_t>(), 1);
  EXPECT_FALSE(broken[0][0].item<bool>());
  EXPECT_FALSE(broken[0][3].item<bool>());
}

TEST(WinnerMaskTest, EdgeCasesKZeroAndKEqualN) {
  const at::Tensor x = Row({5, -1, 2});
  EXPECT_EQ(WinnerMask(x, 0, 1, false).sum().item<int64_t>(), 0);
  EXPECT_EQ(WinnerMask(x, 3, 1, false).sum().item<int64_t>(), 3);
  EXPECT_EQ(WinnerMask(x, 3, 1, true).sum().item<int64_t>(), 3);
  EXPECT_TRUE(Ints(WinnerMask(x, 2, 1, true)).equal(Mask({1, 0, 1})));
  EXPECT_THROW(WinnerMask(x, 4, 1, false), c10::Error);
  EXPECT_THROW(WinnerMask(x, -1, 1, false), c10::Error);
}

TEST(MidpointThresholdTest, HalfwayBetweenKthAndNext) {
  const at::Tensor x = Row({0.1, 0.9, 0.5, 0.7});
  EXPECT_DOUBLE_EQ(MidpointThreshold(x, 2, 1).item<double>(), 0.6);
  EXPECT_DOUBLE_EQ(MidpointThreshold(x, 1, 1).item<double>(), 0.8);
  EXPECT_THROW(MidpointThreshold(x, 4, 1), c10::Error);
}

}  // namespace
}  // namespace sparselab
