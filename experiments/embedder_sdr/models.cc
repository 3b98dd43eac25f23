#include "experiments/embedder_sdr/models.h"

#include <algorithm>
#include <cmath>

#include <ATen/core/grad_mode.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/modules/activation.h>

#include "absl/strings/str_format.h"
#include "lib/nn/kwta.h"
#include "lib/nn/synaptic_scaling.h"

namespace sparselab::embedder_sdr {

int64_t WinnersFor(double sparsity, int64_t units) {
  const int64_t k = static_cast<int64_t>(std::ceil(sparsity * static_cast<double>(units) - 1e-9));
  return std::clamp<int64_t>(k, 1, units - 1);
}

namespace {

torch::nn::AnyModule MakeKwta(const ShallowEmbedderOptions& o, int64_t k) {
  if (o.soft_code_kwta) return torch::nn::AnyModule(KWTASoft(KWTASoftOptions(k).hardness(o.kwta_hardness)));
  return torch::nn::AnyModule(KWTABinary(k));
}

}  // namespace

ShallowEmbedderImpl::ShallowEmbedderImpl(ShallowEmbedderOptions opts) : options(opts) {
  conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 3, 3).bias(false)));
  bn = register_module("bn", torch::nn::BatchNorm2d(3));
  fc_hidden = register_module("fc_hidden", torch::nn::Linear(kFeatures, kHidden));
  if (options.hidden_kwta) {
    hidden_activation = MakeKwta(options, WinnersFor(options.hidden_sparsity, kHidden));
  } else {
    hidden_activation = torch::nn::AnyModule(torch::nn::ReLU());
  }
  register_module("hidden_activation", hidden_activation.ptr());
  if (options.head == Head::kSoftmax) {
    fc_out = register_module("fc_out", torch::nn::Linear(kHidden, options.classes));
    return;
  }
  fc_out = register_module("fc_out", torch::nn::Linear(kHidden, options.embedding_dim));
  if (options.head == Head::kDenseCode) return;
  const int64_t k = WinnersFor(options.code_sparsity, options.embedding_dim);
  if (options.synaptic_scaling) {
    code_activation = torch::nn::AnyModule(SynapticScaling(
        MakeKwta(options, k),
        SynapticScalingOptions(options.embedding_dim, static_cast<double>(k) / options.embedding_dim)
            .boost_factor(options.scaling_boost)
            .period(options.scaling_period)));
  } else {
    code_activation = MakeKwta(options, k);
  }
  register_module("code_activation", code_activation.ptr());
}

LayerOutputs ShallowEmbedderImpl::Forward(const at::Tensor& x) {
  at::Tensor h = torch::nn::functional::relu(bn->forward(conv->forward(x)));
  h = torch::nn::functional::max_pool2d(h, torch::nn::functional::MaxPool2dFuncOptions(3));
  h = hidden_activation.forward<at::Tensor>(fc_hidden->forward(h.flatten(1)));
  LayerOutputs out;
  out.hidden = h;
  const at::Tensor z = fc_out->forward(h);
  out.output = options.head == Head::kSoftmax     ? at::log_softmax(z, 1)
               : options.head == Head::kDenseCode ? z
                                                  : code_activation.forward<at::Tensor>(z);
  return out;
}

void ShallowEmbedderImpl::CopyFeaturesFrom(const ShallowEmbedderImpl& other) {
  at::NoGradGuard no_grad;
  conv->weight.copy_(other.conv->weight);
  bn->weight.copy_(other.bn->weight);
  bn->bias.copy_(other.bn->bias);
  bn->running_mean.copy_(other.bn->running_mean);
  bn->running_var.copy_(other.bn->running_var);
  bn->num_batches_tracked.copy_(other.bn->num_batches_tracked);
  fc_hidden->weight.copy_(other.fc_hidden->weight);
  fc_hidden->bias.copy_(other.fc_hidden->bias);
}

std::string ShallowEmbedderImpl::Describe() const {
  const std::string kind =
      options.soft_code_kwta ? absl::StrFormat("soft kWTA(hardness=%g, ", options.kwta_hardness)
                             : std::string("binary kWTA(");
  const std::string hidden =
      options.hidden_kwta
          ? absl::StrFormat("%sk=%d)", kind, WinnersFor(options.hidden_sparsity, kHidden))
          : "ReLU";
  if (options.head == Head::kSoftmax) {
    return absl::StrFormat(
        "conv1->3 3x3, BN, ReLU, maxpool3, linear192->128, %s, linear128->%d, log-softmax",
        hidden, options.classes);
  }
  return absl::StrFormat(
      "conv1->3 3x3, BN, ReLU, maxpool3, linear192->128, %s, linear128->%d, %s%sk=%d)", hidden,
      options.embedding_dim,
      options.synaptic_scaling
          ? absl::StrFormat("synaptic scaling(boost=%g, period=%d) + ", options.scaling_boost,
                            options.scaling_period)
          : "",
      kind, WinnersFor(options.code_sparsity, options.embedding_dim));
}

}  // namespace sparselab::embedder_sdr
