#include "monitor/kdtree.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>
#include <utility>
#include <vector>

namespace sparselab {
namespace monitor {
namespace {

// Points per leaf: small enough that a range count rarely scans points inside
// the ball, large enough that the tree stays shallow (measured in mi_benchmark).
constexpr int64_t kLeafSize = 8;

// (distance, index) order: nearest first, ties by index.
inline bool Before(double distance, int64_t index, const Neighbour& other) {
  return distance < other.distance || (distance == other.distance && index < other.index);
}

}  // namespace

struct MaxNormTree::Search {
  const double* query;
  int k;
  int64_t exclude;
  Neighbour* best;  // sorted, `found` entries
  int found;

  // The distance a point must not exceed to enter; infinite until k are found.
  double Bound() const { return found < k ? INFINITY : best[k - 1].distance; }
  void Offer(double distance, int64_t index) {
    int j;
    if (found < k) {
      j = found++;
    } else if (Before(distance, index, best[k - 1])) {
      j = k - 1;
    } else {
      return;
    }
    for (; j > 0 && Before(distance, index, best[j - 1]); --j) best[j] = best[j - 1];
    best[j] = {index, distance};
  }
};

// Scratch of the build, allocated once: a copy of the records being
// partitioned and a sample of keys for the pivot.
struct MaxNormTree::Builder {
  std::vector<double> coords;
  std::vector<int64_t> index;
  std::vector<double> sample;
};

MaxNormTree::MaxNormTree(const Samples& points)
    : n_(points.n), dim_(points.dim), coords_(points.values), index_(points.n) {
  std::iota(index_.begin(), index_.end(), 0);
  if (n_ == 0) return;
  nodes_.reserve(static_cast<size_t>(2 * (n_ / kLeafSize + 1)));
  boxes_.reserve(nodes_.capacity() * 2 * dim_);
  std::vector<double> box(2 * dim_);
  std::copy(PointAt(0), PointAt(0) + dim_, box.begin());
  std::copy(PointAt(0), PointAt(0) + dim_, box.begin() + dim_);
  for (int64_t p = 1; p < n_; ++p) {
    for (int64_t d = 0; d < dim_; ++d) {
      box[d] = std::min(box[d], PointAt(p)[d]);
      box[dim_ + d] = std::max(box[dim_ + d], PointAt(p)[d]);
    }
  }
  Builder builder{std::vector<double>(n_ * dim_), std::vector<int64_t>(n_), {}};
  Build(0, n_, box.data(), builder);
}

// Builds the node for positions [begin, end), whose bounding box (low[dim],
// high[dim]) is `box`, and returns its number. Splits the widest dimension of
// the box at the median of a sample of the points (the tree's answers do not
// depend on where it splits, only its speed does); the partition pass also
// accumulates the children's boxes, and every pass is sequential.
int64_t MaxNormTree::Build(int64_t begin, int64_t end, const double* box, Builder& builder) {
  const int64_t node = static_cast<int64_t>(nodes_.size());
  nodes_.push_back({begin, end, -1, 0, 0.0, 0.0});
  boxes_.insert(boxes_.end(), box, box + 2 * dim_);
  const int64_t count = end - begin;
  if (count <= kLeafSize) return node;
  const double* low = box;
  const double* high = box + dim_;
  int64_t split = 0;
  for (int64_t d = 1; d < dim_; ++d) {
    if (high[d] - low[d] > high[split] - low[split]) split = d;
  }
  if (!(high[split] > low[split])) return node;  // all points equal: one leaf
  // Pivot: the median of up to 127 evenly spaced keys.
  const int64_t samples = std::min<int64_t>(count, 127);
  builder.sample.resize(samples);
  for (int64_t r = 0; r < samples; ++r) builder.sample[r] = PointAt(begin + r * count / samples)[split];
  std::nth_element(builder.sample.begin(), builder.sample.begin() + samples / 2, builder.sample.end());
  const double pivot = builder.sample[samples / 2];
  // Smaller keys fill the scratch from the front, larger ones from the back,
  // keys equal to the pivot alternate, the first one going away from the
  // box's edge when the pivot lies on it (so neither side is empty). The
  // side is chosen without a branch: it is a coin toss.
  int64_t left = 0, right = count, equal = pivot == high[split] ? 1 : 0;
  double* scratch = builder.coords.data();
  for (int64_t r = 0; r < count; ++r) {
    const double* x = PointAt(begin + r);
    const bool is_equal = x[split] == pivot;
    const bool goes_left = (x[split] < pivot) | (is_equal & ((equal & 1) == 0));
    equal += is_equal;
    const int64_t slot = goes_left ? left : right - 1;
    left += goes_left;
    right -= !goes_left;
    std::copy(x, x + dim_, scratch + slot * dim_);
    builder.index[slot] = index_[begin + r];
  }
  // The children's boxes, one sequential pass each.
  std::vector<double> child_box(4 * dim_);
  double* left_box = child_box.data();
  double* right_box = child_box.data() + 2 * dim_;
  for (auto [box_out, from, to] : {std::make_tuple(left_box, int64_t{0}, left),
                                   std::make_tuple(right_box, left, count)}) {
    std::copy(scratch + from * dim_, scratch + (from + 1) * dim_, box_out);
    std::copy(scratch + from * dim_, scratch + (from + 1) * dim_, box_out + dim_);
    for (int64_t r = from + 1; r < to; ++r) {
      for (int64_t d = 0; d < dim_; ++d) {
        box_out[d] = std::min(box_out[d], scratch[r * dim_ + d]);
        box_out[dim_ + d] = std::max(box_out[dim_ + d], scratch[r * dim_ + d]);
      }
    }
  }
  std::copy(builder.coords.begin(), builder.coords.begin() + count * dim_,
            coords_.begin() + begin * dim_);
  std::copy(builder.index.begin(), builder.index.begin() + count, index_.begin() + begin);
  Build(begin, begin + left, left_box, builder);
  const int64_t right_node = Build(begin + left, end, right_box, builder);
  Node& nd = nodes_[node];
  nd.right = right_node;
  nd.split = split;
  nd.left_high = left_box[dim_ + split];
  nd.right_low = right_box[split];
  return node;
}

// The k-NN descent keeps one lower bound per node: the largest gap between
// the query and the split coordinate ranges of the children entered on the way
// (each is a lower bound on the max-norm distance to every point below, so
// their maximum is too). That is O(1) per node, independent of the dimension.
// The leaf loop takes the dimension as a template argument for the common
// small dimensions (kDim > 0), so that it unrolls; kDim = 0 reads dim_.
template <int kDim>
void MaxNormTree::SearchNode(int64_t node, double gap, Search& s) const {
  const Node& nd = nodes_[node];
  if (nd.right < 0) {
    const int64_t dim = kDim > 0 ? kDim : dim_;
    double bound = s.Bound();
    for (int64_t p = nd.begin; p < nd.end; ++p) {
      const double distance = MaxNormDistance(s.query, coords_.data() + p * dim, dim);
      if (distance > bound || index_[p] == s.exclude) continue;
      s.Offer(distance, index_[p]);
      bound = s.Bound();
    }
    return;
  }
  const double q = s.query[nd.split];
  const double left_gap = std::max(gap, q - nd.left_high);
  const double right_gap = std::max(gap, nd.right_low - q);
  // A node at exactly the current k-th distance may hold a point with the same
  // distance and a smaller index: only strictly farther nodes are skipped.
  if (left_gap <= right_gap) {
    SearchNode<kDim>(node + 1, left_gap, s);
    if (right_gap <= s.Bound()) SearchNode<kDim>(nd.right, right_gap, s);
  } else {
    SearchNode<kDim>(nd.right, right_gap, s);
    if (left_gap <= s.Bound()) SearchNode<kDim>(node + 1, left_gap, s);
  }
}

int MaxNormTree::NearestExcluding(const double* query, int k, int64_t exclude,
                                  Neighbour* out) const {
  if (k <= 0 || n_ == 0) return 0;
  Search s{query, k, exclude, out, 0};
  switch (dim_) {
    case 1: SearchNode<1>(0, 0.0, s); break;
    case 2: SearchNode<2>(0, 0.0, s); break;
    case 3: SearchNode<3>(0, 0.0, s); break;
    case 4: SearchNode<4>(0, 0.0, s); break;
    default: SearchNode<0>(0, 0.0, s); break;
  }
  return s.found;
}

std::vector<Neighbour> MaxNormTree::Nearest(const double* query, int count) const {
  count = static_cast<int>(std::min<int64_t>(count, n_));
  std::vector<Neighbour> out(std::max(0, count));
  out.resize(NearestExcluding(query, count, -1, out.data()));
  return out;
}

int64_t MaxNormTree::CountNode(int64_t node, const double* query, double radius) const {
  const double* low = Low(node);
  const double* high = High(node);
  double near = 0.0, far = 0.0;
  for (int64_t d = 0; d < dim_; ++d) {
    const double below = low[d] - query[d], above = query[d] - high[d];
    near = std::max(near, std::max(below, above));
    far = std::max(far, std::max(std::abs(below), std::abs(above)));
  }
  if (near > radius) return 0;
  const Node& nd = nodes_[node];
  if (far <= radius) return nd.end - nd.begin;
  if (nd.right < 0) {
    int64_t count = 0;
    for (int64_t p = nd.begin; p < nd.end; ++p)
      count += MaxNormDistance(query, PointAt(p), dim_) <= radius;
    return count;
  }
  return CountNode(node + 1, query, radius) + CountNode(nd.right, query, radius);
}

int64_t MaxNormTree::CountWithin(const double* query, double radius) const {
  if (!(radius >= 0.0) || n_ == 0) return 0;
  return CountNode(0, query, radius);
}

}  // namespace monitor
}  // namespace sparselab
