#include "monitor/parallel.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace sparselab {
namespace monitor {
namespace {

TEST(ResolveThreadsTest, ExplicitCountsStayAndZeroMeansTheHardware) {
  EXPECT_EQ(ResolveThreads(1), 1);
  EXPECT_EQ(ResolveThreads(3), 3);
  const unsigned hw = std::thread::hardware_concurrency();
  EXPECT_EQ(ResolveThreads(0), hw == 0 ? 1 : static_cast<int>(hw));
}

// Every index in exactly one range, ranges disjoint, for sizes around the
// serial cut-off and thread counts that do and do not divide them.
TEST(ParallelForTest, RangesCoverEveryIndexExactlyOnce) {
  for (int64_t n : {0, 1, 5, 63, 64, 65, 1000, 4097}) {
    for (int threads : {1, 2, 3, 7, 0}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      std::mutex mutex;
      std::vector<std::pair<int64_t, int64_t>> ranges;
      ParallelFor(n, threads, [&](int64_t begin, int64_t end) {
        ASSERT_LE(0, begin);
        ASSERT_LT(begin, end);
        ASSERT_LE(end, n);
        for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)]++;
        std::lock_guard<std::mutex> lock(mutex);
        ranges.emplace_back(begin, end);
      });
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "n " << n << " threads " << threads;
      }
      EXPECT_LE(static_cast<int64_t>(ranges.size()), std::max(1, ResolveThreads(threads)));
      if (n == 0) {
        EXPECT_TRUE(ranges.empty());
      }
    }
  }
}

TEST(ParallelForTest, LargeLoopsRunOnSeveralThreads) {
  std::mutex mutex;
  std::set<std::thread::id> ids;
  ParallelFor(100000, 4, [&](int64_t, int64_t) {
    std::lock_guard<std::mutex> lock(mutex);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(ids.size(), 4u);
}

// Per-index results do not depend on the partition: the same sums with 1 and
// 5 threads.
TEST(ParallelForTest, PerIndexResultsIndependentOfThreads) {
  auto run = [](int threads) {
    std::vector<double> out(777);
    ParallelFor(777, threads, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[static_cast<size_t>(i)] = 0.5 * i * i;
    });
    return out;
  };
  EXPECT_EQ(run(1), run(5));
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
