#include "monitor/gcmi.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <boost/math/special_functions/erf.hpp>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "monitor/digamma.h"
#include "monitor/parallel.h"
#include "monitor/sorted_order.h"
#include "monitor/validate.h"

namespace sparselab {
namespace monitor {
namespace {

// A symmetric matrix, row-major.
struct Matrix {
  int64_t size = 0;
  std::vector<double> v;
  explicit Matrix(int64_t m) : size(m), v(m * m, 0.0) {}
  double& operator()(int64_t i, int64_t j) { return v[i * size + j]; }
  double operator()(int64_t i, int64_t j) const { return v[i * size + j]; }
};

// Sample covariance (N - 1 normalisation) of the columns of `parts` side by
// side, without copying them into one joint array (the same sums in the same
// order as on the concatenation); with `demeaned` the columns are taken as
// zero-mean, as gcmi's demeaned=True.
Matrix JointCovariance(const std::vector<const Samples*>& parts, bool demeaned) {
  const int64_t n = parts[0]->n;
  int64_t dim = 0;
  for (const Samples* p : parts) dim += p->dim;
  std::vector<double> mean(dim, 0.0);
  std::vector<double> centred(dim);
  // Row i of the joint samples into `centred`, minus `mean`.
  auto joint_row = [&](int64_t i) {
    int64_t j = 0;
    for (const Samples* p : parts)
      for (int64_t c = 0; c < p->dim; ++c, ++j) centred[j] = (*p)(i, c) - mean[j];
  };
  if (!demeaned) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t j = 0;
      for (const Samples* p : parts)
        for (int64_t c = 0; c < p->dim; ++c, ++j) mean[j] += (*p)(i, c);
    }
    for (double& m : mean) m /= static_cast<double>(n);
  }
  Matrix cov(dim);
  for (int64_t i = 0; i < n; ++i) {
    joint_row(i);
    for (int64_t a = 0; a < dim; ++a)
      for (int64_t b = 0; b <= a; ++b) cov(a, b) += centred[a] * centred[b];
  }
  for (int64_t a = 0; a < dim; ++a) {
    for (int64_t b = 0; b <= a; ++b) {
      cov(a, b) /= static_cast<double>(n - 1);
      cov(b, a) = cov(a, b);
    }
  }
  return cov;
}

Matrix Covariance(const Samples& s, bool demeaned) { return JointCovariance({&s}, demeaned); }

// Means and covariances (N - 1 normalisation) of the samples of each class, in
// two passes over x without copying a class out: the same sums in the same
// order as Covariance(SelectRows(x, that class's rows), false).
struct ClassMoments {
  std::vector<std::vector<double>> mean;
  std::vector<Matrix> cov;
};

ClassMoments ClassCovariances(const Samples& x, const std::vector<int64_t>& labels,
                              const std::vector<int64_t>& counts) {
  const int64_t classes = static_cast<int64_t>(counts.size());
  ClassMoments m{std::vector<std::vector<double>>(classes, std::vector<double>(x.dim, 0.0)),
                 std::vector<Matrix>(classes, Matrix(x.dim))};
  for (int64_t i = 0; i < x.n; ++i)
    for (int64_t j = 0; j < x.dim; ++j) m.mean[labels[i]][j] += x(i, j);
  for (int64_t c = 0; c < classes; ++c)
    for (double& v : m.mean[c]) v /= static_cast<double>(counts[c]);
  std::vector<double> centred(x.dim);
  for (int64_t i = 0; i < x.n; ++i) {
    const std::vector<double>& mean = m.mean[labels[i]];
    Matrix& cov = m.cov[labels[i]];
    for (int64_t j = 0; j < x.dim; ++j) centred[j] = x(i, j) - mean[j];
    for (int64_t a = 0; a < x.dim; ++a)
      for (int64_t b = 0; b <= a; ++b) cov(a, b) += centred[a] * centred[b];
  }
  for (int64_t c = 0; c < classes; ++c) {
    for (int64_t a = 0; a < x.dim; ++a) {
      for (int64_t b = 0; b <= a; ++b) {
        m.cov[c](a, b) /= static_cast<double>(counts[c] - 1);
        m.cov[c](b, a) = m.cov[c](a, b);
      }
    }
  }
  return m;
}

// The sub-matrix of `c` on `indices`.
Matrix Block(const Matrix& c, const std::vector<int64_t>& indices) {
  Matrix out(static_cast<int64_t>(indices.size()));
  for (size_t a = 0; a < indices.size(); ++a)
    for (size_t b = 0; b < indices.size(); ++b) out(a, b) = c(indices[a], indices[b]);
  return out;
}

std::vector<int64_t> Range(int64_t begin, int64_t end) {
  std::vector<int64_t> r(end - begin);
  std::iota(r.begin(), r.end(), begin);
  return r;
}

// Lower Cholesky factor; an error when the matrix is not positive definite.
absl::StatusOr<Matrix> Cholesky(const Matrix& c, const char* what) {
  Matrix l(c.size);
  for (int64_t j = 0; j < c.size; ++j) {
    double d = c(j, j);
    for (int64_t p = 0; p < j; ++p) d -= l(j, p) * l(j, p);
    if (!std::isfinite(d)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the covariance of ", what, " overflows (values too large for double precision, e.g. "
          "|x| > 1e154): rescale the columns (e.g. to unit variance)"));
    }
    if (!(d > 0.0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the covariance of ", what,
          " is singular (columns are linearly dependent or too few samples): drop "
          "redundant columns or give more samples"));
    }
    l(j, j) = std::sqrt(d);
    for (int64_t i = j + 1; i < c.size; ++i) {
      double s = c(i, j);
      for (int64_t p = 0; p < j; ++p) s -= l(i, p) * l(j, p);
      l(i, j) = s / l(j, j);
    }
  }
  return l;
}

