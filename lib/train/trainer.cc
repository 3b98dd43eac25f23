#include "lib/train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <sstream>
#include <utility>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/base/file_io.h"
#include "lib/base/progress.h"

namespace sparselab {
namespace {

absl::Status CheckDataset(const Dataset& data, const char* what) {
  if (!data.inputs.defined() || !data.targets.defined() || data.size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("Trainer: the ", what, " set is empty"));
  }
  if (data.inputs.size(0) != data.targets.size(0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Trainer: the %s set has %d inputs but %d targets", what, data.inputs.size(0),
        data.targets.size(0)));
  }
  return absl::OkStatus();
}

absl::Status ModelError(const c10::Error& e, const std::string& where) {
  return absl::InvalidArgumentError(
      absl::StrCat("Trainer: the model or loss failed ", where, ": ",
                   e.what_without_backtrace()));
}

}  // namespace

LossFunction NllLoss() {
  return [](const at::Tensor& output, const at::Tensor& target) {
    return at::nll_loss(output, target);
  };
}

LossFunction CrossEntropyLoss() {
  return [](const at::Tensor& output, const at::Tensor& target) {
    return at::cross_entropy_loss(output, target);
  };
}

Trainer::Trainer(std::shared_ptr<torch::nn::Module> module, ForwardFunction forward,
                 LossFunction loss, TrainerOptions options)
    : Trainer(std::move(module), std::move(forward), std::move(loss), nullptr,
              std::move(options)) {}

Trainer::Trainer(std::shared_ptr<torch::nn::Module> module, TrainingObjective objective,
                 TrainerOptions options)
    : Trainer(std::move(module), nullptr, nullptr, std::move(objective.function),
              std::move(options)) {}

Trainer::Trainer(std::shared_ptr<torch::nn::Module> module, ForwardFunction forward,
                 LossFunction loss, ObjectiveFunction objective, TrainerOptions options)
    : module_(std::move(module)),
      forward_(std::move(forward)),
      loss_(std::move(loss)),
      objective_(std::move(objective)),
      options_(std::move(options)),
      shuffle_generator_(at::make_generator<at::CPUGeneratorImpl>(options_.seed())) {
  TORCH_CHECK(module_ != nullptr && (objective_ || (forward_ && loss_)),
              "Trainer: needs a module and either a forward function and a loss or an "
              "objective");
  if (!objective_) {
    objective_ = [forward = forward_, loss = loss_](const at::Tensor& x, const at::Tensor& y) {
      return loss(forward(x), y);
    };
  }
  TORCH_CHECK(options_.batch_size() > 0 && options_.first_epoch_batch_size() >= 0 &&
                  options_.test_batch_size() > 0,
              "Trainer: batch sizes must be positive");
  TORCH_CHECK(options_.lr() > 0 && options_.lr_step_size() > 0 && options_.lr_gamma() > 0,
              "Trainer: lr, lr_step_size and lr_gamma must be positive");
  module_->to(options_.device());
  const std::vector<at::Tensor> parameters = module_->parameters();
  TORCH_CHECK(!parameters.empty(), "Trainer: the module has no parameters to train");
  if (options_.optimizer() == OptimizerKind::kAdam) {
    optimizer_ = std::make_unique<torch::optim::Adam>(
        parameters,
        torch::optim::AdamOptions(options_.lr()).weight_decay(options_.weight_decay()));
  } else {
    optimizer_ = std::make_unique<torch::optim::SGD>(
        parameters, torch::optim::SGDOptions(options_.lr())
                        .momentum(options_.momentum())
                        .weight_decay(options_.weight_decay()));
  }
  if (options_.pruning().method() != PruningMethod::kNone) {
    absl::StatusOr<ModelPruner> pruner = ModelPruner::Create(*module_, options_.pruning());
    if (pruner.ok()) {
      pruner_.emplace(*std::move(pruner));
    } else {
      pruning_status_ = pruner.status();
    }
  }
}

int Trainer::rank() const {
  return options_.process_group() ? options_.process_group()->rank() : 0;
}

absl::Status Trainer::SyncFromRankZero() {
  const std::shared_ptr<ProcessGroup>& group = options_.process_group();
  if (!group) return absl::OkStatus();
  std::vector<at::Tensor> tensors = module_->parameters();
  for (const at::Tensor& b : module_->buffers()) tensors.push_back(b);
  at::NoGradGuard no_grad;
  return group->Broadcast(tensors, 0);
}

