#include "lib/restoration/dct_dictionary.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace sparselab {

absl::StatusOr<at::Tensor> DctDictionary1d(int64_t patch_size, int64_t atoms_1d,
                                           at::ScalarType dtype) {
  if (patch_size < 1 || atoms_1d < patch_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DctDictionary1d: needs patch_size >= 1 and at least as many atoms as patch_size (a "
        "complete or overcomplete dictionary), got patch_size ",
        patch_size, " and ", atoms_1d, " atoms"));
  }
  if (!at::isFloatingType(dtype)) {
    return absl::InvalidArgumentError("DctDictionary1d: dtype must be floating point");
  }
  // Built in double, converted at the end.
  const at::Tensor i = at::arange(patch_size, at::kDouble).view({patch_size, 1}) + 0.5;
  const at::Tensor j = at::arange(atoms_1d, at::kDouble).view({1, atoms_1d});
  at::Tensor a = at::cos(M_PI * i * j / static_cast<double>(atoms_1d));
  at::Tensor ac = a.narrow(1, 1, atoms_1d - 1);
  ac.sub_(ac.mean(0, /*keepdim=*/true));
  a.div_(a.norm(2, {0}, /*keepdim=*/true));
  return a.to(dtype);
}

absl::StatusOr<at::Tensor> OvercompleteDctDictionary(int64_t patch_size, int64_t atoms,
                                                     at::ScalarType dtype) {
  const int64_t k =
      atoms > 0 ? static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(atoms)))) : 0;
  if (k * k != atoms) {
    return absl::InvalidArgumentError(absl::StrCat(
        "OvercompleteDctDictionary: atoms must be a perfect square k * k (k 1-D cosines per "
        "axis), got ",
        atoms, "; e.g. 64 or 256 for 8 x 8 patches"));
  }
  auto a = DctDictionary1d(patch_size, k, at::kDouble);
  if (!a.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("OvercompleteDctDictionary: ", a.status().message()));
  }
  if (!at::isFloatingType(dtype)) {
    return absl::InvalidArgumentError("OvercompleteDctDictionary: dtype must be floating point");
  }
  return at::kron(*a, *a).to(dtype).contiguous();
}

}  // namespace sparselab
