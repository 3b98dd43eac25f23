#include "monitor/internal/gcmi_before.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <boost/math/special_functions/erf.hpp>

#include "monitor/gcmi.h"

namespace sparselab {
namespace monitor {

Samples CopnormBefore(const Samples& x) {
  Samples out(x.n, x.dim);
  std::vector<int64_t> order(x.n);
  for (int64_t j = 0; j < x.dim; ++j) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return x(a, j) < x(b, j); });
    for (int64_t r = 0; r < x.n; ++r) {
      const double p = static_cast<double>(r + 1) / static_cast<double>(x.n + 1);
      out(order[r], j) = -std::sqrt(2.0) * boost::math::erfc_inv(2.0 * p);
    }
  }
  return out;
}

absl::StatusOr<double> GcmiCcBefore(const Samples& x, const Samples& y) {
  return GaussianMutualInformation(CopnormBefore(x), CopnormBefore(y), true, true);
}

}  // namespace monitor
}  // namespace sparselab
