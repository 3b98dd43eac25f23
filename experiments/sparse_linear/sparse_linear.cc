// The SparseLinear tutorial on MNIST (rain-neuromorphics/SparseLinear,
// tutorials/SparseLinearDemo.ipynb): dense, sparse (random, user-defined,
// dynamic RigL, small-world), activation sparsity and very wide sparse models,
// 20 epochs of SGD (momentum 0.9, batch 64), one row per model with the test
// accuracy after the last epoch, the parameter count and the epoch time.
//
//   bazel run //experiments/sparse_linear -- [--preset=quick]
//       [--set='models=["sparse","dynamic"]'] [--threads=2] [--jobs=2]
// Every (model, seed) is a task of the library's task runner: its record lives
// under results/runs/<preset>/<model>-seed<seed>/ and result.json is rebuilt
// from the records. With "resume" (the paper preset) every epoch ends with a
// checkpoint and a partial record (the row so far) in the task's folder, so a
// rerun continues a model from its last finished epoch, bit-identically.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "experiments/sparse_linear/models.h"
#include "lib/data/dataset.h"
#include "lib/base/status_macros.h"
#include "lib/harness/experiment.h"
#include "lib/harness/result_table.h"
#include "lib/harness/task_runner.h"
#include "lib/train/trainer.h"

ABSL_FLAG(int32_t, stop_after_epochs, 0,
          "Stop each task cleanly after this many epochs of training in this run (0: no "
          "limit); with the paper preset's checkpoints a rerun continues where it stopped (for "
          "the very wide model's hours-long epochs).");

