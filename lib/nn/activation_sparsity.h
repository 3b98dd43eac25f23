// The SparseLinear seed project's dynamic activation sparsity
// (sparselinear/activationsparsity.py), built on lib's k-winners layer
// (k_winners.h, after Ahmad & Scheinkman 2019, "How Can We Be So Dense?"):
// each sample keeps its k = round((1 - act_sparsity) n) units with the largest
// boosted value x_j exp(beta (k/n - d_j)); the rest are 0.
//
// The seed's duty cycle is an exponential average with rate alpha per batch,
//   d <- (1 - alpha) d + alpha * (batch-mean activity),
// which is KWinners' running mean over duty_cycle_period = batch_size / alpha
// samples (after its warm-up), so this layer is a KWinners configured that way:
// no boost decay (the seed keeps beta fixed) and the same k in evaluation.
// Deviations from the seed, which follow the paper and the tutorial's text:
// k counts the *active* units (the seed's code keeps act_sparsity * n), the
// boost target is the density k / n (the seed divides k by the input's norm),
// and the duty cycle averages activity 0/1 (the seed averages output values).
#ifndef SPARSELAB_LIB_NN_ACTIVATION_SPARSITY_H_
#define SPARSELAB_LIB_NN_ACTIVATION_SPARSITY_H_

#include <cstdint>
#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include "lib/nn/k_winners.h"

namespace sparselab {

struct ActivationSparsityOptions {
  explicit ActivationSparsityOptions(int64_t n) : n_(n) {}
  TORCH_ARG(int64_t, n);                    // units per sample
  TORCH_ARG(double, alpha) = 0.1;           // duty-cycle rate per batch
  TORCH_ARG(double, beta) = 1.5;            // boost strength
  TORCH_ARG(double, act_sparsity) = 0.65;   // fraction of inactive units
  TORCH_ARG(int64_t, batch_size) = 64;      // training batch, sets the duty-cycle window
};

// (N, n) -> (N, n) with all but k units of each sample zeroed.
class ActivationSparsityImpl : public torch::nn::Cloneable<ActivationSparsityImpl> {
 public:
  explicit ActivationSparsityImpl(ActivationSparsityOptions options);

  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  at::Tensor forward(const at::Tensor& x);

  int64_t k() const;
  // The KWinners options this layer uses (exposed for tests and reports).
  static KWinnersOptions KWinnersFor(const ActivationSparsityOptions& options);

  ActivationSparsityOptions options;
  KWinners winners{nullptr};
};
TORCH_MODULE(ActivationSparsity);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_ACTIVATION_SPARSITY_H_
