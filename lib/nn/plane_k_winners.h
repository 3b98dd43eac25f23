// k-winners over whole planes (channels) of a (N, C, H, W) feature map: per
// sample the k planes with the largest boosted energy stay, every other plane
// becomes 0. The k-winners of Ahmad & Scheinkman 2019 ("How Can We Be So
// Dense?", arXiv:1903.11257, section 3) with planes as the units, so that the
// output is plane-sparse (plane_sparse.h) and the next PlaneSparseConv2d reads
// only the kept planes.
//
// Plane energy (the ranked score; chosen over mean |x| because it is the
// squared Frobenius norm, the quantity the plane group lasso of
// plane_penalties.h shrinks):
//   e[n, c] = sum_{h, w} x[n, c, h, w]^2
// boosted by the paper's factor b_c = exp(beta * (k / C - d_c)), d_c the
// plane's duty cycle:
//   s[n, c] = e[n, c] * b_c.
// Boosting only ranks: kept planes pass x unchanged and gradients flow only
// through them. A plane counts as active for its duty cycle (the fraction of
// recent samples in which it was active) when it is kept and its energy is
// > 0, as nupic.torch counts outputs > 0. Duty cycles are updated in training
// only. Inference keeps max(1, min(C, round(k * k_inference_factor))) planes.
//
// Ties: break_ties = true (the default here, unlike KWinners) keeps exactly k
// planes, at::topk choosing among planes that tie with the k-th score;
// false keeps every plane whose score ties with the k-th (maybe more than k).
// The default differs because all-zero planes (common after a ReLU) tie at
// energy 0: with false, a sample with fewer than k nonzero planes would keep
// every one of its zero planes.
//
//   PlaneKWinners kw(PlaneKWinnersOptions(64, 4));      // or ::PercentOn(64, 0.05)
//   at::Tensor y = kw(x);                                // dense, losers 0
//   PlaneSparseTensor s = kw->forward_sparse(x);         // the kept planes
//   PlaneSparseTensor z = conv->forward(s, wanted);      // PlaneSparseConv2d
#ifndef SPARSELAB_LIB_NN_PLANE_K_WINNERS_H_
#define SPARSELAB_LIB_NN_PLANE_K_WINNERS_H_

#include <cstdint>
#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include "lib/nn/k_winners.h"
#include "lib/nn/plane_sparse.h"

namespace sparselab {

struct PlaneKWinnersOptions {
  // `channels` planes per sample, `k` kept in training (1 <= k < channels).
  PlaneKWinnersOptions(int64_t channels, int64_t k) : channels_(channels), k_(k) {}
  // k = round(percent_on * channels); percent_on in (0, 1), and the rounded k
  // must satisfy 1 <= k < channels (else a c10::Error naming the fix).
  static PlaneKWinnersOptions PercentOn(int64_t channels, double percent_on);

  TORCH_ARG(int64_t, channels);
  TORCH_ARG(int64_t, k);
  // Inference keeps min(C, round(k * k_inference_factor)) planes.
  TORCH_ARG(double, k_inference_factor) = 1.5;
  // beta in the boost factor; 0 turns boosting off.
  TORCH_ARG(double, boost_strength) = 1.0;
  // update_boost_strength() multiplies beta by this (after each epoch).
  TORCH_ARG(double, boost_strength_factor) = 0.9;
  // Number of samples the duty-cycle running mean covers.
  TORCH_ARG(int64_t, duty_cycle_period) = 1000;
  // true: exactly k planes; false: every plane tying with the k-th score.
  TORCH_ARG(bool, break_ties) = true;
};

// e[n, c] = sum_{h, w} x[n, c, h, w]^2 of a (N, C, H, W) tensor, (N, C);
// differentiable.
at::Tensor PlaneEnergy(const at::Tensor& x);

class PlaneKWinnersImpl : public torch::nn::Cloneable<PlaneKWinnersImpl>, public HasBoost {
 public:
  explicit PlaneKWinnersImpl(PlaneKWinnersOptions options);
  PlaneKWinnersImpl(int64_t channels, int64_t k)
      : PlaneKWinnersImpl(PlaneKWinnersOptions(channels, k)) {}

  void reset() override;
  void pretty_print(std::ostream& stream) const override;

  // x (N, C, H, W) with the losing planes 0; updates the duty cycles in
  // training.
  at::Tensor forward(const at::Tensor& x);
  // The same selection (and duty-cycle update) as forward, returned as the
  // kept planes: index = the winners (kept_planes), values = their planes of
  // x (differentiable).
  PlaneSparseTensor forward_sparse(const at::Tensor& x);

  // (N, C) bool: the planes forward would keep now (current duty cycles and
  // mode), without updating anything.
  at::Tensor winner_mask(const at::Tensor& x) const;
  // The same as a PlaneIndex, for PlaneSparseConv2d.
  PlaneIndex kept_planes(const at::Tensor& x) const;

  void update_boost_strength() override;
  // Planes kept in eval mode: max(1, min(C, round(k * k_inference_factor))).
  int64_t k_inference() const;
  // Entropy (bits) of the duty cycles and its maximum MaxEntropy(C, k)
  // (duty_cycle_metrics.h).
  double entropy() const;
  double max_entropy() const;

  PlaneKWinnersOptions options;
  // Buffers (saved by torch::save): duty cycle per plane (C), samples seen in
  // training (int64 scalar), current boost strength (scalar).
  at::Tensor duty_cycles;
  at::Tensor learning_iterations;
  at::Tensor boost_strength;

 private:
  void check_input(const at::Tensor& x) const;
  // The winners of x; `energy` receives e (detached).
  at::Tensor select(const at::Tensor& x, at::Tensor& energy) const;
  void update_duty_cycles(const at::Tensor& mask, const at::Tensor& energy);
};
TORCH_MODULE(PlaneKWinners);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_PLANE_K_WINNERS_H_
