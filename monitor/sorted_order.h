// Stable sorting of one column of samples: the order behind the KSG marginal
// counts (monitor/marginal_counter.h) and the GCMI ranks (monitor/gcmi.h).
// A least-significant-digit radix sort on the IEEE-754 bits mapped to unsigned
// integers of the same order (Knuth, TAOCP vol. 3, 5.2.5; the sign-flip
// mapping of Herf 2001, "Radix tricks"), so its cost is linear in N.
#ifndef SPARSELAB_MONITOR_SORTED_ORDER_H_
#define SPARSELAB_MONITOR_SORTED_ORDER_H_

#include <cstdint>
#include <vector>

namespace sparselab {
namespace monitor {

// The positions 0 .. n-1 of values[i * stride] in ascending order of value,
// equal values (-0.0 and 0.0 included) in ascending position: the order of a
// stable sort with operator<. Values must not be NaN.
std::vector<int64_t> SortedOrder(const double* values, int64_t n, int64_t stride = 1);

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_SORTED_ORDER_H_
