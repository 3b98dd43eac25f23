#include "lib/nn/plane_k_winners.h"

#include <cmath>
#include <ios>
#include <utility>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "lib/nn/duty_cycle_metrics.h"
#include "lib/nn/internal/boosting.h"
#include "lib/nn/winners.h"

namespace sparselab {

PlaneKWinnersOptions PlaneKWinnersOptions::PercentOn(int64_t channels, double percent_on) {
  TORCH_CHECK(percent_on > 0 && percent_on < 1, "PlaneKWinners: percent_on must be in (0, 1), got ",
              percent_on);
  return PlaneKWinnersOptions(channels, std::llround(percent_on * static_cast<double>(channels)));
}

at::Tensor PlaneEnergy(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 4, "PlaneEnergy: expected a (N, C, H, W) tensor, got ", x.sizes());
  return x.square().sum({2, 3});
}

PlaneKWinnersImpl::PlaneKWinnersImpl(PlaneKWinnersOptions options) : options(std::move(options)) {
  reset();
}

void PlaneKWinnersImpl::reset() {
  const auto& o = options;
  TORCH_CHECK(o.channels() > 1, "PlaneKWinners: channels must be >= 2 (one plane cannot be ",
              "sparse), got ", o.channels());
  TORCH_CHECK(o.k() >= 1 && o.k() < o.channels(), "PlaneKWinners: k = ", o.k(),
              " is outside [1, channels) with channels = ", o.channels(),
              "; keep 1 <= k < channels planes (k = channels keeps every plane: drop the layer)");
  internal::CheckBoostOptions("PlaneKWinners", o.k_inference_factor(), o.boost_strength(),
                              o.boost_strength_factor(), o.duty_cycle_period());
  internal::RegisterBoostBuffers(*this, o.channels(), o.boost_strength(), duty_cycles,
                                 learning_iterations, boost_strength);
}

void PlaneKWinnersImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "sparselab::PlaneKWinners(channels=" << options.channels()
         << ", k=" << options.k() << ", k_inference=" << k_inference()
         << ", boost_strength_factor=" << options.boost_strength_factor()
         << ", duty_cycle_period=" << options.duty_cycle_period()
         << ", break_ties=" << options.break_ties() << ")";
}

int64_t PlaneKWinnersImpl::k_inference() const {
  return internal::InferenceK(options.k(), options.k_inference_factor(), options.channels());
}

void PlaneKWinnersImpl::check_input(const at::Tensor& x) const {
  TORCH_CHECK(x.defined() && x.dim() == 4 && x.size(1) == options.channels(),
              "PlaneKWinners: expected an input of shape (N, ", options.channels(), ", H, W), got ",
              x.defined() ? x.sizes() : at::IntArrayRef{},
              "; PlaneKWinnersOptions(channels, k) must give the input's C");
  TORCH_CHECK(at::isFloatingType(x.scalar_type()),
              "PlaneKWinners: the input must be floating point, got ", x.scalar_type());
}

at::Tensor PlaneKWinnersImpl::select(const at::Tensor& x, at::Tensor& energy) const {
  at::NoGradGuard no_grad;
  energy = PlaneEnergy(x.detach());
  TORCH_CHECK(!energy.isnan().any().item<bool>(),
              "PlaneKWinners: the input holds NaN; the planes cannot be ranked");
  const int64_t k = is_training() ? options.k() : k_inference();
  const double target_density =
      static_cast<double>(options.k()) / static_cast<double>(options.channels());
  const at::Tensor factor =
      internal::BoostFactors(duty_cycles, target_density, boost_strength).to(energy.device());
  return WinnerMask(energy * factor, k, /*dim=*/1, options.break_ties());
}

void PlaneKWinnersImpl::update_duty_cycles(const at::Tensor& mask, const at::Tensor& energy) {
  if (!is_training()) return;
  const at::Tensor active = mask.logical_and(energy > 0).sum(0).to(duty_cycles.device());
  UpdateDutyCycles(duty_cycles, learning_iterations, active, mask.size(0),
                   options.duty_cycle_period());
}

at::Tensor PlaneKWinnersImpl::winner_mask(const at::Tensor& x) const {
  check_input(x);
  at::Tensor energy;
  return select(x, energy);
}

PlaneIndex PlaneKWinnersImpl::kept_planes(const at::Tensor& x) const {
  return PlaneIndexFromMask(winner_mask(x));
}

at::Tensor PlaneKWinnersImpl::forward(const at::Tensor& x) {
  check_input(x);
  at::Tensor energy;
  const at::Tensor mask = select(x, energy);
  update_duty_cycles(mask, energy);
  return x.masked_fill(mask.logical_not().view({x.size(0), x.size(1), 1, 1}), 0);
}

PlaneSparseTensor PlaneKWinnersImpl::forward_sparse(const at::Tensor& x) {
  check_input(x);
  at::Tensor energy;
  const at::Tensor mask = select(x, energy);
  update_duty_cycles(mask, energy);
  return PlaneSparseFromDense(x, PlaneIndexFromMask(mask));
}

void PlaneKWinnersImpl::update_boost_strength() {
  at::NoGradGuard no_grad;
  boost_strength.mul_(options.boost_strength_factor());
}

double PlaneKWinnersImpl::entropy() const { return TotalBinaryEntropy(duty_cycles); }

double PlaneKWinnersImpl::max_entropy() const {
  return MaxEntropy(options.channels(), options.k());
}

}  // namespace sparselab
