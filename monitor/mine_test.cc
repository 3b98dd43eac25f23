#include "monitor/mine.h"

#include <cmath>

#include "gtest/gtest.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

MineOptions ShortRun() {
  MineOptions o;
  o.hidden_units = 64;
  o.batch_size = 256;
  o.iterations = 1500;
  o.learning_rate = 2e-3;
  o.average_last = 150;
  o.show_progress = false;
  o.seed = 3;
  return o;
}

TEST(MineTest, TwoDimensionalGaussian) {
  // rho = 0.8: I = -1/2 log(0.36) = 0.511 nats. A lower bound that a short run
  // approaches from below; it must be clearly positive and not overshoot.
  const auto p = testing::CorrelatedGaussian(5000, 1, 0.8, 60);
  const double truth = testing::GaussianMutualInformationTruth(1, 0.8);
  const absl::StatusOr<MineResult> r = MineMutualInformation(p.x, p.y, ShortRun());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->mi, truth, 0.12);
  EXPECT_GT(r->mi_std, 0.0);
  EXPECT_LT(r->mi_std, 0.2);
  // Independent variables: close to 0.
  const auto q = testing::CorrelatedGaussian(5000, 1, 0.0, 61);
  MineOptions o = ShortRun();
  o.iterations = 600;
  const absl::StatusOr<MineResult> zero = MineMutualInformation(q.x, q.y, o);
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_NEAR(zero->mi, 0.0, 0.06);
}

TEST(MineTest, SameSeedSameNumbers) {
  const auto p = testing::CorrelatedGaussian(1000, 1, 0.5, 62);
  MineOptions o = ShortRun();
  o.iterations = 100;
  o.average_last = 20;
  const auto a = MineMutualInformation(p.x, p.y, o);
  const auto b = MineMutualInformation(p.x, p.y, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->history, b->history);
}

TEST(MineTest, RejectsBadInputAndDevice) {
  const auto p = testing::CorrelatedGaussian(100, 1, 0.5, 63);
  const auto q = testing::CorrelatedGaussian(99, 1, 0.5, 63);
  EXPECT_FALSE(MineMutualInformation(p.x, q.y, ShortRun()).ok());
  MineOptions o = ShortRun();
  o.device = "toaster";
  EXPECT_FALSE(MineMutualInformation(p.x, p.y, o).ok());
  o.device = "cpu";
  o.iterations = 0;
  EXPECT_FALSE(MineMutualInformation(p.x, p.y, o).ok());
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
