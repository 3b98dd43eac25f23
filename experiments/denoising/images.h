// The denoising experiment's images: the clean photographs (grayscale, in
// [0, 1]) split by image into training and test images, and their noisy
// versions at one noise level. Every method of a (seed, sigma) sees the very
// same noisy images.
#ifndef SPARSELAB_EXPERIMENTS_DENOISING_IMAGES_H_
#define SPARSELAB_EXPERIMENTS_DENOISING_IMAGES_H_

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"
#include "experiments/denoising/run_options.h"

namespace sparselab::denoising {

struct Images {
  std::vector<std::string> train_names, test_names;
  std::vector<at::Tensor> train, test;  // clean, (H, W) float
};

// Reads the photographs ($SPARSELAB_DATA/images) as luminance, cropped to
// the central crop x crop when o.crop > 0 (an image smaller than that is an
// error naming it).
absl::StatusOr<Images> LoadImages(const Options& o);

struct NoisyImages {
  int64_t sigma = 0;
  std::vector<at::Tensor> train, test;
};

// Additive white Gaussian noise of standard deviation sigma / 255, from a
// generator seeded by (seed, sigma): the training images first, then the test
// images, in order. Clipped to [0, 1] when o.clip.
absl::StatusOr<NoisyImages> AddNoise(const Options& o, const Images& im, int64_t sigma,
                                     int64_t seed);

}  // namespace sparselab::denoising

#endif  // SPARSELAB_EXPERIMENTS_DENOISING_IMAGES_H_
