#include "monitor/parallel.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "lib/base/cpu_count.h"

namespace sparselab {
namespace monitor {

int ResolveThreads(int requested) {
  return requested > 0 ? requested : UsableCpuCount();
}

void ParallelFor(int64_t n, int num_threads,
                 const std::function<void(int64_t, int64_t)>& body, int64_t grain) {
  if (n <= 0) return;
  const int64_t threads =
      std::min<int64_t>(ResolveThreads(num_threads), n / std::max<int64_t>(1, grain));
  if (threads <= 1) {
    body(0, n);
    return;
  }
  std::vector<std::thread> workers;
  const int64_t chunk = (n + threads - 1) / threads;
  for (int64_t t = 1; t < threads; ++t) {
    const int64_t begin = t * chunk, end = std::min(n, begin + chunk);
    if (begin < end) workers.emplace_back(body, begin, end);
  }
  body(0, std::min(n, chunk));
  for (auto& w : workers) w.join();
}

}  // namespace monitor
}  // namespace sparselab
