#include "monitor/digamma.h"

#include <algorithm>

#include <boost/math/special_functions/digamma.hpp>

namespace sparselab {
namespace monitor {

double Digamma(double x) { return boost::math::digamma(x); }

double MeanDigamma(const std::vector<int64_t>& counts) {
  if (counts.empty()) return 0.0;
  // Counts repeat a lot (they are at most N): evaluate each distinct value once.
  const int64_t max_count = *std::max_element(counts.begin(), counts.end());
  std::vector<double> table(max_count + 1, 0.0);
  std::vector<char> known(max_count + 1, 0);
  double sum = 0.0;
  for (int64_t c : counts) {
    if (!known[c]) {
      table[c] = Digamma(static_cast<double>(c));
      known[c] = 1;
    }
    sum += table[c];
  }
  return sum / static_cast<double>(counts.size());
}

}  // namespace monitor
}  // namespace sparselab
