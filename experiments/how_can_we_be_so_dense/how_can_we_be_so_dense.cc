// Reproduces Table 1 and Figure 5 of Ahmad & Scheinkman 2019, "How Can We Be
// So Dense? The Benefits of Using Highly Sparse Representations"
// (arXiv:1903.11257) on MNIST: eight dense, sparse and mixed CNNs, their test
// accuracy and their robustness to random-pixel noise (noise score = correct
// test images summed over the 11 noise levels 0.00 ... 0.50).
// Protocol: numenta/htmpapers arxiv/how_can_we_be_so_dense (see networks.h,
// task.h); parameters in config.json.
//
// The parent process schedules one task per (network, seed), seed-major (every
// network's first seed before any second seed), and runs each task in a child
// process of this same binary (--worker) with at most --jobs at a time. A
// child writes its own result into runs/<preset>/<network>-seed<seed>/ when it
// finishes; the parent merges every finished task into result.json after each
// one (written atomically). A run that is interrupted and started again skips
// the finished tasks.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/match.h"
#include "experiments/how_can_we_be_so_dense/figures.h"
#include "experiments/how_can_we_be_so_dense/networks.h"
#include "experiments/how_can_we_be_so_dense/summary.h"
#include "experiments/how_can_we_be_so_dense/task.h"
#include "experiments/how_can_we_be_so_dense/worker_pool.h"
#include "lib/base/file_io.h"
#include "lib/data/dataset.h"
#include "lib/harness/experiment.h"
#include "lib/base/status_macros.h"

ABSL_FLAG(std::string, networks, "",
          "Comma-separated networks to run (denseCNN1, denseCNN2, sparseCNN1, sparseCNN2, "
          "denseCNN2SP3, sparseCNN2D3, sparseCNN2W1, sparseCNN2DSW); empty: config \"networks\".");
ABSL_FLAG(int32_t, epochs, 0,
          "Train every network for this many epochs (smoke runs); 0: config \"epochs\", and "
          "when that is 0 each network's own (the paper's).");
ABSL_FLAG(int32_t, jobs, 1,
          "Tasks (network, seed) run in parallel, each in its own single-threaded process.");
ABSL_FLAG(bool, report_only, false,
          "Run no task: rebuild result.json and Figure 5 from the finished tasks (e.g. while "
          "another run of the experiment is training).");
ABSL_FLAG(bool, worker, false,
          "Internal: run exactly one (network, seed) in this process and write its result to "
          "--out (the parent passes this).");

namespace sparselab::hcwbsd {
namespace {

const ExperimentInfo kInfo = {
    "how_can_we_be_so_dense",
    "Ahmad & Scheinkman 2019, \"How Can We Be So Dense? The Benefits of Using Highly Sparse "
    "Representations\", arXiv:1903.11257, Table 1 and Figure 5 (MNIST)"};

std::vector<std::string> NetworkNames(const Config& config) {
  const std::string flag = absl::GetFlag(FLAGS_networks);
  if (flag.empty()) return config.Get<std::vector<std::string>>("networks");
  return absl::StrSplit(flag, ',', absl::SkipEmpty());
}

// MNIST, cut to the config's subsets (0: all).
absl::StatusOr<std::pair<Dataset, Dataset>> LoadData(const Config& config) {
  ASSIGN_OR_RETURN(Dataset train, LoadMnist(Split::kTrain));
  ASSIGN_OR_RETURN(Dataset test, LoadMnist(Split::kTest));
  return std::make_pair(train.Head(config.Int("train_subset")), test.Head(config.Int("test_subset")));
}

// What identifies a task's result: the config (but the run-selection keys) and
// the epochs; a finished task with other values is stale.
nlohmann::json TaskKey(const Config& config, const std::string& network, int64_t seed,
                       int64_t epochs) {
  nlohmann::json c = config.values();
  c.erase("networks");
  c.erase("seeds");
  return {{"network", network}, {"seed", seed}, {"epochs", epochs}, {"config", c}};
}

// --worker: one (network, seed), recorded in this process's own result file.
absl::Status RunWorker(Experiment& ex) {
  ASSIGN_OR_RETURN(auto specs, ReadNetworkSpecs(ex.config()));
  ASSIGN_OR_RETURN(std::vector<NetworkSpec> networks, SelectNetworks(specs, NetworkNames(ex.config())));
  if (networks.size() != 1 || ex.seeds().size() != 1) {
    return absl::InvalidArgumentError("--worker runs exactly one network and one seed");
  }
  const NetworkSpec& spec = networks[0];
  const int64_t seed = ex.seeds()[0];
  const TaskOptions options = ReadTaskOptions(ex.config(), absl::GetFlag(FLAGS_epochs), ex.device());
  ASSIGN_OR_RETURN(auto data, LoadData(ex.config()));
  ex.Seed(seed);
  ASSIGN_OR_RETURN(TaskResult r, RunTask(spec, ReadSharedLayerOptions(ex.config()), options,
                                         seed, data.first, data.second));
  SetPaperValues(spec, ex.table());
  for (const auto& [row, metric, value] : r.values) ex.table().Add(row, metric, seed, value);
  ex.extra()["task"] = TaskKey(ex.config(), spec.name, seed, EpochsFor(spec, options));
  ex.extra()["epochs"] = r.epochs;
  ex.extra()["layers"] = r.layers;
  ex.extra()["train_images"] = data.first.size();
  ex.extra()["test_images"] = data.second.size();
  return absl::OkStatus();
}

struct Task {
  NetworkSpec spec;
  int64_t seed = 0;
  std::string dir;          // runs/<preset>/<network>-seed<seed>
  std::string result_path;  // the child's result file in dir
};

class Parent {
 public:
  Parent(Experiment& ex, std::vector<std::string> args) : ex_(ex), args_(std::move(args)) {}

