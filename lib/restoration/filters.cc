#include "lib/restoration/filters.h"

#include <cmath>

#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/restoration/quality.h"

namespace sparselab {
namespace {

absl::Status CheckImage(const char* what, const at::Tensor& image) {
  if (!image.defined()) return absl::InvalidArgumentError(absl::StrCat(what, ": undefined image"));
  if (!at::isFloatingType(image.scalar_type())) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": the image must be floating point, got ",
                                                   c10::toString(image.scalar_type())));
  }
  if ((image.dim() != 2 && image.dim() != 3) || image.numel() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the image must be a non-empty (H, W) or (C, H, W) tensor, got ",
                     image.dim(), " dimensions and ", image.numel(), " elements"));
  }
  return absl::OkStatus();
}

// Indices of the half-sample symmetric extension of [0, n) by r each side.
at::Tensor ReflectIndex(int64_t n, int64_t r) {
  at::Tensor p = at::arange(-r, n + r, at::kLong).remainder(2 * n);  // in [0, 2n)
  return at::where(p >= n, 2 * n - 1 - p, p);
}

// image (..., H, W) extended by r rows and r columns each side.
at::Tensor ReflectPad(const at::Tensor& image, int64_t r) {
  const int64_t h = image.size(-2), w = image.size(-1);
  return image.index_select(-2, ReflectIndex(h, r)).index_select(-1, ReflectIndex(w, r));
}

}  // namespace

absl::StatusOr<at::Tensor> GaussianFilter(const at::Tensor& image, double sigma, double truncate) {
  RETURN_IF_ERROR(CheckImage("GaussianFilter", image));
  if (!std::isfinite(sigma) || sigma < 0 || !(truncate > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("GaussianFilter: sigma must be finite and >= 0 and truncate > 0, got ", sigma,
                     " and ", truncate));
  }
  at::NoGradGuard no_grad;
  const int64_t r = static_cast<int64_t>(truncate * sigma + 0.5);
  if (r == 0) return image.clone();
  const int64_t h = image.size(-2), w = image.size(-1);
  const at::Tensor k = at::arange(-r, r + 1, at::kDouble);
  at::Tensor g = at::exp(-k * k / (2 * sigma * sigma));
  g = (g / g.sum()).to(image.scalar_type());
  const int64_t taps = 2 * r + 1;
  // (C, 1, H + 2r, W + 2r) -> valid vertical then horizontal convolutions.
  const at::Tensor padded = ReflectPad(image.reshape({-1, 1, h, w}), r);
  const at::Tensor out =
      at::conv2d(at::conv2d(padded, g.view({1, 1, taps, 1})), g.view({1, 1, 1, taps}));
  return out.reshape(image.sizes()).contiguous();
}

absl::StatusOr<at::Tensor> MedianFilter(const at::Tensor& image, int64_t k) {
  RETURN_IF_ERROR(CheckImage("MedianFilter", image));
  if (k < 1 || k % 2 == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("MedianFilter: the window side k must be odd and >= 1, got ", k));
  }
  at::NoGradGuard no_grad;
  const int64_t h = image.size(-2), w = image.size(-1), r = k / 2;
  // (C, H + 2r, W + 2r) -> (C, H, W, k, k) windows -> median of k^2 (odd) values.
  const at::Tensor windows =
      ReflectPad(image.reshape({-1, h, w}), r).unfold(1, k, 1).unfold(2, k, 1);
  const at::Tensor med = std::get<0>(windows.reshape({-1, h, w, k * k}).median(-1));
  return med.reshape(image.sizes()).contiguous();
}

absl::StatusOr<SigmaChoice> BestGaussianSigma(const std::vector<at::Tensor>& noisy,
                                              const std::vector<at::Tensor>& clean,
                                              const std::vector<double>& candidates) {
  if (noisy.empty() || noisy.size() != clean.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("BestGaussianSigma: needs as many clean as noisy images, at least one; got ",
                     noisy.size(), " noisy and ", clean.size(), " clean"));
  }
  if (candidates.empty()) {
    return absl::InvalidArgumentError("BestGaussianSigma: no candidate sigma given");
  }
  SigmaChoice choice;
  for (size_t c = 0; c < candidates.size(); ++c) {
    double sum = 0;
    for (size_t i = 0; i < noisy.size(); ++i) {
      ASSIGN_OR_RETURN(const at::Tensor filtered, GaussianFilter(noisy[i], candidates[c]));
      auto psnr = Psnr(filtered, clean[i]);
      if (!psnr.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("BestGaussianSigma: pair ", i, ": ", psnr.status().message()));
      }
      sum += *psnr;
    }
    const double mean = sum / static_cast<double>(noisy.size());
    choice.mean_psnrs.push_back(mean);
    if (c == 0 || mean > choice.mean_psnr) {
      choice.sigma = candidates[c];
      choice.mean_psnr = mean;
    }
  }
  return choice;
}

}  // namespace sparselab
