#include "lib/harness/task_runner.h"

#include <fnmatch.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "lib/base/file_io.h"
#include "lib/base/status_macros.h"
#include "lib/harness/slurm_launcher.h"

ABSL_FLAG(int32_t, jobs, 1,
          "Tasks (row, seed) run at a time, each in its own single-threaded worker process.");
ABSL_FLAG(std::string, tasks, "",
          "Only the tasks whose ids match these comma-separated shell globs (ids are "
          "<row>-seed<seed>, e.g. sparseCNN2-seed4*); empty: all.");
ABSL_FLAG(bool, report_only, false,
          "Run no task: rebuild result.json, figures and README tables from the finished tasks "
          "(e.g. while another run of the experiment is training).");
ABSL_FLAG(std::string, launcher, "local",
          "How worker processes are started: local (child processes on this machine, --jobs at "
          "a time) or slurm (one Slurm job array of the pending tasks, submitted with sbatch; "
          "options from the config's \"slurm\" section and the --slurm_* flags).");
ABSL_FLAG(int32_t, max_parallel, -1,
          "--launcher=slurm: array elements running at once (--array=0-N%M); 0: no limit; "
          "-1: the config's slurm.max_parallel, else no limit.");
ABSL_FLAG(bool, dry_run, false, "--launcher=slurm: write the sbatch script, do not submit it.");
ABSL_FLAG(bool, slurm_wait, false,
          "--launcher=slurm: wait for the job array to end, then rebuild the result and report "
          "failed elements (otherwise return once it is submitted).");
ABSL_FLAG(std::string, slurm_partition, "", "--launcher=slurm: partition (default: config, else the cluster's).");
ABSL_FLAG(std::string, slurm_time, "", "--launcher=slurm: time limit per task (default: config, else 04:00:00).");
ABSL_FLAG(int32_t, slurm_cpus, 0, "--launcher=slurm: CPUs (and threads) per task (default: config, else 1).");
ABSL_FLAG(std::string, slurm_mem, "", "--launcher=slurm: memory per task (default: config, else 4G).");
ABSL_FLAG(std::string, slurm_account, "", "--launcher=slurm: account (default: config, else the user's).");
ABSL_FLAG(bool, distributed, false,
          "Data-parallel training over c10d (Gloo): start the same command in every process, "
          "with MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE set (as torchrun does) or under "
          "srun; the processes train each pending task together, one after another (batch sizes "
          "are per process), and rank 0 writes the records and the result.");
ABSL_FLAG(bool, worker, false, "Internal: run the one task --task in this process.");
ABSL_FLAG(std::string, task, "", "Internal: the id of the task a --worker runs.");
ABSL_FLAG(int32_t, task_index, -1,
          "Internal: a --worker runs the task on this line (from 0) of --task_list.");