// sum log diag(L) = half the log-determinant.
double HalfLogDet(const Matrix& l) {
  double s = 0.0;
  for (int64_t j = 0; j < l.size; ++j) s += std::log(l(j, j));
  return s;
}

absl::StatusOr<double> HalfLogDetOf(const Matrix& c, const char* what) {
  ASSIGN_OR_RETURN(const Matrix l, Cholesky(c, what));
  return HalfLogDet(l);
}

// The analytic bias of the Gaussian entropy of `dim` variables from n samples.
double EntropyBias(int64_t n, int64_t dim) {
  const double dterm = (std::log(2.0) - std::log(static_cast<double>(n) - 1.0)) / 2.0;
  double psi_sum = 0.0;
  for (int64_t i = 1; i <= dim; ++i) psi_sum += Digamma((static_cast<double>(n - i)) / 2.0) / 2.0;
  return static_cast<double>(dim) * dterm + psi_sum;
}

absl::Status CheckCapacity(int64_t n, int64_t dim, const char* what) {
  if (n <= dim) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " needs more samples than variables (", n, " samples, ", dim,
        " variables): give more samples or reduce the dimension"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int64_t>> ClassCounts(const std::vector<int64_t>& labels,
                                                 int num_classes, int64_t dim) {
  if (num_classes < 1) {
    return absl::InvalidArgumentError("num_classes must be positive");
  }
  std::vector<int64_t> counts(num_classes, 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= num_classes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "label ", labels[i], " of sample ", i, " is outside [0, ", num_classes,
          "): relabel the classes as 0 .. num_classes - 1"));
    }
    ++counts[labels[i]];
  }
  for (int c = 0; c < num_classes; ++c) {
    if (counts[c] <= dim) {
      return absl::InvalidArgumentError(absl::StrCat(
          "class ", c, " has ", counts[c], " samples but its covariance needs more than ", dim,
          ": merge rare classes or give more samples"));
    }
  }
  return counts;
}

absl::Status CheckDiscretePair(const Samples& x, const std::vector<int64_t>& labels) {
  RETURN_IF_ERROR(CheckSamples(x, "x"));
  RETURN_IF_ERROR(CheckLabels(labels, "labels"));
  return CheckSameCount(x.n, "x", static_cast<int64_t>(labels.size()), "labels");
}

// Median of a copy (numpy.median: the mean of the middle two for even sizes).
double Median(std::vector<double> v) {
  const size_t n = v.size();
  std::nth_element(v.begin(), v.begin() + n / 2, v.end());
  const double upper = v[n / 2];
  if (n % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + n / 2);
  return (lower + upper) / 2.0;
}

}  // namespace

