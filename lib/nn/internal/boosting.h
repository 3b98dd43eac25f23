// What the boosted k-winners layers share (k_winners.h, plane_k_winners.h):
// the option checks, the inference k, the boost factors of Ahmad & Scheinkman
// 2019 ("How Can We Be So Dense?", arXiv:1903.11257, section 3),
//   b_j = exp(beta * (a_target - d_j)),
// and the three boosting buffers. Not for users.
#ifndef SPARSELAB_LIB_NN_INTERNAL_BOOSTING_H_
#define SPARSELAB_LIB_NN_INTERNAL_BOOSTING_H_

#include <cstdint>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

namespace sparselab::internal {

// TORCH_CHECKs of the BoostOptions fields, naming `layer` in the message.
void CheckBoostOptions(const char* layer, double k_inference_factor, double boost_strength,
                       double boost_strength_factor, int64_t duty_cycle_period);

// Winners in eval mode: max(1, min(units, round(k * factor))).
int64_t InferenceK(int64_t k, double factor, int64_t units);

// exp((target_density - duty_cycles) * boost_strength), without gradient (the
// boost factors only rank).
at::Tensor BoostFactors(const at::Tensor& duty_cycles, double target_density,
                        const at::Tensor& boost_strength);

// Registers "duty_cycles" (duty_size zeros), "learning_iterations" (int64
// scalar 0) and "boost_strength" (scalar) on `module`.
void RegisterBoostBuffers(torch::nn::Module& module, int64_t duty_size, double boost_strength,
                          at::Tensor& duty_cycles, at::Tensor& learning_iterations,
                          at::Tensor& boost);

}  // namespace sparselab::internal

#endif  // SPARSELAB_LIB_NN_INTERNAL_BOOSTING_H_
