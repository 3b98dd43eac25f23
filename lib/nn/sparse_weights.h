// Layers with a fixed fraction of their weights pinned at zero ("How Can We Be
// So Dense?", Ahmad & Scheinkman 2019: the sparse-weight layers; nupic.torch's
// SparseWeights / SparseWeights2d). Each output unit keeps the same number of
// inputs, round(density * fan_in), chosen at random once at construction; the
// mask is a buffer, so torch::save / torch::load keep it. Masked weights are
// zero from construction; the optimizer may move them (their gradients are
// not masked), so call rezero_weights() after every optimizer step.
#ifndef SPARSELAB_LIB_NN_SPARSE_WEIGHTS_H_
#define SPARSELAB_LIB_NN_SPARSE_WEIGHTS_H_

#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace sparselab {

struct SparseWeightsOptions {
  /* implicit */ SparseWeightsOptions(double density = 0.5) : density_(density) {}
  // Fraction of each output unit's weights kept, in (0, 1].
  TORCH_ARG(double, density);
};

// A 0/1 mask of `weight`'s shape and dtype in which each output unit (first
// dimension) keeps round(density * fan_in) of its fan_in inputs, chosen
// uniformly without replacement (the default generator: seed with
// torch::manual_seed for reproducible masks).
at::Tensor RandomFanInMask(const at::Tensor& weight, double density);

// A layer with weights pinned at zero that an optimizer step may move
// (nupic.torch's HasRezeroWeights); RezeroWeights visits them.
class HasRezero {
 public:
  virtual ~HasRezero() = default;
  // Zeroes the masked weights again (after an optimizer step).
  virtual void rezero_weights() = 0;
};

namespace internal {

// What SparseWeights and SparseWeights2d share: the wrapped layer, its mask,
// rezeroing and a deep clone() (the wrapped layer is cloned too and the copy
// keeps the original's mask; clone() advances the default generator by the
// one mask draw that reset() makes and clone() then overwrites).
template <typename Derived, typename Layer>
class MaskedWeights : public torch::nn::Cloneable<Derived>, public HasRezero {
 public:
  MaskedWeights(Layer layer, SparseWeightsOptions options);
  MaskedWeights(const MaskedWeights& other);
  MaskedWeights& operator=(const MaskedWeights& other) = default;

  // Registers the wrapped layer, draws its mask and zeroes the masked
  // weights; called by the constructor and clone(), as LibTorch's reset().
  void reset() override;
  at::Tensor forward(const at::Tensor& x) { return module->forward(x); }
  void rezero_weights() override;
  void pretty_print(std::ostream& stream) const override;

  SparseWeightsOptions options;
  Layer module;
  at::Tensor weight_mask;  // buffer: 1 = kept, 0 = pinned at zero
};

}  // namespace internal

// A Linear whose weight is masked.
class SparseWeightsImpl
    : public internal::MaskedWeights<SparseWeightsImpl, torch::nn::Linear> {
 public:
  using MaskedWeights::MaskedWeights;
  static constexpr const char* kName = "sparselab::SparseWeights";
};
TORCH_MODULE(SparseWeights);

// A Conv2d whose weight is masked; fan_in = in_channels / groups * kh * kw.
class SparseWeights2dImpl
    : public internal::MaskedWeights<SparseWeights2dImpl, torch::nn::Conv2d> {
 public:
  using MaskedWeights::MaskedWeights;
  static constexpr const char* kName = "sparselab::SparseWeights2d";
};
TORCH_MODULE(SparseWeights2d);

// Calls rezero_weights() on `model` and every HasRezero layer inside it
// (SparseWeights, SparseWeights2d): the per-step callback after each
// optimizer step.
void RezeroWeights(torch::nn::Module& model);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_SPARSE_WEIGHTS_H_
