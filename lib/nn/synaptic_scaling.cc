#include "lib/nn/synaptic_scaling.h"

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "lib/nn/duty_cycle_metrics.h"

namespace sparselab {

SynapticScalingImpl::SynapticScalingImpl(torch::nn::AnyModule kwta_layer,
                                         SynapticScalingOptions options)
    : options(options), kwta(std::move(kwta_layer)) {
  reset();
}

SynapticScalingImpl::SynapticScalingImpl(const SynapticScalingImpl& other)
    : torch::nn::Cloneable<SynapticScalingImpl>(other),
      options(other.options),
      kwta(other.kwta.clone()) {}

void SynapticScalingImpl::reset() {
  TORCH_CHECK(!kwta.is_empty(), "SynapticScaling: needs a kWTA module to wrap");
  TORCH_CHECK(options.n() > 0, "SynapticScaling: n must be positive, got ", options.n());
  TORCH_CHECK(options.target_sparsity() > 0 && options.target_sparsity() < 1,
              "SynapticScaling: target_sparsity must be in (0, 1) (k / n), got ",
              options.target_sparsity());
  TORCH_CHECK(options.period() > 0, "SynapticScaling: period must be > 0");
  register_module("kwta", kwta.ptr());
  firing_rate = register_buffer("firing_rate", at::zeros({options.n()}));
  learning_iterations = register_buffer("learning_iterations", at::zeros({}, at::kLong));
}

at::Tensor SynapticScale(const at::Tensor& firing_rate, double target_sparsity,
                         double boost_factor) {
  at::NoGradGuard no_grad;
  return at::exp(boost_factor * (target_sparsity - firing_rate));
}

at::Tensor SynapticScalingImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.n(),
              "SynapticScaling: expected an input of shape (batch, ", options.n(), "), got ",
              x.sizes(), "; SynapticScalingOptions(n, ...) must give the input's width");
  if (!is_training()) return kwta.forward<at::Tensor>(x);
  const at::Tensor scale =
      SynapticScale(firing_rate, options.target_sparsity(), options.boost_factor());
  at::Tensor out = kwta.forward<at::Tensor>(x * scale);
  // EmbedderSDR's rate is the mean output (the fraction of 1s for a binary code).
  UpdateDutyCycles(firing_rate, learning_iterations, out.detach().sum(0), x.size(0),
                   options.period());
  return out;
}

void SynapticScalingImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::SynapticScaling(n=" << options.n()
         << ", target_sparsity=" << options.target_sparsity()
         << ", boost_factor=" << options.boost_factor() << ", period=" << options.period()
         << ")";
}

}  // namespace sparselab
