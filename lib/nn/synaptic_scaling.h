// Synaptic scaling of EmbedderSDR (dizcza/EmbedderSDR, models/kwta.py
// SynapticScaling): a homeostatic boost in front of a kWTA layer. Inputs are
// scaled per unit by
//   exp(boost_factor * (target_sparsity - firing_rate_j))
// so that units firing more than the target are damped and silent units are
// lifted, removing dead and always-on units. firing_rate_j is the running
// mean of unit j's output (the duty-cycle window of UpdateDutyCycles), updated
// in training only; as in EmbedderSDR the scaling acts in training only.
#ifndef SPARSELAB_LIB_NN_SYNAPTIC_SCALING_H_
#define SPARSELAB_LIB_NN_SYNAPTIC_SCALING_H_

#include <cstdint>
#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/pimpl.h>

namespace sparselab {

struct SynapticScalingOptions {
  // n units per (batch, n) sample; target_sparsity = the kWTA's k / n.
  SynapticScalingOptions(int64_t n, double target_sparsity)
      : n_(n), target_sparsity_(target_sparsity) {}
  TORCH_ARG(int64_t, n);
  TORCH_ARG(double, target_sparsity);
  TORCH_ARG(double, boost_factor) = 1.0;
  // Samples covered by the firing-rate running mean.
  TORCH_ARG(int64_t, period) = 1000;
};

// The per-unit input scale exp(boost_factor * (target_sparsity - firing_rate))
// (EmbedderSDR's SynapticScaling), without gradient: what forward multiplies
// its input by in training. Shared with the Python binding.
at::Tensor SynapticScale(const at::Tensor& firing_rate, double target_sparsity,
                         double boost_factor);

class SynapticScalingImpl : public torch::nn::Cloneable<SynapticScalingImpl> {
 public:
  // `kwta`: any module mapping (batch, n) to (batch, n), e.g. KWTABinary.
  SynapticScalingImpl(torch::nn::AnyModule kwta, SynapticScalingOptions options);
  // A deep copy: clone() never shares the wrapped kWTA module.
  SynapticScalingImpl(const SynapticScalingImpl& other);
  SynapticScalingImpl& operator=(const SynapticScalingImpl& other) = default;

  // Checks the options, registers the kWTA module and zeroes the firing rates.
  void reset() override;

  at::Tensor forward(const at::Tensor& x);
  void pretty_print(std::ostream& stream) const override;

  SynapticScalingOptions options;
  torch::nn::AnyModule kwta;
  at::Tensor firing_rate;          // buffer (n)
  at::Tensor learning_iterations;  // buffer, samples seen in training
};
TORCH_MODULE(SynapticScaling);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_SYNAPTIC_SCALING_H_
