// One task of the pruning experiment in its worker: train and test one row
// for one seed (a pruned, small-dense or dense network with the Trainer, or
// the Bayesian Bits LeNet-5), then measure the CSR export against the dense
// save: bytes on disk, inference time, largest output difference.
#ifndef SPARSELAB_EXPERIMENTS_PRUNING_TASKS_H_
#define SPARSELAB_EXPERIMENTS_PRUNING_TASKS_H_

#include "absl/status/status.h"
#include "experiments/pruning/run_options.h"
#include "lib/data/dataset.h"
#include "lib/harness/experiment.h"
#include "lib/harness/task_runner.h"

namespace sparselab::pruning_experiment {

// Fills ex.table() (row spec.title, the task's seed) and ex.extra()["curves"].
absl::Status RunTask(Experiment& ex, const RunOptions& options, const Dataset& train,
                     const Dataset& test, const TaskContext& task);

}  // namespace sparselab::pruning_experiment

#endif  // SPARSELAB_EXPERIMENTS_PRUNING_TASKS_H_