namespace sparselab::sparse_linear_experiment {
namespace {

// Test accuracy (%) after epoch 20 in the tutorial notebook, rain-neuromorphics/SparseLinear tutorials/SparseLinearDemo.ipynb.
const std::map<std::string, double>& TutorialAccuracy() {
  static const std::map<std::string, double> accuracy = {
      {"dense", 98.48},        {"sparse", 98.16},
      {"user_defined", 97.88}, {"dynamic", 98.05},
      {"small_world", 98.22},  {"dense_activation_sparsity", 98.36},
      {"sparse_activation_sparsity", 98.07}, {"wide", 98.19}};
  return accuracy;
}

// The config a checkpoint or row belongs to: everything but "models" (which
// only selects what a worker trains).
nlohmann::json ModelConfig(const Config& c) {
  nlohmann::json config = c.values();
  config.erase("models");
  return config;
}

// Epochs trained by this process, for --stop_after_epochs.
int64_t epochs_this_run = 0;

bool StopRequested() {
  const int64_t stop_after = absl::GetFlag(FLAGS_stop_after_epochs);
  return stop_after > 0 && epochs_this_run >= stop_after;
}

// What a checkpoint carries besides the trainer: the per-epoch curve (epoch,
// train_loss, seconds, test_accuracy, test_loss) and RigL's moved connections.
struct ModelProgress {
  nlohmann::json curve = nlohmann::json::array();
  int64_t rigl_moved = 0;
};

// Writes `name`'s row for `seed` after the epochs in `progress` (all of them,
// or fewer while a long model is still training: "epochs" says how many, the
// info "epochs_planned" how many the preset asks for).
void RecordRow(Experiment& ex, const TutorialOptions& opt, const std::string& name, int64_t seed,
               const TutorialModel& model, const EvalResult& eval, const ModelProgress& progress) {
  double seconds = 0;
  for (const auto& e : progress.curve) seconds += e["seconds"].get<double>();
  const auto epochs = static_cast<double>(progress.curve.size());
  ResultTable& t = ex.table();
  t.Add(name, "test_accuracy", seed, 100.0 * eval.accuracy.value_or(0));
  t.Add(name, "test_loss", seed, eval.loss);
  t.Add(name, "train_loss", seed, progress.curve.back()["train_loss"].get<double>());
  t.Add(name, "parameters", seed, static_cast<double>(ParameterCount(*model.module)));
  t.Add(name, "epoch_seconds", seed, seconds / epochs);
  t.Add(name, "epochs", seed, epochs);
  if (opt.rigl_counts || progress.rigl_moved > 0) {
    t.Add(name, "rigl_moved_connections", seed, static_cast<double>(progress.rigl_moved));
  }
  t.SetPaper(name, "test_accuracy", TutorialAccuracy().at(name));
  t.SetInfo(name, "lr", model.lr);
  t.SetInfo(name, "nesterov", model.nesterov);
  t.SetInfo(name, "epochs_planned", model.epochs);
  int64_t nnz = 0;
  for (const SparseLinear& layer : model.sparse_layers) nnz += layer->nnz();
  if (nnz > 0) t.SetInfo(name, "sparse_linear_nonzeros", nnz);
  ex.extra()["curves"][name][std::to_string(seed)] = progress.curve;
}

TrainerOptions TrainerOptionsFor(const TutorialModel& model, const TutorialOptions& opt,
                                 int64_t seed, const c10::Device& device,
                                 const std::string& name, const TaskContext& task) {
  TrainerOptions options;
  options.epochs(model.epochs)
      .batch_size(opt.batch_size)
      .optimizer(OptimizerKind::kSgd)
      .lr(model.lr)
      .momentum(opt.momentum)
      .seed(static_cast<uint64_t>(seed))
      .device(device)
      .input_transform([](const at::Tensor& x) { return Normalize(x, kMnistMean, kMnistStd); })
      .label(absl::StrCat(name, " seed ", seed))
      // --distributed: data-parallel over the launch's processes (batch_size is
      // per process; RigL sees the all-reduced gradients, so every rank rewires
      // alike; only rank 0 writes checkpoints and records).
      .process_group(task.process_group);
  return options;
}

// Continues from the task's checkpoint when there is one (written with this
// config); no checkpoint is not an error.
absl::Status ResumeFromCheckpoint(Trainer& trainer, const std::string& checkpoint,
                                  const Config& c, const std::string& name, int64_t seed,
                                  const TutorialModel& model, ModelProgress& progress) {
  std::string user_data;
  absl::Status loaded = trainer.LoadCheckpoint(checkpoint, &user_data);
  if (loaded.code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  RETURN_IF_ERROR(loaded);
  const nlohmann::json saved = nlohmann::json::parse(user_data, nullptr, false);
  if (saved.is_discarded() || saved.value("config", nlohmann::json()) != ModelConfig(c)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the checkpoint ", checkpoint, " was written with another config; delete it "
        "to train ", name, " from the start with this one"));
  }
  progress.curve = saved["curve"];
  progress.rigl_moved = saved["rigl_moved"].get<int64_t>();
  std::cerr << "[" << name << " seed " << seed << "] continuing from " << checkpoint
            << " after epoch " << trainer.epochs_done() << " of " << model.epochs << "\n";
  return absl::OkStatus();
}

// After every epoch: the curve's point (tested every epoch or at the last),
// the row so far, the checkpoint with the row in the task's record (resume),
// and --stop_after_epochs.
absl::Status EndOfEpoch(Experiment& ex, const TutorialOptions& opt, const TaskContext& task,
                        const EpochStats& stats, const Dataset& test, const TutorialModel& model,
                        Trainer& trainer, ModelProgress& progress) {
  const Config& c = ex.config();
  const bool resume = opt.resume;
  const std::string& name = task.task.row;
  const int64_t seed = task.task.seed;
  nlohmann::json point = {{"epoch", stats.epoch + 1},
                          {"train_loss", stats.train_loss},
                          {"seconds", stats.seconds}};
  const bool last = stats.epoch + 1 == model.epochs;
  if (opt.eval_every_epoch || last) {
    ASSIGN_OR_RETURN(EvalResult eval, trainer.Evaluate(test));
    point["test_accuracy"] = 100.0 * eval.accuracy.value_or(0);
    point["test_loss"] = eval.loss;
    std::cerr << "[" << name << "] epoch " << stats.epoch + 1 << " test accuracy "
              << 100.0 * eval.accuracy.value_or(0) << " %\n";
    progress.curve.push_back(point);
    RecordRow(ex, opt, name, seed, model, eval, progress);
  } else {
    progress.curve.push_back(point);
  }
  if (resume) {
    const nlohmann::json saved = {{"config", ModelConfig(c)},
                                  {"curve", progress.curve},
                                  {"rigl_moved", progress.rigl_moved}};
    RETURN_IF_ERROR(trainer.SaveCheckpoint(task.checkpoint_path(), saved.dump()));
    if (ex.table().HasSeed(name, "epochs", seed)) {
      RETURN_IF_ERROR(task.SavePartial(ex));  // the row so far, after every epoch
    }
  }
  ++epochs_this_run;
  if (StopRequested() && !last) {
    return WithExitCode(
        absl::CancelledError(absl::StrCat(
            "stopped after ", epochs_this_run, " epochs (--stop_after_epochs); ", name,
            " seed ", seed, " is at epoch ", stats.epoch + 1, " of ", model.epochs,
            resume ? "; rerun to continue from its checkpoint"
                   : " (no checkpoint: resume is off)")),
        kTaskStopped);
  }
  return absl::OkStatus();
}

// Trains (or, from its checkpoint, continues) one model for one seed. With
// "resume" (the paper preset) every epoch ends with a checkpoint and the row
// so far in result.json, so the very wide model (hours per epoch here) can be
// stopped at any time and continued by the next run, bit-identically.
absl::Status TrainOne(Experiment& ex, const TutorialOptions& opt, const TaskContext& task,
                      const Dataset& train, const Dataset& test) {
  const Config& c = ex.config();
  const std::string& name = task.task.row;
  const int64_t seed = task.task.seed;
  ASSIGN_OR_RETURN(TutorialModel model, BuildModel(name, opt));
  Trainer trainer(model.module, model.forward, CrossEntropyLoss(),
                  TrainerOptionsFor(model, opt, seed, ex.device(), name, task));
  if (model.nesterov) {
    static_cast<torch::optim::SGDOptions&>(trainer.optimizer().param_groups()[0].options())
        .nesterov(true);
  }
  ModelProgress progress;
  if (opt.resume) {
    RETURN_IF_ERROR(
        ResumeFromCheckpoint(trainer, task.checkpoint_path(), c, name, seed, model, progress));
  }
  trainer.AddStepCallback([&](const StepInfo& step) {
    for (SparseLinear& layer : model.sparse_layers) {
      progress.rigl_moved += layer->rigl_step(step.global_step, &trainer.optimizer());
    }
    return absl::OkStatus();
  });
  trainer.AddEpochCallback([&](const EpochStats& stats) {
    return EndOfEpoch(ex, opt, task, stats, test, model, trainer, progress);
  });
  ASSIGN_OR_RETURN(std::vector<EpochStats> epochs, trainer.TrainUntil(train, model.epochs));
  if (epochs.empty()) {  // the checkpoint was complete but the task had no record
    ASSIGN_OR_RETURN(EvalResult eval, trainer.Evaluate(test));
    RecordRow(ex, opt, name, seed, model, eval, progress);
  }
  return absl::OkStatus();
}

// result.json from every task's record: the rows (finished, or so far) and the
// per-epoch curves.
absl::Status Report(Experiment& ex, const std::vector<FinishedTask>& records) {
  for (const FinishedTask& f : records) {
    RETURN_IF_ERROR(ex.table().Merge(f.record["rows"]));
    const nlohmann::json curves = f.record.value("curves", nlohmann::json::object());
    for (auto model = curves.begin(); model != curves.end(); ++model) {
      for (auto seed = model.value().begin(); seed != model.value().end(); ++seed) {
        ex.extra()["curves"][model.key()][seed.key()] = seed.value();
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Run(Experiment& ex) {
  const Config& c = ex.config();
  ASSIGN_OR_RETURN(const TutorialOptions opt, ReadTutorialOptions(c));
  ASSIGN_OR_RETURN(Dataset train, LoadMnist(Split::kTrain));
  ASSIGN_OR_RETURN(Dataset test, LoadMnist(Split::kTest));
  train = train.Head(opt.train_samples);
  test = test.Head(opt.test_samples);
  TaskRunner runner;
  runner.report_rows = ModelNames();  // every model on record, in the tutorial's order
  runner.run_rows = opt.models;
  runner.key = [&](const std::string& model, int64_t seed) {
    return nlohmann::json{{"model", model}, {"seed", seed}, {"config", ModelConfig(c)}};
  };
  runner.run = [&](Experiment& ex, const TaskContext& task) {
    return TrainOne(ex, opt, task, train, test);
  };
  runner.report = Report;
  return RunTasks(ex, runner);
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
