// Natural-image patches for sparse coding and its relatives: grayscale
// photographs (PNG or JPEG, read with stb_image) or CIFAR-10 images,
// Olshausen's 1/f whitening, ZCA whitening, and patch sampling.
//
// Olshausen & Field 1996 (and sparsenet's make-your-own-images) whiten each
// image by the zero-phase filter R(f) = f exp(-(f/f0)^4) in the Fourier
// domain (f the radial frequency, f0 = 0.4 cycles/pixel: 200 cycles per 512
// pixels): the f flattens the 1/f amplitude spectrum of natural images, the
// exp(-(f/f0)^4) cuts the corners of the spectrum where sampling is
// anisotropic and noise dominates. sparsenet then scales the images to a
// variance of 0.1 per pixel.
#ifndef SPARSELAB_LIB_DATA_IMAGE_PATCHES_H_
#define SPARSELAB_LIB_DATA_IMAGE_PATCHES_H_

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace sparselab {

// A PNG or JPEG as (C, H, W) float in [0, 1], C = 1 (gray, gray + alpha) or
// 3 (RGB, RGB + alpha); alpha is dropped. Errors name the file and
// stb_image's reason.
absl::StatusOr<at::Tensor> ReadImage(const std::string& path);

// A PNG or JPEG (any channel count) as luminance (H, W) float in [0, 1]:
// 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601); alpha is ignored. Errors name
// the file and stb_image's reason.
absl::StatusOr<at::Tensor> ReadGrayImage(const std::string& path);

// <dir>/images/<name> for every name (dir defaults to DataDir(), which
// ./setup.sh fills). A missing file is an error naming it and the fix.
absl::StatusOr<std::vector<at::Tensor>> LoadGrayImages(const std::vector<std::string>& names,
                                                       const std::string& dir = "");

// CIFAR-10 binary batches (lib/data/dataset.h) as grayscale 32 x 32 images
// (the first `limit` when limit > 0).
absl::StatusOr<std::vector<at::Tensor>> LoadCifar10GrayImages(
    const std::vector<std::string>& paths, int64_t limit = 0);

// (3, H, W) or (1, H, W) in [0, 1] -> (H, W) by the BT.601 weights.
at::Tensor ToGray(const at::Tensor& image);

// The image minus its mean, filtered by R(f) = f exp(-(f/f0)^4) with f in
// cycles per pixel (f = sqrt(fx^2 + fy^2) over the image's FFT grid). f0 <= 0:
// no low-pass (R = f). Double precision in, the input's type out.
at::Tensor OlshausenWhiten(const at::Tensor& image, double f0 = 0.4);

// The image scaled to the given variance per pixel (mean removed).
at::Tensor ScaleToVariance(const at::Tensor& image, double variance = 0.1);

struct PatchOptions {
  int64_t size = 10;            // square patches, size x size
  int64_t border = 4;           // pixels left out at every edge
  bool subtract_mean = true;    // remove each patch's own mean (lpjiang97/sparse-coding)
};

// `per_image` random patches from every image (image by image, as
// lpjiang97/sparse-coding's NatPatchDataset), flattened row-major: (N, size^2).
// Errors when an image is too small for size + 2 border.
absl::StatusOr<at::Tensor> PatchesPerImage(const std::vector<at::Tensor>& images,
                                           int64_t per_image, const PatchOptions& options,
                                           at::Generator generator);
// `count` patches each from a random image (as sparsenet and SAILnet draw a batch).
absl::StatusOr<at::Tensor> RandomPatches(const std::vector<at::Tensor>& images, int64_t count,
                                         const PatchOptions& options, at::Generator generator);

// Each patch (row) divided by its largest absolute value (rows of zeros stay 0).
at::Tensor MaxNormalize(const at::Tensor& patches);

// ZCA whitening fitted on patches X (N x d): x -> (x - mean) U diag(1/sqrt(s + eps)) U^T,
// with C = U diag(s) U^T the covariance of X.
struct ZcaWhitening {
  at::Tensor mean;       // (d)
  at::Tensor transform;  // (d, d), symmetric
  static ZcaWhitening Fit(const at::Tensor& patches, double epsilon = 1e-3);
  at::Tensor Apply(const at::Tensor& patches) const;
};

}  // namespace sparselab

#endif  // SPARSELAB_LIB_DATA_IMAGE_PATCHES_H_
