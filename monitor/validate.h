// Input checks shared by every estimator. Each failure is an InvalidArgument
// status that names the variable, the problem and the fix; estimators run them
// first so that bad input never turns into a NaN estimate.
#ifndef SPARSELAB_MONITOR_VALIDATE_H_
#define SPARSELAB_MONITOR_VALIDATE_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

struct SampleChecks {
  // A column with one value for every sample carries no information and makes
  // covariances singular and nearest-neighbour distances degenerate.
  bool allow_constant_columns = false;
};

// Empty input, a malformed matrix, NaN or infinite values, constant columns.
absl::Status CheckSamples(const Samples& s, absl::string_view name,
                          const SampleChecks& checks = {});
// Equal sample counts (one row = one joint sample).
absl::Status CheckSameCount(const Samples& a, absl::string_view a_name, const Samples& b,
                            absl::string_view b_name);
absl::Status CheckSameCount(int64_t a_n, absl::string_view a_name, int64_t b_n,
                            absl::string_view b_name);
// Nearest-neighbour estimators need 1 <= k <= n - 1.
absl::Status CheckNeighbourCount(int k, int64_t n);
// Non-empty labels.
absl::Status CheckLabels(const std::vector<int64_t>& labels, absl::string_view name);

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_VALIDATE_H_
