// Reproduces Table 1 and Figure 5 of Ahmad & Scheinkman 2019, "How Can We Be
// So Dense? The Benefits of Using Highly Sparse Representations"
// (arXiv:1903.11257) on MNIST: eight dense, sparse and mixed CNNs, their test
// accuracy and their robustness to random-pixel noise (noise score = correct
// test images summed over the 11 noise levels 0.00 ... 0.50).
// Protocol: numenta/htmpapers arxiv/how_can_we_be_so_dense (see networks.h,
// task.h); parameters in config.json.
//
// Every (network, seed) is a task of the library's task runner
// (lib/harness/task_runner.h): run in its own worker process (--jobs at a
// time), recorded under results/runs/<preset>/<network>-seed<seed>/, and
// result.json, Figure 5 and the README tables are rebuilt from every record
// after each task. A rerun skips the finished tasks; seeds accumulate.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "experiments/how_can_we_be_so_dense/figures.h"
#include "experiments/how_can_we_be_so_dense/networks.h"
#include "experiments/how_can_we_be_so_dense/summary.h"
#include "experiments/how_can_we_be_so_dense/task.h"
#include "lib/base/status_macros.h"
#include "lib/data/dataset.h"
#include "lib/harness/experiment.h"
#include "lib/harness/task_runner.h"

ABSL_FLAG(std::string, networks, "",
          "Comma-separated networks to run (denseCNN1, denseCNN2, sparseCNN1, sparseCNN2, "
          "denseCNN2SP3, sparseCNN2D3, sparseCNN2W1, sparseCNN2DSW); empty: config \"networks\".");
ABSL_FLAG(int32_t, epochs, 0,
          "Train every network for this many epochs (smoke runs); 0: config \"epochs\", and "
          "when that is 0 each network's own (the paper's).");

