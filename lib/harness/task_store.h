// The store of a multi-run experiment's finished tasks. A task is one row
// (a network, a model, a data set) and one seed, with a stable id
// "<row>-seed<seed>"; its folder <root>/<id>/ (root: results/runs/<preset>)
// holds the record of the finished task (a result.json of its own, written
// atomically, with a "task" key saying what it was computed from), an optional
// partial record of a task still running (the row so far), and its training
// checkpoint. A record whose key differs from the task's (another config,
// other epochs, another code version) is stale: the task runs again.
//
// Two processes never run one task at once: a worker holds an exclusive lock
// on <root>/<id>/.lock (flock) while it runs, which the kernel releases when
// the process ends in any way (kill -9 included), so a crashed worker never
// leaves a task locked.
#ifndef SPARSELAB_LIB_HARNESS_TASK_STORE_H_
#define SPARSELAB_LIB_HARNESS_TASK_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace sparselab {

struct Task {
  std::string row;  // letters, digits, '_', '.', '-' (it names a folder)
  int64_t seed = 0;
  // What the task's result depends on (config values, epochs); compared
  // whole against a stored record's "task".
  nlohmann::json key;

  std::string id() const;
};

// Parses "<row>-seed<seed>"; nullopt for any other name.
std::optional<std::pair<std::string, int64_t>> ParseTaskId(const std::string& id);

class TaskStore {
 public:
  // `record_file`: the record's name in a task folder (result.json for the
  // paper preset, result-<preset>.json otherwise). A code_version > 0 is part
  // of every record's identity (bump it when a task's computation changes).
  TaskStore(std::string root, std::string record_file, int code_version = 0);

  const std::string& root() const { return root_; }
  std::string Dir(const Task& task) const;
  std::string RecordPath(const Task& task) const;
  std::string PartialPath(const Task& task) const;
  std::string CheckpointPath(const Task& task) const;

  // The task's finished record; nullopt when there is none or it is stale
  // (then `*stale` says why, if given). Errors: an unreadable or corrupt file.
  absl::StatusOr<std::optional<nlohmann::json>> Load(const Task& task,
                                                     std::string* stale = nullptr) const;
  // The task's partial record (same rules), for reporting a task in progress.
  absl::StatusOr<std::optional<nlohmann::json>> LoadPartial(const Task& task) const;
  // Writes `record` with the task's key as the finished record (atomically)
  // and removes its partial record.
  absl::Status Save(const Task& task, nlohmann::json record) const;
  absl::Status SavePartial(const Task& task, nlohmann::json record) const;
  // The "task" entry a record of `task` carries.
  nlohmann::json Stamp(const Task& task) const;

  // Ids of every task folder in the store, sorted.
  std::vector<std::string> ListIds() const;

  // Removes the temporaries that killed writers left in the store's folders
  // (RemoveStaleTemporaries of file_io.h); returns how many.
  int RemoveStaleTemporaries() const;

  // Holds a task's lock until destroyed (or the process ends).
  class Claim {
   public:
    Claim(Claim&& other) noexcept;
    Claim& operator=(Claim&& other) noexcept;
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;
    ~Claim();

   private:
    friend class TaskStore;
    explicit Claim(int fd) : fd_(fd) {}
    int fd_ = -1;
  };
  // The task's lock if it is free; nullopt when another process holds it.
  absl::StatusOr<std::optional<Claim>> TryClaim(const Task& task) const;
  // Waits until the task's lock is free and takes it.
  absl::StatusOr<Claim> WaitClaim(const Task& task) const;

 private:
  absl::StatusOr<std::optional<nlohmann::json>> LoadFile(const Task& task, const std::string& path,
                                                         std::string* stale) const;
  absl::StatusOr<int> OpenLock(const Task& task) const;

  std::string root_;
  std::string record_file_;
  int code_version_;
};

}  // namespace sparselab

#endif  // SPARSELAB_LIB_HARNESS_TASK_STORE_H_
