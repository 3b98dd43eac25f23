#include "lib/restoration/quality.h"

#include <cmath>
#include <limits>

#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sparselab {
namespace {

std::string Shape(const at::Tensor& t) {
  return absl::StrCat("(", absl::StrJoin(t.sizes(), ", "), ")");
}

absl::Status CheckPair(const char* what, const at::Tensor& x, const at::Tensor& reference) {
  if (!x.defined() || !reference.defined()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": an image is undefined"));
  }
  if (!at::isFloatingType(x.scalar_type()) || !at::isFloatingType(reference.scalar_type())) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": images must be floating point in [0, 1], got ", c10::toString(x.scalar_type()),
        " and ", c10::toString(reference.scalar_type())));
  }
  if (!x.sizes().equals(reference.sizes())) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": the shapes differ, ", Shape(x),
                                                   " against the reference's ", Shape(reference)));
  }
  if (x.numel() == 0)
    return absl::InvalidArgumentError(absl::StrCat(what, ": the images are empty"));
  return absl::OkStatus();
}

// The normalised 1-D Gaussian of `size` taps (size odd) and deviation sigma.
at::Tensor GaussianWindow(int64_t size, double sigma) {
  const at::Tensor k = at::arange(size, at::kDouble) - static_cast<double>(size / 2);
  const at::Tensor g = at::exp(-k * k / (2 * sigma * sigma));
  return g / g.sum();
}

}  // namespace

absl::StatusOr<double> MeanSquaredError(const at::Tensor& x, const at::Tensor& reference) {
  if (absl::Status s = CheckPair("MeanSquaredError", x, reference); !s.ok()) return s;
  at::NoGradGuard no_grad;
  const at::Tensor d = x.to(at::kDouble) - reference.to(at::kDouble);
  return (d * d).mean().item<double>();
}

absl::StatusOr<double> Psnr(const at::Tensor& x, const at::Tensor& reference) {
  if (absl::Status s = CheckPair("Psnr", x, reference); !s.ok()) return s;
  const double mse = *MeanSquaredError(x, reference);
  if (mse == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(1.0 / mse);
}

absl::StatusOr<double> Ssim(const at::Tensor& x, const at::Tensor& reference,
                            const SsimOptions& o) {
  if (absl::Status s = CheckPair("Ssim", x, reference); !s.ok()) return s;
  if (x.dim() != 2 && x.dim() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ssim: images must be (H, W) or (C, H, W), got ", Shape(x)));
  }
  if (o.window < 1 || o.window % 2 == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ssim: the window must be odd and positive, got ", o.window));
  }
  if (!(o.sigma > 0) || !(o.data_range > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("Ssim: sigma and data_range must be > 0, got ",
                                                   o.sigma, " and ", o.data_range));
  }
  const int64_t h = x.size(-2), w = x.size(-1);
  if (h < o.window || w < o.window) {
    return absl::InvalidArgumentError(absl::StrCat("Ssim: the images (", h, " x ", w,
                                                   ") are smaller than the ", o.window, " x ",
                                                   o.window, " window; use a smaller window"));
  }
  at::NoGradGuard no_grad;
  // (C, 1, H, W) in double; the separable window as two valid convolutions.
  const at::Tensor a = x.to(at::kDouble).reshape({-1, 1, h, w});
  const at::Tensor b = reference.to(at::kDouble).reshape({-1, 1, h, w});
  const at::Tensor g = GaussianWindow(o.window, o.sigma);
  const at::Tensor gv = g.view({1, 1, o.window, 1});
  const at::Tensor gh = g.view({1, 1, 1, o.window});
  auto filter = [&](const at::Tensor& t) { return at::conv2d(at::conv2d(t, gv), gh); };
  const at::Tensor mx = filter(a), my = filter(b);
  const at::Tensor vx = filter(a * a) - mx * mx;  // population (not sample) moments
  const at::Tensor vy = filter(b * b) - my * my;
  const at::Tensor cxy = filter(a * b) - mx * my;
  const double c1 = (o.k1 * o.data_range) * (o.k1 * o.data_range);
  const double c2 = (o.k2 * o.data_range) * (o.k2 * o.data_range);
  const at::Tensor map =
      ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
  // Mean per channel, then over channels (equal valid regions: the overall mean).
  return map.mean({1, 2, 3}).mean().item<double>();
}

}  // namespace sparselab
