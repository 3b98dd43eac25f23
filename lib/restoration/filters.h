// Classical denoising baselines on (H, W) or (C, H, W) images (each channel
// filtered on its own), both with reflect padding in scipy.ndimage's sense
// ("half-sample symmetric": d c b a | a b c d | d c b a, the edge pixel
// repeated, folded again as often as the window needs):
//  - the Gaussian filter, separable, taps w_k = exp(-k^2 / (2 sigma^2)) / Z for
//    |k| <= r = int(truncate * sigma + 0.5) (scipy.ndimage.gaussian_filter,
//    truncate 4);
//  - the k x k median filter (scipy.ndimage.median_filter(size=k)), k odd;
//  - the choice of the Gaussian's sigma from candidates by mean PSNR on
//    (noisy, clean) training pairs (the tuned-baseline protocol, e.g. the
//    calibrated classical denoisers of Batson & Royer 2019, "Noise2Self").
#ifndef SPARSELAB_LIB_RESTORATION_FILTERS_H_
#define SPARSELAB_LIB_RESTORATION_FILTERS_H_

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace sparselab {

// sigma in pixels; sigma = 0 returns a copy. The input's dtype out.
absl::StatusOr<at::Tensor> GaussianFilter(const at::Tensor& image, double sigma,
                                          double truncate = 4.0);

// The median of every k x k neighbourhood (k odd, >= 1). The input's dtype out.
absl::StatusOr<at::Tensor> MedianFilter(const at::Tensor& image, int64_t k);

struct SigmaChoice {
  double sigma = 0;                // the candidate with the highest mean PSNR
  double mean_psnr = 0;            // its mean PSNR (dB)
  std::vector<double> mean_psnrs;  // mean PSNR of every candidate, in order
};

// The Gaussian sigma among `candidates` whose filter of noisy[i] has the
// highest PSNR against clean[i] on average (ties: the first). Errors for empty
// or mismatched lists, shapes that differ, or a bad candidate.
absl::StatusOr<SigmaChoice> BestGaussianSigma(const std::vector<at::Tensor>& noisy,
                                              const std::vector<at::Tensor>& clean,
                                              const std::vector<double>& candidates);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_FILTERS_H_
