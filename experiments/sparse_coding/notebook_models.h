// The notebook's question ("is Földiák's network bad at analysis, do we need
// synthesis?") as three models trained on the same patches with the same
// number of units and the same mean activity: Földiák's network (sigmoid
// settling, binary outputs), SAILnet (leaky integrate-and-fire, spike counts)
// and sparse coding (L1, lambda adapted to the target activity).
#ifndef SPARSELAB_EXPERIMENTS_SPARSE_CODING_NOTEBOOK_MODELS_H_
#define SPARSELAB_EXPERIMENTS_SPARSE_CODING_NOTEBOOK_MODELS_H_

#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "lib/base/progress.h"

namespace sparselab::sparse_coding {

struct NotebookOptions {
  int64_t units = 100;
  double p = 0.05;              // target activity
  int64_t trials = 5000;        // batches
  int64_t batch = 100;
  double alpha = 1.0, beta = 0.01, gamma = 0.1;  // SAILnet's rates, for both networks
  double foldiak_lambda = 10.0;
  int64_t foldiak_max_steps = 1000;
  double sc_lambda = 0.1;       // start; adapted to p
  double sc_learning_rate = 1.0;
  double sc_lambda_adaptation = 0.02;
};

struct ModelResult {
  std::string model;
  at::Tensor filters;       // (units, d): feed-forward weights or dictionary atoms
  at::Tensor train_codes;   // codes of the decoder's training patches
  at::Tensor test_codes;    // codes of the held-out patches
  double activity = 0;      // share of (patch, unit) pairs with a non-zero code (test)
  double mean_code = 0;     // mean code value (SAILnet: spikes per unit per patch)
  double reconstruction_snr_db = NAN;  // sparse coding: x vs D z on the test patches
  double lambda = NAN;      // sparse coding's final lambda
  int64_t unconverged = 0;  // Földiák: settlings at the cap
  double seconds = 0;
};

// model: "foldiak" | "sailnet" | "sparse_coding". Trains on random batches of
// `pool` (N x d), then codes `decoder_train` and `test`.
ModelResult TrainNotebookModel(const std::string& model, const NotebookOptions& options,
                               const at::Tensor& pool, const at::Tensor& decoder_train,
                               const at::Tensor& test, at::Generator generator,
                               Progress& progress, int64_t& done);

inline const std::vector<std::string>& NotebookModels() {
  static const auto* names = new std::vector<std::string>{"foldiak", "sailnet", "sparse_coding"};
  return *names;
}

}  // namespace sparselab::sparse_coding

#endif  // SPARSELAB_EXPERIMENTS_SPARSE_CODING_NOTEBOOK_MODELS_H_
