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
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "experiments/pruning/bayesian_bits_lenet.h"
#include "experiments/pruning/models.h"
#include "lib/base/plot.h"
#include "lib/base/status_macros.h"
#include "lib/data/dataset.h"
#include "lib/harness/experiment.h"
#include "lib/harness/pruning_section.h"
#include "lib/harness/task_runner.h"
#include "lib/nn/bayesian_bits.h"
#include "lib/nn/model_pruning.h"
#include "lib/nn/sparse_linear/compact_export.h"
#include "lib/train/trainer.h"

namespace sparselab::pruning_experiment {
namespace {

const ExperimentInfo kInfo = {
    "pruning",
    "Zhu & Gupta 2017, \"To prune, or not to prune: exploring the efficacy of pruning for "
    "model compression\", arXiv:1710.01878 (gradual pruning, eq. 1; large-sparse against "
    "small-dense), on LeNet-5 and Dense CNN-2 / MNIST"};

const std::vector<std::string> kMethods = {"constant", "one_shot", "gradual", "small_dense"};

// One row of the experiment: a model, a method ("dense" or one of kMethods)
// and its final sparsity (0 for dense).
struct RowSpec {
  std::string id;     // task id part: "lenet5-gradual-90"
  std::string title;  // result row: "LeNet-5 / 90 % / gradual"
  Architecture architecture;
  std::string method;  // "dense", kMethods, or "bayesian_bits"
  double sparsity = 0;
  double mu = 0;  // bayesian_bits
};

std::string Percent(double sparsity) { return absl::StrFormat("%g", 100.0 * sparsity); }

RowSpec BayesianBitsRow(const Architecture& a, double mu) {
  RowSpec r{absl::StrCat(a.name, "-bayesian_bits-mu", absl::StrFormat("%g", mu)),
            absl::StrCat(a.title, " Bayesian Bits / mu=", absl::StrFormat("%g", mu)), a,
            "bayesian_bits", 0.0};
  r.mu = mu;
  return r;
}

RowSpec DenseRow(const Architecture& a) {
  return {absl::StrCat(a.name, "-dense"), absl::StrCat(a.title, " / dense"), a, "dense", 0.0};
}

RowSpec SparseRow(const Architecture& a, const std::string& method, double sparsity) {
  return {absl::StrCat(a.name, "-", method, "-", Percent(sparsity)),
          absl::StrCat(a.title, " / ", Percent(sparsity), " % / ", method), a, method, sparsity};
}

// Bayesian Bits rows (LeNet-5 only), the reference code's training: Adam
// (one lr for weights, gates and ranges), batch 128, the lr constant for the
// first decay_from of the epochs and then falling linearly towards 0.
struct BayesianBitsRunOptions {
  std::vector<double> mus;  // one row each; empty: no Bayesian Bits rows
  int64_t epochs = 0;
  int64_t batch_size = 0;
  double lr = 0;
  double decay_from = 0;  // fraction of the epochs at constant lr
  BayesianBitsLeNetOptions model;
  int64_t range_images = 0;
};

// The options of this run, read and checked once at the start.
struct RunOptions {
  std::vector<RowSpec> rows;
  int64_t epochs = 0;
  int64_t batch_size = 0;
  int64_t test_batch_size = 0;
  double lr = 0, momentum = 0, lr_gamma = 0;
  int64_t one_shot_epochs = 0;
  ModelPruningOptions gradual;  // the config's section: the gradual rows' schedule
  int64_t steps_per_epoch = 0;
  int64_t timing_images = 0;
  int64_t timing_repeats = 0;
  BayesianBitsRunOptions bayesian_bits;
};

absl::StatusOr<BayesianBitsRunOptions> ReadBayesianBitsOptions(const Config& c) {
  BayesianBitsRunOptions b;
  b.mus = c.Get<std::vector<double>>("bayesian_bits.mus");
  b.epochs = c.Int("bayesian_bits.epochs");
  b.batch_size = c.Int("bayesian_bits.batch_size");
  b.lr = c.Double("bayesian_bits.lr");
  b.decay_from = c.Double("bayesian_bits.decay_from");
  b.model.gate_init = c.Get<std::vector<double>>("bayesian_bits.gate_init");
  b.model.prune_init = c.Double("bayesian_bits.prune_init");
  b.range_images = c.Int("bayesian_bits.range_images");
  for (double mu : b.mus) {
    RETURN_IF_ERROR(RequireConfig(mu >= 0 && std::isfinite(mu), c, "bayesian_bits.mus",
                                  "every mu must be finite and >= 0"));
  }
  RETURN_IF_ERROR(RequireConfig(b.epochs >= 1, c, "bayesian_bits.epochs", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(b.batch_size >= 1, c, "bayesian_bits.batch_size", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(b.lr > 0, c, "bayesian_bits.lr", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(b.decay_from > 0 && b.decay_from <= 1, c,
                                "bayesian_bits.decay_from", "must be in (0, 1]"));
  RETURN_IF_ERROR(RequireConfig(b.model.gate_init.size() == 4, c, "bayesian_bits.gate_init",
                                "must hold 4 log_alpha values (the 4, 8, 16 and 32-bit gates)"));
  RETURN_IF_ERROR(RequireConfig(b.range_images >= 1, c, "bayesian_bits.range_images",
                                "must be >= 1"));
  return b;
}

absl::StatusOr<RunOptions> ReadRunOptions(const Config& c, int64_t train_size) {
  RunOptions o;
  o.epochs = c.Int("epochs");
  o.batch_size = c.Int("batch_size");
  o.test_batch_size = c.Int("test_batch_size");
  o.lr = c.Double("lr");
  o.momentum = c.Double("momentum");
  o.lr_gamma = c.Double("lr_gamma");
  o.one_shot_epochs = c.Int("one_shot_epochs");
  o.timing_images = c.Int("timing_images");
  o.timing_repeats = c.Int("timing_repeats");
  RETURN_IF_ERROR(RequireConfig(o.epochs >= 2, c, "epochs", "must be >= 2 (one-shot pruning needs a dense and a fine-tuning phase)"));
  RETURN_IF_ERROR(RequireConfig(o.batch_size > 0, c, "batch_size", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.test_batch_size > 0, c, "test_batch_size", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.lr > 0, c, "lr", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.momentum >= 0 && o.momentum < 1, c, "momentum", "must be in [0, 1)"));
  RETURN_IF_ERROR(RequireConfig(o.lr_gamma > 0 && o.lr_gamma <= 1, c, "lr_gamma", "must be in (0, 1]"));
  RETURN_IF_ERROR(RequireConfig(o.one_shot_epochs >= 1 && o.one_shot_epochs < o.epochs, c,
                                "one_shot_epochs",
                                absl::StrCat("must be in [1, epochs - 1 = ", o.epochs - 1, "]")));
  RETURN_IF_ERROR(RequireConfig(o.timing_images > 0, c, "timing_images", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.timing_repeats > 0, c, "timing_repeats", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(train_size > 0, c, "train_subset", "leaves no training images"));
  o.steps_per_epoch = (train_size + o.batch_size - 1) / o.batch_size;
  const int64_t total_steps = o.epochs * o.steps_per_epoch;

  ASSIGN_OR_RETURN(o.gradual, ReadPruningSection(c, "pruning"));
  RETURN_IF_ERROR(RequireConfig(o.gradual.method() == PruningMethod::kGradual, c, "pruning.method",
                                "must be \"gradual\": the section is the gradual rows' schedule "
                                "(constant and one-shot rows prune at steps of their own)"));
  RETURN_IF_ERROR(RequireConfig(
      o.gradual.end_step() < total_steps, c, "pruning.end_step",
      absl::StrCat("must be below the run's ", total_steps, " optimizer steps (", o.epochs,
                   " epochs x ", o.steps_per_epoch, " steps of batch ", o.batch_size, ")")));

  std::vector<double> sparsities = c.Get<std::vector<double>>("sparsities");
  RETURN_IF_ERROR(RequireConfig(!sparsities.empty(), c, "sparsities", "must not be empty"));
  for (double s : sparsities) {
    RETURN_IF_ERROR(RequireConfig(s > 0 && s < 1, c, "sparsities",
                                  absl::StrCat("every sparsity must be in (0, 1), got ", s)));
  }
  const auto methods = c.Get<std::vector<std::string>>("methods");
  for (const std::string& m : methods) {
    RETURN_IF_ERROR(RequireConfig(std::find(kMethods.begin(), kMethods.end(), m) != kMethods.end(),
                                  c, "methods",
                                  absl::StrCat("unknown method \"", m,
                                               "\"; use constant, one_shot, gradual, small_dense")));
  }
  const auto models = c.Get<std::vector<std::string>>("models");
  RETURN_IF_ERROR(RequireConfig(!models.empty(), c, "models", "must not be empty"));
  for (const std::string& name : models) {
    absl::StatusOr<Architecture> a = FindArchitecture(name);
    RETURN_IF_ERROR(RequireConfig(a.ok(), c, "models", std::string(a.status().message())));
    o.rows.push_back(DenseRow(*a));
    for (double s : sparsities) {
      for (const std::string& m : kMethods) {  // kMethods' order, whatever the config's
        if (std::find(methods.begin(), methods.end(), m) != methods.end()) {
          o.rows.push_back(SparseRow(*a, m, s));
        }
      }
    }
  }
  ASSIGN_OR_RETURN(o.bayesian_bits, ReadBayesianBitsOptions(c));
  for (double mu : o.bayesian_bits.mus) o.rows.push_back(BayesianBitsRow(*FindArchitecture("lenet5"), mu));
  // The layer names of the section against the models (the error lists them).
  for (const std::string& name : models) {
    torch::nn::Sequential probe = Build(*FindArchitecture(name));
    ModelPruningOptions check = o.gradual;
    absl::StatusOr<ModelPruner> pruner = ModelPruner::Create(*probe, check.final_sparsity(0.5));
    RETURN_IF_ERROR(RequireConfig(pruner.ok(), c, "pruning.layers",
                                  std::string(pruner.status().message())));
  }
  return o;
}

const RowSpec& Spec(const RunOptions& o, const std::string& id) {
  for (const RowSpec& r : o.rows) {
    if (r.id == id) return r;
  }
  return o.rows.front();  // unreachable: the runner asks only for configured rows
}

// The pruning schedule of a row in Trainer terms.
ModelPruningOptions PruningFor(const RowSpec& row, const RunOptions& o) {
  ModelPruningOptions p = o.gradual;
  p.final_sparsity(row.sparsity);
  if (row.method == "constant") {
    p.method(PruningMethod::kConstant).begin_step(0);
  } else if (row.method == "one_shot") {
    p.method(PruningMethod::kConstant).begin_step(o.one_shot_epochs * o.steps_per_epoch - 1);
  } else if (row.method != "gradual") {
    p.method(PruningMethod::kNone);
  }
  return p;
}

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
  const at::Tensor x =
      Normalize(test.inputs.narrow(0, 0, std::min(o.timing_images, test.size())), kMnistMean,
                kMnistStd);
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
  model->InitActivationRanges(normalize(train.inputs.narrow(0, 0, std::min(b.range_images, train.size()))));
  const double mu = row.mu;
  const int64_t constant_epochs = std::max<int64_t>(1, std::llround(b.decay_from * b.epochs));
  const int64_t epochs = b.epochs;
  Trainer trainer(
      model,
      LossFunction([impl = model.ptr(), mu](const at::Tensor& out, const at::Tensor& y) {
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

// One task in a worker: train, test and export one row for one seed.
absl::Status RunOne(Experiment& ex, const RunOptions& o, const Dataset& train, const Dataset& test,
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

double MeanOf(const nlohmann::json& rows, const std::string& row, const std::string& metric,
              bool* found) {
  for (const nlohmann::json& r : rows) {
    if (r["name"] == row && r["metrics"].contains(metric)) {
      *found = true;
      return r["metrics"][metric]["mean"].get<double>();
    }
  }
  *found = false;
  return 0;
}

// Accuracy against non-zero weights (%, log axis), one curve per method and
// the dense network as a flat line, for every model.
absl::Status WriteFigures(Experiment& ex, const RunOptions& o) {
  const nlohmann::json rows = ex.table().ToJson();
  std::vector<std::string> done;
  for (const RowSpec& dense : o.rows) {
    if (dense.method != "dense") continue;
    const Architecture& a = dense.architecture;
    std::vector<Series> series;
    for (const std::string& m : kMethods) {
      Series s{m == "one_shot" ? "one-shot" : m == "small_dense" ? "small-dense" : m, {}, {}};
      for (const RowSpec& r : o.rows) {
        bool found = false;
        if (r.architecture.name != a.name || r.method != m) continue;
        const double acc = MeanOf(rows, r.title, "test_accuracy", &found);
        if (found) {
          s.x.push_back(100.0 * (1.0 - r.sparsity));
          s.y.push_back(acc);
        }
      }
      if (!s.x.empty()) series.push_back(s);
    }
    bool found = false;
    const double dense_acc = MeanOf(rows, dense.title, "test_accuracy", &found);
    if (series.empty()) continue;
    if (found) {
      Series d{"dense", {1.0, 50.0}, {dense_acc, dense_acc}, "lines dashtype 2"};
      series.push_back(d);
    }
    PlotOptions plot;
    plot.title = absl::StrCat(a.title, " on MNIST: test accuracy against weights kept");
    plot.xlabel = "non-zero weights (% of the dense model's)";
    plot.ylabel = "test accuracy (%)";
    plot.log_x = true;
    plot.extra = "set key right bottom";
    const std::string file = absl::StrCat("accuracy_vs_sparsity_", a.name, ".png");
    RETURN_IF_ERROR(PlotLines(ex.OutputPath(file), series, plot));
    done.push_back(file);
  }
  // Bayesian Bits: accuracy against relative BOPs over mu, beside the paper's point.
  Series ours{"Bayesian Bits (ours, over mu)", {}, {}};
  for (const RowSpec& r : o.rows) {
    bool found_acc = false, found_bops = false;
    if (r.method != "bayesian_bits") continue;
    const double acc = MeanOf(rows, r.title, "test_accuracy", &found_acc);
    const double bops = MeanOf(rows, r.title, "relative_bops_percent", &found_bops);
    if (found_acc && found_bops) {
      ours.x.push_back(bops);
      ours.y.push_back(acc);
    }
  }
  if (!ours.x.empty()) {
    Series paper{"van Baalen et al. 2020, mu = 0.1", {0.36}, {99.30}, "points pt 7 ps 2"};
    PlotOptions plot;
    plot.title = "Bayesian Bits, LeNet-5 on MNIST: test accuracy against relative BOPs";
    plot.xlabel = "BOPs relative to 32-bit weights and activations (%)";
    plot.ylabel = "test accuracy (%)";
    plot.log_x = true;
    plot.extra = "set key right bottom";
    const std::string file = "bayesian_bits_accuracy_vs_bops.png";
    RETURN_IF_ERROR(PlotLines(ex.OutputPath(file), {ours, paper}, plot));
    done.push_back(file);
  }
  ex.extra()["figures"] = done;
  return absl::OkStatus();
}

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
  runner.run = [&](Experiment& ex, const TaskContext& t) {
    return RunOne(ex, o, train, test, t);
  };
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
