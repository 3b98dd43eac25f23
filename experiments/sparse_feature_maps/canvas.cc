#include "experiments/sparse_feature_maps/canvas.h"

#include "absl/strings/str_cat.h"

namespace sparselab::sparse_feature_maps {

at::Tensor CentreOfMass(const at::Tensor& image) {
  const at::Tensor m = image.to(at::kDouble);
  const double total = m.sum().item<double>();
  if (!(total > 0)) {
    return at::tensor({(image.size(0) - 1) / 2.0, (image.size(1) - 1) / 2.0}, at::kDouble);
  }
  const at::Tensor rows = at::arange(image.size(0), at::kDouble);
  const at::Tensor cols = at::arange(image.size(1), at::kDouble);
  return at::stack({(m.sum(1) * rows).sum() / total, (m.sum(0) * cols).sum() / total});
}

absl::StatusOr<CanvasData> PlaceOnCanvas(const Dataset& items, int64_t n, int64_t canvas,
                                         uint64_t seed) {
  if (n < 1 || n > items.size()) {
    return absl::InvalidArgumentError(absl::StrCat("asked for ", n, " canvases from a set of ",
                                                   items.size(), " items; use 1 ... ",
                                                   items.size()));
  }
  const int64_t h = items.inputs.size(2), w = items.inputs.size(3);
  if (canvas < h || canvas < w) {
    return absl::InvalidArgumentError(absl::StrCat("a ", canvas, " x ", canvas,
                                                   " canvas cannot hold a ", h, " x ", w,
                                                   " item; use a canvas of at least that"));
  }
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const at::Tensor top = at::randint(canvas - h + 1, {n}, gen, at::kLong);
  const at::Tensor left = at::randint(canvas - w + 1, {n}, gen, at::kLong);
  CanvasData out;
  out.data.inputs = at::zeros({n, 1, canvas, canvas}, at::kFloat);
  out.data.targets = items.targets.narrow(0, 0, n).clone();
  out.centre = at::empty({n, 2}, at::kFloat);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = top[i].item<int64_t>(), c = left[i].item<int64_t>();
    const at::Tensor item = items.inputs[i][0];
    out.data.inputs[i][0].slice(0, r, r + h).slice(1, c, c + w).copy_(item);
    const at::Tensor com = CentreOfMass(item);
    out.centre[i][0] = com[0].item<double>() + static_cast<double>(r);
    out.centre[i][1] = com[1].item<double>() + static_cast<double>(c);
  }
  return out;
}

}  // namespace sparselab::sparse_feature_maps
