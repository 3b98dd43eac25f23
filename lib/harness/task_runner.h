// Multi-run experiments: every (row, seed) is a task, run in its own
// single-threaded worker process (the binary re-executes itself) and stored
// as one record in the TaskStore under results/runs/<preset>/; the parent
// rebuilds result.json (and figures, README tables) from the records after
// every finished task. Interrupted runs resume: finished tasks are skipped,
// stale ones (another config or code version) run again, and a task another
// process is running is waited for, never run twice.
//
//   TaskRunner runner;
//   runner.report_rows = networks;          // what result.json covers
//   runner.run_rows = selected_networks;    // what this run trains
//   runner.key = [&](const std::string& row, int64_t seed) { return ...; };
//   runner.run = [&](Experiment& ex, const TaskContext& t) { ...ex.table().Add(...) };
//   runner.report = [&](Experiment& ex, const std::vector<FinishedTask>& done) { ... };
//   return RunTasks(ex, runner);
//
// Flags: --jobs=N (worker processes at a time), --tasks=GLOB[,GLOB] (task ids
// to run, e.g. "sparseCNN2-seed4*"), --report_only (run nothing, rebuild the
// result from the records), --launcher=local|slurm (slurm: the pending tasks
// as one Slurm job array, see slurm_launcher.h; with --max_parallel,
// --dry_run, --slurm_wait and --slurm_{partition,time,cpus,mem,account} or
// the config's "slurm" section), --distributed (data-parallel training over
// c10d: every process of a torchrun-style or srun launch runs the same
// command; they train each pending task together, one after another, and
// rank 0 writes the records and the result).
#ifndef SPARSELAB_LIB_HARNESS_TASK_RUNNER_H_
#define SPARSELAB_LIB_HARNESS_TASK_RUNNER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/harness/experiment.h"
#include "lib/harness/launcher.h"
#include "lib/harness/slurm_launcher.h"
#include "lib/harness/task_store.h"
#include "lib/train/distributed.h"
#include "nlohmann/json.hpp"

namespace sparselab {

// What a worker knows about its task.
struct TaskContext {
  Task task;
  const TaskStore* store = nullptr;
  // With --distributed: the data-parallel group every process of the run
  // trains the task in (give it to TrainerOptions::process_group); null
  // otherwise. Only rank 0 writes the records and the result.
  std::shared_ptr<ProcessGroup> process_group;
  // The task's training checkpoint (Trainer::SaveCheckpoint / LoadCheckpoint).
  std::string checkpoint_path() const { return store->CheckpointPath(task); }
  // Saves what `ex` holds now as the task's partial record (the row so far of
  // a long task, shown in result.json until the task finishes).
  absl::Status SavePartial(const Experiment& ex) const {
    if (process_group && process_group->rank() != 0) return absl::OkStatus();
    return store->SavePartial(task, ex.ResultJson());
  }
};

struct FinishedTask {
  Task task;
  nlohmann::json record;  // the worker's result document
  bool partial = false;   // a task still running (or stopped) with a partial record
};

struct TaskRunner {
  std::vector<std::string> report_rows;
  std::vector<std::string> run_rows;
  std::function<nlohmann::json(const std::string& row, int64_t seed)> key;
  // In the worker, with torch seeded by the task's seed: fills ex.table() and
  // ex.extra(), which become the task's record. To stop early on purpose
  // (keeping a partial record), return WithExitCode(status, kTaskStopped).
  std::function<absl::Status(Experiment&, const TaskContext&)> run;
  // In the parent: rebuilds ex.table() and ex.extra() (and figures) from the
  // records, in report_rows order, seeds ascending.
  std::function<absl::Status(Experiment&, const std::vector<FinishedTask>&)> report;
  int code_version = 0;
};

absl::Status RunTasks(Experiment& ex, const TaskRunner& runner);

// The store of `ex`: <out_dir>/runs/<preset>, records named like ResultPath().
TaskStore StoreOf(const Experiment& ex, int code_version);

// The launcher --launcher and --jobs ask for; a Slurm launcher's submission
// folder is under <store>/slurm/.
absl::StatusOr<std::unique_ptr<Launcher>> LauncherFromFlags(const Experiment& ex,
                                                            const TaskStore& store);

// The Slurm options of `ex`: defaults, then its config's "slurm" section, then
// the --slurm_* flags and --max_parallel.
absl::StatusOr<SlurmOptions> SlurmOptionsFor(const Experiment& ex);

// Whether `id` matches a --tasks filter (comma-separated shell globs; empty
// matches everything).
bool TaskFilterMatches(const std::string& filter, const std::string& id);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_HARNESS_TASK_RUNNER_H_
