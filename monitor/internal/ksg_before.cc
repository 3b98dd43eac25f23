#include "monitor/internal/ksg_before.h"

#include <vector>

#include "monitor/digamma.h"
#include "monitor/internal/nanoflann_tree.h"
#include "monitor/parallel.h"

namespace sparselab {
namespace monitor {

double KsgMutualInformationBefore(const Samples& x_in, const Samples& y_in,
                                  const KsgOptions& options) {
  const Samples x = options.jitter ? JitterForTies(x_in, JitterSeed(options.seed, 0)) : x_in;
  const Samples y = options.jitter ? JitterForTies(y_in, JitterSeed(options.seed, 1)) : y_in;
  const Samples joint = ConcatColumns(x, y);
  const int64_t n = x.n;
  std::vector<double> eps(n);
  {
    const NanoflannMaxNormTree tree(joint);
    ParallelFor(n, options.num_threads, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        eps[i] = tree.Nearest(joint.row(i), options.k + 1).back().distance;
    });
  }
  double result = Digamma(options.k) + Digamma(static_cast<double>(n));
  for (const Samples* marginal : {&x, &y}) {
    const NanoflannMaxNormTree tree(*marginal);
    std::vector<int64_t> counts(n);
    ParallelFor(n, options.num_threads, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        counts[i] = tree.CountWithin(marginal->row(i), eps[i] - 1e-15);
    });
    result -= MeanDigamma(counts);
  }
  return result;
}

}  // namespace monitor
}  // namespace sparselab
