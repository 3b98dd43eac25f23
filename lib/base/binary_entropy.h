// The binary entropy H2(p) = -p log2 p - (1 - p) log2 (1 - p) in bits, 0 at
// p = 0 and p = 1: the one copy the duty-cycle entropies (lib/nn) and Fano's
// bound (monitor/) share.
#ifndef SPARSELAB_LIB_BASE_BINARY_ENTROPY_H_
#define SPARSELAB_LIB_BASE_BINARY_ENTROPY_H_

#include <cmath>

namespace sparselab {

inline double BinaryEntropyBits(double p) {
  if (!(p > 0.0 && p < 1.0)) return 0.0;
  return -p * std::log2(p) - (1 - p) * std::log2(1 - p);
}

}  // namespace sparselab

#endif  // SPARSELAB_LIB_BASE_BINARY_ENTROPY_H_
