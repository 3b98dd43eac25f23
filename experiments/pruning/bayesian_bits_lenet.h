// LeNet-5 (models.h) with Bayesian Bits quantizers (van Baalen et al. 2020,
// arXiv:2005.07093; lib/nn/bayesian_bits.h), set up as the reference code's
// LeNet-5 / MNIST run (Qualcomm-AI-research/BayesianBits): every conv and FC
// weight behind a signed gated residual quantizer, with a pruning gate per
// output channel except for the last layer's; every hidden ReLU output behind
// an unsigned quantizer, before the pooling; the logits and the 8-bit network
// input not quantized. Gates start at log_alpha 6, 6, -6, -6 for 4, 8, 16 and
// 32 bits (so training starts at 8 bits) and 6 for the pruning gates; ranges
// from the weights and from a first batch of activations.
#ifndef SPARSELAB_EXPERIMENTS_PRUNING_BAYESIAN_BITS_LENET_H_
#define SPARSELAB_EXPERIMENTS_PRUNING_BAYESIAN_BITS_LENET_H_

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "lib/nn/bayesian_bits.h"
#include "nlohmann/json.hpp"

namespace sparselab::pruning_experiment {

struct BayesianBitsLeNetOptions {
  std::vector<double> gate_init = {6.0, 6.0, -6.0, -6.0};  // log_alpha of z_4, z_8, z_16, z_32
  double prune_init = 6.0;                                 // log_alpha of the pruning gates
};

class BayesianBitsLeNet5Impl : public torch::nn::Module {
 public:
  explicit BayesianBitsLeNet5Impl(const BayesianBitsLeNetOptions& options);
  // Raw logits (N, 10) of (N, 1, 28, 28) inputs.
  at::Tensor forward(const at::Tensor& x);
  // The activation quantizers' ranges from `x` (the reference: 2 training images).
  void InitActivationRanges(const at::Tensor& x);
  // The layers for BayesianBitsPenalty and CountBops.
  const std::vector<BopLayer>& bop_layers() const { return layers_; }
  // Per layer: bits of the weights and of the input, kept output channels.
  nlohmann::json Describe() const;

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  BayesianBitsQuantizer w_conv1{nullptr}, w_conv2{nullptr}, w_fc1{nullptr}, w_fc2{nullptr};
  BayesianBitsQuantizer a_conv1{nullptr}, a_conv2{nullptr}, a_fc1{nullptr};

 private:
  at::Tensor Forward(const at::Tensor& x, bool init_ranges);
  std::vector<BopLayer> layers_;
};
TORCH_MODULE(BayesianBitsLeNet5);

}  // namespace sparselab::pruning_experiment

#endif  // SPARSELAB_EXPERIMENTS_PRUNING_BAYESIAN_BITS_LENET_H_
