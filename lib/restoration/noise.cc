#include "lib/restoration/noise.h"

#include <cmath>

#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"

namespace sparselab {

absl::StatusOr<at::Tensor> AddGaussianNoise(const at::Tensor& x,
                                            const GaussianNoiseOptions& options,
                                            at::Generator generator) {
  if (!x.defined()) return absl::InvalidArgumentError("AddGaussianNoise: the image is undefined");
  if (!at::isFloatingType(x.scalar_type())) {
    return absl::InvalidArgumentError(
        absl::StrCat("AddGaussianNoise: the image must be floating point in [0, 1], got ",
                     c10::toString(x.scalar_type()), "; convert it first (e.g. / 255.0)"));
  }
  if (!std::isfinite(options.sigma) || options.sigma < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "AddGaussianNoise: sigma (0-255 scale) must be finite and >= 0, got ", options.sigma));
  }
  at::NoGradGuard no_grad;
  const at::Tensor n = at::randn(x.sizes(), generator, x.options().device(at::kCPU)).to(x.device());
  at::Tensor y = x + (options.sigma / 255.0) * n;
  if (options.clip) y.clamp_(0.0, 1.0);
  return y;
}

}  // namespace sparselab
