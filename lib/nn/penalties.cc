#include "lib/nn/penalties.h"

#include <c10/util/Exception.h>

namespace sparselab {

at::Tensor L1ActivationPenalty(const at::Tensor& activations, double weight) {
  TORCH_CHECK(activations.dim() >= 1 && activations.size(0) > 0,
              "L1ActivationPenalty: expected activations (batch, ...), got ",
              activations.sizes());
  TORCH_CHECK(weight >= 0, "L1ActivationPenalty: weight must be >= 0, got ", weight);
  return weight * activations.abs().sum() / static_cast<double>(activations.size(0));
}

at::Tensor BernoulliKL(double rho, const at::Tensor& rho_hat) {
  TORCH_CHECK(rho > 0 && rho < 1, "BernoulliKL: rho must be in (0, 1), got ", rho);
  return rho * at::log(rho / rho_hat) + (1 - rho) * at::log((1 - rho) / (1 - rho_hat));
}

at::Tensor KLSparsityPenalty(const at::Tensor& activations, double rho, double beta) {
  TORCH_CHECK(activations.dim() == 2 && activations.size(0) > 0,
              "KLSparsityPenalty: expected activations (batch, units), got ",
              activations.sizes());
  TORCH_CHECK(beta >= 0, "KLSparsityPenalty: beta must be >= 0, got ", beta);
  constexpr double kEps = 1e-7;
  const at::Tensor rho_hat = activations.mean(0).clamp(kEps, 1 - kEps);
  return beta * BernoulliKL(rho, rho_hat).sum();
}

}  // namespace sparselab
