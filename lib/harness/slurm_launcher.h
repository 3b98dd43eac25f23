// Workers as a Slurm job array (https://slurm.schedmd.com/job_array.html):
// one sbatch script whose array element i runs the worker command with its
// task index set to $SLURM_ARRAY_TASK_ID, at most max_parallel elements at a
// time (--array=0-N%M). Each submission has a folder of its own holding the
// script (job.sbatch), the job id, every element's log (<i>.log) and exit
// code (<i>.exit, written by the script, so no accounting database is needed
// to tell which element failed). Workers share the task store with the
// submitting process, so on a cluster it must be on a shared filesystem.
#ifndef SPARSELAB_LIB_HARNESS_SLURM_LAUNCHER_H_
#define SPARSELAB_LIB_HARNESS_SLURM_LAUNCHER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/harness/launcher.h"
#include "nlohmann/json.hpp"

namespace sparselab {

struct SlurmOptions {
  std::string job_name = "sparselab";
  std::string partition;          // empty: the cluster's default partition
  std::string time = "04:00:00";  // time limit of one element (one task)
  int cpus_per_task = 1;          // also the worker's --threads
  std::string mem = "4G";         // memory of one element
  std::string account;            // empty: the user's default account
  int max_parallel = 0;           // elements running at once; 0: no limit
  bool dry_run = false;           // write the script, do not submit it
  bool wait = false;              // wait for the array and report each element
  double poll_seconds = 5;        // how often waiting asks squeue
};

// Merges a config.json "slurm" section ({"partition": "cpu", "time":
// "02:00:00", "cpus_per_task": 1, "mem": "4G", "account": "", "max_parallel":
// 8}) into `options`; unknown keys, wrong types and bad values are errors
// naming `origin` and the key.
absl::Status MergeSlurmSection(const nlohmann::json& section, const std::string& origin,
                               SlurmOptions& options);
// Checks values (time as [D-]HH:MM:SS or minutes, mem as <n>[K|M|G|T], ...).
absl::Status CheckSlurmOptions(const SlurmOptions& options);

// The sbatch script of a `size`-element array running `command` with
// kTaskIndex replaced by $SLURM_ARRAY_TASK_ID; logs and exit codes in `dir`.
std::string SbatchScript(const SlurmOptions& options, const WorkerCommand& command, size_t size,
                         const std::string& dir);

// `arg` quoted for a POSIX shell.
std::string ShellQuote(const std::string& arg);

class SlurmLauncher : public Launcher {
 public:
  // `dir`: this submission's folder (created).
  SlurmLauncher(SlurmOptions options, std::string dir);
  std::string name() const override { return "slurm"; }
  bool queues() const override { return true; }
  // Only arrays: each element runs the same command.
  absl::Status Run(const std::vector<WorkerCommand>& commands,
                   const std::function<void(size_t, int)>& on_done) override;
  // Writes the script and submits it (unless dry_run); with wait, polls
  // squeue until the array has left the queue and calls on_done with each
  // element's exit code (1 when an element left none: it never ran, or was
  // cancelled or killed for exceeding its limits), printing a failed
  // element's log path.
  absl::Status RunArray(const WorkerCommand& command, size_t size,
                        const std::function<void(size_t, int)>& on_done) override;

  const std::string& dir() const { return dir_; }
  std::string ScriptPath() const { return dir_ + "/job.sbatch"; }
  std::string LogPath(size_t i) const;
  std::string ExitPath(size_t i) const;
  // The submitted job's id (empty before submission or in a dry run).
  const std::string& job_id() const { return job_id_; }

 private:
  SlurmOptions options_;
  std::string dir_;
  std::string job_id_;
};

// An element of a submission under `slurm_root` (<store>/slurm/<name>/) that
// ended with a failing exit code; its task is line <i> of the submission's
// tasks.txt. Elements whose worker found its task run by another process (75)
// or stopped on request (76) are not failures.
struct FailedElement {
  std::string task_id;
  std::string job_id;
  int exit_code = 0;
  std::string log;
};
std::vector<FailedElement> FailedElements(const std::string& slurm_root);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_HARNESS_SLURM_LAUNCHER_H_
