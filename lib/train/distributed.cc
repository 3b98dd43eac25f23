#include "lib/train/distributed.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sparselab {
namespace {

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

absl::StatusOr<int> IntEnv(const char* name, const std::string& value) {
  int out = 0;
  if (!absl::SimpleAtoi(value, &out) || out < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("distributed: ", name, "='", value, "' is not a non-negative integer"));
  }
  return out;
}

}  // namespace

std::string FirstSlurmHost(const std::string& nodelist) {
  const size_t comma = nodelist.find(',');
  const size_t bracket = nodelist.find('[');
  if (bracket == std::string::npos || (comma != std::string::npos && comma < bracket)) {
    return nodelist.substr(0, comma);
  }
  // prefix[03-05,7]: the prefix and the first number of the range, zero-padded as written.
  const size_t end = nodelist.find_first_of("-,]", bracket + 1);
  return nodelist.substr(0, bracket) + nodelist.substr(bracket + 1, end - bracket - 1);
}

absl::StatusOr<std::optional<DistributedEnv>> DistributedEnvFromEnvironment() {
  DistributedEnv env;
  const std::optional<std::string> rank = Env("RANK"), world = Env("WORLD_SIZE");
  const std::optional<std::string> procid = Env("SLURM_PROCID"), ntasks = Env("SLURM_NTASKS");
  if (rank.has_value() || world.has_value()) {
    if (!rank.has_value() || !world.has_value() || !Env("MASTER_ADDR").has_value() ||
        !Env("MASTER_PORT").has_value()) {
      return absl::InvalidArgumentError(
          "distributed: set all of MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE (as torchrun "
          "does), or none of them");
    }
    absl::StatusOr<int> r = IntEnv("RANK", *rank), w = IntEnv("WORLD_SIZE", *world);
    if (!r.ok()) return r.status();
    if (!w.ok()) return w.status();
    env.rank = *r;
    env.world_size = *w;
    env.master_addr = *Env("MASTER_ADDR");
    if (const auto local = Env("LOCAL_RANK")) {
      absl::StatusOr<int> l = IntEnv("LOCAL_RANK", *local);
      if (!l.ok()) return l.status();
      env.local_rank = *l;
    }
  } else if (procid.has_value() && ntasks.has_value()) {
    absl::StatusOr<int> r = IntEnv("SLURM_PROCID", *procid), w = IntEnv("SLURM_NTASKS", *ntasks);
    if (!r.ok()) return r.status();
    if (!w.ok()) return w.status();
    env.rank = *r;
    env.world_size = *w;
    const std::optional<std::string> nodes = Env("SLURM_JOB_NODELIST");
    if (const auto addr = Env("MASTER_ADDR")) {
      env.master_addr = *addr;
    } else if (nodes.has_value()) {
      env.master_addr = FirstSlurmHost(*nodes);
    } else {
      return absl::InvalidArgumentError(
          "distributed: under Slurm, SLURM_JOB_NODELIST (or MASTER_ADDR) names rank 0's host");
    }
    if (const auto local = Env("SLURM_LOCALID")) {
      absl::StatusOr<int> l = IntEnv("SLURM_LOCALID", *local);
      if (!l.ok()) return l.status();
      env.local_rank = *l;
    }
  } else {
    return std::optional<DistributedEnv>();
  }
  if (const auto port = Env("MASTER_PORT")) {
    absl::StatusOr<int> p = IntEnv("MASTER_PORT", *port);
    if (!p.ok()) return p.status();
    if (*p < 1 || *p > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("distributed: MASTER_PORT=", *p, " is not a port"));
    }
    env.master_port = *p;
  }
  if (env.world_size < 1 || env.rank >= env.world_size) {
    return absl::InvalidArgumentError(absl::StrCat("distributed: rank ", env.rank,
                                                   " is not below the world size ", env.world_size));
  }
  return std::optional<DistributedEnv>(env);
}

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl, int rank, int world_size)
    : impl_(std::move(impl)), rank_(rank), world_size_(world_size) {}

ProcessGroup::~ProcessGroup() = default;

absl::StatusOr<std::shared_ptr<ProcessGroup>> ProcessGroup::Connect(
    const DistributedEnv& env, std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(env.master_port);
    store_options.isServer = env.rank == 0;
    store_options.numWorkers = env.world_size;
    store_options.waitWorkers = true;
    store_options.timeout = timeout;
    impl->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    // This host's interface for the peers: the one that reaches the master.
    options->devices.push_back(env.master_addr == "127.0.0.1" || env.master_addr == "localhost"
                                   ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                   : c10d::ProcessGroupGloo::createDefaultDevice());
    impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, env.rank,
                                                              env.world_size, options);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "distributed: rank ", env.rank, " of ", env.world_size, " could not join the group at ",
        env.master_addr, ":", env.master_port, " within ", timeout.count() / 1000.0,
        " s (are all ranks started, with the same MASTER_ADDR/MASTER_PORT/WORLD_SIZE?): ",
        e.what()));
  }
  return std::shared_ptr<ProcessGroup>(new ProcessGroup(std::move(impl), env.rank, env.world_size));
}

