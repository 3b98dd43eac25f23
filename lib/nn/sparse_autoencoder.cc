#include "lib/nn/sparse_autoencoder.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <torch/nn/modules/activation.h>

#include "lib/nn/penalties.h"

namespace sparselab {

const char* SparsityMechanismName(SparsityMechanism m) {
  switch (m) {
    case SparsityMechanism::kNone: return "none";
    case SparsityMechanism::kL1: return "l1";
    case SparsityMechanism::kKL: return "kl";
    case SparsityMechanism::kKSparse: return "k_sparse";
  }
  return "?";
}

bool ParseSparsityMechanism(const std::string& name, SparsityMechanism* out) {
  for (SparsityMechanism m : {SparsityMechanism::kNone, SparsityMechanism::kL1,
                              SparsityMechanism::kKL, SparsityMechanism::kKSparse}) {
    if (name == SparsityMechanismName(m)) {
      *out = m;
      return true;
    }
  }
  return false;
}

SparseAutoencoderImpl::SparseAutoencoderImpl(SparseAutoencoderOptions options_)
    : options(std::move(options_)) {
  reset();
}

void SparseAutoencoderImpl::reset() {
  const std::vector<int64_t>& w = options.widths();
  TORCH_CHECK(w.size() >= 2, "SparseAutoencoder: widths needs at least {inputs, code}, got ",
              w.size(), " entries");
  for (int64_t n : w) TORCH_CHECK(n >= 1, "SparseAutoencoder: every width must be >= 1");
  const int64_t code = w.back();
  const SparsityMechanism s = options.sparsity();
  TORCH_CHECK(options.weight_decay() >= 0, "SparseAutoencoder: weight_decay must be >= 0");
  if (s == SparsityMechanism::kL1) {
    TORCH_CHECK(options.l1_weight() >= 0, "SparseAutoencoder: l1_weight must be >= 0");
  }
  if (s == SparsityMechanism::kKL) {
    TORCH_CHECK(options.rho() > 0 && options.rho() < 1,
                "SparseAutoencoder: rho must be in (0, 1), got ", options.rho());
    TORCH_CHECK(options.beta() >= 0, "SparseAutoencoder: beta must be >= 0");
    TORCH_CHECK(options.code_activation() == CodeActivation::kSigmoid,
                "SparseAutoencoder: the KL penalty needs codes in (0, 1): use sigmoid codes");
    TORCH_CHECK(options.rho_momentum() >= 0 && options.rho_momentum() < 1,
                "SparseAutoencoder: rho_momentum must be in [0, 1)");
  }
  if (s == SparsityMechanism::kKSparse) {
    TORCH_CHECK(options.k() >= 1 && options.k() <= code, "SparseAutoencoder: k must be in [1, ",
                code, "], got ", options.k());
  }
  const size_t depth = w.size() - 1;
  encoder_linears.clear();
  decoder_linears.clear();
  decoder_biases.clear();
  encoder = register_module("encoder", torch::nn::Sequential());
  for (size_t i = 0; i < depth; ++i) {
    torch::nn::Linear linear(w[i], w[i + 1]);
    encoder->push_back(linear);
    encoder_linears.push_back(linear);
    const bool last = i + 1 == depth;
    if (!last || options.code_activation() == CodeActivation::kRelu) {
      encoder->push_back(torch::nn::ReLU());
    } else {
      encoder->push_back(torch::nn::Sigmoid());
    }
    if (last && s == SparsityMechanism::kKSparse) {
      k_winners = KWinners(KWinnersOptions(code, options.k())
                               .boost_strength(0.0)
                               .k_inference_factor(options.k_inference_factor())
                               .break_ties(true));
      encoder->push_back(k_winners);
    }
    encoder->push_back(Tap(last ? "code" : "encoder." + std::to_string(i), recorder_));
  }
  for (size_t i = 0; i < depth; ++i) {
    const int64_t in = w[depth - i], out = w[depth - i - 1];
    if (options.tied()) {
      decoder_biases.push_back(
          register_parameter("decoder_bias" + std::to_string(i), at::zeros({out})));
    } else {
      decoder_linears.push_back(
          register_module("decoder" + std::to_string(i), torch::nn::Linear(in, out)));
    }
  }
  running_rho_hat = register_buffer("running_rho_hat", at::full({code}, options.rho()));
}

void SparseAutoencoderImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::SparseAutoencoder(widths=[";
  for (size_t i = 0; i < options.widths().size(); ++i) {
    stream << (i ? ", " : "") << options.widths()[i];
  }
  stream << "], tied=" << (options.tied() ? "true" : "false") << ", code="
         << (options.code_activation() == CodeActivation::kSigmoid ? "sigmoid" : "relu")
         << ", sparsity=" << SparsityMechanismName(options.sparsity());
  switch (options.sparsity()) {
    case SparsityMechanism::kL1: stream << ", l1_weight=" << options.l1_weight(); break;
    case SparsityMechanism::kKL:
      stream << ", rho=" << options.rho() << ", beta=" << options.beta() << ", rho_hat="
             << (options.rho_hat() == RhoHatEstimate::kBatch ? "batch" : "running");
      break;
    case SparsityMechanism::kKSparse: stream << ", k=" << options.k(); break;
    case SparsityMechanism::kNone: break;
  }
  stream << ", weight_decay=" << options.weight_decay() << ")";
}

at::Tensor SparseAutoencoderImpl::Encode(const at::Tensor& x) {
  const int64_t inputs = options.widths().front();
  TORCH_CHECK(x.dim() >= 1 && x.numel() == x.size(0) * inputs,
              "SparseAutoencoder: expected (batch, ", inputs, ") inputs, got ", x.sizes());
  return encoder->forward(x.reshape({x.size(0), inputs}));
}

at::Tensor SparseAutoencoderImpl::decoder_weight(size_t i) const {
  const size_t d = depth();
  TORCH_CHECK(i < d, "SparseAutoencoder: decoder layer ", i, " of ", d);
  if (options.tied()) return encoder_linears[d - 1 - i]->weight.t();
  return decoder_linears[i]->weight;
}

at::Tensor SparseAutoencoderImpl::Decode(const at::Tensor& code) {
  at::Tensor h = code;
  const size_t d = depth();
  for (size_t i = 0; i < d; ++i) {
    const at::Tensor bias = options.tied() ? decoder_biases[i] : decoder_linears[i]->bias;
    h = at::linear(h, decoder_weight(i), bias);
    if (i + 1 < d) {
      h = at::relu(h);
    } else if (options.sigmoid_output()) {
      h = at::sigmoid(h);
    }
  }
  return h;
}

at::Tensor SparseAutoencoderImpl::RhoHat(const at::Tensor& code) {
  const at::Tensor batch_mean = code.mean(0);
  if (options.rho_hat() == RhoHatEstimate::kBatch) return batch_mean;
  if (!is_training()) return running_rho_hat.to(code.dtype());
  const double m = options.rho_momentum();
  const at::Tensor rho_hat = m * running_rho_hat.to(code.dtype()) + (1 - m) * batch_mean;
  {
    at::NoGradGuard no_grad;
    running_rho_hat.copy_(rho_hat.detach());
  }
  return rho_hat;
}

AutoencoderLoss SparseAutoencoderImpl::Loss(const at::Tensor& x) {
  AutoencoderLoss loss;
  {
    TapScope scope(*recorder_);
    loss.output = forward(x);
    loss.code = recorder_->Get("code");
  }
  const at::Tensor target = x.reshape(loss.output.sizes());
  const at::Tensor sq = (loss.output - target).pow(2);
  loss.reconstruction = options.reconstruction_loss() == ReconstructionLoss::kMean
                            ? sq.mean()
                            : 0.5 * sq.sum() / static_cast<double>(x.size(0));
  switch (options.sparsity()) {
    case SparsityMechanism::kL1:
      loss.sparsity = L1ActivationPenalty(loss.code, options.l1_weight());
      break;
    case SparsityMechanism::kKL: {
      constexpr double kEps = 1e-7;  // as KLSparsityPenalty clamps
      if (options.rho_hat() == RhoHatEstimate::kBatch) {
        loss.sparsity = KLSparsityPenalty(loss.code, options.rho(), options.beta());
      } else {
        const at::Tensor rho_hat = RhoHat(loss.code).clamp(kEps, 1 - kEps);
        loss.sparsity = options.beta() * BernoulliKL(options.rho(), rho_hat).sum();
      }
      break;
    }
    case SparsityMechanism::kNone:
    case SparsityMechanism::kKSparse:
      loss.sparsity = at::zeros({}, loss.output.options());
      break;
  }
  at::Tensor squares = at::zeros({}, loss.output.options());
  for (const auto& linear : encoder_linears) squares = squares + linear->weight.pow(2).sum();
  for (const auto& linear : decoder_linears) squares = squares + linear->weight.pow(2).sum();
  loss.weight_decay = 0.5 * options.weight_decay() * squares;
  loss.total = loss.reconstruction + loss.sparsity + loss.weight_decay;
  return loss;
}

at::Tensor SparseAutoencoderImpl::DecoderFilters() const {
  at::NoGradGuard no_grad;
  if (depth() == 1) return decoder_weight(0).t().contiguous();
  // Deeper decoders: each code unit's effect on the output, Decode(e_j) - Decode(0).
  auto* self = const_cast<SparseAutoencoderImpl*>(this);
  const int64_t code = options.widths().back();
  const at::Tensor eye = at::eye(code, encoder_linears[0]->weight.options());
  return (self->Decode(eye) - self->Decode(at::zeros_like(eye))).contiguous();
}

}  // namespace sparselab
