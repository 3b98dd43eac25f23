// The max-norm tree that the KSG estimators used before monitor/kdtree.h: a
// nanoflann k-d tree. Kept only as the "before" path of mi_benchmark (same
// answers, slower: see monitor/README.md).
//
// nanoflann prunes a branch with a lower bound that it accumulates as a SUM of
// per-dimension terms (exact for L1 and squared L2). For the max-norm a sum is
// not a lower bound, so the adaptor here works in the space of 4th powers: the
// metric is max_d |a_d - b_d|^4 and each dimension contributes |a_d - b_d|^4 / D,
// whose sum never exceeds the true max^4. Pruning is therefore exact (only a
// little looser than an L_inf-aware tree), and every distance and count the
// class returns is recomputed exactly in the max-norm from the coordinates.
// Coordinates are scaled by a power of two (exact in floating point) so that
// 4th powers cannot overflow.
#ifndef SPARSELAB_MONITOR_INTERNAL_NANOFLANN_TREE_H_
#define SPARSELAB_MONITOR_INTERNAL_NANOFLANN_TREE_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "monitor/kdtree.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

class NanoflannMaxNormTree {
 public:
  // Indexes a copy of `points`.
  explicit NanoflannMaxNormTree(const Samples& points);
  ~NanoflannMaxNormTree();
  NanoflannMaxNormTree(const NanoflannMaxNormTree&) = delete;
  NanoflannMaxNormTree& operator=(const NanoflannMaxNormTree&) = delete;

  // The `count` points nearest to `query` (dim values), nearest first (ties by
  // index). When the query is a tree point it is among them at distance 0.
  std::vector<Neighbour> Nearest(const double* query, int count) const;
  // Number of tree points with distance <= radius (0 when radius < 0).
  int64_t CountWithin(const double* query, double radius) const;

  int64_t size() const;
  int64_t dim() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_INTERNAL_NANOFLANN_TREE_H_
