#include "monitor/samples.h"

#include <algorithm>
#include <stdexcept>

namespace sparselab {
namespace monitor {

Samples Samples::FromColumn(const std::vector<double>& column) {
  Samples s(static_cast<int64_t>(column.size()), 1);
  s.values = column;
  return s;
}

Samples Samples::FromRows(const std::vector<std::vector<double>>& rows) {
  if (rows.empty()) return Samples();
  Samples s(static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size()));
  for (int64_t i = 0; i < s.n; ++i) {
    if (static_cast<int64_t>(rows[i].size()) != s.dim) {
      throw std::invalid_argument("Samples::FromRows: rows of different lengths");
    }
    std::copy(rows[i].begin(), rows[i].end(), s.values.begin() + i * s.dim);
  }
  return s;
}

Samples ConcatColumns(const Samples& a, const Samples& b) {
  if (a.n != b.n) throw std::invalid_argument("ConcatColumns: different sample counts");
  Samples out(a.n, a.dim + b.dim);
  for (int64_t i = 0; i < a.n; ++i) {
    std::copy(a.row(i), a.row(i) + a.dim, out.values.begin() + i * out.dim);
    std::copy(b.row(i), b.row(i) + b.dim, out.values.begin() + i * out.dim + a.dim);
  }
  return out;
}

Samples SelectRows(const Samples& s, const std::vector<int64_t>& rows) {
  Samples out(static_cast<int64_t>(rows.size()), s.dim);
  for (size_t r = 0; r < rows.size(); ++r) {
    std::copy(s.row(rows[r]), s.row(rows[r]) + s.dim, out.values.begin() + r * s.dim);
  }
  return out;
}

std::vector<double> Column(const Samples& s, int64_t j) {
  std::vector<double> out(s.n);
  for (int64_t i = 0; i < s.n; ++i) out[i] = s(i, j);
  return out;
}

}  // namespace monitor
}  // namespace sparselab
