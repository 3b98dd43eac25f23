// The random-pixel noise of "How Can We Be So Dense?" (Ahmad & Scheinkman
// 2019, the noise-robustness tests of Table 1 / Figure 5): for each test image
// a fraction `noise` of the pixels, chosen uniformly without replacement, is
// set to a fixed value, in [0, 1] pixel space before normalisation
// (the paper's MNIST value: 0.1307 + 2 * 0.3081).
#ifndef SPARSELAB_LIB_DATA_NOISE_H_
#define SPARSELAB_LIB_DATA_NOISE_H_

#include <cstdint>
#include <functional>

#include <ATen/ATen.h>

namespace sparselab {

// The value the paper writes into noisy MNIST pixels: mean + 2 std.
inline constexpr double kMnistNoiseValue = 0.1307 + 2 * 0.3081;

// Returns a copy of `images` (N, ...) in which, independently for each sample,
// round(fraction * P) of its P = numel / N elements, chosen uniformly without
// replacement, are set to `value`. `generator` (a CPU generator) draws the
// choice, so a seeded generator reproduces it. fraction in [0, 1].
at::Tensor RandomPixelNoise(const at::Tensor& images, double fraction, double value,
                            at::Generator generator);

// An input transform for Trainer evaluation: RandomPixelNoise in pixel space,
// then (x - mean) / std. Owns a CPU generator seeded with `seed`, so the noise
// of a whole evaluation is reproducible.
std::function<at::Tensor(const at::Tensor&)> NoisyNormalizeTransform(
    double fraction, double value, double mean, double std, uint64_t seed);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_DATA_NOISE_H_
