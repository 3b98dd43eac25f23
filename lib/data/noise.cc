#include "lib/data/noise.h"

#include <cmath>
#include <utility>

#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>

#include "lib/data/dataset.h"

namespace sparselab {
namespace {

// The `count` largest scores of each row as a bool mask (topk's choice; the
// scores are i.i.d. uniform, so ties have probability ~0).
at::Tensor TopScoresMask(const at::Tensor& scores, int64_t count) {
  if (count == 0) return at::zeros_like(scores, scores.options().dtype(at::kBool));
  if (count == scores.size(1)) return at::ones_like(scores, scores.options().dtype(at::kBool));
  const at::Tensor indices = std::get<1>(scores.topk(count, 1, /*largest=*/true, /*sorted=*/false));
  return at::zeros_like(scores, scores.options().dtype(at::kBool)).scatter_(1, indices, true);
}

}  // namespace

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
  const at::Tensor chosen = TopScoresMask(scores, noisy)
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
