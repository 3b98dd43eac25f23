#include "lib/restoration/patches.h"

#include <cmath>

#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"

namespace sparselab {
namespace {

// (H, W) view of an (H, W) or (1, 1, H, W) tensor, or an error naming `what`.
absl::StatusOr<at::Tensor> AsGrayImage(const char* what, const at::Tensor& image) {
  if (!image.defined()) return absl::InvalidArgumentError(absl::StrCat(what, ": undefined image"));
  if (!at::isFloatingType(image.scalar_type())) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": the image must be floating point, got ",
                                                   c10::toString(image.scalar_type())));
  }
  const bool gray4 = image.dim() == 4 && image.size(0) == 1 && image.size(1) == 1;
  if ((image.dim() != 2 && !gray4) || image.numel() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": the image must be a non-empty (H, W) or (1, 1, H, W) tensor, got shape ",
        c10::str(image.sizes())));
  }
  const at::Tensor x = image.dim() == 2 ? image : image[0][0];
  if (!at::isfinite(x).all().item<bool>()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": the image has NaN or infinite pixels"));
  }
  return x;
}

}  // namespace

std::vector<int64_t> PatchGridCoordinates(int64_t n, int64_t patch_size, int64_t stride) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i <= n - patch_size; i += stride) out.push_back(i);
  if (!out.empty() && out.back() != n - patch_size) out.push_back(n - patch_size);
  return out;
}

absl::StatusOr<ImagePatches> ExtractPatches(const at::Tensor& image, int64_t patch_size,
                                            int64_t stride) {
  auto gray = AsGrayImage("ExtractPatches", image);
  if (!gray.ok()) return gray.status();
  const at::Tensor x = *gray;
  const int64_t h = x.size(0), w = x.size(1);
  if (patch_size < 1 || patch_size > std::min(h, w)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ExtractPatches: patch_size must be in [1, min(H, W)] = [1, ", std::min(h, w),
                     "], got ", patch_size));
  }
  if (stride < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("ExtractPatches: stride must be >= 1, got ", stride));
  }
  at::NoGradGuard no_grad;
  ImagePatches out;
  out.patch_size = patch_size;
  out.height = h;
  out.width = w;
  out.grid_rows = PatchGridCoordinates(h, patch_size, stride);
  out.grid_cols = PatchGridCoordinates(w, patch_size, stride);
  const at::Tensor rows = at::tensor(out.grid_rows, at::kLong);
  const at::Tensor cols = at::tensor(out.grid_cols, at::kLong);
  // (H - p + 1, W - p + 1, p, p): every patch; keep the grid's rows and columns.
  const at::Tensor all = x.unfold(0, patch_size, 1).unfold(1, patch_size, 1);
  out.values = all.index_select(0, rows)
                   .index_select(1, cols)
                   .reshape({-1, patch_size * patch_size})
                   .contiguous();
  const int64_t nr = rows.size(0), nc = cols.size(0);
  out.positions = at::stack({rows.view({nr, 1}).expand({nr, nc}).reshape({-1}),
                             cols.view({1, nc}).expand({nr, nc}).reshape({-1})},
                            1)
                      .contiguous();
  return out;
}

absl::StatusOr<at::Tensor> AveragePatches(const at::Tensor& patches, const at::Tensor& positions,
                                          int64_t height, int64_t width, const at::Tensor& noisy,
                                          double lambda) {
  if (!patches.defined() || patches.dim() != 2 || patches.size(0) == 0 ||
      !at::isFloatingType(patches.scalar_type())) {
    return absl::InvalidArgumentError(
        "AveragePatches: patches must be a non-empty floating (N, p * p) tensor");
  }
  const int64_t n = patches.size(0), d = patches.size(1);
  const int64_t p = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(d))));
  if (p * p != d) {
    return absl::InvalidArgumentError(absl::StrCat(
        "AveragePatches: a patch has ", d, " values, not a square number p * p; pass (N, p * p)"));
  }
  if (!positions.defined() || positions.dim() != 2 || positions.size(0) != n ||
      positions.size(1) != 2 || positions.scalar_type() != at::kLong) {
    return absl::InvalidArgumentError(
        absl::StrCat("AveragePatches: positions must be an int64 (N, 2) tensor with N = ", n,
                     " (the patches')"));
  }
  if (height < p || width < p) {
    return absl::InvalidArgumentError(absl::StrCat("AveragePatches: the image (", height, ", ",
                                                   width, ") is smaller than a ", p, " x ", p,
                                                   " patch"));
  }
  if (!std::isfinite(lambda) || lambda < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("AveragePatches: lambda must be finite and >= 0, got ", lambda));
  }
  const at::Tensor r = positions.select(1, 0), c = positions.select(1, 1);
  if ((r < 0).any().item<bool>() || (c < 0).any().item<bool>() ||
      (r > height - p).any().item<bool>() || (c > width - p).any().item<bool>()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "AveragePatches: a patch position leaves the image; top-left rows must be in [0, ",
        height - p, "] and columns in [0, ", width - p, "]"));
  }
  if (!at::isfinite(patches).all().item<bool>()) {
    return absl::InvalidArgumentError("AveragePatches: the patches have NaN or infinite values");
  }
  at::Tensor y;
  if (lambda > 0 || noisy.defined()) {
    auto gray = AsGrayImage("AveragePatches (noisy)", noisy);
    if (!gray.ok()) return gray.status();
    y = *gray;
    if (y.size(0) != height || y.size(1) != width) {
      return absl::InvalidArgumentError(absl::StrCat("AveragePatches: the noisy image is ",
                                                     c10::str(y.sizes()), ", expected (", height,
                                                     ", ", width, ")"));
    }
  }
  at::NoGradGuard no_grad;
  const auto options = patches.options();
  // Flat pixel index of every patch element: (r + a) W + (c + b).
  const at::Tensor a = at::arange(p, at::kLong);
  const at::Tensor offsets = (a.view({p, 1}) * width + a.view({1, p})).reshape({1, d});
  const at::Tensor index = ((r * width + c).view({n, 1}) + offsets).reshape({-1});
  at::Tensor sum = at::zeros({height * width}, options).index_add_(0, index, patches.reshape({-1}));
  at::Tensor count =
      at::zeros({height * width}, options).index_add_(0, index, at::ones({n * d}, options));
  if (lambda == 0) {
    if ((count == 0).any().item<bool>()) {
      return absl::InvalidArgumentError(
          "AveragePatches: with lambda = 0 every pixel must be covered by a patch; some are not "
          "(use a grid that covers the image, or lambda > 0 with the noisy image)");
    }
    return (sum / count).view({height, width});
  }
  const at::Tensor yv = y.to(options.dtype()).reshape({-1});
  return ((sum + lambda * yv) / (count + lambda)).view({height, width});
}

}  // namespace sparselab
