// Additive white Gaussian noise, the corruption of the Gaussian-noise
// denoising benchmarks (Laine et al. 2019, "High-Quality Self-Supervised Deep
// Image Denoising", Sec. 5; Zhang et al. 2017, DnCNN): sigma is given on the
// 0-255 scale and the images are stored in [0, 1], so
//   y = x + (sigma / 255) n,   n ~ N(0, 1) i.i.d. per element.
// By default the noisy image is NOT clipped to [0, 1] (as Laine et al. and most
// benchmarks, whose noise statistics then stay exactly Gaussian); clipping is
// an option.
#ifndef SPARSELAB_LIB_RESTORATION_NOISE_H_
#define SPARSELAB_LIB_RESTORATION_NOISE_H_

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace sparselab {

struct GaussianNoiseOptions {
  double sigma = 25.0;  // standard deviation on the 0-255 scale
  bool clip = false;    // clamp y to [0, 1] (default: no clipping)
};

// x (any shape, floating point, values in [0, 1]) plus (sigma / 255) N(0, 1)
// drawn from `generator` (a CPU generator: a seeded one reproduces the noise),
// in x's dtype. Errors for an undefined or non-floating x and for a negative
// or non-finite sigma.
absl::StatusOr<at::Tensor> AddGaussianNoise(const at::Tensor& x,
                                            const GaussianNoiseOptions& options,
                                            at::Generator generator);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_NOISE_H_
