#include "lib/nn/plane_penalties.h"

#include <c10/util/Exception.h>
#include <torch/autograd.h>

namespace sparselab {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Row norms of an (M, L) matrix with the gradient g x / ||x|| at nonzero rows
// and 0 at zero rows.
class RowNorms : public torch::autograd::Function<RowNorms> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& rows) {
    at::Tensor norms = rows.square().sum(1).sqrt();
    ctx->save_for_backward({rows, norms});
    return norms;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor& rows = saved[0];
    const at::Tensor& norms = saved[1];
    const at::Tensor nonzero = norms > 0;
    // Dividing by 1 at zero rows keeps inf (and NaN in a double backward) out.
    const at::Tensor safe = at::where(nonzero, norms, at::ones_like(norms));
    const at::Tensor scale =
        at::where(nonzero, grad_outputs[0] / safe, at::zeros_like(norms)).unsqueeze(1);
    return {rows * scale};
  }
};

}  // namespace

at::Tensor PlaneNorms(const at::Tensor& x) {
  TORCH_CHECK(x.defined() && x.dim() >= 3,
              "PlaneNorms: expected planes in the last two dimensions of a tensor with at least 3 "
              "(e.g. (C_out, C_in, kh, kw) or (N, C, H, W)), got ",
              x.defined() ? x.sizes() : at::IntArrayRef{});
  TORCH_CHECK(at::isFloatingType(x.scalar_type()), "PlaneNorms: expected a floating tensor, got ",
              x.scalar_type());
  const at::IntArrayRef sizes = x.sizes();
  const at::IntArrayRef leading = sizes.slice(0, sizes.size() - 2);
  const int64_t plane = sizes[sizes.size() - 2] * sizes[sizes.size() - 1];
  TORCH_CHECK(plane > 0, "PlaneNorms: the planes of a tensor of shape ", sizes,
              " are empty; give planes of at least one element");
  return RowNorms::apply(x.reshape({x.numel() / plane, plane})).view(leading);
}

at::Tensor WeightPlaneGroupLasso(const at::Tensor& weight) {
  TORCH_CHECK(weight.defined() && (weight.dim() == 4 || weight.dim() == 3),
              "WeightPlaneGroupLasso: expected a (C_out, C_in, kh, kw) conv weight or the (P, kh, "
              "kw) stored planes of a PlaneSparseConv2d, got ",
              weight.defined() ? weight.sizes() : at::IntArrayRef{});
  return PlaneNorms(weight).sum();
}

at::Tensor ActivationPlaneGroupLasso(const at::Tensor& activations) {
  TORCH_CHECK(activations.defined() && activations.dim() == 4 && activations.size(0) > 0,
              "ActivationPlaneGroupLasso: expected a (N, C, H, W) feature map with N > 0, got ",
              activations.defined() ? activations.sizes() : at::IntArrayRef{});
  return PlaneNorms(activations).sum() / static_cast<double>(activations.size(0));
}

at::Tensor ActivationPlaneGroupLasso(const PlaneSparseTensor& activations) {
  CheckPlaneSparse(activations, "ActivationPlaneGroupLasso");
  TORCH_CHECK(activations.batch() > 0, "ActivationPlaneGroupLasso: the map has no samples");
  return PlaneNorms(activations.values).sum() / static_cast<double>(activations.batch());
}

}  // namespace sparselab
