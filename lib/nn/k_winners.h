// k-winners-take-all layers with boosting, after Ahmad & Scheinkman 2019,
// "How Can We Be So Dense?" (arXiv:1903.11257), and nupic.torch's KWinners /
// KWinners2d (whose arithmetic this follows).
//
// Training: each sample keeps the k units with the largest *boosted* value
//   b_j = x_j * exp(beta * (a_target - d_j))      (the paper's boosting rule)
// where d_j is unit j's duty cycle (how often it was active recently),
// a_target = k / n the target density and beta the boost strength. Boosting
// only ranks: the kept outputs are the original x_j and the rest are 0, and
// gradients flow only to the winners. Duty cycles are updated in training only.
// Inference: k becomes min(n, round(k * k_inference_factor)).
#ifndef SPARSELAB_LIB_NN_K_WINNERS_H_
#define SPARSELAB_LIB_NN_K_WINNERS_H_

#include <cstdint>
#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

namespace sparselab {

// A setter that returns the derived options type, so that chained setters
// mix shared and own fields (TORCH_ARG in a base would return the base).
#define SPARSELAB_SHARED_ARG(T, name, initial)                         \
 public:                                                              \
  Derived& name(const T& new_##name) {                                \
    this->name##_ = new_##name;                                       \
    return static_cast<Derived&>(*this);                              \
  }                                                                   \
  const T& name() const noexcept { return this->name##_; }            \
  T& name() noexcept { return this->name##_; }                        \
                                                                      \
 private:                                                             \
  T name##_ = initial;                                                \
                                                                      \
 public:

// What KWinnersOptions and KWinners2dOptions share (nupic.torch's
// KWinnersBase arguments): inference winners, boosting, duty cycles, ties.
template <typename Derived>
struct BoostOptions {
  // Inference keeps min(n, round(k * k_inference_factor)) winners.
  SPARSELAB_SHARED_ARG(double, k_inference_factor, 1.5)
  // beta in the boost factor; 0 turns boosting off.
  SPARSELAB_SHARED_ARG(double, boost_strength, 1.0)
  // update_boost_strength() multiplies beta by this (after each epoch).
  SPARSELAB_SHARED_ARG(double, boost_strength_factor, 0.9)
  // Number of samples the duty-cycle running mean covers.
  SPARSELAB_SHARED_ARG(int64_t, duty_cycle_period, 1000)
  // false: every unit tying with the k-th boosted value wins (maybe > k).
  // true: exactly k winners.
  SPARSELAB_SHARED_ARG(bool, break_ties, false)
  // true: winners with a boosted value <= 0 are also set to 0.
  SPARSELAB_SHARED_ARG(bool, relu, false)
};
#undef SPARSELAB_SHARED_ARG

struct KWinnersOptions : BoostOptions<KWinnersOptions> {
  // n units per sample, k winners in training.
  KWinnersOptions(int64_t n, int64_t k) : n_(n), k_(k) {}
  TORCH_ARG(int64_t, n);
  TORCH_ARG(int64_t, k);
};

// A layer whose boost strength decays after every epoch (nupic.torch's
// KWinnersBase.update_boost_strength); UpdateBoostStrength visits them.
class HasBoost {
 public:
  virtual ~HasBoost() = default;
  // beta <- beta * boost_strength_factor.
  virtual void update_boost_strength() = 0;
};

// k-winners over the units of a (batch, n) input.
class KWinnersImpl : public torch::nn::Cloneable<KWinnersImpl>, public HasBoost {
 public:
  explicit KWinnersImpl(KWinnersOptions options);
  KWinnersImpl(int64_t n, int64_t k) : KWinnersImpl(KWinnersOptions(n, k)) {}

  void reset() override;
  void pretty_print(std::ostream& stream) const override;

  at::Tensor forward(const at::Tensor& x);

  void update_boost_strength() override;
  // Winners in eval mode: min(n, round(k * k_inference_factor)).
  int64_t k_inference() const;
  // Entropy of the duty cycles (bits) and its maximum, MaxEntropy(n, k).
  double entropy() const;
  double max_entropy() const;

  KWinnersOptions options;
  // Buffers (saved by torch::save): duty cycle per unit (n), samples seen in
  // training (scalar), current boost strength (scalar).
  at::Tensor duty_cycles;
  at::Tensor learning_iterations;
  at::Tensor boost_strength;
};
TORCH_MODULE(KWinners);

struct KWinners2dOptions : BoostOptions<KWinners2dOptions> {
  // `channels` of the (batch, C, H, W) input; k winners (see `local`).
  KWinners2dOptions(int64_t channels, int64_t k) : channels_(channels), k_(k) {}
  TORCH_ARG(int64_t, channels);
  TORCH_ARG(int64_t, k);
  // false (global): k winners over the whole C x H x W map of each sample,
  //   target density k / (C H W).
  // true (local): k winning channels at each (h, w), target density k / C.
  TORCH_ARG(bool, local) = false;
};

// k-winners over convolutional maps; one duty cycle per channel (the fraction
// of positions at which the channel is active, averaged over samples).
class KWinners2dImpl : public torch::nn::Cloneable<KWinners2dImpl>, public HasBoost {
 public:
  explicit KWinners2dImpl(KWinners2dOptions options);
  KWinners2dImpl(int64_t channels, int64_t k)
      : KWinners2dImpl(KWinners2dOptions(channels, k)) {}

  void reset() override;
  void pretty_print(std::ostream& stream) const override;

  at::Tensor forward(const at::Tensor& x);

  void update_boost_strength() override;
  // Winners in eval mode for `units` candidates (C H W global, C local).
  int64_t k_inference(int64_t units) const;
  // nupic's 2-D entropy: the per-channel duty-cycle entropy times H W, and its
  // maximum MaxEntropy(C H W, k) (k H W in local mode). Need one forward first
  // (to know H W).
  double entropy() const;
  double max_entropy() const;

  KWinners2dOptions options;
  at::Tensor duty_cycles;          // (C)
  at::Tensor learning_iterations;  // scalar
  at::Tensor boost_strength;       // scalar

 private:
  int64_t positions_ = 0;  // H * W of the last input.
};
TORCH_MODULE(KWinners2d);

// Calls update_boost_strength() on `model` and every HasBoost layer inside it
// (KWinners, KWinners2d; nupic's model.apply(update_boost_strength)): after
// each epoch.
void UpdateBoostStrength(torch::nn::Module& model);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_K_WINNERS_H_