  absl::Status Run() {
    ASSIGN_OR_RETURN(auto specs, ReadNetworkSpecs(ex_.config()));
    ASSIGN_OR_RETURN(std::vector<NetworkSpec> selected,
                     SelectNetworks(specs, NetworkNames(ex_.config())));
    // Checked up front so that bad data fails before any child starts.
    ASSIGN_OR_RETURN(auto data, LoadData(ex_.config()));
    test_ = data.second;
    options_ = ReadTaskOptions(ex_.config(), absl::GetFlag(FLAGS_epochs), ex_.device());
    const int jobs = absl::GetFlag(FLAGS_jobs);
    if (jobs < 1) return absl::InvalidArgumentError("--jobs must be at least 1");

    // Every network that may already have results: the configured ones and
    // the selected ones; their finished seeds, whatever run made them, so
    // that seeds accumulate over several runs.
    ASSIGN_OR_RETURN(reported_, SelectNetworks(specs, ex_.config().Get<std::vector<std::string>>("networks")));
    for (const NetworkSpec& s : selected) {
      bool known = false;
      for (const NetworkSpec& r : reported_) known = known || r.name == s.name;
      if (!known) reported_.push_back(s);
    }
    for (const NetworkSpec& spec : reported_) {
      for (int64_t seed : SeedsWithRuns(spec.name)) LoadFinished(MakeTask(spec, seed), /*quiet=*/true);
    }

    // The tasks of this run, seed-major.
    std::vector<Task> pending;
    for (int64_t seed : ex_.seeds()) {
      for (const NetworkSpec& spec : selected) {
        Task task = MakeTask(spec, seed);
        if (LoadFinished(task, /*quiet=*/false)) continue;
        pending.push_back(task);
      }
    }
    if (absl::GetFlag(FLAGS_report_only)) {
      std::fprintf(stderr, "[%s] --report_only: %zu unfinished task(s) not run\n",
                   kInfo.name.c_str(), pending.size());
      pending.clear();
    }
    RETURN_IF_ERROR(Rebuild());
    std::fprintf(stderr, "[%s] %zu task(s) to run (%zu finished task(s) on record), %d at a time\n",
                 kInfo.name.c_str(), pending.size(), finished_.size(), jobs);

    std::vector<std::vector<std::string>> commands;
    for (const Task& task : pending) commands.push_back(WorkerCommand(task, jobs));
    std::vector<std::string> failed;
    size_t done = 0;
    RETURN_IF_ERROR(RunWorkers(commands, jobs, [&](size_t i, int code) {
      const Task& task = pending[i];
      if (code != 0 || !LoadFinished(task, /*quiet=*/true)) {
        failed.push_back(absl::StrCat(task.spec.name, " seed ", task.seed, " (exit code ", code, ")"));
        return;
      }
      std::fprintf(stderr, "[%s] finished %s seed %lld (%zu of %zu)\n", kInfo.name.c_str(),
                   task.spec.name.c_str(), static_cast<long long>(task.seed), ++done,
                   pending.size());
      if (absl::Status s = Rebuild(); !s.ok()) failed.push_back(std::string(s.message()));
    }));
    if (!failed.empty()) {
      return absl::InternalError(absl::StrCat(
          failed.size(), " task(s) failed: ", absl::StrJoin(failed, "; "),
          ". Their errors are above; finished tasks are kept, so rerunning the same command "
          "retries only these."));
    }
    return absl::OkStatus();
  }

 private:
  Task MakeTask(const NetworkSpec& spec, int64_t seed) const {
    Task t;
    t.spec = spec;
    t.seed = seed;
    t.dir = absl::StrCat(ex_.out_dir(), "/runs/", ex_.config().preset(), "/", spec.name, "-seed", seed);
    t.result_path = absl::StrCat(t.dir, "/", Basename(ex_.ResultPath()));
    return t;
  }

  // Seeds that have a folder runs/<preset>/<network>-seed<seed>.
  std::vector<int64_t> SeedsWithRuns(const std::string& network) const {
    std::vector<int64_t> seeds;
    const std::string dir = absl::StrCat(ex_.out_dir(), "/runs/", ex_.config().preset());
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return seeds;
    const std::string prefix = network + "-seed";
    while (const dirent* entry = ::readdir(d)) {
      const std::string name = entry->d_name;
      int64_t seed = 0;
      if (absl::StartsWith(name, prefix) && absl::SimpleAtoi(name.substr(prefix.size()), &seed)) {
        seeds.push_back(seed);
      }
    }
    ::closedir(d);
    std::sort(seeds.begin(), seeds.end());
    return seeds;
  }

