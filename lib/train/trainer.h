// The one supervised training loop every experiment uses: mini-batch SGD
// (momentum) or Adam, StepLR, a separate first-epoch batch size ("How Can We
// Be So Dense?" trains its first epoch with batch 4), per-step and per-epoch
// callbacks (rezero sparse weights, boost decay, pruning, monitors),
// evaluation with an optional input transform (random-pixel noise), progress on
// stderr, and an error Status instead of a crash when the loss diverges.
//
// Deterministic given `seed` and one intra-op thread: the shuffle uses its own
// seeded generator (model initialisation is the caller's: torch::manual_seed).
// Data parallel over c10d with options.process_group (distributed.h).
// Pruning by configuration with options.pruning (model_pruning.h): masks are
// buffers of the pruned layers, applied after every optimizer step.
//
//   Model model;  // any torch::nn::ModuleHolder with forward(Tensor) -> Tensor
//   Trainer trainer(model, NllLoss(),
//                   TrainerOptions().epochs(10).lr(0.02).lr_gamma(0.8)
//                       .first_epoch_batch_size(4).input_transform(normalize));
//   trainer.AddStepCallback([&](const StepInfo&) { RezeroWeights(*model); return absl::OkStatus(); });
//   trainer.AddEpochCallback([&](const EpochStats&) { UpdateBoostStrength(*model); return absl::OkStatus(); });
//   ASSIGN_OR_RETURN(std::vector<EpochStats> epochs, trainer.Train(train_set));
//   ASSIGN_OR_RETURN(EvalResult clean, trainer.Evaluate(test_set));
//   ASSIGN_OR_RETURN(EvalResult noisy, trainer.Evaluate(test_set,
//       NoisyNormalizeTransform(0.1, kMnistNoiseValue, kMnistMean, kMnistStd, seed)));
#ifndef SPARSELAB_LIB_TRAIN_TRAINER_H_
#define SPARSELAB_LIB_TRAIN_TRAINER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/Device.h>
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/optim/optimizer.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/data/dataset.h"
#include "lib/nn/data_parallel_hooks.h"
#include "lib/nn/model_pruning.h"
#include "lib/train/distributed.h"

