// Overlapping square patches of a gray image and their weighted average back
// into an image, as in Elad & Aharon 2006, "Image Denoising Via Sparse and
// Redundant Representations Over Learned Dictionaries" (IEEE TIP 15(12)), Eq. (11):
//
//   x = (lambda I + sum_ij R_ij^T R_ij)^{-1} (lambda y + sum_ij R_ij^T patch_ij),
//
// R_ij the operator that takes the p x p patch at (i, j) out of the image. The
// matrix is diagonal, so pixel by pixel x = (lambda y + sum of the patch values
// covering it) / (lambda + the number of patches covering it).
//
// Patch grid: top-left rows 0, s, 2s, ... <= H - p and, when H - p is not a
// multiple of s, also H - p (so the last rows are always covered); the same for
// columns. Patches are ordered row-major over the grid, each flattened
// row-major (element a * p + b is pixel (i + a, j + b)).
#ifndef SPARSELAB_LIB_RESTORATION_PATCHES_H_
#define SPARSELAB_LIB_RESTORATION_PATCHES_H_

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace sparselab {

struct ImagePatches {
  at::Tensor values;     // (N, p * p), the image's dtype
  at::Tensor positions;  // (N, 2) int64: the top-left (row, column) of each patch
  int64_t patch_size = 0;
  int64_t height = 0, width = 0;   // the image's
  std::vector<int64_t> grid_rows;  // the top-left rows, increasing
  std::vector<int64_t> grid_cols;  // the top-left columns, increasing
};

// The top-left coordinates 0, s, 2s, ... <= n - p, plus n - p if missed.
std::vector<int64_t> PatchGridCoordinates(int64_t n, int64_t patch_size, int64_t stride);

// Every patch of `image` ((H, W) or (1, 1, H, W), floating point, finite) on
// the grid above. Errors for other shapes, patch_size outside [1, min(H, W)],
// stride < 1, or non-finite pixels.
absl::StatusOr<ImagePatches> ExtractPatches(const at::Tensor& image, int64_t patch_size,
                                            int64_t stride = 1);

// Eq. (11): patches (N, p * p) at `positions` (N, 2) into an (H, W) image,
// weighted against `noisy` ((H, W) or (1, 1, H, W)) by lambda >= 0. `noisy` may
// be undefined when lambda = 0 (the plain average of the patches). The result is
// (H, W), in the patches' dtype. Errors for shapes that disagree, a patch that
// leaves the image, negative or non-finite lambda, non-finite values, or (with
// lambda = 0) a pixel that no patch covers.
absl::StatusOr<at::Tensor> AveragePatches(const at::Tensor& patches, const at::Tensor& positions,
                                          int64_t height, int64_t width, const at::Tensor& noisy,
                                          double lambda);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_PATCHES_H_
