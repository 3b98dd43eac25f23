// Example crops (noisy, each method, clean) for the README: every task at the
// figure's noise level keeps the central crop of each of its denoised test
// images in its record (8-bit, base64), and the report puts the crops of all
// finished tasks into one PNG grid, one row per test image.
#ifndef SPARSELAB_EXPERIMENTS_DENOISING_CROPS_H_
#define SPARSELAB_EXPERIMENTS_DENOISING_CROPS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace sparselab::denoising {

// The central size x size window of an (H, W) image (all of a side shorter
// than size).
at::Tensor CentralCrop(const at::Tensor& image, int64_t size);

// An (H, W) image in [0, 1] (clamped) as {"height", "width", "pixels"}: the
// pixels rounded to 8 bits, row-major, base64.
nlohmann::json EncodeCrop(const at::Tensor& image);

// The inverse of EncodeCrop, (H, W) float in [0, 1]; an error naming `what`
// when the entry is not a well-formed crop (a corrupt record).
absl::StatusOr<at::Tensor> DecodeCrop(const nlohmann::json& crop, const std::string& what);

// One column of the figure: a row's crops, one per test image, in order.
struct CropColumn {
  std::string row;
  std::vector<at::Tensor> crops;
};

// Writes the grid PNG: a row per test image, the columns in order, each crop
// padded with white to the largest crop's size.
absl::Status WriteCropGrid(const std::string& png_path, const std::vector<CropColumn>& columns);

}  // namespace sparselab::denoising

#endif  // SPARSELAB_EXPERIMENTS_DENOISING_CROPS_H_
