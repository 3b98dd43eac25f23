#include "lib/base/cpu_count.h"

#include <sched.h>

#include <thread>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

TEST(UsableCpuCountTest, FollowsTheAffinityMask) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  const int all = UsableCpuCount();
  EXPECT_EQ(all, CPU_COUNT(&saved));
  EXPECT_LE(all, static_cast<int>(std::thread::hardware_concurrency()));
  // Restricted to one CPU of the mask (what taskset -c or a cpuset does).
  int first = 0;
  while (!CPU_ISSET(first, &saved)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  EXPECT_EQ(UsableCpuCount(), 1);
  ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
  EXPECT_EQ(UsableCpuCount(), all);
}

}  // namespace
}  // namespace sparselab
