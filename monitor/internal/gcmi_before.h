// gcmi_cc as it was computed before the radix ranks and the shared table of
// normal scores: a comparison stable_sort per column and Boost's inverse erfc
// (promoted to long double) per sample. Only the "before" column of
// mi_benchmark calls it.
#ifndef SPARSELAB_MONITOR_INTERNAL_GCMI_BEFORE_H_
#define SPARSELAB_MONITOR_INTERNAL_GCMI_BEFORE_H_

#include "absl/status/statusor.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

Samples CopnormBefore(const Samples& x);
absl::StatusOr<double> GcmiCcBefore(const Samples& x, const Samples& y);

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_INTERNAL_GCMI_BEFORE_H_
