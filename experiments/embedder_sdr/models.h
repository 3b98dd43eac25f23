// The shallow MNIST model of EmbedderSDR (dizcza/EmbedderSDR, models/embedder.py
// and the README's MNIST runs):
//
//   conv 1->3 3x3 (no bias) -> batch norm -> ReLU -> max-pool 3   (3 x 8 x 8 = 192)
//   -> linear 192->128 -> hidden activation                      ("hidden", 128)
//   -> head: linear 128->10 -> log-softmax        (softmax, cross-entropy)
//         or linear 128->E  -> binary kWTA         (code, triplet loss)
//            optionally wrapped in synaptic scaling (training only, as in the seed)
//
// The hidden activation is ReLU, or kWTA (the variant the seed reports to
// fail), of the same kind (binary or soft) as the code's. kWTA keeps k = ceil(sparsity * units) winners (the seed's
// get_kwta_threshold) with straight-through gradients (lib/kwta.h).
#ifndef SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_MODELS_H_
#define SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_MODELS_H_

#include <cstdint>
#include <string>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "absl/status/statusor.h"

namespace sparselab::embedder_sdr {

inline constexpr int64_t kFeatures = 192;  // 3 channels x 8 x 8 after pooling
inline constexpr int64_t kHidden = 128;

// kDenseCode: linear 128->E without activation (the contrastive-collapse runs).
enum class Head { kSoftmax, kKwtaCode, kDenseCode };

struct ShallowEmbedderOptions {
  Head head = Head::kSoftmax;
  int64_t classes = 10;
  int64_t embedding_dim = 256;       // E, code units (kWTA head)
  double code_sparsity = 0.05;       // k / E
  // The code kWTA in training: the binary step with straight-through gradients
  // (KWTABinary), or the seed's KWinnersTakeAllSoft, sigmoid(hardness * (x -
  // threshold)) (KWTASoft); both give the binary code in eval mode.
  bool soft_code_kwta = true;
  double kwta_hardness = 1.0;
  bool hidden_kwta = false;          // kWTA instead of the hidden ReLU
  double hidden_sparsity = 0.05;     // k / 128
  bool synaptic_scaling = false;     // around the code kWTA
  double scaling_boost = 1.0;        // the seed's synaptic_scale
  int64_t scaling_period = 60000;    // samples in the firing-rate mean
};

// k = ceil(sparsity * units), at least 1 and at most units - 1.
int64_t WinnersFor(double sparsity, int64_t units);

struct LayerOutputs {
  at::Tensor hidden;  // (N, 128)
  at::Tensor output;  // (N, 10) log-probabilities or (N, E) binary code
};

class ShallowEmbedderImpl : public torch::nn::Module {
 public:
  explicit ShallowEmbedderImpl(ShallowEmbedderOptions options);
  at::Tensor forward(const at::Tensor& x) { return Forward(x).output; }
  LayerOutputs Forward(const at::Tensor& x);
  // Copies conv, batch norm (with running statistics) and the 192->128 layer
  // from `other`: the seed's "start from the softmax model's trained layers".
  void CopyFeaturesFrom(const ShallowEmbedderImpl& other);
  std::string Describe() const;

  ShallowEmbedderOptions options;
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  torch::nn::Linear fc_hidden{nullptr};
  torch::nn::AnyModule hidden_activation;  // ReLU or kWTA
  torch::nn::Linear fc_out{nullptr};
  torch::nn::AnyModule code_activation;    // kWTA, or SynapticScaling around it
};
TORCH_MODULE(ShallowEmbedder);

}  // namespace sparselab::embedder_sdr

#endif  // SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_MODELS_H_
