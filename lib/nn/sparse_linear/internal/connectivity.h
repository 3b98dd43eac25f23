// Where the non-zeros of a SparseLinear weight matrix (out x in) go, as sorted,
// distinct flat positions row * in + col (int64). Three constructions, after
// the SparseLinear seed project (rain-neuromorphics/SparseLinear):
//   random:       nnz positions drawn uniformly without replacement;
//   user-defined: a (2, nnz) tensor of (row, col) pairs, validated;
//   small-world:  row r and column c connect independently with probability
//                 p(r, c) = (|u_r - v_c| + 1)^(-lambda), u and v the units'
//                 positions rescaled to a common axis [0, max(in, out) - 1];
//                 lambda found by bisection so the expected count is nnz.
// All randomness comes from torch's default generator (torch::manual_seed).
#ifndef SPARSELAB_LIB_NN_SPARSE_LINEAR_INTERNAL_CONNECTIVITY_H_
#define SPARSELAB_LIB_NN_SPARSE_LINEAR_INTERNAL_CONNECTIVITY_H_

#include <cstdint>

#include <ATen/ATen.h>

namespace sparselab {

// round((1 - sparsity) * out * in), checked to be in [1, out * in].
int64_t NonZerosForSparsity(int64_t out_features, int64_t in_features, double sparsity);

// `nnz` positions uniform without replacement. Up to max_size positions a
// random permutation; above, rounds of random draws with duplicates removed,
// so memory stays proportional to nnz.
at::Tensor RandomPositions(int64_t out_features, int64_t in_features, int64_t nnz,
                           int64_t max_size);

// Validates a user's (2, nnz) int64 (row, col) connectivity: rows in
// [0, out), columns in [0, in), no pair twice; a c10::Error names the first
// offending pair. Returns the sorted flat positions.
at::Tensor PositionsFromConnectivity(const at::Tensor& connectivity, int64_t out_features,
                                     int64_t in_features);

// Units' positions on the common axis: unit i of n at i * (L - 1) / (n - 1)
// with L = max(in, out) (the middle, (L - 1) / 2, when n = 1).
double SmallWorldPosition(int64_t unit, int64_t units, int64_t axis_length);
// Expected number of connections, sum over (r, c) of p(r, c), for `lambda`.
// Exact up to kSmallWorldSampleRows output rows; above, the rows are
// subsampled evenly and the sum scaled (the count is smooth in the row).
double SmallWorldExpectedCount(int64_t out_features, int64_t in_features, double lambda);
// lambda >= 0 with SmallWorldExpectedCount = nnz (bisection, relative
// tolerance 1e-6). An error when even lambda -> infinity (only coinciding
// positions connect) gives more than nnz.
double SmallWorldLambda(int64_t out_features, int64_t in_features, int64_t nnz);
// One draw of the small-world pattern (about nnz connections, binomial spread).
at::Tensor SmallWorldPositions(int64_t out_features, int64_t in_features, int64_t nnz);

inline constexpr int64_t kSmallWorldSampleRows = 1024;

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_SPARSE_LINEAR_INTERNAL_CONNECTIVITY_H_
