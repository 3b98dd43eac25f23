// The pruning experiment's rows and options (experiments/pruning/config.json),
// read and checked once at the start: which models, sparsities and schedules,
// the gradual rows' "pruning" section, and the Bayesian Bits rows.
#ifndef SPARSELAB_EXPERIMENTS_PRUNING_RUN_OPTIONS_H_
#define SPARSELAB_EXPERIMENTS_PRUNING_RUN_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "experiments/pruning/bayesian_bits_lenet.h"
#include "experiments/pruning/models.h"
#include "lib/harness/config.h"
#include "lib/nn/model_pruning.h"

namespace sparselab::pruning_experiment {

// The schedules compared at each sparsity, in the order of the tables.
inline const std::vector<std::string>& Methods() {
  static const auto* methods =
      new std::vector<std::string>{"constant", "one_shot", "gradual", "small_dense"};
  return *methods;
}

// One row of the experiment: a model, a method ("dense" or one of Methods())
// and its final sparsity (0 for dense).
struct RowSpec {
  std::string id;     // task id part: "lenet5-gradual-90"
  std::string title;  // result row: "LeNet-5 / 90 % / gradual"
  Architecture architecture;
  std::string method;  // "dense", Methods(), or "bayesian_bits"
  double sparsity = 0;
  double mu = 0;  // bayesian_bits
};

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

// Reads and checks the options; `train_size` (after train_subset) fixes the
// steps per epoch the schedules are checked against.
absl::StatusOr<RunOptions> ReadRunOptions(const Config& config, int64_t train_size);

// The row with task id `id` (the runner asks only for configured rows).
const RowSpec& Spec(const RunOptions& options, const std::string& id);

// The pruning schedule of a row in Trainer terms.
ModelPruningOptions PruningFor(const RowSpec& row, const RunOptions& options);

}  // namespace sparselab::pruning_experiment

#endif  // SPARSELAB_EXPERIMENTS_PRUNING_RUN_OPTIONS_H_
