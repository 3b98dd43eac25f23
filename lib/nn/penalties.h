// Activation sparsity penalties, added to a task loss.
#ifndef SPARSELAB_LIB_NN_PENALTIES_H_
#define SPARSELAB_LIB_NN_PENALTIES_H_

#include <ATen/ATen.h>

namespace sparselab {

// L1 activity penalty: weight * sum |a| / batch, for activations (batch, ...).
at::Tensor L1ActivationPenalty(const at::Tensor& activations, double weight);

// Element-wise KL divergence between Bernoulli(rho) and Bernoulli(rho_hat):
//   rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat)).
// rho in (0, 1); rho_hat must lie in (0, 1).
at::Tensor BernoulliKL(double rho, const at::Tensor& rho_hat);

// The sparse autoencoder's sparsity penalty (Ng, CS294A lecture notes
// "Sparse autoencoder"):
//   beta * sum_j KL(rho || rho_hat_j),  rho_hat_j = mean over the batch of a_j,
// for activations (batch, units) in (0, 1) (e.g. sigmoid outputs). Its
// derivative in rho_hat_j is beta * ((1 - rho) / (1 - rho_hat_j) - rho / rho_hat_j).
// rho_hat is clamped to [1e-7, 1 - 1e-7] so saturated units give a large but
// finite penalty (and no gradient beyond the clamp).
at::Tensor KLSparsityPenalty(const at::Tensor& activations, double rho, double beta);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_PENALTIES_H_
