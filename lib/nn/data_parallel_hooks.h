// What layers with batch statistics need under data parallelism (lib/train
// distributed.h): each process sees only its shard of the global batch, so a
// layer that keeps statistics of the batch (k-winners' duty cycles, Ahmad &
// Scheinkman 2019 eq. 6) or decides from it (RigL's grown connections, Evci
// et al. 2020 sec. 3) asks these hooks for the global batch's numbers, and
// every process computes the same state. The Trainer installs them (for the
// calling thread) while it trains with a process group; without them the
// layers use their local batch, as on one process.
#ifndef SPARSELAB_LIB_NN_DATA_PARALLEL_HOOKS_H_
#define SPARSELAB_LIB_NN_DATA_PARALLEL_HOOKS_H_

#include <cstdint>
#include <functional>

#include <ATen/ATen.h>

namespace sparselab {

struct DataParallelHooks {
  // Sums `counts` (any shape) and `batch_size` over every process, in place.
  std::function<void(at::Tensor& counts, int64_t& batch_size)> sum_counts;
  // The rows (dim 0) of every process's `rows`, concatenated in rank order.
  std::function<at::Tensor(const at::Tensor& rows)> gather_rows;
};

// The hooks in force on this thread (nullptr: one process).
const DataParallelHooks* CurrentDataParallelHooks();

// Installs `hooks` on this thread until destroyed (restoring the previous).
class ScopedDataParallelHooks {
 public:
  explicit ScopedDataParallelHooks(const DataParallelHooks* hooks);
  ~ScopedDataParallelHooks();
  ScopedDataParallelHooks(const ScopedDataParallelHooks&) = delete;
  ScopedDataParallelHooks& operator=(const ScopedDataParallelHooks&) = delete;

 private:
  const DataParallelHooks* previous_;
};

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_DATA_PARALLEL_HOOKS_H_
