#include "lib/nn/k_winners.h"

#include <algorithm>
#include <cmath>
#include <ios>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "lib/nn/duty_cycle_metrics.h"
#include "lib/nn/internal/boosting.h"
#include "lib/nn/internal/winners_kernel.h"
#include "lib/nn/module_visitor.h"
#include "lib/nn/winners.h"

namespace sparselab {
namespace {

using internal::BoostFactors;
using internal::CheckBoostOptions;
using internal::InferenceK;
using internal::RegisterBoostBuffers;

// x with every non-winner (and, with relu, every non-positive winner) zeroed.
at::Tensor KeepWinners(const at::Tensor& x, const at::Tensor& boosted, int64_t k,
                       int64_t dim, bool break_ties, bool relu) {
  at::Tensor keep = WinnerMask(boosted, k, dim, break_ties);
  if (relu) keep.logical_and_(boosted > 0);
  return x.masked_fill(keep.logical_not(), 0);
}

}  // namespace

// ---------------------------------------------------------------------------
// KWinners

KWinnersImpl::KWinnersImpl(KWinnersOptions options) : options(std::move(options)) {
  reset();
}

void KWinnersImpl::reset() {
  const auto& o = options;
  TORCH_CHECK(o.n() > 0, "KWinners: n (units) must be positive, got ", o.n());
  TORCH_CHECK(o.k() >= 1 && o.k() <= o.n(), "KWinners: k = ", o.k(),
              " is outside [1, n] with n = ", o.n(), "; choose 1 <= k <= n");
  CheckBoostOptions("KWinners", o.k_inference_factor(), o.boost_strength(),
                    o.boost_strength_factor(), o.duty_cycle_period());
  RegisterBoostBuffers(*this, o.n(), o.boost_strength(), duty_cycles,
                       learning_iterations, boost_strength);
}

void KWinnersImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "sparselab::KWinners(n=" << options.n() << ", k=" << options.k()
         << ", k_inference=" << k_inference()
         << ", boost_strength_factor=" << options.boost_strength_factor()
         << ", duty_cycle_period=" << options.duty_cycle_period()
         << ", break_ties=" << options.break_ties() << ", relu=" << options.relu() << ")";
}

int64_t KWinnersImpl::k_inference() const {
  return InferenceK(options.k(), options.k_inference_factor(), options.n());
}

at::Tensor KWinnersImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.n(),
              "KWinners: expected an input of shape (batch, ", options.n(), "), got ",
              x.sizes(), "; KWinnersOptions(n, k) must give n = the input's width");
  const int64_t k = is_training() ? options.k() : k_inference();
  const double target_density =
      static_cast<double>(options.k()) / static_cast<double>(options.n());
  const at::Tensor factor = BoostFactors(duty_cycles, target_density, boost_strength);
  at::Tensor out, active;  // active: outputs > 0 per unit, as nupic counts them
  if (internal::UseFusedWinners(x, factor)) {
    internal::KWinnersResult fused = internal::KWinnersForward(
        x, factor, {options.n(), 1, /*local=*/false}, k, options.break_ties(), options.relu());
    out = fused.out;
    active = fused.active;
  } else {
    out = KeepWinners(x, x.detach() * factor, k, /*dim=*/1, options.break_ties(),
                      options.relu());
    if (is_training()) active = out.detach().gt(0).sum(0);
  }
  if (is_training()) {
    UpdateDutyCycles(duty_cycles, learning_iterations, active, x.size(0),
                     options.duty_cycle_period());
  }
  return out;
}

void KWinnersImpl::update_boost_strength() {
  at::NoGradGuard no_grad;
  boost_strength.mul_(options.boost_strength_factor());
}

double KWinnersImpl::entropy() const { return TotalBinaryEntropy(duty_cycles); }

double KWinnersImpl::max_entropy() const { return MaxEntropy(options.n(), options.k()); }

// ---------------------------------------------------------------------------
// KWinners2d

KWinners2dImpl::KWinners2dImpl(KWinners2dOptions options) : options(std::move(options)) {
  reset();
}