ABSL_FLAG(std::string, task_list, "", "Internal: a file of task ids, one a line (job arrays).");

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
  std::string id = absl::GetFlag(FLAGS_task);
  if (const int index = absl::GetFlag(FLAGS_task_index); index >= 0) {
    ASSIGN_OR_RETURN(const std::string list, ReadFile(absl::GetFlag(FLAGS_task_list)));
    const std::vector<std::string> ids = absl::StrSplit(list, '\n', absl::SkipEmpty());
    if (static_cast<size_t>(index) >= ids.size()) {
      return absl::InvalidArgumentError(absl::StrCat("--task_index=", index, ": ",
                                                     absl::GetFlag(FLAGS_task_list), " lists only ",
                                                     ids.size(), " task(s)"));
    }
    id = ids[index];
  }
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

  // --distributed: every pending task in this process, trained by all ranks.
  absl::Status RunDistributed() {
    ASSIGN_OR_RETURN(const std::optional<DistributedEnv> env, DistributedEnvFromEnvironment());
    if (!env.has_value()) {
      return absl::InvalidArgumentError(
          "--distributed: no rendezvous in the environment. Start every process with "
          "MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE set (as torchrun does), or with srun "
          "(SLURM_PROCID, SLURM_NTASKS, SLURM_JOB_NODELIST)");
    }
    if (absl::GetFlag(FLAGS_launcher) != "local" || absl::GetFlag(FLAGS_jobs) != 1) {
      return absl::InvalidArgumentError(
          "--distributed runs the tasks in the processes it was started in: drop --launcher "
          "and --jobs (start the processes with torchrun-style variables or srun instead)");
    }
    ASSIGN_OR_RETURN(std::shared_ptr<ProcessGroup> group, ProcessGroup::Connect(*env));
    const bool writer = group->rank() == 0;
    Say(ex_, absl::StrCat("--distributed: rank ", group->rank(), " of ", group->world_size(),
                          " joined ", env->master_addr, ":", env->master_port));
    RETURN_IF_ERROR(group->Barrier());  // every rank plans from the same store
    std::vector<Task> pending;
    for (const Task& task : Plan(ex_, runner_)) {
      if (!TaskFilterMatches(absl::GetFlag(FLAGS_tasks), task.id())) continue;
      ASSIGN_OR_RETURN(std::optional<nlohmann::json> done, store_.Load(task));
      if (!done.has_value()) pending.push_back(task);
    }
    RETURN_IF_ERROR(group->Barrier());  // nothing is saved before every rank has planned
    if (absl::GetFlag(FLAGS_report_only)) pending.clear();
    Say(ex_, absl::StrCat(pending.size(), " task(s) to train on ", group->world_size(),
                          " processes"));
    for (const Task& task : pending) {
      std::optional<TaskStore::Claim> claim;
      if (writer) {
        ASSIGN_OR_RETURN(claim, store_.TryClaim(task));
        if (!claim.has_value()) {
          return absl::UnavailableError(absl::StrCat(
              "task ", task.id(), " is being run by another process; wait for it or leave it out "
              "with --tasks (the other ranks stop when this one does)"));
        }
      }
      ex_.table() = ResultTable();
      ex_.extra() = nlohmann::json::object();
      ex_.Seed(task.seed);
      RETURN_IF_ERROR(runner_.run(ex_, TaskContext{task, &store_, group}));
      if (writer) {
        RETURN_IF_ERROR(store_.Save(task, ex_.ResultJson()));
        Say(ex_, absl::StrCat("finished ", task.id()));
      }
      RETURN_IF_ERROR(group->Barrier());
    }
    if (writer) RETURN_IF_ERROR(Rebuild());
    return absl::OkStatus();
  }

  absl::Status Run() {
    if (absl::GetFlag(FLAGS_distributed)) return RunDistributed();
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
    // Earlier job-array elements that failed on tasks still unfinished.
    for (const FailedElement& f : FailedElements(store_.root() + "/slurm")) {
      for (const Task& task : pending) {
        if (task.id() != f.task_id) continue;
        Say(ex_, absl::StrCat(f.task_id, " failed in Slurm job ", f.job_id, " (exit code ",
                              f.exit_code, "); its log: ", f.log));
      }
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

    ASSIGN_OR_RETURN(std::unique_ptr<Launcher> launcher, LauncherFromFlags(ex_, store_));
    std::vector<std::string> failed;
    std::vector<Task> elsewhere;
    size_t done = 0;
    size_t reported = 0;
    auto on_done = [&](size_t i, int code) {
      ++reported;
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
    };
    if (auto* slurm = dynamic_cast<SlurmLauncher*>(launcher.get()); slurm != nullptr) {
      std::string ids;
      for (const Task& task : pending) absl::StrAppend(&ids, task.id(), "\n");
      RETURN_IF_ERROR(MakeDirs(slurm->dir()));
      RETURN_IF_ERROR(WriteFileAtomically(slurm->dir() + "/tasks.txt", ids));
      RETURN_IF_ERROR(slurm->RunArray(ArrayCommand(slurm->dir() + "/tasks.txt"), pending.size(), on_done));
      if (reported == 0) {  // submitted (or written), not waited for
        std::vector<std::string> words;
        for (const std::string& arg : ProgramArguments()) {
          bool launch_only = false;  // flags of the submission, not of the report
          for (const char* flag : {"--launcher", "--dry_run", "--slurm_", "--max_parallel", "--jobs"}) {
            launch_only |= absl::StartsWith(arg, flag);
          }
          if (!launch_only) words.push_back(ShellQuote(arg));
        }
        Say(ex_, absl::StrCat("when the array has ended, rebuild the result with: ",
                              absl::StrJoin(words, " "), " --report_only"));
        return absl::OkStatus();
      }
    } else {
      std::vector<WorkerCommand> commands;
      for (const Task& task : pending) commands.push_back(WorkerCommandFor(task, jobs));
      RETURN_IF_ERROR(launcher->Run(commands, on_done));
    }
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

  // A job array's worker: the task on line $index of `task_list`.
  WorkerCommand ArrayCommand(const std::string& task_list) const {
    WorkerCommand cmd = {SelfExecutable()};
    const std::vector<std::string>& args = ProgramArguments();
    cmd.insert(cmd.end(), args.begin() + (args.empty() ? 0 : 1), args.end());
    char* out = ::realpath(ex_.out_dir().c_str(), nullptr);
    cmd.push_back(absl::StrCat("--out=", out != nullptr ? out : ex_.out_dir()));
    std::free(out);
    cmd.push_back("--worker");
    cmd.push_back(absl::StrCat("--task_list=", task_list));
    cmd.push_back(absl::StrCat("--task_index=", kTaskIndex));
    cmd.push_back(absl::StrCat("--threads=", SlurmOptionsFor(ex_).value().cpus_per_task));
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

absl::StatusOr<SlurmOptions> SlurmOptionsFor(const Experiment& ex) {
  SlurmOptions o;
  o.job_name = absl::StrCat(ex.info().name, "-", ex.config().preset());
  RETURN_IF_ERROR(MergeSlurmSection(ex.config().slurm(), "config.json", o));
  if (!absl::GetFlag(FLAGS_slurm_partition).empty()) o.partition = absl::GetFlag(FLAGS_slurm_partition);
  if (!absl::GetFlag(FLAGS_slurm_time).empty()) o.time = absl::GetFlag(FLAGS_slurm_time);
  if (absl::GetFlag(FLAGS_slurm_cpus) != 0) o.cpus_per_task = absl::GetFlag(FLAGS_slurm_cpus);
  if (!absl::GetFlag(FLAGS_slurm_mem).empty()) o.mem = absl::GetFlag(FLAGS_slurm_mem);
  if (!absl::GetFlag(FLAGS_slurm_account).empty()) o.account = absl::GetFlag(FLAGS_slurm_account);
  if (absl::GetFlag(FLAGS_max_parallel) >= 0) o.max_parallel = absl::GetFlag(FLAGS_max_parallel);
  o.dry_run = absl::GetFlag(FLAGS_dry_run);
  o.wait = absl::GetFlag(FLAGS_slurm_wait);
  if (const char* poll = std::getenv("SPARSELAB_SLURM_POLL_SECONDS"); poll != nullptr) {
    absl::SimpleAtod(poll, &o.poll_seconds);
  }
  RETURN_IF_ERROR(CheckSlurmOptions(o));
  return o;
}

absl::StatusOr<std::unique_ptr<Launcher>> LauncherFromFlags(const Experiment& ex,
                                                            const TaskStore& store) {
  const std::string name = absl::GetFlag(FLAGS_launcher);
  if (name == "local") return std::unique_ptr<Launcher>(new LocalLauncher(absl::GetFlag(FLAGS_jobs)));
  if (name == "slurm") {
    ASSIGN_OR_RETURN(SlurmOptions options, SlurmOptionsFor(ex));
    // One folder per submission: <store>/slurm/<UTC time>-<pid>.
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&now));
    const std::string dir = absl::StrCat(store.root(), "/slurm/", stamp, "-", ::getpid());
    return std::unique_ptr<Launcher>(new SlurmLauncher(std::move(options), dir));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--launcher=", name, ": unknown launcher (local or slurm)"));
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
  if (absl::GetFlag(FLAGS_distributed)) ex.set_writes_result(false);  // Rebuild writes it on rank 0
  return Parent(ex, runner, store).Run();
}

}  // namespace sparselab
