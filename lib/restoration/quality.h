// Image quality against a reference, for images stored in [0, 1]:
//  - PSNR = 10 log10(peak^2 / MSE) with peak 1 (so 10 log10(1 / MSE)), the MSE
//    over all elements; +infinity for identical images (MSE = 0).
//  - SSIM (Wang, Bovik, Sheikh & Simoncelli 2004, "Image Quality Assessment:
//    From Error Visibility to Structural Similarity", IEEE TIP, Eq. 13 with the
//    Gaussian window of Sec. III-C): local means, variances and covariance
//    under an 11 x 11 Gaussian window of sigma 1.5,
//      SSIM = (2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(s_x^2 + s_y^2 + C2)),
//    C1 = (K1 L)^2, C2 = (K2 L)^2, K1 = 0.01, K2 = 0.03, L = 1, and the mean of
//    the SSIM map over the valid region (the positions where the whole window
//    lies inside the image). This is scikit-image's
//    structural_similarity(x, y, data_range=1, gaussian_weights=True,
//    sigma=1.5, use_sample_covariance=False): it filters the whole image and
//    crops (win_size - 1) / 2 = 5 pixels at each edge before the mean, so the
//    padding never enters. (C, H, W) images: the mean over channels of each
//    channel's SSIM (scikit-image's channel_axis=0).
#ifndef SPARSELAB_LIB_RESTORATION_QUALITY_H_
#define SPARSELAB_LIB_RESTORATION_QUALITY_H_

#include <cstdint>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace sparselab {

// Mean squared error, in double precision. Errors for shapes that differ,
// empty, undefined or non-floating images.
absl::StatusOr<double> MeanSquaredError(const at::Tensor& x, const at::Tensor& reference);

// 10 log10(1 / MSE) in dB (peak 1.0); +infinity when the images are equal.
absl::StatusOr<double> Psnr(const at::Tensor& x, const at::Tensor& reference);

struct SsimOptions {
  int64_t window = 11;  // odd, the Gaussian window's side
  double sigma = 1.5;   // the Gaussian window's standard deviation (pixels)
  double k1 = 0.01;
  double k2 = 0.03;
  double data_range = 1.0;  // L
};

// Mean SSIM of (H, W) or (C, H, W) images (computed in double precision).
// Errors for shapes that differ, images smaller than the window, an even or
// non-positive window, or non-positive sigma / data_range.
absl::StatusOr<double> Ssim(const at::Tensor& x, const at::Tensor& reference,
                            const SsimOptions& options = {});

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_QUALITY_H_