void KWinners2dImpl::reset() {
  const auto& o = options;
  TORCH_CHECK(o.channels() > 0, "KWinners2d: channels must be positive, got ", o.channels());
  TORCH_CHECK(o.k() >= 1, "KWinners2d: k must be >= 1, got ", o.k());
  TORCH_CHECK(!o.local() || o.k() <= o.channels(), "KWinners2d (local): k = ", o.k(),
              " exceeds channels = ", o.channels(),
              "; local mode picks k of the channels at each position, so k <= channels");
  CheckBoostOptions("KWinners2d", o.k_inference_factor(), o.boost_strength(),
                    o.boost_strength_factor(), o.duty_cycle_period());
  RegisterBoostBuffers(*this, o.channels(), o.boost_strength(), duty_cycles,
                       learning_iterations, boost_strength);
}

void KWinners2dImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "sparselab::KWinners2d(channels=" << options.channels() << ", k=" << options.k()
         << ", local=" << options.local()
         << ", k_inference_factor=" << options.k_inference_factor()
         << ", boost_strength_factor=" << options.boost_strength_factor()
         << ", duty_cycle_period=" << options.duty_cycle_period()
         << ", break_ties=" << options.break_ties() << ", relu=" << options.relu() << ")";
}

int64_t KWinners2dImpl::k_inference(int64_t units) const {
  return InferenceK(options.k(), options.k_inference_factor(), units);
}

at::Tensor KWinners2dImpl::forward(const at::Tensor& x) {
  const int64_t c = options.channels();
  TORCH_CHECK(x.dim() == 4 && x.size(1) == c,
              "KWinners2d: expected an input of shape (batch, ", c, ", H, W), got ",
              x.sizes(), "; KWinners2dOptions(channels, k) must give the input's channels");
  const int64_t batch = x.size(0);
  positions_ = x.size(2) * x.size(3);
  const int64_t units = options.local() ? c : c * positions_;
  TORCH_CHECK(options.k() <= units, "KWinners2d: k = ", options.k(), " exceeds the ", units,
              " units (C x H x W) of an input of shape ", x.sizes(),
              "; choose k <= C * H * W");
  const int64_t k = is_training() ? options.k() : k_inference(units);
  const double target_density =
      static_cast<double>(options.k()) / static_cast<double>(units);
  const at::Tensor factor =
      BoostFactors(duty_cycles.view({1, c, 1, 1}), target_density, boost_strength);
  at::Tensor out, active;  // active: outputs > 0 per channel
  if (internal::UseFusedWinners(x, factor)) {
    internal::KWinnersResult fused =
        internal::KWinnersForward(x, factor.view({c}), {c, positions_, options.local()}, k,
                                  options.break_ties(), options.relu());
    out = fused.out;
    active = fused.active;
  } else {
    const at::Tensor boosted = x.detach() * factor;
    if (options.local()) {
      out = KeepWinners(x, boosted, k, /*dim=*/1, options.break_ties(), options.relu());
    } else {
      out = KeepWinners(x.reshape({batch, -1}), boosted.reshape({batch, -1}), k, /*dim=*/1,
                        options.break_ties(), options.relu())
                .view(x.sizes());
    }
    if (is_training()) active = out.detach().gt(0).sum({0, 2, 3});
  }
  if (is_training()) {
    const at::Tensor active_per_channel =
        active.to(duty_cycles.scalar_type()) / static_cast<double>(positions_);
    UpdateDutyCycles(duty_cycles, learning_iterations, active_per_channel, batch,
                     options.duty_cycle_period());
  }
  return out;
}

void KWinners2dImpl::update_boost_strength() {
  at::NoGradGuard no_grad;
  boost_strength.mul_(options.boost_strength_factor());
}

double KWinners2dImpl::entropy() const {
  TORCH_CHECK(positions_ > 0, "KWinners2d::entropy needs one forward pass first (to know H x W)");
  return TotalBinaryEntropy(duty_cycles) * static_cast<double>(positions_);
}

double KWinners2dImpl::max_entropy() const {
  TORCH_CHECK(positions_ > 0,
              "KWinners2d::max_entropy needs one forward pass first (to know H x W)");
  const int64_t units = options.channels() * positions_;
  const int64_t k = options.local() ? options.k() * positions_ : options.k();
  return MaxEntropy(units, k);
}

void UpdateBoostStrength(torch::nn::Module& model) {
  ForEachModule<HasBoost>(model, [](HasBoost& layer) { layer.update_boost_strength(); });
}

}  // namespace sparselab
