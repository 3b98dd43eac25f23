#include <vector>

#include "gtest/gtest.h"
#include "monitor/gcmi.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

// Ties take ranks in sample order (the stable order of the reference).
TEST(CopnormTest, HandComputedRanksWithTies) {
  const Samples c = Copnorm(Samples::FromColumn({2.0, 1.0, 2.0, 0.0, -0.0}));
  // Order: 0.0 (sample 3), -0.0 (sample 4, equal to 0.0), 1.0, 2.0, 2.0.
  const int rank[] = {4, 3, 5, 1, 2};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c(i, 0), Ndtri(rank[i] / 6.0)) << "sample " << i;
}

// All columns of several variables in parallel equal one Copnorm each.
TEST(CopnormTest, EachEqualsOneAtATime) {
  const auto p = testing::CorrelatedGaussian(5000, 3, 0.4, 91);
  const Samples z = testing::StandardNormals(5000, 2, 92);
  const std::vector<Samples> each = CopnormEach({&p.x, &p.y, &z});
  ASSERT_EQ(each.size(), 3u);
  EXPECT_EQ(each[0].values, Copnorm(p.x).values);
  EXPECT_EQ(each[1].values, Copnorm(p.y).values);
  EXPECT_EQ(each[2].values, Copnorm(z).values);
  EXPECT_EQ(each[2].dim, 2);
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
