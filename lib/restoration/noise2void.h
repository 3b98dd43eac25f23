// Noise2Void masking (Krull, Buchholz & Jug 2019, "Noise2Void - Learning
// Denoising from Single Noisy Images", CVPR, Sec. 3.2 and the supplement's
// stratified sampling): a normal (not blind-spot) network is trained on noisy
// images alone by hiding a few pixels of its input and asking for their noisy
// values back, the loss taken on those pixels only. Because the noise is
// independent per pixel and zero mean, the best prediction of a hidden noisy
// pixel from its surroundings is the clean value.
//  - Stratified positions: every (sample, channel) plane is cut into cells of
//    s x s pixels, s = round(1 / sqrt(fraction)), and one uniformly random
//    position of each cell is masked (a position falling outside the image in
//    the cells of the right and bottom border is dropped), so every pixel is
//    masked with probability exactly 1 / s^2 (the effective fraction), and
//    masked pixels are spread over the image.
//  - Replacement: the masked pixel takes the noisy value of a uniformly random
//    other pixel of its (2 radius + 1)^2 neighbourhood, clipped to the image;
//    never its own value (the paper's point: the network must not be able to
//    copy it). Channels are masked independently.
//  - MaskedMseLoss: the squared error of the prediction against the noisy
//    target, averaged over the masked pixels only (the paper's Eq. 7 / 8).
#ifndef SPARSELAB_LIB_RESTORATION_NOISE2VOID_H_
#define SPARSELAB_LIB_RESTORATION_NOISE2VOID_H_

#include <cstdint>

#include <ATen/ATen.h>
#include <torch/arg.h>

#include "absl/status/statusor.h"

namespace sparselab {

struct Noise2VoidOptions {
  // Wanted share of masked pixels, in (0, 1] (the paper: 0.2 % to 2 %); the
  // effective share is 1 / s^2 with s = Noise2VoidCellSize(fraction).
  TORCH_ARG(double, fraction) = 0.01;
  // Replacements come from the (2 radius + 1)^2 neighbourhood (2: 5 x 5).
  TORCH_ARG(int64_t, radius) = 2;
};

struct Noise2VoidBatch {
  at::Tensor input;  // the noisy batch with the masked pixels replaced
  at::Tensor mask;   // 1 at the masked pixels, else 0; the batch's shape and dtype
};

// The side s = max(1, round(1 / sqrt(fraction))) of the stratification cells.
int64_t Noise2VoidCellSize(double fraction);

// noisy (N, C, H, W), floating point, H * W >= 2; random numbers from
// `generator` (CPU; a seeded one reproduces the masks). The result is on
// noisy's device. Errors for a bad shape, dtype or option.
absl::StatusOr<Noise2VoidBatch> Noise2VoidMask(const at::Tensor& noisy,
                                               const Noise2VoidOptions& options,
                                               at::Generator generator);

// sum(mask (prediction - target)^2) / sum(mask), mask of 0s and 1s (bool or
// floating) of the same shape; a mask without any 1 gives 0 (connected to the
// graph). Differentiable in prediction.
at::Tensor MaskedMseLoss(const at::Tensor& prediction, const at::Tensor& target,
                         const at::Tensor& mask);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_NOISE2VOID_H_
