#include "lib/noise.h"

#include <cmath>
#include <utility>

#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>

#include "lib/dataset.h"
#include "lib/winners.h"

namespace sparselab {

at::Tensor RandomPixelNoise(const at::Tensor& images, double fraction, double value,
                            at::Generator generator) {
  TORCH_CHECK(fraction >= 0 && fraction <= 1, "RandomPixelNoise: fraction = ", fraction,
              " must be in [0, 1]");
  TORCH_CHECK(images.dim() >= 2, "RandomPixelNoise: expected (N, ...) images, got shape ",
              images.sizes());
  const int64_t n = images.size(0);
  if (n == 0) return images.clone();
  const int64_t pixels = images.numel() / n;
  const int64_t noisy = std::llround(fraction * static_cast<double>(pixels));
  // Each sample's noisy pixels: the top `noisy` of i.i.d. uniform scores, a
  // uniformly random subset without replacement.
  const at::Tensor scores = at::rand({n, pixels}, std::move(generator), at::TensorOptions().dtype(at::kFloat));
  const at::Tensor chosen = WinnerMask(scores, noisy, /*dim=*/1, /*break_ties=*/true)
                                .to(images.device())
                                .view(images.sizes());
  return images.masked_fill(chosen, value);
}

std::function<at::Tensor(const at::Tensor&)> NoisyNormalizeTransform(
    double fraction, double value, double mean, double std, uint64_t seed) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  return [=](const at::Tensor& images) {
    return Normalize(RandomPixelNoise(images, fraction, value, generator), mean, std);
  };
}

}  // namespace sparselab
