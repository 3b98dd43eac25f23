#include "experiments/embedder_sdr/willshaw_classifier.h"

#include "gtest/gtest.h"

namespace sparselab::embedder_sdr {
namespace {

// Codes on 8 units: class 0 uses units 0-3, class 1 units 4-7 (two of the four
// active in each code). Test codes are unseen combinations of the same units.
at::Tensor Code(std::initializer_list<int64_t> units) {
  at::Tensor c = at::zeros({8});
  for (int64_t u : units) c[u] = 1;
  return c;
}

TEST(WillshawClassifierTest, ClassSeparatedCodesAreRecalledByClass) {
  const at::Tensor train = at::stack({Code({0, 1}), Code({4, 5}), Code({2, 3}), Code({6, 7})});
  const at::Tensor train_y = at::tensor({0, 1, 0, 1}, at::kLong);
  const at::Tensor test = at::stack({Code({0, 3}), Code({5, 6}), Code({1, 2}), Code({4, 7})});
  const at::Tensor test_y = at::tensor({0, 1, 0, 1}, at::kLong);
  WillshawClassifierOptions o;
  o.stored_pairs = {1, 2, 4};
  o.label_units = 16;
  o.label_active = 3;
  auto acc = WillshawAccuracy(train, train_y, test, test_y, 2, o);
  ASSERT_TRUE(acc.ok()) << acc.status();
  ASSERT_EQ(acc->size(), 3u);
  // One pair (class 0, units 0-1): only label 0 can be recalled; test codes 0
  // and 2 share a unit with it (count 1), codes 1 and 3 none (every count 0:
  // no unit recalled, ties go to the summed counts, then class 0). All say 0.
  EXPECT_EQ((*acc)[0].stored_pairs, 1);
  EXPECT_DOUBLE_EQ((*acc)[0].accuracy, 0.5);
  EXPECT_DOUBLE_EQ((*acc)[0].synapse_fill, 2.0 * 3 / (8 * 16));  // 2 units x 3 label units
  // Two pairs: units 0-1 -> label 0, 4-5 -> label 1. Test {0,3} and {1,2}
  // reach label 0's units with count 1, {5,6} and {4,7} label 1's: all right.
  EXPECT_DOUBLE_EQ((*acc)[1].accuracy, 1.0);
  EXPECT_DOUBLE_EQ((*acc)[2].accuracy, 1.0);
}

TEST(WillshawClassifierTest, RandomCodesOfRandomLabelsStayNearChance) {
  at::manual_seed(3);
  const at::Tensor train = (at::rand({2000, 256}) < 0.05).to(at::kFloat);
  const at::Tensor train_y = at::randint(0, 10, {2000}, at::kLong);
  const at::Tensor test = (at::rand({1000, 256}) < 0.05).to(at::kFloat);
  const at::Tensor test_y = at::randint(0, 10, {1000}, at::kLong);
  WillshawClassifierOptions o;
  o.stored_pairs = {2000};
  auto acc = WillshawAccuracy(train, train_y, test, test_y, 10, o);
  ASSERT_TRUE(acc.ok()) << acc.status();
  // Chance is 0.1; 1000 test codes: sd 0.0095.
  EXPECT_NEAR((*acc)[0].accuracy, 0.1, 0.04);
}

TEST(WillshawClassifierTest, BadInputIsAnError) {
  const at::Tensor codes = at::zeros({4, 8});
  const at::Tensor y = at::zeros({4}, at::kLong);
  WillshawClassifierOptions o;
  o.stored_pairs = {5};
  EXPECT_FALSE(WillshawAccuracy(codes, y, codes, y, 2, o).ok());  // more pairs than codes
  o.stored_pairs = {3, 2};
  EXPECT_FALSE(WillshawAccuracy(codes, y, codes, y, 2, o).ok());  // not ascending
  o.stored_pairs = {2};
  o.label_active = 300;
  EXPECT_FALSE(WillshawAccuracy(codes, y, codes, y, 2, o).ok());  // ky > ny
  o.label_active = 3;
  EXPECT_FALSE(WillshawAccuracy(codes, y, at::zeros({4, 9}), y, 2, o).ok());  // units differ
}

}  // namespace
}  // namespace sparselab::embedder_sdr
