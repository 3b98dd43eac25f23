#include "lib/sdr/sdr_code_metrics.h"

#include <cmath>
#include <limits>

#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "lib/nn/duty_cycle_metrics.h"
#include "lib/base/status_macros.h"

namespace sparselab {
namespace {

std::string Shape(const at::Tensor& t) {
  std::string s = "(";
  for (int64_t i = 0; i < t.dim(); ++i) absl::StrAppend(&s, i ? ", " : "", t.size(i));
  return s + ")";
}

// The codes as double on the CPU, no gradient.
at::Tensor AsDouble(const at::Tensor& codes) {
  return codes.detach().to(at::kCPU).to(at::kDouble);
}

absl::Status CheckLabels(const at::Tensor& labels, int64_t n) {
  if (!labels.defined() || labels.dim() != 1 || labels.size(0) != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "labels must be a 1-D tensor of ", n, " integers (one per code), got shape ",
        labels.defined() ? Shape(labels) : "undefined"));
  }
  if (at::isFloatingType(labels.scalar_type()) || labels.scalar_type() == at::kBool) {
    return absl::InvalidArgumentError("labels must be integers");
  }
  if (n > 0 && labels.min().item<int64_t>() < 0) {
    return absl::InvalidArgumentError("labels must be >= 0");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckBinaryCodes(const at::Tensor& codes, const char* name) {
  if (!codes.defined() || codes.dim() != 2 || codes.size(0) == 0 || codes.size(1) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": expected non-empty binary codes of shape (N, D), got ",
                     codes.defined() ? Shape(codes) : "undefined"));
  }
  const at::Tensor c = AsDouble(codes);
  if (!((c == 0) | (c == 1)).all().item<bool>()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": codes must hold only 0 and 1 (binary SDRs)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<CodeUsage> MeasureCodeUsage(const at::Tensor& codes) {
  RETURN_IF_ERROR(CheckBinaryCodes(codes, "MeasureCodeUsage"));
  at::NoGradGuard no_grad;
  const at::Tensor c = AsDouble(codes);
  const int64_t d = c.size(1);
  const at::Tensor rates = c.mean(0);
  CodeUsage usage;
  usage.sparsity = rates.mean().item<double>();
  usage.dead_units = (rates == 0).sum().item<int64_t>();
  usage.always_on_units = (rates == 1).sum().item<int64_t>();
  usage.entropy_bits = TotalBinaryEntropy(rates);
  const int64_t k = static_cast<int64_t>(std::llround(usage.sparsity * d));
  usage.max_entropy_bits = MaxEntropy(d, k);
  return usage;
}

absl::StatusOr<ClassOverlap> MeanPairwiseOverlap(const at::Tensor& codes,
                                                 const at::Tensor& labels) {
  RETURN_IF_ERROR(CheckBinaryCodes(codes, "MeanPairwiseOverlap"));
  RETURN_IF_ERROR(CheckLabels(labels, codes.size(0)));
  at::NoGradGuard no_grad;
  const at::Tensor c = AsDouble(codes);
  const at::Tensor y = labels.to(at::kCPU).to(at::kLong);
  const int64_t n = c.size(0);
  const int64_t num_classes = y.max().item<int64_t>() + 1;
  // Class sums S_c (C, D) and class sizes n_c.
  const at::Tensor sums = at::zeros({num_classes, c.size(1)}, at::kDouble).index_add_(0, y, c);
  const at::Tensor sizes = at::bincount(y, {}, num_classes).to(at::kDouble);
  const at::Tensor self_overlap = c.sum(1);  // a_i . a_i = |a_i|
  const at::Tensor class_self =
      at::zeros({num_classes}, at::kDouble).index_add_(0, y, self_overlap);
  // Pairs i < j within each class: (|S_c|^2 - sum_i |a_i|) / 2.
  const double within_sum = ((sums * sums).sum(1) - class_self).sum().item<double>() / 2.0;
  const double within_pairs = (sizes * (sizes - 1)).sum().item<double>() / 2.0;
  const at::Tensor total = c.sum(0);
  const double all_sum = ((total * total).sum().item<double>() -
                          self_overlap.sum().item<double>()) / 2.0;
  const double all_pairs = static_cast<double>(n) * (n - 1) / 2.0;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ClassOverlap overlap;
  overlap.within = within_pairs > 0 ? within_sum / within_pairs : nan;
  const double between_pairs = all_pairs - within_pairs;
  overlap.between = between_pairs > 0 ? (all_sum - within_sum) / between_pairs : nan;
  return overlap;
}

absl::StatusOr<at::Tensor> ClassMeanCodes(const at::Tensor& codes, const at::Tensor& labels,
                                          int64_t num_classes) {
  RETURN_IF_ERROR(CheckBinaryCodes(codes, "ClassMeanCodes"));
  RETURN_IF_ERROR(CheckLabels(labels, codes.size(0)));
  const at::Tensor y = labels.to(at::kCPU).to(at::kLong);
  if (num_classes <= 0 || y.max().item<int64_t>() >= num_classes) {
    return absl::InvalidArgumentError(
        absl::StrCat("ClassMeanCodes: labels must lie in [0, num_classes = ", num_classes, ")"));
  }
  at::NoGradGuard no_grad;
  const at::Tensor c = AsDouble(codes);
  const at::Tensor sums = at::zeros({num_classes, c.size(1)}, at::kDouble).index_add_(0, y, c);
  const at::Tensor sizes = at::bincount(y, {}, num_classes).to(at::kDouble).clamp_min(1);
  return (sums / sizes.unsqueeze(1)).to(at::kFloat);
}

absl::StatusOr<UnionTestResult> MeasureUnion(const at::Tensor& a, const at::Tensor& b,
                                             const at::Tensor& ab) {
  RETURN_IF_ERROR(CheckBinaryCodes(a, "MeasureUnion (a)"));
  RETURN_IF_ERROR(CheckBinaryCodes(b, "MeasureUnion (b)"));
  RETURN_IF_ERROR(CheckBinaryCodes(ab, "MeasureUnion (ab)"));
  if (a.sizes() != b.sizes() || a.sizes() != ab.sizes()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MeasureUnion: a, b and ab must have one shape, got ", Shape(a), ", ", Shape(b),
        " and ", Shape(ab)));
  }
  at::NoGradGuard no_grad;
  const at::Tensor ca = AsDouble(a), cb = AsDouble(b), cab = AsDouble(ab);
  const at::Tensor u = at::maximum(ca, cb);
  const at::Tensor hits = (cab * u).sum(1);
  const at::Tensor ab_size = cab.sum(1);
  const at::Tensor u_size = u.sum(1);
  const at::Tensor valid = (ab_size > 0) & (u_size > 0);
  const int64_t count = valid.sum().item<int64_t>();
  if (count == 0) {
    return absl::InvalidArgumentError("MeasureUnion: every sample has an empty code");
  }
  const at::Tensor both = (((cab * ca).sum(1) > 0) & ((cab * cb).sum(1) > 0)).to(at::kDouble);
  auto mean_valid = [&](const at::Tensor& per_sample) {
    return per_sample.masked_select(valid).mean().item<double>();
  };
  UnionTestResult r;
  r.precision = mean_valid(hits / ab_size.clamp_min(1));
  r.recall = mean_valid(hits / u_size.clamp_min(1));
  r.chance_precision = mean_valid(u_size / static_cast<double>(ca.size(1)));
  r.covers_both = mean_valid(both);
  r.samples = count;
  return r;
}

}  // namespace sparselab
