#include "monitor/internal/nanoflann_tree.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nanoflann.hpp>

namespace sparselab {
namespace monitor {
namespace {

// Row-major points as nanoflann's dataset interface.
struct PointCloud {
  std::vector<double> coords;
  size_t n = 0;
  size_t dim = 0;
  double accum_weight = 1.0;  // (1 - 1e-9) / dim, see ChebyshevPowerAdaptor

  size_t kdtree_get_point_count() const { return n; }
  double kdtree_get_pt(size_t idx, size_t d) const { return coords[idx * dim + d]; }
  template <class BBox>
  bool kdtree_get_bbox(BBox&) const { return false; }
};

inline double Pow4(double v) {
  const double s = v * v;
  return s * s;
}

// The Chebyshev adaptor: metric max|diff|^4, per-dimension bound |diff|^4 / D
// (times 1 - 1e-9 against rounding in nanoflann's incremental sums).
template <class T, class DataSource, typename DistType = T, typename AccessorType = uint32_t>
struct ChebyshevPowerAdaptor {
  using ElementType = T;
  using DistanceType = DistType;
  const DataSource& data_source;

  explicit ChebyshevPowerAdaptor(const DataSource& source) : data_source(source) {}

  DistanceType evalMetric(const T* a, const AccessorType b_idx, size_t size) const {
    double worst = 0.0;
    const double* b = data_source.coords.data() + static_cast<size_t>(b_idx) * size;
    for (size_t d = 0; d < size; ++d) worst = std::max(worst, std::abs(a[d] - b[d]));
    return Pow4(worst);
  }

  template <typename U, typename V>
  DistanceType accum_dist(const U a, const V b, const size_t) const {
    return Pow4(std::abs(a - b)) * data_source.accum_weight;
  }
};

using Adaptor = ChebyshevPowerAdaptor<double, PointCloud>;
using Tree = nanoflann::KDTreeSingleIndexAdaptor<Adaptor, PointCloud, -1, uint32_t>;

// Counts points within an exact max-norm radius; nanoflann offers candidates
// inside a slightly inflated 4th-power radius.
class CountingResultSet {
 public:
  using DistanceType = double;
  using IndexType = uint32_t;

  CountingResultSet(const double* query, const PointCloud& cloud, double radius)
      : query_(query), cloud_(cloud), radius_(radius),
        worst_(Pow4(radius) * (1.0 + 1e-9) + std::numeric_limits<double>::denorm_min()) {}

  void init() { count_ = 0; }
  size_t size() const { return count_; }
  bool full() const { return true; }
  double worstDist() const { return worst_; }
  bool addPoint(double, uint32_t index) {
    const double* p = cloud_.coords.data() + static_cast<size_t>(index) * cloud_.dim;
    if (MaxNormDistance(query_, p, cloud_.dim) <= radius_) ++count_;
    return true;
  }
  int64_t count() const { return count_; }

 private:
  const double* query_;
  const PointCloud& cloud_;
  double radius_;
  double worst_;
  int64_t count_ = 0;
};

}  // namespace

struct NanoflannMaxNormTree::Impl {
  PointCloud cloud;
  double scale = 1.0;  // a power of two: scaled = original * scale, exactly
  std::unique_ptr<Tree> tree;

  std::vector<double> Scaled(const double* query) const {
    std::vector<double> q(query, query + cloud.dim);
    for (double& v : q) v *= scale;
    return q;
  }
};

NanoflannMaxNormTree::NanoflannMaxNormTree(const Samples& points) : impl_(new Impl) {
  PointCloud& cloud = impl_->cloud;
  cloud.n = static_cast<size_t>(points.n);
  cloud.dim = static_cast<size_t>(points.dim);
  cloud.accum_weight = (1.0 - 1e-9) / static_cast<double>(std::max<int64_t>(1, points.dim));
  double max_abs = 0.0;
  for (double v : points.values) max_abs = std::max(max_abs, std::abs(v));
  if (max_abs > 0.0 && std::isfinite(max_abs)) {
    int exponent = 0;
    std::frexp(max_abs, &exponent);
    impl_->scale = std::ldexp(1.0, -exponent);
  }
  cloud.coords = points.values;
  for (double& v : cloud.coords) v *= impl_->scale;
  impl_->tree = std::make_unique<Tree>(static_cast<int>(cloud.dim), cloud,
                                       nanoflann::KDTreeSingleIndexAdaptorParams(10));
}

NanoflannMaxNormTree::~NanoflannMaxNormTree() = default;

int64_t NanoflannMaxNormTree::size() const { return static_cast<int64_t>(impl_->cloud.n); }
int64_t NanoflannMaxNormTree::dim() const { return static_cast<int64_t>(impl_->cloud.dim); }

std::vector<Neighbour> NanoflannMaxNormTree::Nearest(const double* query, int count) const {
  const PointCloud& cloud = impl_->cloud;
  count = std::min<int>(count, static_cast<int>(cloud.n));
  std::vector<Neighbour> out;
  if (count <= 0) return out;
  const std::vector<double> q = impl_->Scaled(query);
  std::vector<uint32_t> indices(count);
  std::vector<double> dists(count);
  nanoflann::KNNResultSet<double, uint32_t, size_t> result(static_cast<size_t>(count));
  result.init(indices.data(), dists.data());
  impl_->tree->findNeighbors(result, q.data(), nanoflann::SearchParams());
  const size_t found = result.size();
  out.reserve(found);
  const double unscale = 1.0 / impl_->scale;  // a power of two: exact
  for (size_t r = 0; r < found; ++r) {
    const double* p = cloud.coords.data() + static_cast<size_t>(indices[r]) * cloud.dim;
    out.push_back({static_cast<int64_t>(indices[r]),
                   MaxNormDistance(q.data(), p, cloud.dim) * unscale});
  }
  std::sort(out.begin(), out.end(), [](const Neighbour& a, const Neighbour& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.index < b.index;
  });
  return out;
}

int64_t NanoflannMaxNormTree::CountWithin(const double* query, double radius) const {
  if (!(radius >= 0.0)) return 0;
  const std::vector<double> q = impl_->Scaled(query);
  CountingResultSet result(q.data(), impl_->cloud, radius * impl_->scale);
  impl_->tree->findNeighbors(result, q.data(), nanoflann::SearchParams());
  return result.count();
}

}  // namespace monitor
}  // namespace sparselab