absl::Status Trainer::SyncBuffersFromRankZero() {
  const std::shared_ptr<ProcessGroup>& group = options_.process_group();
  if (!group) return absl::OkStatus();
  std::vector<at::Tensor> buffers = module_->buffers();
  if (buffers.empty()) return absl::OkStatus();
  at::NoGradGuard no_grad;
  return group->Broadcast(buffers, 0);
}

absl::Status Trainer::SyncOnce() {
  if (synced_ || !options_.process_group()) return absl::OkStatus();
  hooks_ = MakeDataParallelHooks(options_.process_group());
  if (absl::Status s = SyncFromRankZero(); !s.ok()) return s;
  synced_ = true;
  return absl::OkStatus();
}

void Trainer::AddStepCallback(StepCallback callback) {
  step_callbacks_.push_back(std::move(callback));
}

void Trainer::AddEpochCallback(EpochCallback callback) {
  epoch_callbacks_.push_back(std::move(callback));
}

double Trainer::LrForEpoch(int64_t epoch) const {
  if (options_.lr_factor()) return options_.lr() * options_.lr_factor()(epoch);
  return options_.lr() *
         std::pow(options_.lr_gamma(), static_cast<double>(epoch / options_.lr_step_size()));
}

at::Tensor Trainer::Prepare(const at::Tensor& inputs, const InputTransform& transform) const {
  at::Tensor x = inputs.to(options_.device());
  return transform ? transform(x) : x;
}

absl::StatusOr<std::vector<EpochStats>> Trainer::Train(const Dataset& train) {
  return TrainUntil(train, epochs_done_ + options_.epochs());
}

absl::StatusOr<std::vector<EpochStats>> Trainer::TrainUntil(const Dataset& train,
                                                            int64_t total_epochs) {
  std::vector<EpochStats> epochs;
  planned_epochs_ = total_epochs;
  while (epochs_done_ < total_epochs) {
    absl::StatusOr<EpochStats> stats = TrainEpoch(train);
    if (!stats.ok()) return stats.status();
    epochs.push_back(*stats);
  }
  return epochs;
}

absl::Status Trainer::SaveCheckpoint(const std::string& path, const std::string& user_data) const {
  if (rank() != 0) return absl::OkStatus();  // every rank holds the same state
  std::ostringstream bytes;
  try {
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive module_archive;
    module_->save(module_archive);
    archive.write("module", module_archive);
    torch::serialize::OutputArchive optimizer_archive;
    optimizer_->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
    archive.write("epochs_done", at::scalar_tensor(epochs_done_, at::kLong));
    archive.write("global_step", at::scalar_tensor(global_step_, at::kLong));
    archive.write("shuffle_generator", shuffle_generator_.get_state());
    archive.write("default_generator", at::detail::getDefaultCPUGenerator().get_state());
    archive.write("user_data", c10::IValue(user_data));
    archive.save_to(bytes);
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("Trainer: cannot serialise a checkpoint for ", path,
                                            ": ", e.what_without_backtrace()));
  }
  return WriteFileAtomically(path, bytes.str());
}

absl::Status Trainer::LoadCheckpoint(const std::string& path, std::string* user_data) {
  if (!pruning_status_.ok()) return pruning_status_;
  if (::access(path.c_str(), F_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("Trainer: no checkpoint at ", path));
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    torch::serialize::InputArchive module_archive;
    archive.read("module", module_archive);
    module_->load(module_archive);
    module_->to(options_.device());
    torch::serialize::InputArchive optimizer_archive;
    archive.read("optimizer", optimizer_archive);
    optimizer_->load(optimizer_archive);
    at::Tensor epochs_done, global_step, shuffle_state, default_state;
    archive.read("epochs_done", epochs_done);
    archive.read("global_step", global_step);
    archive.read("shuffle_generator", shuffle_state);
    archive.read("default_generator", default_state);
    c10::IValue data;
    archive.read("user_data", data);
    shuffle_generator_.set_state(shuffle_state);
    {
      at::Generator default_generator = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(default_generator.mutex());
      default_generator.set_state(default_state);
    }
    const int64_t epochs = epochs_done.item<int64_t>();
    const int64_t steps = global_step.item<int64_t>();
    if (epochs < 0 || steps < 0 || !data.isString()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Trainer: the checkpoint ", path, " is corrupt (", epochs, " epochs done, step ", steps,
          "); delete it to start over"));
    }
    epochs_done_ = epochs;
    global_step_ = steps;
    if (user_data != nullptr) *user_data = data.toStringRef();
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Trainer: cannot restore the checkpoint ", path, " (corrupt, or written for another "
        "model or optimizer; delete it to start over): ", e.what_without_backtrace()));
  } catch (const std::exception& e) {
    // LibTorch's archive readers also throw std:: exceptions on some damage.
    return absl::InvalidArgumentError(absl::StrCat(
        "Trainer: cannot restore the checkpoint ", path, " (corrupt; delete it to start over): ",
        e.what()));
  }
  return absl::OkStatus();
}

