#include "experiments/pruning/tasks.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "experiments/pruning/bayesian_bits_lenet.h"
#include "experiments/pruning/models.h"
#include "lib/base/status_macros.h"
#include "lib/nn/bayesian_bits.h"
#include "lib/nn/model_pruning.h"
#include "lib/nn/sparse_linear/compact_export.h"
#include "lib/train/trainer.h"

namespace sparselab::pruning_experiment {
namespace {

int64_t NonZeroWeights(torch::nn::Module& model) {
  int64_t n = 0;
  for (const auto& [name, w] : PrunableWeights(model)) n += w.ne(0).sum().item<int64_t>();
  return n;
}

// Median wall milliseconds of a forward pass over `x` (after one warm-up).
double ForwardMilliseconds(torch::nn::Sequential& model, const at::Tensor& x, int64_t repeats) {
  at::NoGradGuard no_grad;
  model->eval();
  model->forward(x);
  std::vector<double> ms;
  for (int64_t r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    model->forward(x);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// The exported (CSR) model against the mask-free dense save: bytes on disk,
// inference time, and the largest output difference.
absl::Status MeasureExport(Experiment& ex, const RowSpec& row, const RunOptions& o, int64_t seed,
                           torch::nn::Sequential& model, const Dataset& test) {
  torch::nn::Sequential compact = CompactSequential(model);
  torch::nn::Sequential dense = CompactSequential(model, /*sparse_linear=*/false);
  ASSIGN_OR_RETURN(const int64_t compact_bytes, SavedBytes(*compact));
  ASSIGN_OR_RETURN(const int64_t dense_bytes, SavedBytes(*dense));
  const at::Tensor x = Normalize(test.inputs.narrow(0, 0, std::min(o.timing_images, test.size())),
                                 kMnistMean, kMnistStd);
  const double compact_ms = ForwardMilliseconds(compact, x, o.timing_repeats);
  const double dense_ms = ForwardMilliseconds(dense, x, o.timing_repeats);
  double max_diff = 0;
  {
    at::NoGradGuard no_grad;
    max_diff = (compact->forward(x) - dense->forward(x)).abs().max().item<double>();
  }
  ex.table().Add(row.title, "export_bytes", seed, static_cast<double>(compact_bytes));
  ex.table().Add(row.title, "dense_bytes", seed, static_cast<double>(dense_bytes));
  ex.table().Add(row.title, "bytes_ratio", seed,
                 static_cast<double>(dense_bytes) / static_cast<double>(compact_bytes));
  ex.table().Add(row.title, "export_ms", seed, compact_ms);
  ex.table().Add(row.title, "dense_ms", seed, dense_ms);
  ex.table().Add(row.title, "export_speedup", seed, dense_ms / compact_ms);
  ex.table().Add(row.title, "export_max_abs_diff", seed, max_diff);
  // What a user ships: the CSR export of a pruned model, the dense save of an
  // unpruned one (CSR of a dense matrix is twice its size).
  const bool pruned = row.sparsity > 0 && row.method != "small_dense";
  ex.table().Add(row.title, "saved_bytes", seed,
                 static_cast<double>(pruned ? compact_bytes : dense_bytes));
  ex.table().Add(row.title, "saved_ms", seed, pruned ? compact_ms : dense_ms);
  return absl::OkStatus();
}

// One Bayesian Bits row: LeNet-5 with gated quantizers trained on the task
// loss plus mu times the BOP-weighted gate penalty; test accuracy with the
// test-time gates and the relative BOPs they give.
absl::Status RunBayesianBits(Experiment& ex, const RunOptions& o, const RowSpec& row,
                             const Dataset& train, const Dataset& test, const TaskContext& t) {
  const BayesianBitsRunOptions& b = o.bayesian_bits;
  const int64_t seed = t.task.seed;
  const auto normalize = [](const at::Tensor& x) { return Normalize(x, kMnistMean, kMnistStd); };
  BayesianBitsLeNet5 model(b.model);
  model->InitActivationRanges(
      normalize(train.inputs.narrow(0, 0, std::min(b.range_images, train.size()))));
  const double mu = row.mu;
  const int64_t constant_epochs = std::max<int64_t>(1, std::llround(b.decay_from * b.epochs));
  const int64_t epochs = b.epochs;
  Trainer trainer(
      model, LossFunction([impl = model.ptr(), mu](const at::Tensor& out, const at::Tensor& y) {
        return at::cross_entropy_loss(out, y) + BayesianBitsPenalty(impl->bop_layers(), mu);
      }),
      TrainerOptions()
          .optimizer(OptimizerKind::kAdam)
          .lr(b.lr)
          .lr_factor([constant_epochs, epochs](int64_t e) {
            if (e < constant_epochs) return 1.0;
            return 1.0 - static_cast<double>(e - constant_epochs) /
                             static_cast<double>(epochs - constant_epochs);
          })
          .epochs(b.epochs)
          .batch_size(b.batch_size)
          .test_batch_size(o.test_batch_size)
          .seed(static_cast<uint64_t>(seed))
          .device(ex.device())
          .label(absl::StrCat(row.id, " seed ", seed))
          .input_transform(normalize)
          .process_group(t.process_group));
  nlohmann::json curve = nlohmann::json::array();
  trainer.AddEpochCallback([&](const EpochStats& s) {
    const BopCount bops = CountBops(model->bop_layers());
    curve.push_back({{"epoch", s.epoch + 1},
                     {"train_loss", s.train_loss},
                     {"lr", s.lr},
                     {"relative_bops_percent", 100.0 * bops.relative},
                     {"layers", model->Describe()}});
    return absl::OkStatus();
  });
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(std::vector<EpochStats> done, trainer.Train(train));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSIGN_OR_RETURN(EvalResult eval, trainer.Evaluate(test));  // eval mode: test-time gates
  const BopCount bops = CountBops(model->bop_layers());
  ex.table().Add(row.title, "test_accuracy", seed, 100.0 * eval.accuracy.value_or(0));
  ex.table().Add(row.title, "relative_bops_percent", seed, 100.0 * bops.relative);
  ex.table().Add(row.title, "train_loss", seed, done.back().train_loss);
  ex.table().Add(row.title, "train_seconds", seed, seconds);
  ex.table().SetInfo(row.title, "method", "bayesian_bits");
  ex.table().SetInfo(row.title, "mu", mu);
  ex.table().SetInfo(row.title, "layers", model->Describe());
  // van Baalen et al. 2020 (and the reference code's README), LeNet-5 / MNIST, mu = 0.1.
  if (mu == 0.1) {
    ex.table().SetPaper(row.title, "test_accuracy", 99.30);
    ex.table().SetPaper(row.title, "relative_bops_percent", 0.36);
  }
  ex.extra()["curves"][row.title][std::to_string(seed)] = curve;
  return absl::OkStatus();
}

}  // namespace

absl::Status RunTask(Experiment& ex, const RunOptions& o, const Dataset& train, const Dataset& test,
                     const TaskContext& t) {
  const RowSpec& row = Spec(o, t.task.row);
  const int64_t seed = t.task.seed;
  if (row.method == "bayesian_bits") return RunBayesianBits(ex, o, row, train, test, t);
  Architecture architecture = row.architecture;
  const int64_t full_weights = WeightCount(architecture);
  if (row.method == "small_dense") {
    architecture = NarrowedToWeights(
        architecture, std::llround((1.0 - row.sparsity) * static_cast<double>(full_weights)));
  }
  torch::nn::Sequential model = Build(architecture);
  const TrainerOptions options =
      TrainerOptions()
          .epochs(o.epochs)
          .batch_size(o.batch_size)
          .test_batch_size(o.test_batch_size)
          .lr(o.lr)
          .momentum(o.momentum)
          .lr_gamma(o.lr_gamma)
          .seed(static_cast<uint64_t>(seed))
          .device(ex.device())
          .label(absl::StrCat(row.id, " seed ", seed))
          .input_transform([](const at::Tensor& x) { return Normalize(x, kMnistMean, kMnistStd); })
          .process_group(t.process_group)
          .pruning(PruningFor(row, o));
  Trainer trainer(model, CrossEntropyLoss(), options);
  RETURN_IF_ERROR(trainer.pruning_status());
  nlohmann::json curve = nlohmann::json::array();
  trainer.AddEpochCallback([&](const EpochStats& s) {
    curve.push_back({{"epoch", s.epoch + 1},
                     {"train_loss", s.train_loss},
                     {"seconds", s.seconds},
                     {"sparsity", trainer.pruner() ? trainer.pruner()->Sparsity() : 0.0}});
    return absl::OkStatus();
  });
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(std::vector<EpochStats> epochs, trainer.Train(train));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSIGN_OR_RETURN(EvalResult eval, trainer.Evaluate(test));
  model->to(c10::Device(c10::kCPU));  // the export and its timing are CPU ones

  const int64_t weights = WeightCount(architecture);
  const int64_t nonzero = NonZeroWeights(*model);
  ex.table().Add(row.title, "test_accuracy", seed, 100.0 * eval.accuracy.value_or(0));
  ex.table().Add(row.title, "test_loss", seed, eval.loss);
  ex.table().Add(row.title, "train_loss", seed, epochs.back().train_loss);
  ex.table().Add(row.title, "weights", seed, static_cast<double>(weights));
  ex.table().Add(row.title, "nonzero_weights", seed, static_cast<double>(nonzero));
  ex.table().Add(row.title, "nonzero_percent", seed,
                 100.0 * static_cast<double>(nonzero) / static_cast<double>(full_weights));
  ex.table().Add(row.title, "train_seconds", seed, seconds);
  ex.table().SetInfo(row.title, "method", row.method);
  ex.table().SetInfo(row.title, "final_sparsity", row.sparsity);
  ex.table().SetInfo(row.title, "widths",
                     {architecture.conv1, architecture.conv2, architecture.hidden});
  if (trainer.pruner() != nullptr) {
    const PruningOptions schedule = ToPrunerOptions(PruningFor(row, o));
    ex.table().SetInfo(row.title, "schedule",
                       {{"t0", schedule.begin_step()},
                        {"n", schedule.num_steps()},
                        {"dt", schedule.frequency()},
                        {"kind", row.method == "gradual" ? "gradual (eq. 1)" : "constant"}});
  }
  ex.extra()["curves"][row.title][std::to_string(seed)] = curve;
  return MeasureExport(ex, row, o, seed, model, test);
}

}  // namespace sparselab::pruning_experiment
