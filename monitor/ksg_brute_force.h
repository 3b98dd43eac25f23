// O(N^2) KSG algorithms 1 and 2 without a tree: every pairwise max-norm
// distance is computed. The reference that the k-d tree implementation in
// ksg.h must match exactly (tests), and its baseline in mi_benchmark.
#ifndef SPARSELAB_MONITOR_KSG_BRUTE_FORCE_H_
#define SPARSELAB_MONITOR_KSG_BRUTE_FORCE_H_

#include "absl/status/statusor.h"
#include "monitor/ksg.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

// Same conventions (NPEET counting, jitter, seed) as KsgMutualInformation.
absl::StatusOr<double> BruteForceKsgMutualInformation(const Samples& x, const Samples& y,
                                                      const KsgOptions& options = {});
// Same conventions as Ksg2MutualInformation.
absl::StatusOr<double> BruteForceKsg2MutualInformation(const Samples& x, const Samples& y,
                                                       const KsgOptions& options = {});

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_KSG_BRUTE_FORCE_H_
