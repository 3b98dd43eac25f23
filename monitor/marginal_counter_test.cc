#include "monitor/marginal_counter.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "monitor/kdtree.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

int64_t BruteForceCount(const Samples& s, int64_t i, double radius) {
  int64_t count = 0;
  for (int64_t j = 0; j < s.n; ++j) count += MaxNormDistance(s.row(i), s.row(j), s.dim) <= radius;
  return count;
}

// Radii at exact pairwise distances (the inclusive boundary), just below them
// (NPEET's 1e-15 margin), zero, negative, and larger than the data.
void ExpectBruteForceCounts(const Samples& s) {
  const MarginalCounter counter(s);
  ASSERT_EQ(counter.size(), s.n);
  for (int64_t i = 0; i < s.n; i += 3) {
    const double exact = MaxNormDistance(s.row(i), s.row((i * 7 + 1) % s.n), s.dim);
    for (double radius : {exact, exact - 1e-15, std::nextafter(exact, 0.0), 0.0, -1.0, 1e3,
                          0.013 * (i % 17)}) {
      EXPECT_EQ(counter.CountWithin(i, radius), BruteForceCount(s, i, radius))
          << "dim " << s.dim << " sample " << i << " radius " << radius;
    }
  }
}

// The bulk queries (finger search in sorted order, tree order) on radii that
// jump between tiny, exact-distance, negative and huge values from one sample
// to the next, with and without NPEET's margin, on one and two threads.
void ExpectBulkEqualsBruteForce(const Samples& s) {
  const MarginalCounter counter(s);
  std::vector<double> radius(s.n);
  for (int64_t i = 0; i < s.n; ++i) {
    const int64_t other = (i * 13 + 5) % s.n;
    const double exact = MaxNormDistance(s.row(i), s.row(other), s.dim);
    radius[i] = i % 9 == 0 ? -0.5 : i % 7 == 0 ? 50.0 : i % 2 == 0 ? exact : 0.1 * exact;
  }
  for (double margin : {0.0, 1e-15}) {
    for (int threads : {1, 2}) {
      const std::vector<int64_t> counts = counter.CountsWithin(radius, margin, threads);
      for (int64_t i = 0; i < s.n; ++i) {
        ASSERT_EQ(counts[i], BruteForceCount(s, i, radius[i] - margin))
            << "dim " << s.dim << " sample " << i << " margin " << margin << " threads " << threads;
      }
    }
  }
}

TEST(MarginalCounterTest, BulkEqualsBruteForce) {
  ExpectBulkEqualsBruteForce(testing::StandardNormals(2500, 1, 83));
  Samples tied = testing::StandardNormals(2000, 1, 84);
  for (double& v : tied.values) v = std::round(v * 10.0) / 10.0;
  ExpectBulkEqualsBruteForce(tied);
  ExpectBulkEqualsBruteForce(testing::StandardNormals(1200, 2, 85));
}

TEST(MarginalCounterTest, OneDimensionalEqualsBruteForce) {
  ExpectBruteForceCounts(testing::StandardNormals(3000, 1, 80));
  Samples tied = testing::StandardNormals(2000, 1, 81);
  for (double& v : tied.values) v = std::round(v * 10.0) / 10.0;  // runs of equal values
  ExpectBruteForceCounts(tied);
  ExpectBruteForceCounts(Samples::FromColumn({1.0, 1.0, 1.0, 2.0}));
}

TEST(MarginalCounterTest, TreeEqualsBruteForce) {
  for (int64_t dim : {2, 3, 6}) ExpectBruteForceCounts(testing::StandardNormals(1500, dim, 82 + dim));
  Samples tied = testing::StandardNormals(1500, 2, 90);
  for (double& v : tied.values) v = std::round(v * 4.0) / 4.0;
  ExpectBruteForceCounts(tied);
}

// Two dimensions count rectangles of sorted positions in one sweep: ties in
// either column or both, a column that is a copy of the other, and a constant
// column, on the bulk and the single queries.
TEST(MarginalCounterTest, TwoDimensionalRectanglesEqualBruteForce) {
  Samples tied = testing::StandardNormals(1500, 2, 91);
  for (int64_t i = 0; i < tied.n; ++i) tied(i, i % 2) = std::round(tied(i, i % 2) * 4.0) / 4.0;
  ExpectBulkEqualsBruteForce(tied);
  ExpectBruteForceCounts(tied);
  Samples copy = testing::StandardNormals(800, 2, 92);
  for (int64_t i = 0; i < copy.n; ++i) copy(i, 1) = copy(i, 0);
  ExpectBulkEqualsBruteForce(copy);
  Samples flat = testing::StandardNormals(800, 2, 93);
  for (int64_t i = 0; i < flat.n; ++i) flat(i, 0) = 0.5;
  ExpectBulkEqualsBruteForce(flat);
  ExpectBruteForceCounts(flat);
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
