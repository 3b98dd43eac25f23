// Measures of binary sparse distributed codes (SDRs), as EmbedderSDR
// (dizcza/EmbedderSDR) inspects the output of its k-winners-take-all layer:
// how many units are used, how codes of one class overlap against codes of
// different classes, and whether the code of two overlaid inputs is the union
// of their codes (the SDR union property, Ahmad & Hawkins 2016, sec. "Unions").
// Codes are (N, D) tensors whose values are all 0 or 1 (any dtype); labels
// are (N) integers in [0, C).
#ifndef SPARSELAB_LIB_SDR_SDR_CODE_METRICS_H_
#define SPARSELAB_LIB_SDR_SDR_CODE_METRICS_H_

#include <cstdint>

#include <ATen/ATen.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sparselab {

// Error unless `codes` is a non-empty (N, D) tensor of 0s and 1s; `name` is
// used in the message.
absl::Status CheckBinaryCodes(const at::Tensor& codes, const char* name);

// Unit usage over a set of codes.
struct CodeUsage {
  double sparsity = 0;          // mean fraction of active units per code
  int64_t dead_units = 0;       // never active on any code
  int64_t always_on_units = 0;  // active in every code
  // Sum over units of the binary entropy of the unit's firing rate r_j (bits),
  // and its largest value for the same number of active units,
  // D * H2(round(sparsity * D) / D) (see duty_cycle_metrics.h).
  double entropy_bits = 0;
  double max_entropy_bits = 0;
};
absl::StatusOr<CodeUsage> MeasureCodeUsage(const at::Tensor& codes);

// Mean overlap |a AND b| (shared active bits) over unordered pairs of distinct
// codes of the same class (within) and of different classes (between). Computed
// from class sums S_c: sum_{i<j in c} a_i.a_j = (|S_c|^2 - sum_i |a_i|^2) / 2.
// A value is NaN when there is no such pair.
struct ClassOverlap {
  double within = 0;
  double between = 0;
};
absl::StatusOr<ClassOverlap> MeanPairwiseOverlap(const at::Tensor& codes,
                                                 const at::Tensor& labels);

// The mean code of each class, (C, D) float: the fraction of the class's codes
// in which each unit is active (EmbedderSDR's per-class mean code figure).
// Rows of classes absent from `labels` are 0.
absl::StatusOr<at::Tensor> ClassMeanCodes(const at::Tensor& codes, const at::Tensor& labels,
                                          int64_t num_classes);

// The union test: codes a and b of two inputs, and the code ab of the two
// inputs overlaid in one. With u = a OR b, per sample
//   precision = |ab AND u| / |ab|   (the share of ab's bits found in the union)
//   recall    = |ab AND u| / |u|    (the share of the union kept; at most
//                                    |ab| / |u|, 1/2 for disjoint k-of-D codes)
//   chance    = |u| / D             (the expected precision of ab drawn at random)
//   both      = 1 if ab shares a bit with a and a bit with b, else 0
// averaged over samples (samples whose ab or u is empty are skipped; error if
// all are).
struct UnionTestResult {
  double precision = 0;
  double recall = 0;
  double chance_precision = 0;
  double covers_both = 0;
  int64_t samples = 0;
};
absl::StatusOr<UnionTestResult> MeasureUnion(const at::Tensor& a, const at::Tensor& b,
                                             const at::Tensor& ab);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_SDR_SDR_CODE_METRICS_H_
