// The two MNIST networks of the pruning experiment, as named Sequentials (so
// the config's "pruning.layers" names them: conv1, conv2, fc1, fc2) whose
// hidden widths scale by one factor (the "small-dense" baselines):
//   LeNet-5 as in the Bayesian Bits code (van Baalen et al. 2020,
//     Qualcomm-AI-research/BayesianBits): conv 32 5x5, ReLU, max-pool 2,
//     conv 64 5x5, ReLU, max-pool 2, FC 1024-512, ReLU, FC 512-10.
//   Dense CNN-2 of Ahmad & Scheinkman 2019 ("How Can We Be So Dense?",
//     Table 1): conv 30 5x5, ReLU, max-pool 2, conv 30 5x5, ReLU, max-pool 2,
//     FC 480-1000, ReLU, FC 1000-10.
// Valid convolutions on 28 x 28 inputs: 28 -> 24 -> 12 -> 8 -> 4.
#ifndef SPARSELAB_EXPERIMENTS_PRUNING_MODELS_H_
#define SPARSELAB_EXPERIMENTS_PRUNING_MODELS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <torch/nn/modules/container/sequential.h>

#include "absl/status/statusor.h"

namespace sparselab::pruning_experiment {

struct Architecture {
  std::string name;   // config name: "lenet5", "dense_cnn2"
  std::string title;  // "LeNet-5"
  int64_t conv1 = 0, conv2 = 0, hidden = 0;
};

// "lenet5" or "dense_cnn2"; anything else is an error listing both.
absl::StatusOr<Architecture> FindArchitecture(const std::string& name);
const std::vector<std::string>& ArchitectureNames();

// Every hidden width times `width` (rounded, at least 1).
Architecture Narrowed(const Architecture& a, double width);

// Weights of the conv and FC layers (biases not counted), the count pruning
// sparsities refer to.
int64_t WeightCount(const Architecture& a);

// The narrowed architecture whose weight count is closest to `target`
// (the small-dense twin of a sparse model with `target` non-zero weights).
Architecture NarrowedToWeights(const Architecture& a, int64_t target);

// The network (raw logits), freshly initialised from torch's generator.
torch::nn::Sequential Build(const Architecture& a);

}  // namespace sparselab::pruning_experiment

#endif  // SPARSELAB_EXPERIMENTS_PRUNING_MODELS_H_
