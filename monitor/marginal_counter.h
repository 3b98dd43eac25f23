// The marginal neighbour counts of the KSG estimators: for each sample i of a
// variable, how many samples lie within a max-norm radius r_i of it (i
// included). One-dimensional variables use the sorted column: the samples
// within r of x_i form a run of it around x_i's rank (|v - x_i| computed in
// floating point is monotone on each side of x_i). Queries go in sorted order
// and each run's ends are found by a finger search from the previous query's
// ends (galloping then binary search, Bentley & Yao 1976), so a query costs
// O(log of how far the ends moved) instead of O(log N). Higher dimensions use
// the range counts of the exact max-norm k-d tree (monitor/kdtree.h), queried
// in tree order. Either way the count equals the brute-force count
// |{j : MaxNormDistance(s_i, s_j) <= r_i}|.
#ifndef SPARSELAB_MONITOR_MARGINAL_COUNTER_H_
#define SPARSELAB_MONITOR_MARGINAL_COUNTER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "monitor/kdtree.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

class MarginalCounter {
 public:
  explicit MarginalCounter(const Samples& s);

  // counts[i] = samples j with MaxNormDistance(s_i, s_j) <= radius[i] - margin,
  // i included (0 where that radius is negative). Threads over query points
  // (0: all); the result does not depend on the thread count.
  std::vector<int64_t> CountsWithin(const std::vector<double>& radius, double margin,
                                    int num_threads) const;
  // One query: the same count for sample i alone.
  int64_t CountWithin(int64_t i, double radius) const;

  int64_t size() const { return n_; }

 private:
  // The sample queried r-th: sorted order (1-D) or tree order.
  int64_t SampleAt(int64_t r) const { return tree_ ? tree_->IndexAt(r) : order_[r]; }
  struct Finger;
  int64_t CountSorted(int64_t p, double radius, Finger& finger) const;

  int64_t n_ = 0;
  std::vector<int64_t> order_;     // 1-D: sample at each sorted position
  std::vector<int64_t> position_;  // 1-D: sorted position of each sample
  std::vector<double> sorted_;     // 1-D: the sorted column
  std::unique_ptr<MaxNormTree> tree_;  // d >= 2
  Samples points_;                     // d >= 2: the samples, for single queries
};

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_MARGINAL_COUNTER_H_