absl::StatusOr<EpochStats> Trainer::TrainEpoch(const Dataset& train) {
  if (!pruning_status_.ok()) return pruning_status_;
  if (absl::Status s = CheckDataset(train, "training"); !s.ok()) return s;
  const auto start = std::chrono::steady_clock::now();
  const int64_t epoch = epochs_done_;
  const int64_t n = train.size();
  const int64_t batch_size = (epoch == 0 && options_.first_epoch_batch_size() > 0)
                                 ? options_.first_epoch_batch_size()
                                 : options_.batch_size();
  if (absl::Status s = SyncOnce(); !s.ok()) return s;
  ProcessGroup* group = options_.process_group().get();
  const int64_t world = group ? group->world_size() : 1;
  const int64_t rank = group ? group->rank() : 0;
  // Global batches of world * batch_size; a last one smaller than world is dropped.
  const int64_t global_batch = world * batch_size;
  int64_t steps = (n + global_batch - 1) / global_batch;
  if (steps > 0 && n - (steps - 1) * global_batch < world) --steps;
  if (steps == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Trainer: %d training samples cannot be shared by %d ranks", n, world));
  }
  const double lr = LrForEpoch(epoch);
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);

  const at::Tensor order = options_.shuffle()
                               ? at::randperm(n, shuffle_generator_, at::TensorOptions(at::kLong))
                               : at::arange(n, at::kLong);
  std::optional<Progress> progress;
  if (options_.show_progress()) {
    progress.emplace(absl::StrFormat("%s epoch %d/%d", options_.label(), epoch + 1,
                                     std::max(planned_epochs_, epoch + 1)),
                     steps, options_.progress_interval_seconds());
  }
  module_->train();
  double loss_sum = 0;
  std::optional<ScopedDataParallelHooks> hooks;
  if (group) hooks.emplace(&hooks_);
  int64_t samples = 0;
  for (int64_t step = 0; step < steps; ++step) {
    // This rank's slice of the global batch (the last one split evenly).
    const int64_t global_begin = step * global_batch;
    const int64_t global_size = std::min(global_batch, n - global_begin);
    const RowShare mine = ShareOfRows(global_size, rank, world);
    const at::Tensor indices = order.narrow(0, global_begin + mine.begin, mine.size);
    double loss_value = 0;
    try {
      const at::Tensor x = Prepare(train.inputs.index_select(0, indices), options_.input_transform());
      const at::Tensor y = train.targets.index_select(0, indices).to(options_.device());
      optimizer_->zero_grad();
      const at::Tensor loss = objective_(x, y);
      TORCH_CHECK(loss.numel() == 1, "the loss must be a scalar, got shape ", loss.sizes());
      loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        return absl::AbortedError(absl::StrFormat(
            "Trainer: training diverged: the loss is %f at epoch %d, step %d of %d (lr %g); "
            "the step was not applied. Lower the learning rate or check the inputs for "
            "NaN/inf",
            loss_value, epoch, step, steps, lr));
      }
      if (group == nullptr) {
        loss.backward();
      } else {
        // This rank's share of the global batch's mean; the sum over ranks
        // is then the gradient of the global batch.
        (loss * (static_cast<double>(mine.size) / static_cast<double>(global_size))).backward();
        std::vector<at::Tensor> grads;
        for (const at::Tensor& p : module_->parameters()) {
          if (p.grad().defined()) grads.push_back(p.mutable_grad());
        }
        if (absl::Status s = group->AllReduceSum(grads); !s.ok()) return s;
      }
      optimizer_->step();
    } catch (const c10::Error& e) {
      if (group != nullptr) {  // a failed collective inside a layer's hook
        return absl::UnavailableError(absl::StrFormat("Trainer: at epoch %d, step %d: %s", epoch,
                                                      step, e.what_without_backtrace()));
      }
      return ModelError(e, absl::StrFormat("at epoch %d, step %d", epoch, step));
    }
    ++global_step_;
    if (pruner_) {
      pruner_->Step(global_step_ - 1);
      MaskOptimizerState(*optimizer_, *pruner_);
    }
    loss_sum += loss_value * static_cast<double>(mine.size);
    samples += mine.size;
    const StepInfo info{epoch, step, global_step_, mine.size, loss_value, lr};
    for (const StepCallback& callback : step_callbacks_) {
      absl::Status s;
      try {
        s = callback(info);
      } catch (const c10::Error& e) {
        if (group == nullptr) throw;
        s = absl::UnavailableError(absl::StrFormat("Trainer: at epoch %d, step %d: %s", epoch,
                                                   step, e.what_without_backtrace()));
      }
      if (!s.ok()) return s;
    }
    if (progress) progress->Update(step + 1, absl::StrFormat("loss %.4f", loss_value));
  }
  if (group != nullptr) {  // the epoch's loss over every rank's samples
    at::Tensor sums = at::tensor({loss_sum, static_cast<double>(samples)}, at::kDouble);
    if (absl::Status s = group->AllReduceSum({sums}); !s.ok()) return s;
    loss_sum = sums[0].item<double>();
    samples = sums[1].item<int64_t>();
  }
  EpochStats stats;
  stats.epoch = epoch;
  stats.train_loss = loss_sum / static_cast<double>(samples);
  stats.steps = steps;
  stats.samples = samples;
  stats.batch_size = batch_size;
  stats.lr = lr;
  stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (progress) progress->Finish(absl::StrFormat("mean loss %.4f", stats.train_loss));
  ++epochs_done_;
  // What the epoch's callbacks evaluate, monitor or save is rank 0's model on
  // every rank (BatchNorm's running statistics, say, differ between ranks).
  if (absl::Status s = SyncBuffersFromRankZero(); !s.ok()) return s;
  for (const EpochCallback& callback : epoch_callbacks_) {
    if (absl::Status s = callback(stats); !s.ok()) return s;
  }
  return stats;
}

