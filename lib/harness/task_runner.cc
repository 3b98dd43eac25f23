#include "lib/harness/task_runner.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/base/file_io.h"
#include "lib/base/status_macros.h"

ABSL_FLAG(int32_t, jobs, 1,
          "Tasks (row, seed) run at a time, each in its own single-threaded worker process.");
ABSL_FLAG(std::string, tasks, "",
          "Only the tasks whose ids match these comma-separated shell globs (ids are "
          "<row>-seed<seed>, e.g. sparseCNN2-seed4*); empty: all.");
ABSL_FLAG(bool, report_only, false,
          "Run no task: rebuild result.json, figures and README tables from the finished tasks "
          "(e.g. while another run of the experiment is training).");
ABSL_FLAG(std::string, launcher, "local",
          "How worker processes are started: local (child processes on this machine).");
ABSL_FLAG(bool, worker, false, "Internal: run the one task --task in this process.");
ABSL_FLAG(std::string, task, "", "Internal: the id of the task a --worker runs.");

namespace sparselab {
namespace {

void Say(const Experiment& ex, const std::string& text) {
  std::fprintf(stderr, "[%s] %s\n", ex.info().name.c_str(), text.c_str());
}

std::vector<Task> Plan(const Experiment& ex, const TaskRunner& runner) {
  std::vector<Task> tasks;
  for (int64_t seed : ex.seeds()) {  // seed-major: every row's first seed first
    for (const std::string& row : runner.run_rows) tasks.push_back({row, seed, runner.key(row, seed)});
  }
  return tasks;
}

absl::Status CheckRows(const TaskRunner& runner) {
  for (const std::string& row : runner.run_rows) {
    const bool ok = !row.empty() && row.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                          "0123456789_.-") == std::string::npos;
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "task row '", row, "' may hold only letters, digits, '_', '.' and '-' (it names a folder)"));
    }
  }
  return absl::OkStatus();
}

// --worker: the one task --task, under its lock, recorded in the store.
absl::Status RunWorker(Experiment& ex, const TaskRunner& runner, const TaskStore& store) {
  ex.set_writes_result(false);  // the record is the output, not result.json
  const std::string id = absl::GetFlag(FLAGS_task);
  std::optional<Task> task;
  for (const Task& t : Plan(ex, runner)) {
    if (t.id() == id) task = t;
  }
  if (!task.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("--worker: no task '", id, "' in this run"));
  }
  ASSIGN_OR_RETURN(std::optional<TaskStore::Claim> claim, store.TryClaim(*task));
  if (!claim.has_value()) {
    return WithExitCode(
        absl::UnavailableError(absl::StrCat("task ", id, " is being run by another process")),
        kTaskHeldElsewhere);
  }
  ASSIGN_OR_RETURN(std::optional<nlohmann::json> done, store.Load(*task));
  if (done.has_value()) {
    Say(ex, absl::StrCat(id, " was finished by another process meanwhile"));
    return absl::OkStatus();
  }
  ex.Seed(task->seed);
  RETURN_IF_ERROR(runner.run(ex, TaskContext{*task, &store}));
  return store.Save(*task, ex.ResultJson());
}

class Parent {
 public:
  Parent(Experiment& ex, const TaskRunner& runner, const TaskStore& store)
      : ex_(ex), runner_(runner), store_(store) {}

  absl::Status Run() {
    const int jobs = absl::GetFlag(FLAGS_jobs);
    if (jobs < 1) return absl::InvalidArgumentError("--jobs must be at least 1");
    // What an earlier run killed mid-write left behind (never read as a result).
    const int stale = store_.RemoveStaleTemporaries() + RemoveStaleTemporaries(ex_.out_dir());
    if (stale > 0) {
      Say(ex_, absl::StrCat("removed ", stale, " temporary file(s) left by a killed run"));
    }
    std::vector<Task> pending;
    size_t skipped = 0;
    for (const Task& task : Plan(ex_, runner_)) {
      if (!TaskFilterMatches(absl::GetFlag(FLAGS_tasks), task.id())) continue;
      std::string stale;
      ASSIGN_OR_RETURN(std::optional<nlohmann::json> done, store_.Load(task, &stale));
      if (done.has_value()) {
        Say(ex_, absl::StrCat(task.id(), " already done (", store_.RecordPath(task), "): skipping"));
        ++skipped;
        continue;
      }
      if (!stale.empty()) Say(ex_, absl::StrCat(stale, ": running it again"));
      pending.push_back(task);
    }
    if (absl::GetFlag(FLAGS_report_only)) {
      Say(ex_, absl::StrCat("--report_only: ", pending.size(), " unfinished task(s) not run"));
      pending.clear();
    }
    RETURN_IF_ERROR(Rebuild());
    Say(ex_, absl::StrCat(pending.size(), " task(s) to run, ", skipped,
                          " of this run already finished, ", finished_count_,
                          " finished task(s) on record; ", jobs, " at a time"));
    if (pending.empty()) return absl::OkStatus();

    ASSIGN_OR_RETURN(std::unique_ptr<Launcher> launcher, LauncherFromFlags());
    std::vector<WorkerCommand> commands;
    for (const Task& task : pending) commands.push_back(WorkerCommandFor(task, jobs));
    std::vector<std::string> failed;
    std::vector<Task> elsewhere;
    size_t done = 0;
    RETURN_IF_ERROR(launcher->Run(commands, [&](size_t i, int code) {
      const Task& task = pending[i];
      if (code == kTaskHeldElsewhere) {
        Say(ex_, absl::StrCat(task.id(), " is being run by another process: waiting for it"));
        elsewhere.push_back(task);
        return;
      }
      if (code == kTaskStopped) {
        Say(ex_, absl::StrCat(task.id(), " stopped early; its partial record is in the result"));
        if (absl::Status s = Rebuild(); !s.ok()) failed.push_back(std::string(s.message()));
        return;
      }
      if (!Finished(task, code, &failed)) return;
      Say(ex_, absl::StrCat("finished ", task.id(), " (", ++done, " of ", pending.size(), ")"));
    }));
    for (const Task& task : elsewhere) {
      ASSIGN_OR_RETURN(TaskStore::Claim claim, store_.WaitClaim(task));
      (void)claim;  // released at once: the other process has finished
      if (Finished(task, 0, &failed)) Say(ex_, absl::StrCat("finished elsewhere: ", task.id()));
    }
    if (!failed.empty()) {
      return absl::InternalError(absl::StrCat(
          failed.size(), " task(s) failed: ", absl::StrJoin(failed, "; "),
          ". Their errors are above; finished tasks are kept, so rerunning the same command "
          "runs only these."));
    }
    return absl::OkStatus();
  }

