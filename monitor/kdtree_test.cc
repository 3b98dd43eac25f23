#include "monitor/kdtree.h"

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

// Every answer of the tree equals an exhaustive scan, in several dimensions
// (the 4th-power pruning bound must never drop a true neighbour).
TEST(MaxNormTreeTest, MatchesExhaustiveSearch) {
  for (int64_t dim : {1, 2, 5, 12}) {
    const Samples points = testing::StandardNormals(500, dim, 11 + dim);
    const MaxNormTree tree(points);
    for (int64_t q = 0; q < points.n; q += 7) {
      std::vector<std::pair<double, int64_t>> all;
      for (int64_t j = 0; j < points.n; ++j)
        all.emplace_back(MaxNormDistance(points.row(q), points.row(j), dim), j);
      std::sort(all.begin(), all.end());
      const std::vector<Neighbour> nearest = tree.Nearest(points.row(q), 6);
      ASSERT_EQ(nearest.size(), 6u);
      for (int r = 0; r < 6; ++r) {
        EXPECT_EQ(nearest[r].index, all[r].second) << "dim " << dim << " query " << q;
        EXPECT_EQ(nearest[r].distance, all[r].first);
      }
      for (int r : {1, 5, 40}) {
        const double radius = all[r].first;
        const int64_t expected = std::count_if(
            all.begin(), all.end(), [&](const auto& p) { return p.first <= radius; });
        EXPECT_EQ(tree.CountWithin(points.row(q), radius), expected);
        EXPECT_EQ(tree.CountWithin(points.row(q), radius - 1e-15),
                  std::count_if(all.begin(), all.end(),
                                [&](const auto& p) { return p.first <= radius - 1e-15; }));
      }
    }
  }
}

TEST(MaxNormTreeTest, ExactDistancesForLargeAndTinyScales) {
  // Power-of-two scaling keeps 4th powers finite and distances exact.
  for (double scale : {1e-30, 1e40}) {
    Samples points = testing::StandardNormals(100, 3, 5);
    for (double& v : points.values) v *= scale;
    const MaxNormTree tree(points);
    const std::vector<Neighbour> nearest = tree.Nearest(points.row(0), 2);
    EXPECT_EQ(nearest[0].index, 0);
    EXPECT_EQ(nearest[0].distance, 0.0);
    EXPECT_EQ(nearest[1].distance,
              MaxNormDistance(points.row(0), points.row(nearest[1].index), 3));
    EXPECT_EQ(tree.CountWithin(points.row(0), nearest[1].distance), 2);
  }
}

TEST(MaxNormTreeTest, DuplicatesAtDistanceZeroAreCounted) {
  const Samples points = Samples::FromRows({{1.0}, {1.0}, {1.0}, {2.0}});
  const MaxNormTree tree(points);
  EXPECT_EQ(tree.CountWithin(points.row(0), 0.0), 3);
  EXPECT_EQ(tree.CountWithin(points.row(0), -1.0), 0);
  EXPECT_EQ(tree.CountWithin(points.row(0), 1.0), 4);
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