namespace sparselab {

using InputTransform = std::function<at::Tensor(const at::Tensor&)>;
using ForwardFunction = std::function<at::Tensor(const at::Tensor&)>;
// loss(model output, targets) -> scalar, the batch mean.
using LossFunction = std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>;

// objective(inputs, targets) -> the batch's scalar loss (mean), for models
// whose loss is not loss(forward(inputs), targets): an autoencoder's
// reconstruction error plus a penalty on its codes, say.
using ObjectiveFunction = std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>;
// Named apart from a LossFunction (the same signature), so that a loss is never
// taken for an objective: Trainer(module, TrainingObjective{f}, options).
struct TrainingObjective {
  ObjectiveFunction function;
};

// For models ending in log_softmax, and for raw logits.
LossFunction NllLoss();
LossFunction CrossEntropyLoss();

enum class OptimizerKind { kSgd, kAdam };

struct TrainerOptions {
  TORCH_ARG(int64_t, epochs) = 1;
  TORCH_ARG(int64_t, batch_size) = 64;
  // Batch size of the first epoch; 0 means batch_size.
  TORCH_ARG(int64_t, first_epoch_batch_size) = 0;
  TORCH_ARG(int64_t, test_batch_size) = 1000;
  TORCH_ARG(OptimizerKind, optimizer) = OptimizerKind::kSgd;
  TORCH_ARG(double, lr) = 0.01;
  // SGD momentum (ignored by Adam).
  TORCH_ARG(double, momentum) = 0.0;
  TORCH_ARG(double, weight_decay) = 0.0;
  // StepLR: the lr of epoch e (from 0) is lr * lr_gamma ^ floor(e / lr_step_size).
  TORCH_ARG(int64_t, lr_step_size) = 1;
  TORCH_ARG(double, lr_gamma) = 1.0;
  // When set, the lr of epoch e is lr * lr_factor(e) instead of StepLR's (e.g.
  // constant, then linear to 0 over the last third).
  TORCH_ARG(std::function<double(int64_t epoch)>, lr_factor);
  TORCH_ARG(uint64_t, seed) = 42;
  TORCH_ARG(bool, shuffle) = true;
  // Batches and the model are moved here.
  TORCH_ARG(c10::Device, device) = c10::Device(c10::kCPU);
  // Applied to every input batch (after moving it to `device`), e.g.
  // normalisation; also the default transform of Evaluate. Empty = identity.
  TORCH_ARG(InputTransform, input_transform);
  // Progress lines on stderr: "<label> epoch e/E".
  TORCH_ARG(std::string, label) = "train";
  TORCH_ARG(bool, show_progress) = true;
  TORCH_ARG(double, progress_interval_seconds) = 2.0;
  // Data parallelism (distributed.h); null: this process alone. With a group
  // of W ranks, batch sizes are per rank: each step takes a global batch of
  // W * batch_size from the epoch's shuffled order (the same on every rank,
  // same seed), rank r trains on its r-th slice, gradients are averaged over
  // the global batch, and Evaluate shards the test set and sums the counts.
  // Rank 0's parameters and buffers are broadcast before the first step.
  // A last global batch of fewer than W samples is dropped.
  TORCH_ARG(std::shared_ptr<ProcessGroup>, process_group);
  // Magnitude pruning of the module's Linear and Conv2d weights (a config's
  // "pruning" section, lib/harness/pruning_section.h): the masks are
  // registered as "weight_mask" buffers when the Trainer is built (so
  // checkpoints keep them), recomputed on the schedule's steps after each
  // optimizer step (the step numbered global_step - 1), re-applied after every
  // step, and the optimizer's momentum / moments are zeroed where they are 0.
  // Method kNone (the default) prunes nothing.
  TORCH_ARG(ModelPruningOptions, pruning);
};

// Passed to step callbacks after each optimizer step.
struct StepInfo {
  int64_t epoch = 0;        // from 0
  int64_t step = 0;         // within the epoch, from 0
  int64_t global_step = 0;  // optimizer steps taken so far, this one included
  int64_t batch_size = 0;
  double loss = 0;          // this batch's loss
  double lr = 0;
};

// One epoch's training summary, also passed to epoch callbacks.
struct EpochStats {
  int64_t epoch = 0;
  double train_loss = 0;  // mean over the epoch's samples
  int64_t steps = 0;
  int64_t samples = 0;
  int64_t batch_size = 0;
  double lr = 0;
  double seconds = 0;
};

struct EvalResult {
  double loss = 0;                  // mean over samples
  int64_t samples = 0;
  // Classification (outputs (N, classes), integer targets (N)): argmax hits.
  std::optional<int64_t> correct;
  std::optional<double> accuracy;   // correct / samples
};

using StepCallback = std::function<absl::Status(const StepInfo&)>;
using EpochCallback = std::function<absl::Status(const EpochStats&)>;

class Trainer {
 public:
  // `module` owns the parameters (trained, moved to the device, switched
  // between train and eval mode); `forward` computes its output.
  Trainer(std::shared_ptr<torch::nn::Module> module, ForwardFunction forward,
          LossFunction loss, TrainerOptions options);
  // A module holder whose forward(Tensor) returns a Tensor.
  template <typename Impl>
  Trainer(const torch::nn::ModuleHolder<Impl>& model, LossFunction loss,
          TrainerOptions options)
      : Trainer(model.ptr(),
                [impl = model.ptr()](const at::Tensor& x) -> at::Tensor {
                  return impl->forward(x);
                },
                std::move(loss), std::move(options)) {}

  // Trains `module`'s parameters on `objective` (Evaluate then reports the
  // objective's mean over the test set, without accuracy).
  Trainer(std::shared_ptr<torch::nn::Module> module, TrainingObjective objective,
          TrainerOptions options);

  void AddStepCallback(StepCallback callback);
  void AddEpochCallback(EpochCallback callback);

