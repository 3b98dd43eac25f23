// Group lasso on planes (Wen et al. 2016, "Learning Structured Sparsity in
// Deep Neural Networks", arXiv:1608.03665, eq. 2, with the groups being whole
// 2-D planes; group lasso of Yuan & Lin 2006): a penalty that drives whole
// planes to 0 together, so that plane pruning (plane_pruning.h) and
// plane-sparse maps (plane_sparse.h) lose little.
//   WeightPlaneGroupLasso(W)     = sum_{o, i} ||W[o, i]||_F        W (C_out, C_in, kh, kw)
//   ActivationPlaneGroupLasso(a) = sum_{n, c} ||a[n, c]||_F / N    a (N, C, H, W)
// Add them to the task loss times a strength of your choice.
//
// Gradient at a zero plane: ||x||_F is not differentiable at x = 0, and the
// plain sqrt(sum x^2) gives 0 / 0 = NaN there. PlaneNorms has a custom
// backward: x / ||x||_F at nonzero planes and exactly 0 at all-zero planes
// (the subgradient of least norm, which leaves a pruned plane at 0). The value
// is exact (no sqrt(x + eps) bias).
#ifndef SPARSELAB_LIB_NN_PLANE_PENALTIES_H_
#define SPARSELAB_LIB_NN_PLANE_PENALTIES_H_

#include <ATen/ATen.h>

#include "lib/nn/plane_sparse.h"

namespace sparselab {

// ||x[..., :, :]||_F over the last two dimensions of a tensor with at least 3
// (shape x.sizes()[:-2]): (C_out, C_in) of a conv weight, (N, C) of a feature
// map, (P) of PlaneSparseConv2d's stored planes. Differentiable, with the
// safe gradient above.
at::Tensor PlaneNorms(const at::Tensor& x);

// sum_{o, i} ||W[o, i]||_F of a (C_out, C_in, kh, kw) conv weight, or of
// PlaneSparseConv2d's (P, kh, kw) stored planes (the absent planes are 0 and
// add nothing).
at::Tensor WeightPlaneGroupLasso(const at::Tensor& weight);

// sum_{n, c} ||a[n, c]||_F / N of a (N, C, H, W) feature map, N > 0.
at::Tensor ActivationPlaneGroupLasso(const at::Tensor& activations);
// The same for a plane-sparse map (its stored planes; the others are 0).
at::Tensor ActivationPlaneGroupLasso(const PlaneSparseTensor& activations);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_PLANE_PENALTIES_H_
