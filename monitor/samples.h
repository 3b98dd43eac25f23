// A sample matrix: n samples (rows) of a dim-dimensional variable, row-major,
// in double precision. Every estimator in monitor/ takes its inputs as Samples.
#ifndef SPARSELAB_MONITOR_SAMPLES_H_
#define SPARSELAB_MONITOR_SAMPLES_H_

#include <cstdint>
#include <vector>

namespace sparselab {
namespace monitor {

struct Samples {
  int64_t n = 0;
  int64_t dim = 0;
  std::vector<double> values;  // values[i * dim + j]: sample i, column j

  Samples() = default;
  Samples(int64_t rows, int64_t cols) : n(rows), dim(cols), values(rows * cols, 0.0) {}

  double& operator()(int64_t i, int64_t j) { return values[i * dim + j]; }
  double operator()(int64_t i, int64_t j) const { return values[i * dim + j]; }
  const double* row(int64_t i) const { return values.data() + i * dim; }

  // One-dimensional samples.
  static Samples FromColumn(const std::vector<double>& column);
  // Rows of equal length (an empty list gives n = 0, dim = 0).
  static Samples FromRows(const std::vector<std::vector<double>>& rows);
};

// [a, b] side by side: the joint variable (a, b); a.n must equal b.n.
Samples ConcatColumns(const Samples& a, const Samples& b);
// The samples at `rows`, in that order.
Samples SelectRows(const Samples& s, const std::vector<int64_t>& rows);
// Column j as a vector.
std::vector<double> Column(const Samples& s, int64_t j);

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_SAMPLES_H_
