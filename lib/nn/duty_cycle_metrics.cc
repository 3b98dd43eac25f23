#include "lib/nn/duty_cycle_metrics.h"

#include <algorithm>
#include <cmath>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "lib/base/binary_entropy.h"
#include "lib/nn/data_parallel_hooks.h"

namespace sparselab {

void UpdateDutyCycles(at::Tensor& duty_cycles, at::Tensor& iterations,
                      const at::Tensor& active_counts, int64_t batch_size,
                      int64_t period) {
  TORCH_CHECK(period > 0, "duty_cycle_period must be positive, got ", period);
  TORCH_CHECK(active_counts.sizes() == duty_cycles.sizes(),
              "UpdateDutyCycles: active_counts has shape ", active_counts.sizes(),
              " but the duty cycles have shape ", duty_cycles.sizes());
  at::NoGradGuard no_grad;
  at::Tensor counts = active_counts.to(duty_cycles.scalar_type());
  if (const DataParallelHooks* hooks = CurrentDataParallelHooks();
      hooks != nullptr && hooks->sum_counts) {
    counts = counts.clone();
    hooks->sum_counts(counts, batch_size);  // the global batch's counts
  }
  iterations.add_(batch_size);
  const at::Tensor p =
      iterations.clamp_max(std::max(period, batch_size)).to(duty_cycles.scalar_type());
  duty_cycles.mul_(p - batch_size).add_(counts).div_(p);
}

at::Tensor BinaryEntropy(const at::Tensor& p) {
  const at::Tensor q = 1 - p;
  const at::Tensor h = -p * at::log2(p) - q * at::log2(q);
  return at::where((p * q) == 0, at::zeros_like(h), h);
}

double TotalBinaryEntropy(const at::Tensor& p) {
  return BinaryEntropy(p).sum().item<double>();
}

double MaxEntropy(int64_t n, int64_t k) {
  TORCH_CHECK(n > 0 && k >= 0 && k <= n, "MaxEntropy: need 0 <= k <= n and n > 0, got n = ",
              n, ", k = ", k);
  return static_cast<double>(n) *
         BinaryEntropyBits(static_cast<double>(k) / static_cast<double>(n));
}

}  // namespace sparselab
