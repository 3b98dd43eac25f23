#include "lib/nn/internal/boosting.h"

#include <algorithm>
#include <cmath>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

namespace sparselab::internal {

void CheckBoostOptions(const char* layer, double k_inference_factor, double boost_strength,
                       double boost_strength_factor, int64_t duty_cycle_period) {
  TORCH_CHECK(k_inference_factor > 0, layer, ": k_inference_factor must be > 0, got ",
              k_inference_factor);
  TORCH_CHECK(boost_strength >= 0, layer,
              ": boost_strength must be >= 0 (0 turns boosting off), got ", boost_strength);
  TORCH_CHECK(boost_strength_factor >= 0 && boost_strength_factor <= 1, layer,
              ": boost_strength_factor must be in [0, 1], got ", boost_strength_factor);
  TORCH_CHECK(duty_cycle_period > 0, layer, ": duty_cycle_period must be > 0, got ",
              duty_cycle_period);
}

int64_t InferenceK(int64_t k, double factor, int64_t units) {
  return std::max<int64_t>(1, std::min<int64_t>(units, std::llround(k * factor)));
}

at::Tensor BoostFactors(const at::Tensor& duty_cycles, double target_density,
                        const at::Tensor& boost_strength) {
  at::NoGradGuard no_grad;
  return at::exp((target_density - duty_cycles) * boost_strength);
}

void RegisterBoostBuffers(torch::nn::Module& module, int64_t duty_size, double boost_strength,
                          at::Tensor& duty_cycles, at::Tensor& learning_iterations,
                          at::Tensor& boost) {
  duty_cycles = module.register_buffer("duty_cycles", at::zeros({duty_size}));
  learning_iterations = module.register_buffer("learning_iterations", at::zeros({}, at::kLong));
  boost = module.register_buffer("boost_strength", at::full({}, boost_strength));
}

}  // namespace sparselab::internal
