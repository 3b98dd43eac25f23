#include "experiments/pruning/bayesian_bits_lenet.h"

#include <ATen/core/grad_mode.h>

namespace sparselab::pruning_experiment {
namespace {

BayesianBitsQuantizer WeightQuantizer(const at::Tensor& weight, int64_t prune_gates,
                                      const BayesianBitsLeNetOptions& o) {
  BayesianBitsQuantizer q(BayesianBitsQuantizerOptions()
                              .is_signed(true)
                              .log_alpha_init(o.gate_init)
                              .prune_gates(prune_gates)
                              .prune_log_alpha_init(o.prune_init));
  q->init_range(weight.detach());  // as the reference: x_max = max(w)
  return q;
}

BayesianBitsQuantizer ActivationQuantizer(const BayesianBitsLeNetOptions& o) {
  return BayesianBitsQuantizer(
      BayesianBitsQuantizerOptions().is_signed(false).log_alpha_init(o.gate_init));
}

}  // namespace

BayesianBitsLeNet5Impl::BayesianBitsLeNet5Impl(const BayesianBitsLeNetOptions& o) {
  namespace nn = torch::nn;
  conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(1, 32, 5)));
  conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(32, 64, 5)));
  fc1 = register_module("fc1", nn::Linear(1024, 512));
  fc2 = register_module("fc2", nn::Linear(512, 10));
  w_conv1 = register_module("w_conv1", WeightQuantizer(conv1->weight, 32, o));
  w_conv2 = register_module("w_conv2", WeightQuantizer(conv2->weight, 64, o));
  w_fc1 = register_module("w_fc1", WeightQuantizer(fc1->weight, 512, o));
  w_fc2 = register_module("w_fc2", WeightQuantizer(fc2->weight, 0, o));
  a_conv1 = register_module("a_conv1", ActivationQuantizer(o));
  a_conv2 = register_module("a_conv2", ActivationQuantizer(o));
  a_fc1 = register_module("a_fc1", ActivationQuantizer(o));
  // MACs of one 28 x 28 image (valid convolutions: 28 -> 24 -> 12 -> 8 -> 4).
  layers_ = {
      {Conv2dMacs(1, 32, 5, 5, 24, 24), w_conv1.ptr(), nullptr, 8, nullptr},
      {Conv2dMacs(32, 64, 5, 5, 8, 8), w_conv2.ptr(), a_conv1.ptr(), 8, w_conv1.ptr()},
      {LinearMacs(1024, 512), w_fc1.ptr(), a_conv2.ptr(), 8, w_conv2.ptr()},
      {LinearMacs(512, 10), w_fc2.ptr(), a_fc1.ptr(), 8, w_fc1.ptr()},
  };
}

at::Tensor BayesianBitsLeNet5Impl::Forward(const at::Tensor& x, bool init_ranges) {
  auto quantize = [init_ranges](BayesianBitsQuantizer& q, const at::Tensor& a) {
    if (init_ranges) q->init_range(a.detach());
    return q->forward(a);
  };
  at::Tensor h = at::conv2d(x, w_conv1->forward(conv1->weight), conv1->bias);
  h = at::max_pool2d(quantize(a_conv1, at::relu(h)), {2, 2});
  h = at::conv2d(h, w_conv2->forward(conv2->weight), conv2->bias);
  h = at::max_pool2d(quantize(a_conv2, at::relu(h)), {2, 2});
  h = at::linear(h.flatten(1), w_fc1->forward(fc1->weight), fc1->bias);
  h = quantize(a_fc1, at::relu(h));
  return at::linear(h, w_fc2->forward(fc2->weight), fc2->bias);
}

at::Tensor BayesianBitsLeNet5Impl::forward(const at::Tensor& x) { return Forward(x, false); }

void BayesianBitsLeNet5Impl::InitActivationRanges(const at::Tensor& x) {
  at::NoGradGuard no_grad;
  const bool was_training = is_training();
  eval();
  Forward(x, true);
  train(was_training);
}

nlohmann::json BayesianBitsLeNet5Impl::Describe() const {
  const char* names[] = {"conv1", "conv2", "fc1", "fc2"};
  nlohmann::json out = nlohmann::json::object();
  for (size_t i = 0; i < layers_.size(); ++i) {
    const BopLayer& l = layers_[i];
    out[names[i]] = {{"weight_bits", l.weight->bit_width()},
                     {"input_bits", l.input ? l.input->bit_width() : l.input_bits},
                     {"kept_output_channels", l.weight->keep_fraction()},
                     {"macs", l.macs}};
  }
  return out;
}

}  // namespace sparselab::pruning_experiment
