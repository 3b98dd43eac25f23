#include "lib/nn/internal/select_kth.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace sparselab::internal {
namespace {

// The brute-force twin: std::nth_element on a copy.
template <typename T>
KthValue<T> Reference(std::vector<T> v, int64_t k) {
  std::nth_element(v.begin(), v.begin() + (k - 1), v.end(), std::greater<T>());
  const T kth = v[k - 1];
  const int64_t at_least = std::count_if(v.begin(), v.end(), [&](T x) { return x >= kth; });
  return {kth, at_least};
}

template <typename T>
void ExpectSame(KthSelector<T>& selector, const std::vector<T>& v, int64_t k) {
  const KthValue<T> got = selector.Select(v.data(), static_cast<int64_t>(v.size()), k);
  const KthValue<T> want = Reference(v, k);
  ASSERT_EQ(got.value, want.value) << "n " << v.size() << " k " << k;
  ASSERT_EQ(got.at_least, want.at_least) << "n " << v.size() << " k " << k;
}

TEST(SortKeyTest, OrdersLikeTheValuesAndFoldsNegativeZero) {
  const std::vector<float> ordered = {-std::numeric_limits<float>::infinity(), -3e38f, -1.5f,
                                      -1e-40f, 0.0f, 1e-40f, 1.0f, 1.0000001f, 2e38f,
                                      std::numeric_limits<float>::infinity()};
  for (size_t i = 1; i < ordered.size(); ++i) {
    EXPECT_LT(ToSortKey(ordered[i - 1]), ToSortKey(ordered[i])) << ordered[i];
  }
  EXPECT_EQ(ToSortKey(-0.0f), ToSortKey(0.0f));
  EXPECT_EQ(ToSortKey(-0.0), ToSortKey(0.0));
  for (float v : ordered) EXPECT_EQ(FromSortKey<float>(ToSortKey(v)), v);
  EXPECT_EQ(FromSortKey<double>(ToSortKey(-2.5)), -2.5);
  EXPECT_FALSE(std::signbit(FromSortKey<float>(ToSortKey(-0.0f))));
}

TEST(KthSelectorTest, HandComputedCases) {
  KthSelector<float> selector;
  const std::vector<float> v = {3, 1, 4, 1, 5, 9, 2, 6};
  EXPECT_EQ(selector.Select(v.data(), 8, 1).value, 9);
  EXPECT_EQ(selector.Select(v.data(), 8, 3).value, 5);
  EXPECT_EQ(selector.Select(v.data(), 8, 8).value, 1);
  const KthValue<float> tie = selector.Select(v.data(), 8, 7);  // 1 and 1
  EXPECT_EQ(tie.value, 1);
  EXPECT_EQ(tie.at_least, 8);
  const std::vector<float> one = {-2};
  EXPECT_EQ(selector.Select(one.data(), 1, 1).value, -2);
}

// Many rows through one selector, so that its window from the previous row
// both holds and misses the k-th value; values with many ties, both signs,
// zeros of both signs and infinities.
template <typename T>
void RandomRowsMatchNthElement() {
  std::mt19937 rng(7);
  KthSelector<T> selector;
  const std::vector<int64_t> sizes = {1, 2, 5, 47, 48, 49, 100, 1024, 4608};
  for (int64_t n : sizes) {
    for (int row = 0; row < 60; ++row) {
      std::vector<T> v(n);
      const int kind = row % 6;
      std::normal_distribution<T> normal(0, row % 12 < 6 ? 1 : 1000);
      std::uniform_int_distribution<int> small(-3, 3);
      for (T& x : v) {
        switch (kind) {
          case 0: x = normal(rng); break;
          case 1: x = static_cast<T>(small(rng)); break;  // heavy ties
          case 2: x = small(rng) == 0 ? T(-0.0) : normal(rng); break;
          case 3: x = std::abs(normal(rng)) + T(5); break;  // one sign, narrow range
          case 4: x = T(2.5); break;  // all equal
          default:
            x = small(rng) == 3 ? std::numeric_limits<T>::infinity()
                : small(rng) == -3 ? -std::numeric_limits<T>::infinity() : normal(rng);
        }
      }
      for (int64_t k : {int64_t{1}, (n + 1) / 2, n / 10 + 1, n}) ExpectSame(selector, v, k);
    }
  }
}

TEST(KthSelectorTest, FloatRowsMatchNthElement) { RandomRowsMatchNthElement<float>(); }
TEST(KthSelectorTest, DoubleRowsMatchNthElement) { RandomRowsMatchNthElement<double>(); }

}  // namespace
}  // namespace sparselab::internal
