// Plug-in entropy and mutual information of discrete variables (labels, binary
// codes), optionally with the Miller-Madow bias correction (Miller 1955; see
// Paninski 2003, Neural Comput. 15, 1191, eq. 3.1): H_MM = H_plugin + (m - 1) / (2N),
// m the number of symbols that occur. I = H(X) + H(Y) - H(X, Y), each
// corrected. Results in nats. A constant variable is valid here (H = 0).
#ifndef SPARSELAB_MONITOR_DISCRETE_H_
#define SPARSELAB_MONITOR_DISCRETE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

// Maps each distinct row of `s` (exact equality of values) to a symbol id
// 0, 1, ... in order of first occurrence: a binary code becomes one symbol.
std::vector<int64_t> SymbolsFromRows(const Samples& s);
// The joint symbol of (a_i, b_i).
std::vector<int64_t> JointSymbols(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

absl::StatusOr<double> DiscreteEntropy(const std::vector<int64_t>& symbols,
                                       bool miller_madow = true);
absl::StatusOr<double> DiscreteMutualInformation(const std::vector<int64_t>& x,
                                                 const std::vector<int64_t>& y,
                                                 bool miller_madow = true);
// I(X; Y | Z) = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z).
absl::StatusOr<double> DiscreteConditionalMutualInformation(const std::vector<int64_t>& x,
                                                            const std::vector<int64_t>& y,
                                                            const std::vector<int64_t>& z,
                                                            bool miller_madow = true);

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_DISCRETE_H_
