#include "lib/restoration/noise2void.h"

#include <algorithm>
#include <cmath>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "absl/strings/str_cat.h"

namespace sparselab {

int64_t Noise2VoidCellSize(double fraction) {
  return std::max<int64_t>(1, std::llround(1.0 / std::sqrt(fraction)));
}

absl::StatusOr<Noise2VoidBatch> Noise2VoidMask(const at::Tensor& noisy,
                                               const Noise2VoidOptions& options,
                                               at::Generator generator) {
  if (!noisy.defined() || noisy.dim() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("Noise2VoidMask: the batch must be (N, C, H, W), got ",
                     noisy.defined() ? c10::str(noisy.sizes()) : "an undefined tensor"));
  }
  if (!at::isFloatingType(noisy.scalar_type())) {
    return absl::InvalidArgumentError(
        absl::StrCat("Noise2VoidMask: the batch must be floating point, got ",
                     c10::toString(noisy.scalar_type()), "; convert it first (e.g. / 255.0)"));
  }
  const double fraction = options.fraction();
  if (!(fraction > 0 && fraction <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Noise2VoidMask: fraction must be in (0, 1] (e.g. 0.002 to 0.02), got ", fraction));
  }
  if (options.radius() < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Noise2VoidMask: radius must be >= 1 (2: a 5 x 5 neighbourhood), got ", options.radius()));
  }
  const int64_t n = noisy.size(0), c = noisy.size(1), h = noisy.size(2), w = noisy.size(3);
  if (h * w < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Noise2VoidMask: an image needs at least 2 pixels (a masked pixel takes a neighbour's "
        "value), got ",
        h, " x ", w));
  }
  at::NoGradGuard no_grad;
  const int64_t s = Noise2VoidCellSize(fraction), r = options.radius();
  const int64_t cells_y = (h + s - 1) / s, cells_x = (w + s - 1) / s, planes = n * c;
  // Three uniforms per cell: row and column inside the cell, the neighbour.
  const at::Tensor u =
      at::rand({planes, cells_y, cells_x, 3}, generator, at::TensorOptions().dtype(at::kDouble));
  // Work on a double copy (exact for every floating dtype, and back).
  const at::Tensor original = noisy.detach().to(at::kCPU, at::kDouble).contiguous();
  at::Tensor input = original.clone();
  at::Tensor mask = at::zeros_like(original);
  const double* from = original.data_ptr<double>();
  const double* draw = u.data_ptr<double>();
  double* to = input.data_ptr<double>();
  double* m = mask.data_ptr<double>();
  auto pick = [](double uniform, int64_t count) {
    return std::min<int64_t>(count - 1, static_cast<int64_t>(uniform * count));
  };
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t plane = p * h * w;
    for (int64_t cy = 0; cy < cells_y; ++cy) {
      for (int64_t cx = 0; cx < cells_x; ++cx, draw += 3) {
        const int64_t y = cy * s + pick(draw[0], s), x = cx * s + pick(draw[1], s);
        if (y >= h || x >= w) continue;  // keeps every pixel's probability at 1 / s^2
        const int64_t y0 = std::max<int64_t>(0, y - r), y1 = std::min(h - 1, y + r);
        const int64_t x0 = std::max<int64_t>(0, x - r), x1 = std::min(w - 1, x + r);
        const int64_t cols = x1 - x0 + 1, centre = (y - y0) * cols + (x - x0);
        // A uniform index over the window without its centre.
        int64_t k = pick(draw[2], (y1 - y0 + 1) * cols - 1);
        if (k >= centre) ++k;
        to[plane + y * w + x] = from[plane + (y0 + k / cols) * w + (x0 + k % cols)];
        m[plane + y * w + x] = 1.0;
      }
    }
  }
  return Noise2VoidBatch{input.to(noisy.options()), mask.to(noisy.options())};
}

at::Tensor MaskedMseLoss(const at::Tensor& prediction, const at::Tensor& target,
                         const at::Tensor& mask) {
  TORCH_CHECK(prediction.defined() && target.defined() && mask.defined(),
              "MaskedMseLoss: undefined tensor");
  TORCH_CHECK(prediction.sizes() == target.sizes() && prediction.sizes() == mask.sizes(),
              "MaskedMseLoss: prediction, target and mask must have one shape, got ",
              prediction.sizes(), ", ", target.sizes(), " and ", mask.sizes());
  TORCH_CHECK(at::isFloatingType(prediction.scalar_type()),
              "MaskedMseLoss: prediction must be floating point");
  const at::Tensor m = mask.to(prediction.scalar_type());
  TORCH_CHECK(((m == 0) | (m == 1)).all().item<bool>(),
              "MaskedMseLoss: the mask must hold only 0s and 1s (as Noise2VoidMask's)");
  const at::Tensor squared = m * (prediction - target.to(prediction.scalar_type())).pow(2);
  const double count = m.sum().item<double>();
  if (count == 0) return squared.sum();  // 0, still connected to the graph
  return squared.sum() / count;
}

}  // namespace sparselab