absl::Status ProcessGroup::Bucketed(const std::vector<at::Tensor>& tensors, int64_t bucket_bytes,
                                    const char* what, int root) {
  // Tensors by dtype (bool as uint8), in order; then buckets of consecutive ones.
  std::map<at::ScalarType, std::vector<at::Tensor>> by_type;
  for (const at::Tensor& t : tensors) {
    if (!t.defined() || t.numel() == 0) continue;
    by_type[t.scalar_type() == at::kBool ? at::kByte : t.scalar_type()].push_back(t);
  }
  const bool reduce = root < 0;
  const auto start = std::chrono::steady_clock::now();
  try {
    for (auto& [type, group] : by_type) {
      size_t first = 0;
      while (first < group.size()) {
        size_t last = first;
        int64_t bytes = 0;
        std::vector<at::Tensor> flat;
        while (last < group.size() &&
               (last == first || bytes + group[last].nbytes() <= static_cast<size_t>(bucket_bytes))) {
          bytes += group[last].nbytes();
          flat.push_back(group[last].detach().reshape(-1).to(type));
          ++last;
        }
        std::vector<at::Tensor> bucket = {at::cat(flat)};
        if (reduce) {
          impl_->group->allreduce(bucket)->wait();
        } else {
          c10d::BroadcastOptions options;
          options.rootRank = root;
          impl_->group->broadcast(bucket, options)->wait();
        }
        int64_t offset = 0;
        at::NoGradGuard no_grad;
        for (size_t i = first; i < last; ++i) {
          at::Tensor& t = group[i];
          t.copy_(bucket[0].narrow(0, offset, t.numel()).view(t.sizes()).to(t.scalar_type()));
          offset += t.numel();
        }
        first = last;
      }
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "distributed: ", what, " failed on rank ", rank_, " of ", world_size_,
        " (another rank died or stopped answering; its own log says why): ", e.what()));
  }
  if (reduce) {
    all_reduce_seconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return absl::OkStatus();
}

absl::Status ProcessGroup::Broadcast(const std::vector<at::Tensor>& tensors, int root,
                                     int64_t bucket_bytes) {
  return Bucketed(tensors, bucket_bytes, "broadcast", root);
}

absl::Status ProcessGroup::AllReduceSum(const std::vector<at::Tensor>& tensors,
                                        int64_t bucket_bytes) {
  return Bucketed(tensors, bucket_bytes, "all-reduce", -1);
}

absl::StatusOr<at::Tensor> ProcessGroup::AllGatherRows(const at::Tensor& rows) {
  at::Tensor sizes = at::zeros({world_size_}, at::kLong);
  sizes[rank_] = rows.size(0);
  if (absl::Status s = AllReduceSum({sizes}); !s.ok()) return s;
  const int64_t most = sizes.max().item<int64_t>();
  std::vector<int64_t> shape = rows.sizes().vec();
  shape[0] = most;
  at::Tensor padded = at::zeros(shape, rows.options());
  padded.narrow(0, 0, rows.size(0)).copy_(rows);
  std::vector<at::Tensor> input = {padded};
  std::vector<std::vector<at::Tensor>> output(1);
  for (int r = 0; r < world_size_; ++r) output[0].push_back(at::empty_like(padded));
  try {
    impl_->group->allgather(output, input)->wait();
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "distributed: all-gather failed on rank ", rank_, " of ", world_size_,
        " (another rank died or stopped answering; its own log says why): ", e.what()));
  }
  std::vector<at::Tensor> parts;
  for (int r = 0; r < world_size_; ++r) parts.push_back(output[0][r].narrow(0, 0, sizes[r].item<int64_t>()));
  return at::cat(parts);
}

absl::Status ProcessGroup::Barrier() {
  try {
    impl_->group->barrier()->wait();
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("distributed: barrier failed on rank ", rank_,
                                               " of ", world_size_, ": ", e.what()));
  }
  return absl::OkStatus();
}

RowShare ShareOfRows(int64_t rows, int64_t rank, int64_t world) {
  const int64_t share = rows / world, extra = rows % world;
  return {rank * share + std::min(rank, extra), share + (rank < extra ? 1 : 0)};
}

DataParallelHooks MakeDataParallelHooks(std::shared_ptr<ProcessGroup> group) {
  DataParallelHooks hooks;
  hooks.sum_counts = [group](at::Tensor& counts, int64_t& batch_size) {
    at::Tensor n = at::full({1}, static_cast<double>(batch_size), at::kDouble);
    const absl::Status s = group->AllReduceSum({counts, n});
    TORCH_CHECK(s.ok(), std::string(s.message()));
    batch_size = static_cast<int64_t>(n.item<double>());
  };
  hooks.gather_rows = [group](const at::Tensor& rows) {
    absl::StatusOr<at::Tensor> all = group->AllGatherRows(rows);
    TORCH_CHECK(all.ok(), std::string(all.status().message()));
    return *all;
  };
  return hooks;
}

}  // namespace sparselab
