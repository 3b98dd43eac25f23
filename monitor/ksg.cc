#include "monitor/ksg.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "monitor/digamma.h"
#include "monitor/kdtree.h"
#include "monitor/lnc.h"
#include "monitor/marginal_counter.h"
#include "monitor/parallel.h"
#include "monitor/validate.h"

namespace sparselab {
namespace monitor {
namespace {

// NPEET's margin: marginal neighbours are counted within eps - 1e-15.
constexpr double kBoundaryMargin = 1e-15;

Samples Prepare(const Samples& s, const KsgOptions& options, int variable) {
  return options.jitter ? JitterForTies(s, JitterSeed(options.seed, variable)) : s;
}

// Distance from each sample to its k-th neighbour (sample itself excluded),
// queried in tree order so that consecutive queries share cached nodes.
std::vector<double> KthNeighbourDistances(const Samples& points, int k, int num_threads) {
  const MaxNormTree tree(points);
  std::vector<double> eps(points.n);
  ParallelFor(points.n, num_threads, [&](int64_t begin, int64_t end) {
    std::vector<Neighbour> nearest(k);
    for (int64_t r = begin; r < end; ++r) {
      const int64_t i = tree.IndexAt(r);
      const int found = tree.NearestExcluding(tree.PointAt(r), k, i, nearest.data());
      eps[i] = nearest[found - 1].distance;
    }
  });
  return eps;
}

// Samples within radius[i] - margin (inclusive) of each sample i, i included.
std::vector<int64_t> CountsWithin(const Samples& marginal, const std::vector<double>& radius,
                                  double margin, int num_threads) {
  return MarginalCounter(marginal).CountsWithin(radius, margin, num_threads);
}

// NPEET's count: marginal samples within eps_i - 1e-15, sample i included.
std::vector<int64_t> CountsWithinMargin(const Samples& marginal, const std::vector<double>& eps,
                                        int num_threads) {
  return CountsWithin(marginal, eps, kBoundaryMargin, num_threads);
}

absl::Status CheckContinuous(const Samples& s, const char* name) {
  return CheckSamples(s, name);
}

// The estimators assume that the k-th neighbour lies at a positive distance.
// A sample with k or more exact copies (the jitter off, or values so large
// against their spread that the 1e-10 relative jitter is below a double's
// resolution) has it at 0, and the estimate is undefined (a digamma pole or
// counts that no longer mean k neighbours): an error instead of a number.
absl::Status CheckPositiveDistances(const std::vector<double>& eps, int k, const char* space) {
  for (size_t i = 0; i < eps.size(); ++i) {
    if (!(eps[i] > 0.0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          space, " sample ", i, " has ", k, " or more exact duplicates, so its distance to the k-th "
          "neighbour is 0 and the estimate is undefined: remove repeated samples, use the discrete "
          "estimator if the data are discrete, or centre the columns (the tie-breaking jitter is "
          "relative to each column's spread)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

uint64_t JitterSeed(uint64_t seed, int variable) {
  return seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(variable) + 1;
}

Samples JitterForTies(const Samples& s, uint64_t rng_seed) {
  Samples out = s;
  std::mt19937_64 rng(rng_seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> scale(s.dim, 1.0);
  for (int64_t j = 0; j < s.dim; ++j) {
    double mean = 0.0, sq = 0.0;
    for (int64_t i = 0; i < s.n; ++i) mean += s(i, j);
    mean /= std::max<int64_t>(1, s.n);
    for (int64_t i = 0; i < s.n; ++i) sq += (s(i, j) - mean) * (s(i, j) - mean);
    const double sd = std::sqrt(sq / std::max<int64_t>(1, s.n));
    scale[j] = sd > 0.0 ? sd : 1.0;
  }
  for (int64_t i = 0; i < s.n; ++i) {
    for (int64_t j = 0; j < s.dim; ++j) out(i, j) += 1e-10 * scale[j] * uniform(rng);
  }
  return out;
}

namespace {

// The checks and tie-breaking jitter shared by KSG algorithms 1 and 2.
struct PreparedPair {
  Samples x, y, joint;
};

absl::Status RefuseLnc(const KsgOptions& options, const char* estimator) {
  if (options.lnc_alpha == 0.0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "the local non-uniformity correction (lnc_alpha = ", options.lnc_alpha,
      ") is defined for KSG algorithm 1 of two variables only, not for ", estimator,
      ": set lnc_alpha = 0 or use algorithm 1 without z"));
}

absl::StatusOr<PreparedPair> PreparePair(const Samples& x_in, const Samples& y_in,
                                         const KsgOptions& options) {
  RETURN_IF_ERROR(CheckContinuous(x_in, "x"));
  RETURN_IF_ERROR(CheckContinuous(y_in, "y"));
  RETURN_IF_ERROR(CheckSameCount(x_in, "x", y_in, "y"));
  RETURN_IF_ERROR(CheckNeighbourCount(options.k, x_in.n));
  const Samples x = Prepare(x_in, options, 0);
  const Samples y = Prepare(y_in, options, 1);
  Samples joint = ConcatColumns(x, y);
  return PreparedPair{x, y, std::move(joint)};
}

}  // namespace

absl::StatusOr<double> KsgMutualInformation(const Samples& x_in, const Samples& y_in,
                                            const KsgOptions& options) {
  ASSIGN_OR_RETURN(const PreparedPair pair, PreparePair(x_in, y_in, options));
  const Samples& x = pair.x;
  const Samples& y = pair.y;
  const Samples& joint = pair.joint;
  const std::vector<double> eps = KthNeighbourDistances(joint, options.k, options.num_threads);
  RETURN_IF_ERROR(CheckPositiveDistances(eps, options.k, "(x, y)"));
  const std::vector<int64_t> n_x = CountsWithinMargin(x, eps, options.num_threads);
  const std::vector<int64_t> n_y = CountsWithinMargin(y, eps, options.num_threads);
  double correction = 0.0;
  if (options.lnc_alpha != 0.0) {
    ASSIGN_OR_RETURN(correction, LocalNonUniformityCorrection(joint, options.k, options.lnc_alpha,
                                                              options.num_threads));
  }
  return Digamma(options.k) + Digamma(static_cast<double>(x.n)) - MeanDigamma(n_x) -
         MeanDigamma(n_y) + correction;
}

absl::StatusOr<double> Ksg2MutualInformation(const Samples& x_in, const Samples& y_in,
                                             const KsgOptions& options) {
  RETURN_IF_ERROR(RefuseLnc(options, "KSG algorithm 2"));
  ASSIGN_OR_RETURN(const PreparedPair pair, PreparePair(x_in, y_in, options));
  const Samples& x = pair.x;
  const Samples& y = pair.y;
  const Samples& joint = pair.joint;
  const int64_t n = x.n;
  // The x- and y-extents of each sample's k-neighbourhood in the joint space.
  std::vector<double> eps_x(n), eps_y(n);
  {
    const MaxNormTree joint_tree(joint);
    ParallelFor(n, options.num_threads, [&](int64_t begin, int64_t end) {
      std::vector<Neighbour> nearest(options.k);
      for (int64_t r = begin; r < end; ++r) {
        const int64_t i = joint_tree.IndexAt(r);
        const int found =
            joint_tree.NearestExcluding(joint_tree.PointAt(r), options.k, i, nearest.data());
        double ex = 0.0, ey = 0.0;
        for (int m = 0; m < found; ++m) {
          ex = std::max(ex, MaxNormDistance(x.row(i), x.row(nearest[m].index), x.dim));
          ey = std::max(ey, MaxNormDistance(y.row(i), y.row(nearest[m].index), y.dim));
        }
        eps_x[i] = ex;
        eps_y[i] = ey;
      }
    });
  }
  // 0 when x or y ties within the neighbourhood (a repeated or nearly constant
  // column whose ties the jitter could not break).
  std::vector<double> marginal_eps(n);
  for (int64_t i = 0; i < n; ++i) marginal_eps[i] = std::min(eps_x[i], eps_y[i]);
  RETURN_IF_ERROR(CheckPositiveDistances(marginal_eps, options.k, "x or y"));
  // Samples other than i within the extents (inclusive), eq. 9.
  std::vector<int64_t> n_x = CountsWithin(x, eps_x, 0.0, options.num_threads);
  std::vector<int64_t> n_y = CountsWithin(y, eps_y, 0.0, options.num_threads);
  for (int64_t i = 0; i < n; ++i) {
    --n_x[i];
    --n_y[i];
  }
  return Digamma(options.k) - 1.0 / options.k + Digamma(static_cast<double>(n)) -
         MeanDigamma(n_x) - MeanDigamma(n_y);
}

absl::StatusOr<double> KsgConditionalMutualInformation(const Samples& x_in, const Samples& y_in,
                                                       const Samples& z_in,
                                                       const KsgOptions& options) {
  RETURN_IF_ERROR(RefuseLnc(options, "conditional MI"));
  RETURN_IF_ERROR(CheckContinuous(x_in, "x"));
  RETURN_IF_ERROR(CheckContinuous(y_in, "y"));
  RETURN_IF_ERROR(CheckContinuous(z_in, "z"));
  RETURN_IF_ERROR(CheckSameCount(x_in, "x", y_in, "y"));
  RETURN_IF_ERROR(CheckSameCount(x_in, "x", z_in, "z"));
  RETURN_IF_ERROR(CheckNeighbourCount(options.k, x_in.n));
  const Samples x = Prepare(x_in, options, 0);
  const Samples y = Prepare(y_in, options, 1);
  const Samples z = Prepare(z_in, options, 2);
  const Samples xz = ConcatColumns(x, z);
  const Samples yz = ConcatColumns(y, z);
  const Samples joint = ConcatColumns(ConcatColumns(x, y), z);
  const std::vector<double> eps = KthNeighbourDistances(joint, options.k, options.num_threads);
  RETURN_IF_ERROR(CheckPositiveDistances(eps, options.k, "(x, y, z)"));
  const std::vector<int64_t> n_xz = CountsWithinMargin(xz, eps, options.num_threads);
  const std::vector<int64_t> n_yz = CountsWithinMargin(yz, eps, options.num_threads);
  const std::vector<int64_t> n_z = CountsWithinMargin(z, eps, options.num_threads);
  return Digamma(options.k) - MeanDigamma(n_xz) - MeanDigamma(n_yz) + MeanDigamma(n_z);
}

absl::StatusOr<double> KozachenkoLeonenkoEntropy(const Samples& x_in, const KsgOptions& options) {
  RETURN_IF_ERROR(RefuseLnc(options, "the entropy"));
  RETURN_IF_ERROR(CheckContinuous(x_in, "x"));
  RETURN_IF_ERROR(CheckNeighbourCount(options.k, x_in.n));
  const Samples x = Prepare(x_in, options, 0);
  const std::vector<double> eps = KthNeighbourDistances(x, options.k, options.num_threads);
  double mean_log = 0.0;
  for (int64_t i = 0; i < x.n; ++i) {
    if (!(eps[i] > 0.0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "x sample ", i, " has ", options.k,
          " or more exact duplicates, so its neighbour distance is 0 and the entropy is "
          "-infinity: keep the tie-breaking jitter on or remove duplicate samples"));
    }
    mean_log += std::log(eps[i]);
  }
  mean_log /= static_cast<double>(x.n);
  const double d = static_cast<double>(x.dim);
  return Digamma(static_cast<double>(x.n)) - Digamma(options.k) + d * std::log(2.0) +
         d * mean_log;
}

absl::StatusOr<double> MixedMutualInformation(const Samples& x_in,
                                              const std::vector<int64_t>& labels,
                                              const KsgOptions& options) {
  RETURN_IF_ERROR(RefuseLnc(options, "the mixed (continuous, discrete) estimator"));
  RETURN_IF_ERROR(CheckContinuous(x_in, "x"));
  RETURN_IF_ERROR(CheckLabels(labels, "labels"));
  RETURN_IF_ERROR(CheckSameCount(x_in.n, "x", static_cast<int64_t>(labels.size()), "labels"));
  if (options.k < 1) return CheckNeighbourCount(options.k, x_in.n);
  const Samples x_all = Prepare(x_in, options, 0);

  std::map<int64_t, std::vector<int64_t>> classes;
  for (int64_t i = 0; i < x_all.n; ++i) classes[labels[i]].push_back(i);
  // Samples whose label occurs once have no same-label neighbour: left out.
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < x_all.n; ++i) {
    if (classes[labels[i]].size() > 1) kept.push_back(i);
  }
  if (kept.size() < 2) {
    return absl::InvalidArgumentError(
        "every label occurs only once, so no sample has a same-label neighbour: "
        "the mixed estimator needs repeated labels (use more samples)");
  }
  const Samples x = SelectRows(x_all, kept);
  const int64_t n = x.n;
  std::vector<int64_t> position(x_all.n, -1);
  for (int64_t r = 0; r < n; ++r) position[kept[r]] = r;

  std::vector<double> radius(n);
  std::vector<int64_t> k_used(n), class_size(n);
  for (const auto& [label, members] : classes) {
    if (members.size() < 2) continue;
    const int k = std::min<int>(options.k, static_cast<int>(members.size()) - 1);
    const Samples class_points = SelectRows(x_all, members);
    const std::vector<double> eps = KthNeighbourDistances(class_points, k, options.num_threads);
    // Ties within a class put d_i at 0 and m_i counts every copy, far more than
    // k: the estimate turns hugely negative (scikit-learn's version of this
    // estimator turns it hugely positive for a constant feature).
    for (size_t m = 0; m < members.size(); ++m) {
      if (!(eps[m] > 0.0)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "x sample ", members[m], " has ", k, " or more exact duplicates with label ", label,
            ", so its distance to the k-th same-label neighbour is 0 and the estimate is "
            "undefined: the column is (nearly) constant or its values repeat; drop such columns, "
            "or for codes that repeat use the discrete estimator"));
      }
    }
    for (size_t m = 0; m < members.size(); ++m) {
      const int64_t r = position[members[m]];
      radius[r] = eps[m];
      k_used[r] = k;
      class_size[r] = static_cast<int64_t>(members.size());
    }
  }
  std::vector<int64_t> m_count = CountsWithin(x, radius, 0.0, options.num_threads);
  for (int64_t& m : m_count) --m;  // others within d_i
  return Digamma(static_cast<double>(n)) + MeanDigamma(k_used) - MeanDigamma(class_size) -
         MeanDigamma(m_count);
}

}  // namespace monitor
}  // namespace sparselab