// Boost computes in double here: its default promotes to long double, which
// is 4x slower on x86-64 for a difference of at most 2 ulp.
double Ndtri(double p) {
  using DoublePolicy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;
  return -std::sqrt(2.0) * boost::math::erfc_inv(2.0 * p, DoublePolicy());
}

std::vector<Samples> CopnormEach(const std::vector<const Samples*>& variables) {
  std::vector<Samples> out;
  if (variables.empty()) return out;
  const int64_t n = variables[0]->n;
  // Every column of n samples maps rank r to the same normal score.
  std::vector<double> scores(n);
  ParallelFor(n, 0, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      scores[r] = Ndtri(static_cast<double>(r + 1) / static_cast<double>(n + 1));
  }, 4096);
  std::vector<std::pair<size_t, int64_t>> columns;  // (variable, column)
  for (size_t v = 0; v < variables.size(); ++v) {
    out.emplace_back(variables[v]->n, variables[v]->dim);
    for (int64_t j = 0; j < variables[v]->dim; ++j) columns.emplace_back(v, j);
  }
  ParallelFor(static_cast<int64_t>(columns.size()), 0, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const auto [v, j] = columns[c];
      const Samples& x = *variables[v];
      const std::vector<int64_t> order = SortedOrder(x.values.data() + j, x.n, x.dim);
      for (int64_t r = 0; r < x.n; ++r) out[v](order[r], j) = scores[r];
    }
  }, 1);
  return out;
}

Samples Copnorm(const Samples& x) { return std::move(CopnormEach({&x})[0]); }

absl::StatusOr<double> GaussianEntropy(const Samples& x, bool bias_correct) {
  RETURN_IF_ERROR(CheckSamples(x, "x"));
  RETURN_IF_ERROR(CheckCapacity(x.n, x.dim, "Gaussian entropy"));
  ASSIGN_OR_RETURN(double h, HalfLogDetOf(Covariance(x, false), "x"));
  h += 0.5 * static_cast<double>(x.dim) * (std::log(2.0 * M_PI) + 1.0);
  if (bias_correct) h -= EntropyBias(x.n, x.dim);
  return h;
}

absl::StatusOr<double> GaussianMutualInformation(const Samples& x, const Samples& y,
                                                 bool bias_correct, bool demeaned) {
  RETURN_IF_ERROR(CheckSamples(x, "x"));
  RETURN_IF_ERROR(CheckSamples(y, "y"));
  RETURN_IF_ERROR(CheckSameCount(x, "x", y, "y"));
  RETURN_IF_ERROR(CheckCapacity(x.n, x.dim + y.dim, "Gaussian mutual information"));
  const Matrix cov = JointCovariance({&x, &y}, demeaned);
  ASSIGN_OR_RETURN(double hx, HalfLogDetOf(Block(cov, Range(0, x.dim)), "x"));
  ASSIGN_OR_RETURN(double hy, HalfLogDetOf(Block(cov, Range(x.dim, x.dim + y.dim)), "y"));
  ASSIGN_OR_RETURN(double hxy, HalfLogDetOf(cov, "(x, y)"));
  if (bias_correct) {
    hx -= EntropyBias(x.n, x.dim);
    hy -= EntropyBias(x.n, y.dim);
    hxy -= EntropyBias(x.n, x.dim + y.dim);
  }
  return hx + hy - hxy;
}

