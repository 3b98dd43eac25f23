// The accuracy that a mutual information I(T;Y) allows, by Fano's inequality
// (Cover & Thomas 2006, Theorem 2.10.1): any estimate of Y from T errs with
// probability Pe satisfying
//   H(Y|T) <= H2(Pe) + Pe log2(C - 1),   H(Y|T) = H(Y) - I(T;Y),
// with H2 the binary entropy and C the number of classes. The right side rises
// from 0 at Pe = 0 to log2(C) at Pe = 1 - 1/C, so the smallest admissible Pe
// is found by bisection; 1 - Pe is an upper bound on any classifier's accuracy
// given T. All quantities in bits.
#ifndef SPARSELAB_MONITOR_FANO_BOUND_H_
#define SPARSELAB_MONITOR_FANO_BOUND_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace sparselab {

// The smallest error probability Fano's inequality admits for a conditional
// entropy H(Y|T) (bits, clamped to [0, log2 C]) over C >= 2 classes.
absl::StatusOr<double> FanoMinimumError(double conditional_entropy_bits, int64_t num_classes);

// 1 - FanoMinimumError(H(Y) - I(T;Y), C): the largest accuracy I(T;Y) permits.
absl::StatusOr<double> FanoAccuracyBound(double mutual_information_bits,
                                         double label_entropy_bits, int64_t num_classes);

// Plug-in entropy (bits) of integer labels.
double LabelEntropyBits(const std::vector<int64_t>& labels);

}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_FANO_BOUND_H_
