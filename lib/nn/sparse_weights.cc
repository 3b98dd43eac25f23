#include "lib/nn/sparse_weights.h"

#include <cmath>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "lib/nn/module_visitor.h"
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

namespace internal {

template <typename Derived, typename Layer>
MaskedWeights<Derived, Layer>::MaskedWeights(Layer layer, SparseWeightsOptions options)
    : options(options), module(std::move(layer)) {
  reset();
}

template <typename Derived, typename Layer>
MaskedWeights<Derived, Layer>::MaskedWeights(const MaskedWeights& other)
    : torch::nn::Cloneable<Derived>(other),
      HasRezero(other),
      options(other.options),
      module(std::dynamic_pointer_cast<typename Layer::ContainedType>(other.module->clone())) {}

template <typename Derived, typename Layer>
void MaskedWeights<Derived, Layer>::reset() {
  module = this->register_module("module", module);
  weight_mask = InstallMask(*this, module->weight, options.density());
}

template <typename Derived, typename Layer>
void MaskedWeights<Derived, Layer>::rezero_weights() {
  Rezero(module->weight, weight_mask);
}

template <typename Derived, typename Layer>
void MaskedWeights<Derived, Layer>::pretty_print(std::ostream& stream) const {
  stream << Derived::kName << "(density=" << options.density() << ", " << *module << ")";
}

template class MaskedWeights<SparseWeightsImpl, torch::nn::Linear>;
template class MaskedWeights<SparseWeights2dImpl, torch::nn::Conv2d>;

}  // namespace internal

void RezeroWeights(torch::nn::Module& model) {
  ForEachModule<HasRezero>(model, [](HasRezero& layer) { layer.rezero_weights(); });
}

}  // namespace sparselab
