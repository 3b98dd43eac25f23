// How a multi-run experiment's worker processes are started. The local
// launcher runs them as child processes on this machine, at most `jobs` at a
// time; a cluster launcher (Slurm job arrays) implements the same interface,
// so experiments never know which one runs them.
#ifndef SPARSELAB_LIB_HARNESS_LAUNCHER_H_
#define SPARSELAB_LIB_HARNESS_LAUNCHER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace sparselab {

// One worker: its argv (argv[0] the program).
using WorkerCommand = std::vector<std::string>;

// Exit code of a worker whose task another process is running: not a failure.
inline constexpr int kTaskHeldElsewhere = 75;  // EX_TEMPFAIL
// Exit code of a worker that stopped early on request (e.g. after a number of
// epochs) and kept a partial record: not a failure, the task continues later.
inline constexpr int kTaskStopped = 76;

class Launcher {
 public:
  virtual ~Launcher() = default;
  virtual std::string name() const = 0;
  // Runs every command and calls on_done(i, exit code) in the calling thread
  // as each ends (128 + signal for a killed worker). Errors only when the
  // launcher itself fails (a worker cannot be started); failing workers are
  // reported through on_done.
  virtual absl::Status Run(const std::vector<WorkerCommand>& commands,
                           const std::function<void(size_t, int)>& on_done) = 0;
  // Runs `size` workers whose argv is `command` with kTaskIndex replaced by
  // 0, 1, ..., size - 1 in every argument (a job array). By default: Run()
  // of the expanded commands.
  virtual absl::Status RunArray(const WorkerCommand& command, size_t size,
                                const std::function<void(size_t, int)>& on_done);
  // Whether workers are queued by a batch system and may outlive the caller:
  // then the caller should start them with RunArray, which returns once they
  // are submitted and calls on_done only if the launcher waits for them.
  virtual bool queues() const { return false; }
};

// The placeholder RunArray replaces with a worker's index.
inline constexpr char kTaskIndex[] = "{task_index}";

// `command` with kTaskIndex replaced by `value` in every argument.
WorkerCommand WithTaskIndex(const WorkerCommand& command, const std::string& value);

// Child processes on this machine, at most `jobs` at a time, started in order.
// Children inherit stdout/stderr (their progress lines carry their labels).
class LocalLauncher : public Launcher {
 public:
  explicit LocalLauncher(int jobs) : jobs_(jobs) {}
  std::string name() const override { return "local"; }
  absl::Status Run(const std::vector<WorkerCommand>& commands,
                   const std::function<void(size_t, int)>& on_done) override;

 private:
  int jobs_;
};

}  // namespace sparselab

#endif  // SPARSELAB_LIB_HARNESS_LAUNCHER_H_
