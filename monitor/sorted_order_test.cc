#include "monitor/sorted_order.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

std::vector<int64_t> StableSortOrder(const std::vector<double>& v) {
  std::vector<int64_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return v[a] < v[b]; });
  return order;
}

// Equals std::stable_sort with operator< below and above the radix threshold,
// on continuous values, heavy ties, signed zeros, negatives and huge/tiny magnitudes.
TEST(SortedOrderTest, EqualsStableSort) {
  for (int64_t n : {1, 2, 7, 1000, 1023, 1024, 5000, 70000}) {
    const Samples g = testing::StandardNormals(n, 1, 70 + n);
    std::vector<double> continuous = g.values, tied = g.values, mixed = g.values;
    for (double& v : tied) v = std::round(v * 4.0) / 4.0;
    for (int64_t i = 0; i < n; ++i) {
      if (i % 5 == 0) mixed[i] = (i % 10 == 0) ? -0.0 : 0.0;
      if (i % 7 == 0) mixed[i] *= 1e300;
      if (i % 11 == 0) mixed[i] *= 1e-300;
    }
    for (const auto* v : {&continuous, &tied, &mixed}) {
      EXPECT_EQ(SortedOrder(v->data(), n), StableSortOrder(*v)) << "n " << n;
    }
  }
}

// Values that differ only in their lowest mantissa bits (below the bits the
// radix passes sort on), mixed with exact repeats, in shuffled order.
TEST(SortedOrderTest, OrdersValuesThatDifferOnlyInTheLowBits) {
  for (int64_t n : {2000, 50000}) {
    const Samples g = testing::StandardNormals(n, 1, 5 + n);
    std::vector<double> v(n);
    for (int64_t i = 0; i < n; ++i) {
      const double base = (i % 3 == 0) ? 1.0 : -2.5;
      const int64_t ulps = static_cast<int64_t>(std::floor(std::fabs(g.values[i]) * 1000)) % 4096;
      v[i] = base + static_cast<double>(ulps) * std::ldexp(std::fabs(base), -52);
    }
    EXPECT_EQ(SortedOrder(v.data(), n), StableSortOrder(v)) << "n " << n;
  }
}

TEST(SortedOrderTest, ReadsWithStride) {
  const Samples g = testing::StandardNormals(3000, 3, 77);
  std::vector<double> column(g.n);
  for (int64_t i = 0; i < g.n; ++i) column[i] = g(i, 2);
  EXPECT_EQ(SortedOrder(g.values.data() + 2, g.n, 3), StableSortOrder(column));
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
