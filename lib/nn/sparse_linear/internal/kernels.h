// The compute kernels of SparseLinear: a sparse (out x in) weight matrix W held
// in CSR form (32-bit row offsets and column indices, columns ascending within
// a row) times dense activations, and the sampled dense-dense product that is
// W's gradient at its non-zeros. Memory and work are proportional to nnz.
//
// Activations travel transposed, (features, batch) row-major, so that the
// innermost loop of every kernel is a contiguous axpy or dot over the batch.
// Parallel over output rows with at::parallel_for (or, for W^T, over
// nnz-balanced row blocks with one accumulator per block).
#ifndef SPARSELAB_LIB_NN_SPARSE_LINEAR_INTERNAL_KERNELS_H_
#define SPARSELAB_LIB_NN_SPARSE_LINEAR_INTERNAL_KERNELS_H_

#include <cstdint>

#include <ATen/ATen.h>

namespace sparselab {

// Non-zero positions of an (out x in) matrix in CSR order.
struct CsrPattern {
  at::Tensor row_offsets;  // int32 (out + 1), row_offsets[out] = nnz
  at::Tensor col_indices;  // int32 (nnz)
  int64_t nnz() const { return col_indices.numel(); }
};

// The CSR pattern of sorted, distinct flat positions row * in + col (int64).
CsrPattern CsrFromPositions(const at::Tensor& positions, int64_t out_features,
                            int64_t in_features);
// The sorted flat positions (int64) of a pattern, and its (row, col) pairs as
// a (2, nnz) int64 tensor.
at::Tensor PositionsFromCsr(const CsrPattern& pattern, int64_t in_features);
at::Tensor IndicesFromCsr(const CsrPattern& pattern);

// y^T = W x^T: (out, B) from x^T (in, B) contiguous.
at::Tensor CsrMatmul(const CsrPattern& pattern, const at::Tensor& values,
                     const at::Tensor& x_t, int64_t out_features);
// W^T g^T: (in, B) from g^T (out, B) contiguous (the input gradient).
at::Tensor CsrTransposedMatmul(const CsrPattern& pattern, const at::Tensor& values,
                               const at::Tensor& g_t, int64_t in_features);
// The sampled product (g^T x)[row k, col k] = <g^T[row k], x^T[col k]> for
// every non-zero k: W's gradient restricted to its pattern, (nnz).
at::Tensor CsrSampledProduct(const CsrPattern& pattern, const at::Tensor& g_t,
                             const at::Tensor& x_t);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_SPARSE_LINEAR_INTERNAL_KERNELS_H_
