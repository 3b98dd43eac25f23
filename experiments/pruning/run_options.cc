#include "experiments/pruning/run_options.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/base/status_macros.h"
#include "lib/harness/pruning_section.h"

namespace sparselab::pruning_experiment {
namespace {

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
  RETURN_IF_ERROR(
      RequireConfig(b.range_images >= 1, c, "bayesian_bits.range_images", "must be >= 1"));
  return b;
}

}  // namespace

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
  RETURN_IF_ERROR(
      RequireConfig(o.epochs >= 2, c, "epochs",
                    "must be >= 2 (one-shot pruning needs a dense and a fine-tuning phase)"));
  RETURN_IF_ERROR(RequireConfig(o.batch_size > 0, c, "batch_size", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.test_batch_size > 0, c, "test_batch_size", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.lr > 0, c, "lr", "must be > 0"));
  RETURN_IF_ERROR(
      RequireConfig(o.momentum >= 0 && o.momentum < 1, c, "momentum", "must be in [0, 1)"));
  RETURN_IF_ERROR(
      RequireConfig(o.lr_gamma > 0 && o.lr_gamma <= 1, c, "lr_gamma", "must be in (0, 1]"));
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
    RETURN_IF_ERROR(RequireConfig(
        std::find(Methods().begin(), Methods().end(), m) != Methods().end(), c, "methods",
        absl::StrCat("unknown method \"", m, "\"; use constant, one_shot, gradual, small_dense")));
  }
  const auto models = c.Get<std::vector<std::string>>("models");
  RETURN_IF_ERROR(RequireConfig(!models.empty(), c, "models", "must not be empty"));
  for (const std::string& name : models) {
    absl::StatusOr<Architecture> a = FindArchitecture(name);
    RETURN_IF_ERROR(RequireConfig(a.ok(), c, "models", std::string(a.status().message())));
    o.rows.push_back(DenseRow(*a));
    for (double s : sparsities) {
      for (const std::string& m : Methods()) {  // Methods()' order, whatever the config's
        if (std::find(methods.begin(), methods.end(), m) != methods.end()) {
          o.rows.push_back(SparseRow(*a, m, s));
        }
      }
    }
  }
  ASSIGN_OR_RETURN(o.bayesian_bits, ReadBayesianBitsOptions(c));
  for (double mu : o.bayesian_bits.mus)
    o.rows.push_back(BayesianBitsRow(*FindArchitecture("lenet5"), mu));
  // The layer names of the section against the models (the error lists them).
  for (const std::string& name : models) {
    torch::nn::Sequential probe = Build(*FindArchitecture(name));
    ModelPruningOptions check = o.gradual;
    absl::StatusOr<ModelPruner> pruner = ModelPruner::Create(*probe, check.final_sparsity(0.5));
    RETURN_IF_ERROR(
        RequireConfig(pruner.ok(), c, "pruning.layers", std::string(pruner.status().message())));
  }
  return o;
}

const RowSpec& Spec(const RunOptions& o, const std::string& id) {
  for (const RowSpec& r : o.rows) {
    if (r.id == id) return r;
  }
  return o.rows.front();  // unreachable: the runner asks only for configured rows
}

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

}  // namespace sparselab::pruning_experiment
