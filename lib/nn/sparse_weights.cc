#include "lib/nn/sparse_weights.h"

#include <cmath>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "lib/nn/winners.h"

namespace sparselab {
namespace {

// Registers the mask buffer and zeroes the masked weights.
at::Tensor InstallMask(torch::nn::Module& owner, at::Tensor& weight, double density) {
  at::Tensor mask = owner.register_buffer("weight_mask", RandomFanInMask(weight, density));
  at::NoGradGuard no_grad;
  weight.mul_(mask);
  return mask;
}

void Rezero(at::Tensor& weight, const at::Tensor& mask) {
  at::NoGradGuard no_grad;
  weight.mul_(mask);
}

}  // namespace

at::Tensor RandomFanInMask(const at::Tensor& weight, double density) {
  TORCH_CHECK(density > 0 && density <= 1, "SparseWeights: density = ", density,
              " must be in (0, 1] (the fraction of weights kept)");
  TORCH_CHECK(weight.dim() >= 2, "SparseWeights: weight must have an output and an input "
              "dimension, got shape ", weight.sizes());
  const int64_t outputs = weight.size(0);
  const int64_t fan_in = weight.numel() / outputs;
  const int64_t keep = std::llround(density * static_cast<double>(fan_in));
  TORCH_CHECK(keep >= 1, "SparseWeights: density = ", density, " keeps no input of the ",
              fan_in, " per unit; raise density to at least ", 0.5 / fan_in);
  // A uniformly random subset of size `keep` per unit: the top `keep` of
  // i.i.d. uniform scores.
  const at::Tensor scores = at::rand({outputs, fan_in}, weight.options().dtype(at::kFloat));
  return WinnerMask(scores, keep, /*dim=*/1, /*break_ties=*/true)
      .to(weight.scalar_type())
      .view(weight.sizes());
}

SparseWeightsImpl::SparseWeightsImpl(torch::nn::Linear linear, SparseWeightsOptions options)
    : options(options), module(register_module("module", std::move(linear))) {
  weight_mask = InstallMask(*this, module->weight, options.density());
}

at::Tensor SparseWeightsImpl::forward(const at::Tensor& x) { return module->forward(x); }

void SparseWeightsImpl::rezero_weights() { Rezero(module->weight, weight_mask); }

void SparseWeightsImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::SparseWeights(density=" << options.density() << ", "
         << *module << ")";
}

SparseWeights2dImpl::SparseWeights2dImpl(torch::nn::Conv2d conv, SparseWeightsOptions options)
    : options(options), module(register_module("module", std::move(conv))) {
  weight_mask = InstallMask(*this, module->weight, options.density());
}

at::Tensor SparseWeights2dImpl::forward(const at::Tensor& x) { return module->forward(x); }

void SparseWeights2dImpl::rezero_weights() { Rezero(module->weight, weight_mask); }

void SparseWeights2dImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::SparseWeights2d(density=" << options.density() << ", "
         << *module << ")";
}

void RezeroWeights(torch::nn::Module& model) {
  auto rezero = [](torch::nn::Module* m) {
    if (auto* linear = dynamic_cast<SparseWeightsImpl*>(m)) linear->rezero_weights();
    if (auto* conv = dynamic_cast<SparseWeights2dImpl*>(m)) conv->rezero_weights();
  };
  rezero(&model);
  for (const auto& child : model.modules(/*include_self=*/false)) rezero(child.get());
}

}  // namespace sparselab