absl::StatusOr<EvalResult> Trainer::Evaluate(const Dataset& test,
                                             const InputTransform& transform) {
  if (absl::Status s = CheckDataset(test, "test"); !s.ok()) return s;
  const InputTransform& used = transform ? transform : options_.input_transform();
  const bool was_training = module_->is_training();
  module_->eval();
  at::NoGradGuard no_grad;
  if (absl::Status s = SyncOnce(); !s.ok()) return s;
  ProcessGroup* group = options_.process_group().get();
  // This rank's contiguous shard of the test set (all of it on one process).
  const int64_t world = group ? group->world_size() : 1;
  const int64_t rank = group ? group->rank() : 0;
  const RowShare mine = ShareOfRows(test.size(), rank, world);
  const int64_t shard_begin = mine.begin;
  const int64_t shard_end = mine.begin + mine.size;
  EvalResult result;
  result.samples = test.size();
  double loss_sum = 0;
  int64_t correct = 0;
  bool classification = true;
  try {
    for (int64_t begin = shard_begin; begin < shard_end; begin += options_.test_batch_size()) {
      const int64_t size = std::min(options_.test_batch_size(), shard_end - begin);
      const at::Tensor x = Prepare(test.inputs.narrow(0, begin, size), used);
      const at::Tensor y = test.targets.narrow(0, begin, size).to(options_.device());
      if (!forward_) {  // an objective alone: its mean, no accuracy
        loss_sum += objective_(x, y).item<double>() * static_cast<double>(size);
        classification = false;
        continue;
      }
      const at::Tensor output = forward_(x);
      loss_sum += loss_(output, y).item<double>() * static_cast<double>(size);
      classification = classification && output.dim() == 2 && y.dim() == 1 &&
                       !at::isFloatingType(y.scalar_type());
      if (classification) correct += output.argmax(1).eq(y).sum().item<int64_t>();
    }
  } catch (const c10::Error& e) {
    module_->train(was_training);
    return ModelError(e, "in evaluation");
  }
  module_->train(was_training);
  if (group != nullptr) {
    at::Tensor sums = at::tensor({loss_sum, static_cast<double>(correct),
                                  classification ? 1.0 : 0.0}, at::kDouble);
    if (absl::Status s = group->AllReduceSum({sums}); !s.ok()) return s;
    loss_sum = sums[0].item<double>();
    correct = static_cast<int64_t>(sums[1].item<double>());
    classification = sums[2].item<double>() == static_cast<double>(world);
  }
  result.loss = loss_sum / static_cast<double>(result.samples);
  if (classification) {
    result.correct = correct;
    result.accuracy = static_cast<double>(correct) / static_cast<double>(result.samples);
  }
  return result;
}

}  // namespace sparselab
