// A sparse autoencoder family: an encoder MLP to a code layer and a decoder
// MLP back, with the sparsity mechanism chosen by options:
//  - kNone;
//  - kL1: l1_weight * sum_j |a_j| / batch on the codes (the worked PyTorch
//    example's L1 activity penalty; L1ActivationPenalty);
//  - kKL: beta * sum_j KL(rho || rho_hat_j) on the codes' mean activations
//    (Ng, CS294A lecture notes "Sparse autoencoder", Sec. 3; KLSparsityPenalty),
//    rho_hat estimated over the batch, or as a running average
//    rho_hat = m * rho_run + (1 - m) * batch mean kept in a buffer (gradient
//    through the batch term only);
//  - kKSparse: keep the k largest codes per sample, zero the rest (Makhzani &
//    Frey 2013, "k-Sparse Autoencoders", arXiv:1312.5663), on lib/nn's KWinners
//    without boosting and with exact ties broken;
// and in every case weight decay (lambda / 2) * sum of squared weights (not
// biases), CS294A's J_weight. Weights tied (decoder layer i uses encoder layer
// i's weight transposed, the same storage) or untied. Codes are sigmoid or ReLU
// of the last encoder layer; inner encoder/decoder layers are ReLU; the output
// is sigmoid (inputs in [0, 1]) or linear.
//
// The codes are recorded through a Tap named "code" (and inner layers as
// "encoder.<i>"), so penalties and monitors read them without a second pass.
#ifndef SPARSELAB_LIB_NN_SPARSE_AUTOENCODER_H_
#define SPARSELAB_LIB_NN_SPARSE_AUTOENCODER_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "lib/nn/k_winners.h"
#include "lib/nn/tap.h"

namespace sparselab {

enum class CodeActivation { kSigmoid, kRelu };
enum class SparsityMechanism { kNone, kL1, kKL, kKSparse };
enum class RhoHatEstimate { kBatch, kRunning };
enum class ReconstructionLoss {
  kMean,              // mean over elements of (x_hat - x)^2 (nn.MSELoss)
  kHalfSumPerSample,  // (1 / batch) sum 0.5 ||x_hat - x||^2 (CS294A)
};

// "none", "l1", "kl", "k_sparse" and back; unknown names are an error.
const char* SparsityMechanismName(SparsityMechanism m);
bool ParseSparsityMechanism(const std::string& name, SparsityMechanism* out);

struct SparseAutoencoderOptions {
  // widths = {inputs, hidden..., code units}, at least {inputs, code}.
  explicit SparseAutoencoderOptions(std::vector<int64_t> widths) : widths_(std::move(widths)) {}
  TORCH_ARG(std::vector<int64_t>, widths);
  TORCH_ARG(bool, tied) = false;
  TORCH_ARG(CodeActivation, code_activation) = CodeActivation::kSigmoid;
  TORCH_ARG(bool, sigmoid_output) = true;
  TORCH_ARG(SparsityMechanism, sparsity) = SparsityMechanism::kNone;
  TORCH_ARG(double, l1_weight) = 1e-3;
  TORCH_ARG(double, rho) = 0.05;
  TORCH_ARG(double, beta) = 3.0;
  TORCH_ARG(RhoHatEstimate, rho_hat) = RhoHatEstimate::kBatch;
  TORCH_ARG(double, rho_momentum) = 0.99;
  TORCH_ARG(int64_t, k) = 25;
  // k at inference = min(code, round(k * k_inference_factor)) (Makhzani &
  // Frey's alpha k; 1 keeps k).
  TORCH_ARG(double, k_inference_factor) = 1.0;
  TORCH_ARG(double, weight_decay) = 0.0;  // lambda
  TORCH_ARG(ReconstructionLoss, reconstruction_loss) = ReconstructionLoss::kMean;
};

// The objective's parts for one batch.
struct AutoencoderLoss {
  at::Tensor total;           // reconstruction + sparsity + weight_decay
  at::Tensor reconstruction;
  at::Tensor sparsity;        // 0 for kNone and kKSparse
  at::Tensor weight_decay;
  at::Tensor code;            // (batch, code units)
  at::Tensor output;          // (batch, inputs)
};

class SparseAutoencoderImpl : public torch::nn::Cloneable<SparseAutoencoderImpl> {
 public:
  explicit SparseAutoencoderImpl(SparseAutoencoderOptions options);

  void reset() override;
  void pretty_print(std::ostream& stream) const override;

  // x: (batch, inputs) or (batch, ...) with inputs elements per sample.
  at::Tensor Encode(const at::Tensor& x);
  at::Tensor Decode(const at::Tensor& code);
  at::Tensor forward(const at::Tensor& x) { return Decode(Encode(x)); }
  // The full objective on x (training mode also updates the running rho_hat).
  AutoencoderLoss Loss(const at::Tensor& x);

  // rho_hat the KL term uses for `code` (updates the buffer in training with
  // kRunning).
  at::Tensor RhoHat(const at::Tensor& code);
  // Weight of decoder layer i (0 = the one reading the code): for tied
  // weights a transposed view of encoder layer (depth - 1 - i)'s weight.
  at::Tensor decoder_weight(size_t i) const;
  size_t depth() const { return encoder_linears.size(); }
  // First decoder layer's weight as (inputs?) filters: the code units'
  // features in input space, (code units, inputs), for depth 1 models.
  at::Tensor DecoderFilters() const;

  const std::shared_ptr<TapRecorder>& recorder() const { return recorder_; }

  SparseAutoencoderOptions options;
  std::vector<torch::nn::Linear> encoder_linears;
  torch::nn::Sequential encoder{nullptr};
  std::vector<torch::nn::Linear> decoder_linears;  // untied only
  std::vector<at::Tensor> decoder_biases;          // tied only
  KWinners k_winners{nullptr};                     // kKSparse only
  at::Tensor running_rho_hat;                      // buffer (code units)

 private:
  std::shared_ptr<TapRecorder> recorder_ = std::make_shared<TapRecorder>();
};
TORCH_MODULE(SparseAutoencoder);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_SPARSE_AUTOENCODER_H_
