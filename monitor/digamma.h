// Digamma of sample counts, the building block of the nearest-neighbour
// estimators (KSG, Kozachenko-Leonenko, Ross). Values come from Boost.Math.
#ifndef SPARSELAB_MONITOR_DIGAMMA_H_
#define SPARSELAB_MONITOR_DIGAMMA_H_

#include <cstdint>
#include <vector>

namespace sparselab {
namespace monitor {

double Digamma(double x);

// Mean of digamma(c) over counts (each c >= 1), summed in index order so the
// result does not depend on the thread count that produced the counts.
double MeanDigamma(const std::vector<int64_t>& counts);

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_DIGAMMA_H_