  // Runs options.epochs epochs (continuing the epoch count of earlier calls).
  // Errors: a non-finite loss (training stopped before that step's update),
  // a c10::Error from the model or loss (bad shapes), a failing callback.
  absl::StatusOr<std::vector<EpochStats>> Train(const Dataset& train);
  // Runs epochs until `total_epochs` are done (none if they already are), e.g.
  // after LoadCheckpoint; returns the epochs this call ran.
  absl::StatusOr<std::vector<EpochStats>> TrainUntil(const Dataset& train, int64_t total_epochs);
  // One epoch.
  absl::StatusOr<EpochStats> TrainEpoch(const Dataset& train);

  // Loss (and accuracy for classification) in eval mode without gradients.
  // `transform` replaces options.input_transform when given.
  absl::StatusOr<EvalResult> Evaluate(const Dataset& test,
                                      const InputTransform& transform = nullptr);

  // Everything needed to continue training exactly where it stopped: the
  // module's parameters and buffers, the optimizer's state (momentum), the
  // epoch and step counts, the shuffle generator and torch's default CPU
  // generator, and the caller's `user_data` (e.g. a JSON curve). Written
  // atomically (temporary file, fsync, rename), so an interrupted save keeps
  // the previous checkpoint. With a process group only rank 0 writes (every
  // rank holds the same state).
  absl::Status SaveCheckpoint(const std::string& path, const std::string& user_data = "") const;
  // Restores a SaveCheckpoint file into this trainer, which must hold the same
  // model architecture and optimizer kind. NotFound when `path` does not exist;
  // InvalidArgument naming the file for a corrupt or mismatched checkpoint
  // (the trainer may then be partly restored: discard it).
  absl::Status LoadCheckpoint(const std::string& path, std::string* user_data = nullptr);

  // Broadcasts rank 0's parameters and buffers to every rank (done before the
  // first step and evaluation; call again after changing the model on rank 0
  // alone). A no-op without a process group.
  absl::Status SyncFromRankZero();
  // Broadcasts rank 0's buffers alone, as DDP's broadcast_buffers does: done at
  // the end of every epoch, before its callbacks, so that statistics each rank
  // keeps from its own shard (BatchNorm's running mean and variance) are rank
  // 0's everywhere. Buffers that are all-reduced already (k-winners duty
  // cycles) are unchanged by it. A no-op without a process group.
  absl::Status SyncBuffersFromRankZero();
  // 0 without a process group.
  int rank() const;

  // Whether options.pruning fits the module (unknown layer names, sparsities
  // outside [0, 1), a schedule without steps are InvalidArgument naming the
  // key); Train, TrainEpoch and LoadCheckpoint return this error too.
  const absl::Status& pruning_status() const { return pruning_status_; }
  // The pruner in force; null when options.pruning prunes nothing or is bad.
  const ModelPruner* pruner() const { return pruner_ ? &*pruner_ : nullptr; }

  // The learning rate of `epoch` (from 0): StepLR's, or lr * lr_factor(epoch).
  double LrForEpoch(int64_t epoch) const;
  int64_t epochs_done() const { return epochs_done_; }
  int64_t global_step() const { return global_step_; }
  torch::optim::Optimizer& optimizer() { return *optimizer_; }
  const TrainerOptions& options() const { return options_; }

 private:
  Trainer(std::shared_ptr<torch::nn::Module> module, ForwardFunction forward, LossFunction loss,
          ObjectiveFunction objective, TrainerOptions options);
  at::Tensor Prepare(const at::Tensor& inputs, const InputTransform& transform) const;
  absl::Status SyncOnce();

  std::shared_ptr<torch::nn::Module> module_;
  ForwardFunction forward_;
  LossFunction loss_;
  ObjectiveFunction objective_;  // loss_(forward_(x), y) unless given
  TrainerOptions options_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  at::Generator shuffle_generator_;
  std::vector<StepCallback> step_callbacks_;
  std::vector<EpochCallback> epoch_callbacks_;
  int64_t epochs_done_ = 0;
  int64_t global_step_ = 0;
  int64_t planned_epochs_ = 0;  // for progress labels "epoch e/E"
  bool synced_ = false;         // rank 0's model broadcast
  std::optional<ModelPruner> pruner_;
  absl::Status pruning_status_;
  DataParallelHooks hooks_;     // global-batch statistics for the layers
};

}  // namespace sparselab

#endif  // SPARSELAB_LIB_TRAIN_TRAINER_H_
