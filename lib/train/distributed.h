// Data-parallel training over PyTorch's c10d (the engine under
// torch.distributed and DistributedDataParallel), from Debian's LibTorch:
// a TCPStore rendezvous and a ProcessGroupGloo. The Trainer uses it when its
// options hold a process group (trainer.h): parameters and buffers broadcast
// from rank 0, every rank training on its shard of each global batch,
// gradients all-reduced in buckets, duty cycles and RigL's gradients taken
// over the global batch (lib/nn/data_parallel_hooks.h).
//
// Rendezvous from the environment that torchrun and srun set:
//   MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE (LOCAL_RANK), or
//   SLURM_PROCID, SLURM_NTASKS (SLURM_LOCALID), the first host of
//   SLURM_JOB_NODELIST and MASTER_PORT (default 29500).
#ifndef SPARSELAB_LIB_TRAIN_DISTRIBUTED_H_
#define SPARSELAB_LIB_TRAIN_DISTRIBUTED_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/nn/data_parallel_hooks.h"

namespace sparselab {

struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
};

// The rendezvous the environment describes: torchrun's variables first, then
// Slurm's; nullopt when neither is set (one process). Errors: a partial or
// inconsistent set (e.g. RANK without WORLD_SIZE, RANK >= WORLD_SIZE).
absl::StatusOr<std::optional<DistributedEnv>> DistributedEnvFromEnvironment();

// The first host of a Slurm node list: "node[03-05,7],gpu1" -> "node03".
std::string FirstSlurmHost(const std::string& nodelist);

class ProcessGroup {
 public:
  // Joins the group (rank 0 serves the TCPStore). Every collective fails with
  // an error naming the rank after `timeout` without an answer, or at once
  // when a peer's connection closes (a rank died).
  static absl::StatusOr<std::shared_ptr<ProcessGroup>> Connect(
      const DistributedEnv& env, std::chrono::milliseconds timeout = std::chrono::minutes(5));
  ~ProcessGroup();

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }

  // Collectives, in place; tensors of any dtype (bool travels as uint8) are
  // flattened into buckets of at most `bucket_bytes` per dtype, one message
  // per bucket.
  absl::Status Broadcast(const std::vector<at::Tensor>& tensors, int root = 0,
                         int64_t bucket_bytes = kDefaultBucketBytes);
  absl::Status AllReduceSum(const std::vector<at::Tensor>& tensors,
                            int64_t bucket_bytes = kDefaultBucketBytes);
  // Every rank's rows (dim 0; sizes may differ), concatenated in rank order.
  absl::StatusOr<at::Tensor> AllGatherRows(const at::Tensor& rows);
  absl::Status Barrier();

  // Seconds spent in AllReduceSum so far (for benchmarks).
  double all_reduce_seconds() const { return all_reduce_seconds_; }

  // DistributedDataParallel's default bucket (25 MiB).
  static constexpr int64_t kDefaultBucketBytes = 25 << 20;

 private:
  struct Impl;
  ProcessGroup(std::unique_ptr<Impl> impl, int rank, int world_size);
  absl::Status Bucketed(const std::vector<at::Tensor>& tensors, int64_t bucket_bytes,
                        const char* what, int root);

  std::unique_ptr<Impl> impl_;
  int rank_;
  int world_size_;
  double all_reduce_seconds_ = 0;
};

// The rows [begin, begin + size) of `rows` rows that rank `rank` of `world`
// takes: contiguous equal shares, the first `rows % world` ranks one row more
// (how a global batch or a test set is shared among the ranks).
struct RowShare {
  int64_t begin = 0;
  int64_t size = 0;
};
RowShare ShareOfRows(int64_t rows, int64_t rank, int64_t world);

// The global-batch hooks of lib/nn/data_parallel_hooks.h over `group`
// (sum_counts: an all-reduce of the counts and the batch size; gather_rows:
// an all-gather). A failed collective throws c10::Error with the group's
// message (the hooks are called from inside layers, which cannot return a
// Status). Install them with ScopedDataParallelHooks.
DataParallelHooks MakeDataParallelHooks(std::shared_ptr<ProcessGroup> group);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_TRAIN_DISTRIBUTED_H_
