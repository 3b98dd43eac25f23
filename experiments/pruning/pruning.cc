// Pruning by configuration (Zhu & Gupta 2017, "To prune, or not to prune:
// exploring the efficacy of pruning for model compression", arXiv:1710.01878):
// LeNet-5 and Dense CNN-2 on MNIST pruned by magnitude to 50 ... 99 % with
// three schedules of the same total training steps, each beside a dense
// network narrowed to the same number of weights ("large-sparse against
// small-dense"), and every pruned model exported with its FC layers as CSR
// (SparseLinear): test accuracy, non-zero weights, bytes on disk and
// inference time of the export against the dense save.
//   constant:    pruned to s_f after the first optimizer step, mask kept;
//   one_shot:    dense for one_shot_epochs, pruned to s_f once, fine-tuned;
//   gradual:     the config's "pruning" section (t0 = begin_step, dt =
//                frequency, n = (end_step - begin_step) / dt), eq. 1;
//   small_dense: no pruning, every hidden width scaled so that the weights
//                number (1 - s_f) of the full model's.
// Every (row, seed) is a task of the library's task runner (resumable,
// --jobs); result.json, the figures and the README tables are rebuilt from
// the records after every task.
#include <string>
#include <vector>

#include "experiments/pruning/figures.h"
#include "experiments/pruning/run_options.h"
#include "experiments/pruning/tasks.h"
#include "lib/base/status_macros.h"
#include "lib/data/dataset.h"
#include "lib/harness/experiment.h"
#include "lib/harness/pruning_section.h"
#include "lib/harness/task_runner.h"
#include "nlohmann/json.hpp"

namespace sparselab::pruning_experiment {
namespace {

const ExperimentInfo kInfo = {
    "pruning",
    "Zhu & Gupta 2017, \"To prune, or not to prune: exploring the efficacy of pruning for "
    "model compression\", arXiv:1710.01878 (gradual pruning, eq. 1; large-sparse against "
    "small-dense), on LeNet-5 and Dense CNN-2 / MNIST"};

// result.json from every task's record (rows and per-epoch curves), then the
// figures.
absl::Status Report(Experiment& ex, const RunOptions& o, const std::vector<FinishedTask>& records) {
  for (const FinishedTask& f : records) {
    RETURN_IF_ERROR(ex.table().Merge(f.record["rows"]));
    const nlohmann::json curves = f.record.value("curves", nlohmann::json::object());
    for (auto row = curves.begin(); row != curves.end(); ++row) {
      for (auto seed = row.value().begin(); seed != row.value().end(); ++seed) {
        ex.extra()["curves"][row.key()][seed.key()] = seed.value();
      }
    }
  }
  ex.extra()["steps_per_epoch"] = o.steps_per_epoch;
  ex.extra()["total_steps"] = o.epochs * o.steps_per_epoch;
  ex.extra()["gradual_schedule"] = PruningSectionJson(o.gradual);
  ex.extra()["protocol"] =
      "SGD (momentum, StepLR per epoch), cross-entropy, batch_size; every row trains the same "
      "epochs x steps_per_epoch optimizer steps. Pruning: magnitude, every conv and FC weight "
      "(biases kept), masks re-applied after every step, momentum masked. constant: pruned to "
      "s_f after step 0; one_shot: after the last step of one_shot_epochs dense epochs; "
      "gradual: gradual_schedule (Zhu & Gupta eq. 1). small_dense: every hidden width scaled "
      "so the weights number (1 - s_f) of the full model's (info.widths). Accuracy on the test "
      "set after the last epoch. export_*: the model saved with its FC layers as CSR "
      "(SparseLinear) against the same model saved dense without masks; *_ms: median wall "
      "time of one forward pass over timing_images test images, one thread, CPU.";
  return WriteFigures(ex, o);
}

absl::Status RunExperimentBody(Experiment& ex) {
  const Config& c = ex.config();
  for (const char* key : {"train_subset", "test_subset"}) {
    RETURN_IF_ERROR(RequireConfig(c.Int(key) >= 0, c, key, "must be >= 0 (0: every image)"));
  }
  // Loaded before any task starts, so that bad data fail at once.
  ASSIGN_OR_RETURN(Dataset train, LoadMnist(Split::kTrain));
  ASSIGN_OR_RETURN(Dataset test, LoadMnist(Split::kTest));
  train = train.Head(c.Int("train_subset"));
  test = test.Head(c.Int("test_subset"));
  ASSIGN_OR_RETURN(const RunOptions o, ReadRunOptions(c, train.size()));
  TaskRunner runner;
  for (const RowSpec& r : o.rows) {
    runner.report_rows.push_back(r.id);
    runner.run_rows.push_back(r.id);
  }
  // What a task's result depends on: a Bayesian Bits row on its own section
  // (but the list of mus) and the data; the other rows on everything else.
  runner.key = [&](const std::string& row, int64_t seed) {
    nlohmann::json config = c.values();
    if (Spec(o, row).method == "bayesian_bits") {
      nlohmann::json b = config["bayesian_bits"];
      b.erase("mus");
      config = {{"bayesian_bits", b},
                {"train_subset", config["train_subset"]},
                {"test_subset", config["test_subset"]},
                {"test_batch_size", config["test_batch_size"]}};
    } else {
      for (const char* other : {"seeds", "models", "sparsities", "methods", "bayesian_bits"}) {
        config.erase(other);
      }
    }
    return nlohmann::json{{"row", row}, {"seed", seed}, {"config", config}};
  };
  runner.run = [&](Experiment& ex, const TaskContext& t) { return RunTask(ex, o, train, test, t); };
  runner.report = [&](Experiment& ex, const std::vector<FinishedTask>& records) {
    return Report(ex, o, records);
  };
  return RunTasks(ex, runner);
}

}  // namespace
}  // namespace sparselab::pruning_experiment

int main(int argc, char** argv) {
  return sparselab::RunExperiment(argc, argv, sparselab::pruning_experiment::kInfo,
                                  sparselab::pruning_experiment::RunExperimentBody);
}
