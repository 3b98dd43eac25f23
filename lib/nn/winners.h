// Winner selection shared by every k-winners layer (KWinners, KWinners2d,
// KWTABinary, KWTASoft), the sparse-weight masks and magnitude pruning: the
// k-th largest value along a dimension and the mask of the elements that win.
#ifndef SPARSELAB_LIB_NN_WINNERS_H_
#define SPARSELAB_LIB_NN_WINNERS_H_

#include <cstdint>

#include <ATen/ATen.h>

namespace sparselab {

// The k-th largest value of `scores` along `dim`, kept as a size-1 dimension
// (so it broadcasts against `scores`). 1 <= k <= scores.size(dim), else a
// c10::Error naming the problem. Differentiable (kthvalue's gradient).
at::Tensor KthLargest(const at::Tensor& scores, int64_t k, int64_t dim);

// Bool mask of the winners of `scores` along `dim`.
// break_ties = false: every element >= the k-th largest value wins, so all
//   elements tying with the k-th value win and more than k may win (nupic's
//   threshold rule); one kthvalue pass.
// break_ties = true: exactly k win (topk's choice among ties); topk + scatter.
// k == scores.size(dim) selects everything; k == 0 selects nothing.
at::Tensor WinnerMask(const at::Tensor& scores, int64_t k, int64_t dim,
                      bool break_ties);

// EmbedderSDR's kWTA threshold: the midpoint of the k-th and (k+1)-th largest
// values along `dim` (kept as a size-1 dimension), so that exactly the top k
// lie strictly above it when those two values differ. Needs 1 <= k < size.
at::Tensor MidpointThreshold(const at::Tensor& scores, int64_t k, int64_t dim);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_WINNERS_H_
