#include "monitor/fano_bound.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "lib/base/binary_entropy.h"

namespace sparselab {

absl::StatusOr<double> FanoMinimumError(double conditional_entropy_bits, int64_t num_classes) {
  if (num_classes < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("Fano's inequality needs at least 2 classes, got ", num_classes));
  }
  if (!std::isfinite(conditional_entropy_bits)) {
    return absl::InvalidArgumentError("Fano: the conditional entropy is not finite");
  }
  const double log_c1 = std::log2(static_cast<double>(num_classes - 1));
  const double p_max = 1.0 - 1.0 / static_cast<double>(num_classes);
  const double h = std::clamp(conditional_entropy_bits, 0.0,
                              std::log2(static_cast<double>(num_classes)));
  auto right_side = [&](double pe) { return BinaryEntropyBits(pe) + pe * log_c1; };
  // The right side is flat at its maximum: answer the top exactly.
  if (h >= right_side(p_max) - 1e-12) return p_max;
  double lo = 0.0, hi = p_max;  // right_side(lo) <= h <= right_side(hi)
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (right_side(mid) < h ? lo : hi) = mid;
  }
  return hi;
}

absl::StatusOr<double> FanoAccuracyBound(double mutual_information_bits,
                                         double label_entropy_bits, int64_t num_classes) {
  if (!std::isfinite(mutual_information_bits) || !std::isfinite(label_entropy_bits)) {
    return absl::InvalidArgumentError("Fano: I(T;Y) and H(Y) must be finite");
  }
  auto pe = FanoMinimumError(label_entropy_bits - mutual_information_bits, num_classes);
  if (!pe.ok()) return pe.status();
  return 1.0 - *pe;
}

double LabelEntropyBits(const std::vector<int64_t>& labels) {
  std::map<int64_t, int64_t> counts;
  for (int64_t l : labels) ++counts[l];
  double h = 0.0;
  const double n = static_cast<double>(labels.size());
  for (const auto& [label, count] : counts) {
    const double p = static_cast<double>(count) / n;
    h -= p * std::log2(p);
  }
  return h;
}

}  // namespace sparselab