absl::StatusOr<double> GaussianConditionalMutualInformation(const Samples& x, const Samples& y,
                                                            const Samples& z, bool bias_correct,
                                                            bool demeaned) {
  RETURN_IF_ERROR(CheckSamples(x, "x"));
  RETURN_IF_ERROR(CheckSamples(y, "y"));
  RETURN_IF_ERROR(CheckSamples(z, "z"));
  RETURN_IF_ERROR(CheckSameCount(x, "x", y, "y"));
  RETURN_IF_ERROR(CheckSameCount(x, "x", z, "z"));
  const int64_t dx = x.dim, dy = y.dim, dz = z.dim;
  RETURN_IF_ERROR(CheckCapacity(x.n, dx + dy + dz, "Gaussian conditional mutual information"));
  const Matrix cov = JointCovariance({&x, &y, &z}, demeaned);
  std::vector<int64_t> xz = Range(0, dx), z_idx = Range(dx + dy, dx + dy + dz);
  xz.insert(xz.end(), z_idx.begin(), z_idx.end());
  ASSIGN_OR_RETURN(double hz, HalfLogDetOf(Block(cov, z_idx), "z"));
  ASSIGN_OR_RETURN(double hxz, HalfLogDetOf(Block(cov, xz), "(x, z)"));
  ASSIGN_OR_RETURN(double hyz, HalfLogDetOf(Block(cov, Range(dx, dx + dy + dz)), "(y, z)"));
  ASSIGN_OR_RETURN(double hxyz, HalfLogDetOf(cov, "(x, y, z)"));
  if (bias_correct) {
    hz -= EntropyBias(x.n, dz);
    hxz -= EntropyBias(x.n, dx + dz);
    hyz -= EntropyBias(x.n, dy + dz);
    hxyz -= EntropyBias(x.n, dx + dy + dz);
  }
  return hxz + hyz - hxyz - hz;
}

