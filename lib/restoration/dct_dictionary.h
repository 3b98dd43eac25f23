// The overcomplete 2-D DCT dictionary of Elad & Aharon 2006 ("Image Denoising
// Via Sparse and Redundant Representations Over Learned Dictionaries", IEEE TIP
// 15(12), Sec. IV, the initial dictionary of K-SVD denoising): a 1-D dictionary
// of k = sqrt(K) cosines sampled on p points,
//
//   A[i][j] = cos(pi j (i + 1/2) / k),   i = 0..p-1, j = 0..k-1,
//
// every column but the DC one (j = 0) made zero-mean, every column unit norm;
// the 2-D atoms are the Kronecker product D = A (x) A, atom (j1, j2) the
// p x p patch A[:, j1] A[:, j2]^T flattened row-major (the layout of
// patches.h). For k = p, A is the orthonormal DCT-II basis (its AC columns are
// zero-mean already), so D is an orthonormal basis of p x p patches. For k > p
// the frequencies are k / p times finer (the redundancy of the paper's 64 x 256
// dictionary for 8 x 8 patches); subtracting the mean keeps the AC atoms
// orthogonal to the DC one, as in the K-SVD toolbox's overcomplete DCT.
#ifndef SPARSELAB_LIB_RESTORATION_DCT_DICTIONARY_H_
#define SPARSELAB_LIB_RESTORATION_DCT_DICTIONARY_H_

#include <cstdint>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace sparselab {

// The (p, k) 1-D dictionary A above. Errors for p < 1 or k < p.
absl::StatusOr<at::Tensor> DctDictionary1d(int64_t patch_size, int64_t atoms_1d,
                                           at::ScalarType dtype = at::kDouble);

// The (p * p, K) 2-D dictionary; K must be a perfect square k * k with k >= p.
absl::StatusOr<at::Tensor> OvercompleteDctDictionary(int64_t patch_size, int64_t atoms,
                                                     at::ScalarType dtype = at::kDouble);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_DCT_DICTIONARY_H_
