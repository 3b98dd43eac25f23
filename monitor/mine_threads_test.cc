#include <thread>

#include <ATen/Parallel.h>

#include "gtest/gtest.h"
#include "monitor/mine.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

TEST(MineThreadsTest, AutomaticCountIsOneForSmallProducts) {
  MineOptions o;  // batch 256, hidden 128: 4.2e6 multiply-adds per layer
  EXPECT_EQ(MineThreads(o), 1);
  o.batch_size = 4096;
  o.hidden_units = 1024;  // 4.3e9
  EXPECT_EQ(MineThreads(o), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  o.num_threads = 3;
  EXPECT_EQ(MineThreads(o), 3);
}

TEST(MineThreadsTest, RestoresTheCallersThreadCountAndRejectsNegative) {
  at::set_num_threads(2);
  const auto p = testing::CorrelatedGaussian(500, 1, 0.5, 64);
  MineOptions o;
  o.iterations = 5;
  o.average_last = 5;
  o.show_progress = false;
  ASSERT_TRUE(MineMutualInformation(p.x, p.y, o).ok());
  EXPECT_EQ(at::get_num_threads(), 2);
  o.num_threads = -1;
  EXPECT_FALSE(MineMutualInformation(p.x, p.y, o).ok());
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