namespace sparselab::how_can_we_be_so_dense {
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

// The options of this run, read and checked once at the start.
struct RunOptions {
  std::vector<NetworkSpec> selected;  // what this run trains
  std::vector<NetworkSpec> reported;  // what result.json covers: configured + selected
  SharedLayerOptions layers;
  TaskOptions task;
  std::vector<double> figure_noise_levels;
  int64_t figure_images = 0;
};

absl::StatusOr<RunOptions> ReadRunOptions(const Experiment& ex) {
  RunOptions o;
  const Config& c = ex.config();
  ASSIGN_OR_RETURN(auto specs, ReadNetworkSpecs(c));
  ASSIGN_OR_RETURN(o.selected, SelectNetworks(specs, NetworkNames(c)));
  ASSIGN_OR_RETURN(o.reported, SelectNetworks(specs, c.Get<std::vector<std::string>>("networks")));
  for (const NetworkSpec& s : o.selected) {
    bool known = false;
    for (const NetworkSpec& r : o.reported) known = known || r.name == s.name;
    if (!known) o.reported.push_back(s);
  }
  ASSIGN_OR_RETURN(o.layers, ReadSharedLayerOptions(c));
  ASSIGN_OR_RETURN(o.task, ReadTaskOptions(c, absl::GetFlag(FLAGS_epochs), ex.device()));
  o.figure_noise_levels = c.Get<std::vector<double>>("figure_noise_levels");
  o.figure_images = c.Int("figure_images");
  return o;
}

const NetworkSpec& Spec(const RunOptions& o, const std::string& name) {
  for (const NetworkSpec& s : o.reported) {
    if (s.name == name) return s;
  }
  return o.reported.front();  // unreachable: the runner only asks for reported rows
}

// One task in a worker: train and test one network for one seed.
absl::Status RunOne(Experiment& ex, const RunOptions& o, const Dataset& train, const Dataset& test,
                    const TaskContext& t) {
  const Task& task = t.task;
  const NetworkSpec& spec = Spec(o, task.row);
  TaskOptions task_options = o.task;
  task_options.process_group = t.process_group;
  ASSIGN_OR_RETURN(TaskResult r, RunTask(spec, o.layers, task_options, task.seed, train, test));
  SetPaperValues(spec, ex.table());
  for (const auto& [row, metric, value] : r.values) ex.table().Add(row, metric, task.seed, value);
  ex.extra()["epochs"] = r.epochs;
  ex.extra()["layers"] = r.layers;
  ex.extra()["train_images"] = train.size();
  ex.extra()["test_images"] = test.size();
  return absl::OkStatus();
}

// result.json from every finished task (networks in config order, seeds
// ascending), then Figure 5 from the same numbers.
absl::Status Report(Experiment& ex, const RunOptions& o, const Dataset& test,
                    const std::vector<FinishedTask>& records) {
  FinishedTasks finished;
  for (const FinishedTask& f : records) {
    if (!f.partial) finished[{f.task.row, f.task.seed}] = f.record;
  }
  nlohmann::json epochs = nlohmann::json::object();
  nlohmann::json seeds_done = nlohmann::json::object();
  for (const NetworkSpec& spec : o.reported) {
    seeds_done[spec.name] = nlohmann::json::array();
    for (const auto& [key, j] : finished) {
      if (key.first != spec.name) continue;
      epochs[spec.name][std::to_string(key.second)] = j["epochs"];
      seeds_done[spec.name].push_back(key.second);
    }
  }
  ex.table() = SummaryTable(o.reported, finished, o.task.noise_levels);
  ex.extra()["seeds_per_network"] = seeds_done;
  ex.extra()["epochs"] = epochs;
  ex.extra()["protocol"] =
      "test_accuracy and noise_score are taken at each seed's epoch with the best noise-free "
      "test accuracy (the reference's test_score_table.py); final_* at the last epoch. std is "
      "the sample standard deviation (the paper's script uses numpy's population std). fig5b/ "
      "rows: accuracy (%) per noise level at the best epoch. layers/ rows, best-epoch model: "
      "non-zero weights (biases not counted), and mean non-zero outputs per test image in "
      "evaluation (k_inference winners) and training (k winners) mode, duty-cycle entropy.";
  RETURN_IF_ERROR(WriteNoiseSamplesFigure(ex.OutputPath("fig5a_noise_samples.png"), test,
                                          o.figure_noise_levels, o.figure_images,
                                          o.task.noise_value, 42));
  ASSIGN_OR_RETURN(int lines, WriteNoiseCurvesFigure(ex.OutputPath("fig5b_noise_accuracy.png"),
                                                     ex.table().ToJson(), o.reported,
                                                     o.task.noise_levels));
  std::fprintf(stderr, "[%s] figure 5B: %d network(s)\n", ex.info().name.c_str(), lines);
  return absl::OkStatus();
}

absl::Status RunExperimentBody(Experiment& ex) {
  ASSIGN_OR_RETURN(const RunOptions o, ReadRunOptions(ex));
  // Loaded before any task starts, so that bad data fail at once.
  ASSIGN_OR_RETURN(const auto data, LoadData(ex.config()));
  TaskRunner runner;
  for (const NetworkSpec& s : o.reported) runner.report_rows.push_back(s.name);
  for (const NetworkSpec& s : o.selected) runner.run_rows.push_back(s.name);
  runner.key = [&](const std::string& row, int64_t seed) {
    return TaskKey(ex.config(), row, seed, EpochsFor(Spec(o, row), o.task));
  };
  runner.run = [&](Experiment& ex, const TaskContext& t) {
    return RunOne(ex, o, data.first, data.second, t);
  };
  runner.report = [&](Experiment& ex, const std::vector<FinishedTask>& records) {
    return Report(ex, o, data.second, records);
  };
  return RunTasks(ex, runner);
}

}  // namespace
}  // namespace sparselab::how_can_we_be_so_dense

int main(int argc, char** argv) {
  return sparselab::RunExperiment(argc, argv, sparselab::how_can_we_be_so_dense::kInfo,
                                  sparselab::how_can_we_be_so_dense::RunExperimentBody);
}
