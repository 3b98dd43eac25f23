// The pruning experiment's figures from the rows so far: test accuracy
// against the weights kept (one curve per schedule, log axis) for every model,
// and Bayesian Bits' accuracy against relative BOPs beside the paper's point.
#ifndef SPARSELAB_EXPERIMENTS_PRUNING_FIGURES_H_
#define SPARSELAB_EXPERIMENTS_PRUNING_FIGURES_H_

#include "absl/status/status.h"
#include "experiments/pruning/run_options.h"
#include "lib/harness/experiment.h"

namespace sparselab::pruning_experiment {

// Writes the PNGs (with their .dat / .gp) and lists them in ex.extra()["figures"].
absl::Status WriteFigures(Experiment& ex, const RunOptions& options);

}  // namespace sparselab::pruning_experiment

#endif  // SPARSELAB_EXPERIMENTS_PRUNING_FIGURES_H_
