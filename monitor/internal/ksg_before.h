// KSG algorithm 1 as it was computed before the exact max-norm tree: joint
// k-NN and marginal counts through the nanoflann tree, counts by enumerating
// every marginal neighbour (O(N^1.5) for 1-D marginals). Only the "before"
// column of mi_benchmark calls it; it returns the same number as
// KsgMutualInformation (the benchmark checks).
#ifndef SPARSELAB_MONITOR_INTERNAL_KSG_BEFORE_H_
#define SPARSELAB_MONITOR_INTERNAL_KSG_BEFORE_H_

#include "monitor/ksg.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

// Same conventions as KsgMutualInformation; inputs are assumed valid.
double KsgMutualInformationBefore(const Samples& x, const Samples& y, const KsgOptions& options);

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_INTERNAL_KSG_BEFORE_H_