 private:
  // After a worker ended: its record must be there; then rebuild the result.
  bool Finished(const Task& task, int code, std::vector<std::string>* failed) {
    absl::StatusOr<std::optional<nlohmann::json>> record = store_.Load(task);
    if (code != 0 || !record.ok() || !record->has_value()) {
      failed->push_back(absl::StrCat(task.id(), " (exit code ", code,
                                     record.ok() ? "" : absl::StrCat(", ", record.status().message()),
                                     ")"));
      return false;
    }
    if (absl::Status s = Rebuild(); !s.ok()) {
      failed->push_back(absl::StrCat("rebuilding the result after ", task.id(), ": ", s.message()));
      return false;
    }
    return true;
  }

  // Every record of the report rows in the store, finished or partial.
  absl::StatusOr<std::vector<FinishedTask>> Records() {
    std::map<std::string, std::vector<int64_t>> seeds;  // row -> seeds with a folder
    for (const std::string& id : store_.ListIds()) {
      const auto parsed = ParseTaskId(id);
      seeds[parsed->first].push_back(parsed->second);
    }
    std::vector<FinishedTask> records;
    finished_count_ = 0;
    for (const std::string& row : runner_.report_rows) {
      std::vector<int64_t>& row_seeds = seeds[row];
      std::sort(row_seeds.begin(), row_seeds.end());
      for (int64_t seed : row_seeds) {
        const Task task{row, seed, runner_.key(row, seed)};
        ASSIGN_OR_RETURN(std::optional<nlohmann::json> record, store_.Load(task));
        if (record.has_value()) {
          ++finished_count_;
          records.push_back({task, *std::move(record), false});
          continue;
        }
        ASSIGN_OR_RETURN(std::optional<nlohmann::json> partial, store_.LoadPartial(task));
        if (partial.has_value()) records.push_back({task, *std::move(partial), true});
      }
    }
    return records;
  }

  absl::Status Rebuild() {
    ASSIGN_OR_RETURN(const std::vector<FinishedTask> records, Records());
    ex_.table() = ResultTable();
    RETURN_IF_ERROR(runner_.report(ex_, records));
    return ex_.WriteResult();
  }

  WorkerCommand WorkerCommandFor(const Task& task, int jobs) const {
    WorkerCommand cmd = {SelfExecutable()};
    const std::vector<std::string>& args = ProgramArguments();
    cmd.insert(cmd.end(), args.begin() + (args.empty() ? 0 : 1), args.end());
    // Later flags override the forwarded ones.
    cmd.push_back("--worker");
    cmd.push_back(absl::StrCat("--task=", task.id()));
    cmd.push_back(absl::StrCat("--seeds=", task.seed));
    cmd.push_back(absl::StrCat("--threads=", jobs > 1 ? 1 : ex_.threads()));
    cmd.push_back("--jobs=1");
    cmd.push_back("--tasks=");
    return cmd;
  }

  Experiment& ex_;
  const TaskRunner& runner_;
  const TaskStore& store_;
  size_t finished_count_ = 0;
};

}  // namespace

TaskStore StoreOf(const Experiment& ex, int code_version) {
  return TaskStore(absl::StrCat(ex.out_dir(), "/runs/", ex.config().preset()),
                   Basename(ex.ResultPath()), code_version);
}

absl::StatusOr<std::unique_ptr<Launcher>> LauncherFromFlags() {
  const std::string name = absl::GetFlag(FLAGS_launcher);
  if (name == "local") return std::unique_ptr<Launcher>(new LocalLauncher(absl::GetFlag(FLAGS_jobs)));
  return absl::InvalidArgumentError(absl::StrCat("--launcher=", name, ": unknown launcher (local)"));
}

bool TaskFilterMatches(const std::string& filter, const std::string& id) {
  if (filter.empty()) return true;
  for (absl::string_view glob : absl::StrSplit(filter, ',', absl::SkipEmpty())) {
    if (::fnmatch(std::string(glob).c_str(), id.c_str(), 0) == 0) return true;
  }
  return false;
}

absl::Status RunTasks(Experiment& ex, const TaskRunner& runner) {
  RETURN_IF_ERROR(CheckRows(runner));
  const TaskStore store = StoreOf(ex, runner.code_version);
  if (absl::GetFlag(FLAGS_worker)) return RunWorker(ex, runner, store);
  return Parent(ex, runner, store).Run();
}

}  // namespace sparselab
