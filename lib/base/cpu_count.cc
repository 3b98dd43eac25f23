#include "lib/base/cpu_count.h"

#include <dlfcn.h>
#include <sched.h>

#include <algorithm>
#include <thread>

namespace sparselab {

int UsableCpuCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

bool SetBlasThreads(int n) {
  using SetFn = void (*)(int);
  auto set = reinterpret_cast<SetFn>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set == nullptr) return false;
  set(std::max(1, n));
  return true;
}

int BlasThreads() {
  using GetFn = int (*)();
  auto get = reinterpret_cast<GetFn>(::dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get == nullptr ? 0 : get();
}

}  // namespace sparselab
