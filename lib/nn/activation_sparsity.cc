#include "lib/nn/activation_sparsity.h"

#include <cmath>

#include <c10/util/Exception.h>

namespace sparselab {

KWinnersOptions ActivationSparsityImpl::KWinnersFor(const ActivationSparsityOptions& o) {
  TORCH_CHECK(o.n() > 0, "ActivationSparsity: n must be positive, got ", o.n());
  TORCH_CHECK(o.act_sparsity() >= 0 && o.act_sparsity() < 1,
              "ActivationSparsity: act_sparsity must be in [0, 1), got ", o.act_sparsity());
  TORCH_CHECK(o.alpha() > 0 && o.alpha() <= 1, "ActivationSparsity: alpha must be in (0, 1], got ",
              o.alpha());
  TORCH_CHECK(o.beta() >= 0, "ActivationSparsity: beta must be >= 0, got ", o.beta());
  TORCH_CHECK(o.batch_size() > 0, "ActivationSparsity: batch_size must be positive, got ",
              o.batch_size());
  const int64_t k = std::max<int64_t>(
      1, std::llround((1.0 - o.act_sparsity()) * static_cast<double>(o.n())));
  return KWinnersOptions(o.n(), k)
      .boost_strength(o.beta())
      .boost_strength_factor(1.0)
      .k_inference_factor(1.0)
      .duty_cycle_period(std::max<int64_t>(
          1, std::llround(static_cast<double>(o.batch_size()) / o.alpha())))
      .break_ties(true)
      .relu(false);
}

ActivationSparsityImpl::ActivationSparsityImpl(ActivationSparsityOptions options)
    : options(std::move(options)) {
  reset();
}

void ActivationSparsityImpl::reset() {
  winners = register_module("winners", KWinners(KWinnersFor(options)));
}

void ActivationSparsityImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::ActivationSparsity(n=" << options.n() << ", k=" << k()
         << ", alpha=" << options.alpha() << ", beta=" << options.beta()
         << ", act_sparsity=" << options.act_sparsity() << ")";
}

int64_t ActivationSparsityImpl::k() const { return winners->options.k(); }

at::Tensor ActivationSparsityImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() >= 2 && x.size(-1) == options.n(), "ActivationSparsity: expected (N, ",
              options.n(), ") input, got ", x.sizes());
  return winners->forward(x.reshape({-1, options.n()})).view(x.sizes());
}

}  // namespace sparselab
