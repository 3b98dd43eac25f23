// The SparseLinear tutorial on MNIST (rain-neuromorphics/SparseLinear,
// tutorials/SparseLinearDemo.ipynb): dense, sparse (random, user-defined,
// dynamic RigL, small-world), activation sparsity and very wide sparse models,
// 20 epochs of SGD (momentum 0.9, batch 64), one row per model with the test
// accuracy after the last epoch, the parameter count and the epoch time.
//
//   bazel run -c opt //experiments/sparse_linear -- [--preset=quick]
//       [--set='models=["sparse","dynamic"]'] [--threads=2]
// A paper run is resumable: models already in result.json (same config) are
// kept and skipped, and result.json is rewritten after every model.
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "experiments/sparse_linear/models.h"
#include "lib/dataset.h"
#include "lib/experiment.h"
#include "lib/result_writer.h"
#include "lib/status_macros.h"
#include "lib/trainer.h"

namespace sparselab::sparse_linear_experiment {
namespace {

// Test accuracy (%) after epoch 20 in the tutorial notebook (PAPER_TARGETS.md).
const std::map<std::string, double>& TutorialAccuracy() {
  static const std::map<std::string, double> accuracy = {
      {"dense", 98.48},        {"sparse", 98.16},
      {"user_defined", 97.88}, {"dynamic", 98.05},
      {"small_world", 98.22},  {"dense_activation_sparsity", 98.36},
      {"sparse_activation_sparsity", 98.07}, {"wide", 98.19}};
  return accuracy;
}

// Adds the rows (and curves) of result.json on disk that this process does
// not hold, when the file is from the same preset and config (except
// "models"): a rerun resumes, and workers given different models (--set=models)
// can share one result.json (each rewrites it, atomically, after every model).
void MergeRowsFromDisk(Experiment& ex) {
  absl::StatusOr<nlohmann::json> disk = ReadJsonFile(ex.ResultPath());
  if (!disk.ok() || !(*disk).contains("rows")) return;
  nlohmann::json disk_config = (*disk).value("config", nlohmann::json::object());
  nlohmann::json our_config = ex.config().values();
  disk_config.erase("models");
  our_config.erase("models");
  if ((*disk).value("preset", "") != ex.config().preset() || disk_config != our_config) return;
  nlohmann::json rows = ex.table().ToJson();
  std::set<std::string> ours;
  for (const auto& row : rows) ours.insert(row["name"].get<std::string>());
  for (const auto& row : (*disk)["rows"]) {
    const std::string name = row["name"].get<std::string>();
    if (ours.count(name) > 0) continue;
    rows.push_back(row);
    if ((*disk).contains("curves") && (*disk)["curves"].contains(name)) {
      ex.extra()["curves"][name] = (*disk)["curves"][name];
    }
  }
  absl::StatusOr<ResultTable> merged = ResultTable::FromJson(rows);
  if (merged.ok()) ex.table() = *merged;
}

absl::Status TrainOne(Experiment& ex, const std::string& name, int64_t seed,
                      const Dataset& train, const Dataset& test) {
  const Config& c = ex.config();
  ex.Seed(seed);
  ASSIGN_OR_RETURN(TutorialModel model, BuildModel(name, c));
  TrainerOptions options;
  options.epochs(model.epochs)
      .batch_size(c.Int("batch_size"))
      .optimizer(OptimizerKind::kSgd)
      .lr(model.lr)
      .momentum(c.Double("momentum"))
      .seed(static_cast<uint64_t>(seed))
      .device(ex.device())
      .input_transform([](const at::Tensor& x) { return Normalize(x, kMnistMean, kMnistStd); })
      .label(absl::StrCat(name, " seed ", seed));
  Trainer trainer(model.module, model.forward, CrossEntropyLoss(), options);
  if (model.nesterov) {
    static_cast<torch::optim::SGDOptions&>(trainer.optimizer().param_groups()[0].options())
        .nesterov(true);
  }
  int64_t moved = 0;
  trainer.AddStepCallback([&](const StepInfo& step) {
    for (SparseLinear& layer : model.sparse_layers) {
      moved += layer->rigl_step(step.global_step, &trainer.optimizer());
    }
    return absl::OkStatus();
  });
  nlohmann::json curve = nlohmann::json::array();
  if (c.Bool("eval_every_epoch")) {
    trainer.AddEpochCallback([&](const EpochStats& stats) -> absl::Status {
      ASSIGN_OR_RETURN(EvalResult eval, trainer.Evaluate(test));
      curve.push_back({{"epoch", stats.epoch + 1},
                       {"train_loss", stats.train_loss},
                       {"test_accuracy", 100.0 * eval.accuracy.value_or(0)},
                       {"seconds", stats.seconds}});
      std::cerr << "[" << name << "] epoch " << stats.epoch + 1 << " test accuracy "
                << 100.0 * eval.accuracy.value_or(0) << " %\n";
      return absl::OkStatus();
    });
  }
  ASSIGN_OR_RETURN(std::vector<EpochStats> epochs, trainer.Train(train));
  ASSIGN_OR_RETURN(EvalResult final_eval, trainer.Evaluate(test));
  double seconds = 0;
  for (const EpochStats& e : epochs) seconds += e.seconds;
  ResultTable& t = ex.table();
  t.Add(name, "test_accuracy", seed, 100.0 * final_eval.accuracy.value_or(0));
  t.Add(name, "test_loss", seed, final_eval.loss);
  t.Add(name, "train_loss", seed, epochs.back().train_loss);
  t.Add(name, "parameters", seed, static_cast<double>(ParameterCount(*model.module)));
  t.Add(name, "epoch_seconds", seed, seconds / static_cast<double>(epochs.size()));
  t.Add(name, "epochs", seed, static_cast<double>(epochs.size()));
  if (c.Bool("rigl_counts") || moved > 0) t.Add(name, "rigl_moved_connections", seed, moved);
  t.SetPaper(name, "test_accuracy", TutorialAccuracy().at(name));
  t.SetInfo(name, "lr", model.lr);
  t.SetInfo(name, "nesterov", model.nesterov);
  int64_t nnz = 0;
  for (const SparseLinear& layer : model.sparse_layers) nnz += layer->nnz();
  if (nnz > 0) t.SetInfo(name, "sparse_linear_nonzeros", nnz);
  ex.extra()["curves"][name][std::to_string(seed)] = curve;
  if (c.Bool("resume")) MergeRowsFromDisk(ex);
  return ex.WriteResult();  // a checkpoint after every model
}

absl::Status Run(Experiment& ex) {
  const Config& c = ex.config();
  const std::vector<std::string> models = c.Get<std::vector<std::string>>("models");
  for (const std::string& name : models) {
    if (TutorialAccuracy().count(name) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config 'models': unknown model '", name, "'; known: ", absl::StrJoin(ModelNames(), ", ")));
    }
  }
  ASSIGN_OR_RETURN(Dataset train, LoadMnist(Split::kTrain));
  ASSIGN_OR_RETURN(Dataset test, LoadMnist(Split::kTest));
  train = train.Head(c.Int("train_samples"));
  test = test.Head(c.Int("test_samples"));
  if (c.Bool("resume")) MergeRowsFromDisk(ex);
  for (int64_t seed : ex.seeds()) {
    for (const std::string& name : models) {
      if (ex.table().HasSeed(name, "test_accuracy", seed)) continue;
      RETURN_IF_ERROR(TrainOne(ex, name, seed, train, test));
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace sparselab::sparse_linear_experiment

int main(int argc, char** argv) {
  return sparselab::RunExperiment(
      argc, argv,
      {"sparse_linear",
       "SparseLinear tutorial (rain-neuromorphics/SparseLinear, SparseLinearDemo.ipynb); "
       "RigL: Evci et al. 2020; k-winners: Ahmad & Scheinkman 2019"},
      sparselab::sparse_linear_experiment::Run);
}