absl::StatusOr<double> GaussianModelDiscreteMutualInformation(const Samples& x_in,
                                                              const std::vector<int64_t>& labels,
                                                              int num_classes, bool bias_correct,
                                                              bool demeaned) {
  RETURN_IF_ERROR(CheckDiscretePair(x_in, labels));
  RETURN_IF_ERROR(CheckCapacity(x_in.n, x_in.dim, "Gaussian/discrete mutual information"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> counts, ClassCounts(labels, num_classes, x_in.dim));
  double h_unconditional;
  {
    ASSIGN_OR_RETURN(h_unconditional, HalfLogDetOf(Covariance(x_in, demeaned), "x"));
  }
  if (bias_correct) h_unconditional -= EntropyBias(x_in.n, x_in.dim);
  double h_conditional = 0.0;
  const ClassMoments moments = ClassCovariances(x_in, labels, counts);
  for (int c = 0; c < num_classes; ++c) {
    ASSIGN_OR_RETURN(double h, HalfLogDetOf(moments.cov[c], "x within a class"));
    if (bias_correct) h -= EntropyBias(counts[c], x_in.dim);
    h_conditional += static_cast<double>(counts[c]) / static_cast<double>(x_in.n) * h;
  }
  return h_unconditional - h_conditional;
}

absl::StatusOr<double> GaussianMixtureDiscreteMutualInformation(const Samples& x,
                                                                const std::vector<int64_t>& labels,
                                                                int num_classes) {
  RETURN_IF_ERROR(CheckDiscretePair(x, labels));
  RETURN_IF_ERROR(CheckCapacity(x.n, x.dim, "Gaussian/discrete mutual information"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> counts, ClassCounts(labels, num_classes, x.dim));
  const int64_t d = x.dim;
  const ClassMoments moments = ClassCovariances(x, labels, counts);
  const std::vector<std::vector<double>>& means = moments.mean;
  std::vector<Matrix> chol;
  std::vector<double> h_class(num_classes), weight(num_classes);
  for (int c = 0; c < num_classes; ++c) {
    ASSIGN_OR_RETURN(Matrix l, Cholesky(moments.cov[c], "x within a class"));
    h_class[c] = HalfLogDet(l) + 0.5 * static_cast<double>(d) * (std::log(2.0 * M_PI) + 1.0);
    chol.push_back(std::move(l));
    weight[c] = static_cast<double>(counts[c]) / static_cast<double>(x.n);
  }
  // Mixture entropy by the unscented transform: 2d sigma points per class,
  // mean +- sqrt(d) * (row j of the class's Cholesky factor), as the reference.
  const double spread = std::sqrt(static_cast<double>(d));
  double h_mixture = 0.0;
  std::vector<double> point(d), solved(d), log_lik(num_classes);
  for (int c = 0; c < num_classes; ++c) {
    double sum_over_points = 0.0;
    for (int64_t s = 0; s < 2 * d; ++s) {
      const int64_t j = s % d;
      const double sign = s < d ? 1.0 : -1.0;
      for (int64_t a = 0; a < d; ++a) point[a] = means[c][a] + sign * spread * chol[c](j, a);
      double max_ll = -INFINITY;
      for (int m = 0; m < num_classes; ++m) {
        // Forward substitution L v = point - mean_m; log-likelihood -|v|^2 / 2.
        double sq = 0.0;
        for (int64_t a = 0; a < d; ++a) {
          double r = point[a] - means[m][a];
          for (int64_t b = 0; b < a; ++b) r -= chol[m](a, b) * solved[b];
          solved[a] = r / chol[m](a, a);
          sq += solved[a] * solved[a];
        }
        log_lik[m] = -0.5 * sq - h_class[m] + 0.5 * static_cast<double>(d);
        max_ll = std::max(max_ll, log_lik[m]);
      }
      double mix = 0.0;
      for (int m = 0; m < num_classes; ++m) mix += std::exp(log_lik[m] - max_ll) * weight[m];
      sum_over_points += max_ll + std::log(mix);
    }
    h_mixture += weight[c] * sum_over_points;
  }
  h_mixture = -h_mixture / (2.0 * static_cast<double>(d));
  double h_conditional = 0.0;
  for (int c = 0; c < num_classes; ++c) h_conditional += weight[c] * h_class[c];
  return h_mixture - h_conditional;
}

absl::StatusOr<double> GcmiCc(const Samples& x, const Samples& y) {
  RETURN_IF_ERROR(CheckSamples(x, "x"));
  RETURN_IF_ERROR(CheckSamples(y, "y"));
  RETURN_IF_ERROR(CheckSameCount(x, "x", y, "y"));
  const std::vector<Samples> c = CopnormEach({&x, &y});
  return GaussianMutualInformation(c[0], c[1], true, true);
}

absl::StatusOr<double> GcmiModelCd(const Samples& x, const std::vector<int64_t>& labels,
                                   int num_classes) {
  RETURN_IF_ERROR(CheckDiscretePair(x, labels));
  return GaussianModelDiscreteMutualInformation(Copnorm(x), labels, num_classes, true, true);
}

absl::StatusOr<double> GcmiMixtureCd(const Samples& x, const std::vector<int64_t>& labels,
                                     int num_classes) {
  RETURN_IF_ERROR(CheckDiscretePair(x, labels));
  RETURN_IF_ERROR(ClassCounts(labels, num_classes, 0).status());
  // Copula-normalise each class, then restore its median and robust scale
  // (1.4826 * median absolute deviation), as the reference does.
  Samples pooled(x.n, x.dim);
  std::vector<int64_t> pooled_labels;
  int64_t row = 0;
  for (int c = 0; c < num_classes; ++c) {
    std::vector<int64_t> members;
    for (int64_t i = 0; i < x.n; ++i)
      if (labels[i] == c) members.push_back(i);
    const Samples xc = SelectRows(x, members);
    const Samples cxc = Copnorm(xc);
    for (int64_t j = 0; j < x.dim; ++j) {
      const std::vector<double> column = Column(xc, j);
      const double median = Median(column);
      std::vector<double> deviation(column.size());
      for (size_t i = 0; i < column.size(); ++i) deviation[i] = std::abs(column[i] - median);
      const double mad = Median(deviation);
      if (mad == 0.0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "class ", c, " column ", j,
            " has zero median absolute deviation (over half its values are equal): "
            "the mixture model cannot be fitted; use GcmiModelCd or drop the column"));
      }
      for (int64_t i = 0; i < xc.n; ++i) pooled(row + i, j) = cxc(i, j) * (1.482602218505602 * mad) + median;
    }
    row += xc.n;
    pooled_labels.insert(pooled_labels.end(), members.size(), c);
  }
  return GaussianMixtureDiscreteMutualInformation(pooled, pooled_labels, num_classes);
}

absl::StatusOr<double> GccmiCcc(const Samples& x, const Samples& y, const Samples& z) {
  RETURN_IF_ERROR(CheckSamples(x, "x"));
  RETURN_IF_ERROR(CheckSamples(y, "y"));
  RETURN_IF_ERROR(CheckSamples(z, "z"));
  RETURN_IF_ERROR(CheckSameCount(x, "x", y, "y"));
  RETURN_IF_ERROR(CheckSameCount(x, "x", z, "z"));
  const std::vector<Samples> c = CopnormEach({&x, &y, &z});
  return GaussianConditionalMutualInformation(c[0], c[1], c[2], true, true);
}

}  // namespace monitor
}  // namespace sparselab
