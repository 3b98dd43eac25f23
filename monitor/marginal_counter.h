// The marginal neighbour counts of the KSG estimators: for each sample i of a
// variable, how many samples lie within a max-norm radius r_i of it (i
// included). One-dimensional variables use the sorted column: the samples
// within r of x_i form a run of it around x_i's rank (|v - x_i| computed in
// floating point is monotone on each side of x_i). Queries go in sorted order
// and each run's ends are found by a finger search from the previous query's
// ends (galloping then binary search, Bentley & Yao 1976), so a query costs
// O(log of how far the ends moved) instead of O(log N). Higher dimensions use
// the range counts of the exact max-norm k-d tree (monitor/kdtree.h), queried
// in tree order, except two dimensions: there the ball is the rectangle of a
// run of each sorted column (found as in 1-D), and all N rectangles are
// counted offline by one sweep along the first column with a Fenwick tree over
// the ranks in the second (Bentley 1980, "Multidimensional divide-and-conquer";
// Fenwick 1994), O(N log N) whatever the counts, where the tree pays for the
// boundary of every ball. Either way the count equals the brute-force count
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
  struct SortedColumn {
    std::vector<int64_t> order;     // sample at each sorted position
    std::vector<int64_t> position;  // sorted position of each sample
    std::vector<double> sorted;     // the sorted column
  };
  struct Finger;
  // The run [begin, end) of `column`'s sorted positions within `radius` of
  // position p (p inside it), searched from the finger, which it moves.
  static void Run(const SortedColumn& column, int64_t p, double radius, Finger& finger);
  // The sample queried r-th: sorted order (1-D, 2-D) or tree order.
  int64_t SampleAt(int64_t r) const { return tree_ ? tree_->IndexAt(r) : columns_[0].order[r]; }
  std::vector<int64_t> RectangleCounts(const std::vector<double>& radius, double margin,
                                       int num_threads) const;

  int64_t n_ = 0;
  std::vector<SortedColumn> columns_;  // d <= 2: each column sorted
  std::unique_ptr<MaxNormTree> tree_;  // d >= 3
  Samples points_;                     // d >= 3: the samples, for single queries
};

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_MARGINAL_COUNTER_H_
