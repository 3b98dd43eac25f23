// The models of the SparseLinear tutorial (rain-neuromorphics/SparseLinear,
// tutorials/SparseLinearDemo.ipynb) on MNIST, built from config.json:
//   dense                       784-2000-10 Linear, LayerNorm, ReLU
//   sparse                      the same with SparseLinear layers (90 % random)
//   user_defined                first layer from a user connectivity (N distinct
//                               outputs per input pixel), second random
//   dynamic                     both layers rewired by RigL
//   small_world                 both layers small-world
//   dense_activation_sparsity   dense with ActivationSparsity instead of ReLU
//   sparse_activation_sparsity  sparse with ActivationSparsity instead of ReLU
//   wide                        7840-W-W-W-W-W(-> 10 by summing W/10 groups),
//                               SparseLinear at 99.9 %, LayerNorm + ReLU, a
//                               learnt per-input scale and shift of the
//                               10x-repeated pixels
#ifndef SPARSELAB_EXPERIMENTS_SPARSE_LINEAR_MODELS_H_
#define SPARSELAB_EXPERIMENTS_SPARSE_LINEAR_MODELS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "absl/status/statusor.h"
#include "lib/harness/config.h"
#include "lib/nn/sparse_linear/sparse_linear.h"
#include "lib/train/trainer.h"

namespace sparselab::sparse_linear_experiment {

struct TutorialModel {
  std::shared_ptr<torch::nn::Module> module;
  ForwardFunction forward;
  // The SparseLinear layers (RigL hooks, connection counts).
  std::vector<SparseLinear> sparse_layers;
  double lr = 0;
  bool nesterov = false;
  int64_t epochs = 0;
};

// All model names, in the tutorial's order.
const std::vector<std::string>& ModelNames();

// The configuration, read once and checked before any work (ReadTutorialOptions).
struct TutorialOptions {
  std::vector<std::string> models;  // the models this run trains
  int64_t train_samples = 0;        // 0: all
  int64_t test_samples = 0;         // 0: all
  int64_t epochs = 0;
  int64_t batch_size = 0;
  double momentum = 0;
  bool eval_every_epoch = false;
  bool resume = false;
  bool rigl_counts = false;
  int64_t hidden = 0;
  double sparsity = 0;
  int64_t user_connections_per_input = 0;
  struct Rigl {
    int64_t delta_t = 0, t_end = 0;
    double alpha = 0;
  } rigl;
  struct Activation {
    double alpha = 0, beta = 0, act_sparsity = 0;
  } activation;
  std::map<std::string, double> lr;  // per model
  struct Wide {
    int64_t width = 0, layers = 0, repeat = 0, epochs = 0;
    double sparsity = 0;
    bool nesterov = false;
  } wide;
};

// Reads and checks every key: known, distinct models; epochs >= 1; batch >= 1;
// momentum in [0, 1); learning rates > 0; sparsities in [0, 1); RigL's and
// ActivationSparsity's ranges; user connections <= hidden; the wide model's
// width a multiple of 10. Errors name the key, the value, the rule and the fix.
absl::StatusOr<TutorialOptions> ReadTutorialOptions(const Config& config);

// The epochs `name` trains (the wide model has its own).
int64_t PlannedEpochs(const std::string& name, const TutorialOptions& options);

// Builds `name` (torch's generator must be seeded first).
absl::StatusOr<TutorialModel> BuildModel(const std::string& name, const TutorialOptions& options);

// Learnable scalars of the model (SparseLinear counts only its non-zeros).
int64_t ParameterCount(const torch::nn::Module& module);

// The tutorial's user-defined connectivity: for every input pixel,
// `per_input` distinct output units drawn uniformly, as (2, in * per_input)
// int64 (row = output, col = input) pairs.
at::Tensor PerInputConnectivity(int64_t in_features, int64_t out_features, int64_t per_input);

}  // namespace sparselab::sparse_linear_experiment

#endif  // SPARSELAB_EXPERIMENTS_SPARSE_LINEAR_MODELS_H_
