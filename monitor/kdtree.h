// Nearest-neighbour queries and range counts in the max-norm (Chebyshev)
// metric, the metric of the KSG estimators, on an exact L-infinity k-d tree.
//
// k-NN pruning: a node is skipped when the max-norm distance from the query to
// the split coordinate range of that node (or of any node above it) exceeds
// the current k-th distance; the bound is the MAXIMUM of those gaps, exact for
// the max-norm (nanoflann, used before, accumulates a SUM of per-dimension
// terms and so cannot express a max; see monitor/README.md). Rounding cannot
// break it: for lo <= p the computed p - q is never below the computed lo - q
// (rounding is monotone), so no point of a pruned node is closer than the
// bound. Range counts use each node's bounding box: a node entirely inside the
// query ball (the same argument with the far corner) is added whole, so a
// count costs the boundary of the ball, not its content.
// Distances are computed from the original coordinates, exactly as
// MaxNormDistance does. Queries allocate nothing.
#ifndef SPARSELAB_MONITOR_KDTREE_H_
#define SPARSELAB_MONITOR_KDTREE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

// max_d |a_d - b_d|.
inline double MaxNormDistance(const double* a, const double* b, int64_t dim) {
  double worst = 0.0;
  for (int64_t d = 0; d < dim; ++d) worst = std::max(worst, std::abs(a[d] - b[d]));
  return worst;
}

struct Neighbour {
  int64_t index;
  double distance;  // exact max-norm distance
};

class MaxNormTree {
 public:
  // Indexes a copy of `points`.
  explicit MaxNormTree(const Samples& points);

  // The `count` points nearest to `query` (dim values), nearest first (ties by
  // index). When the query is a tree point it is among them at distance 0.
  std::vector<Neighbour> Nearest(const double* query, int count) const;
  // The k points nearest to `query` other than point `exclude` (-1: none), by
  // (distance, index), written nearest first to out[0 .. returned count).
  int NearestExcluding(const double* query, int k, int64_t exclude, Neighbour* out) const;
  // Number of tree points with distance <= radius (0 when radius < 0).
  int64_t CountWithin(const double* query, double radius) const;

  int64_t size() const { return n_; }
  int64_t dim() const { return dim_; }
  // The points in tree order (neighbours in space are near in this order, so
  // queries issued in it hit the cache): original index and coordinates.
  int64_t IndexAt(int64_t position) const { return index_[position]; }
  const double* PointAt(int64_t position) const { return coords_.data() + position * dim_; }

 private:
  struct Node {
    int64_t begin, end;  // positions of its points
    int64_t right;       // second child (the first is this node + 1); -1 for a leaf
    int64_t split;       // dimension that separates the children
    double left_high;    // largest split coordinate in the first child
    double right_low;    // smallest split coordinate in the second child
  };
  struct Search;
  struct Builder;

  int64_t Build(int64_t begin, int64_t end, const double* box, Builder& builder);
  const double* Low(int64_t node) const { return boxes_.data() + node * 2 * dim_; }
  const double* High(int64_t node) const { return boxes_.data() + node * 2 * dim_ + dim_; }
  template <int kDim>
  void SearchNode(int64_t node, double gap, Search& s) const;
  int64_t CountNode(int64_t node, const double* query, double radius) const;

  int64_t n_ = 0;
  int64_t dim_ = 0;
  std::vector<double> coords_;   // points in tree order, row-major
  std::vector<int64_t> index_;   // original index of each position
  std::vector<Node> nodes_;      // pre-order
  std::vector<double> boxes_;    // per node: low[dim], high[dim]
};

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_KDTREE_H_
