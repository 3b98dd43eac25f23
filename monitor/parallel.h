// A small static-partition parallel loop over query points (std::thread), so
// the estimators need no LibTorch thread pool and honour an explicit count.
#ifndef SPARSELAB_MONITOR_PARALLEL_H_
#define SPARSELAB_MONITOR_PARALLEL_H_

#include <cstdint>
#include <functional>

namespace sparselab {
namespace monitor {

// 0 means one thread per CPU this process may use (lib/base/cpu_count.h).
int ResolveThreads(int requested);

// Calls body(begin, end) on disjoint ranges covering [0, n), on up to
// `num_threads` threads (0: all), each range at least `grain` items long (so
// cheap items are not split across threads; 1 for a few costly items).
// Results must be written per index so they do not depend on the partition.
void ParallelFor(int64_t n, int num_threads,
                 const std::function<void(int64_t begin, int64_t end)>& body,
                 int64_t grain = 64);

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_PARALLEL_H_