  // Reads a finished task's result into finished_; false when there is none or
  // it was made with another config (stale: the task runs again).
  bool LoadFinished(const Task& task, bool quiet) {
    if (!FileExists(task.result_path)) return false;
    absl::StatusOr<nlohmann::json> j = ReadJsonFile(task.result_path);
    const nlohmann::json want =
        TaskKey(ex_.config(), task.spec.name, task.seed, EpochsFor(task.spec, options_));
    if (!j.ok() || !j->contains("task") || (*j)["task"] != want) {
      if (!quiet) {
        std::fprintf(stderr, "[%s] %s was made with another config or epochs: running it again\n",
                     kInfo.name.c_str(), task.result_path.c_str());
      }
      return false;
    }
    if (!quiet) {
      std::fprintf(stderr, "[%s] %s seed %lld already done (%s): skipping\n", kInfo.name.c_str(),
                   task.spec.name.c_str(), static_cast<long long>(task.seed),
                   task.result_path.c_str());
    }
    finished_[{task.spec.name, task.seed}] = *std::move(j);
    return true;
  }

  std::vector<std::string> WorkerCommand(const Task& task, int jobs) const {
    std::vector<std::string> cmd = {SelfExecutable()};
    cmd.insert(cmd.end(), args_.begin(), args_.end());
    // Later flags override the forwarded ones.
    cmd.push_back("--worker");
    cmd.push_back(absl::StrCat("--networks=", task.spec.name));
    cmd.push_back(absl::StrCat("--seeds=", task.seed));
    cmd.push_back(absl::StrCat("--out=", task.dir));
    cmd.push_back(absl::StrCat("--threads=", jobs > 1 ? 1 : ex_.threads()));
    cmd.push_back("--jobs=1");
    return cmd;
  }

  // result.json from every finished task, networks in config order, seeds
  // ascending; written atomically. Then Figure 5 from the same numbers.
  absl::Status Rebuild() {
    // Also tasks finished meanwhile by another run of this experiment.
    for (const NetworkSpec& spec : reported_) {
      for (int64_t seed : SeedsWithRuns(spec.name)) {
        if (finished_.count({spec.name, seed}) == 0) LoadFinished(MakeTask(spec, seed), /*quiet=*/true);
      }
    }
    nlohmann::json epochs = nlohmann::json::object();
    nlohmann::json seeds_done = nlohmann::json::object();
    for (const NetworkSpec& spec : reported_) {
      seeds_done[spec.name] = nlohmann::json::array();
      for (const auto& [key, j] : finished_) {
        if (key.first != spec.name) continue;
        epochs[spec.name][std::to_string(key.second)] = j["epochs"];
        seeds_done[spec.name].push_back(key.second);
      }
    }
    ex_.table() = SummaryTable(reported_, finished_, options_.noise_levels);
    ex_.extra()["seeds_per_network"] = seeds_done;
    ex_.extra()["epochs"] = epochs;
    ex_.extra()["protocol"] =
        "test_accuracy and noise_score are taken at each seed's epoch with the best noise-free "
        "test accuracy (the reference's test_score_table.py); final_* at the last epoch. std is "
        "the sample standard deviation (the paper's script uses numpy's population std). fig5b/ "
        "rows: accuracy (%) per noise level at the best epoch. layers/ rows, best-epoch model: "
        "non-zero weights (biases not counted), and mean non-zero outputs per test image in "
        "evaluation (k_inference winners) and training (k winners) mode, duty-cycle entropy.";
    RETURN_IF_ERROR(ex_.WriteResult());
    return WriteFigures();
  }

  absl::Status WriteFigures() {
    const Config& c = ex_.config();
    RETURN_IF_ERROR(WriteNoiseSamplesFigure(ex_.OutputPath("fig5a_noise_samples.png"), test_,
                                            c.Get<std::vector<double>>("figure_noise_levels"),
                                            c.Int("figure_images"), options_.noise_value, 42));
    ASSIGN_OR_RETURN(int lines, WriteNoiseCurvesFigure(ex_.OutputPath("fig5b_noise_accuracy.png"),
                                                       ex_.table().ToJson(), reported_,
                                                       options_.noise_levels));
    std::fprintf(stderr, "[%s] figure 5B: %d network(s)\n", kInfo.name.c_str(), lines);
    return absl::OkStatus();
  }

  Experiment& ex_;
  std::vector<std::string> args_;
  TaskOptions options_;
  Dataset test_;  // for Figure 5A
  std::vector<NetworkSpec> reported_;
  FinishedTasks finished_;
};

}  // namespace
}  // namespace sparselab::hcwbsd

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return sparselab::RunExperiment(
      argc, argv, sparselab::hcwbsd::kInfo, [&args](sparselab::Experiment& ex) {
        if (absl::GetFlag(FLAGS_worker)) return sparselab::hcwbsd::RunWorker(ex);
        return sparselab::hcwbsd::Parent(ex, args).Run();
      });
}
