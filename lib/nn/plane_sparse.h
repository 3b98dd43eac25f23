// Plane-sparse feature maps: a (batch, C, H, W) activation stored as, per
// sample, the indices of its active planes (channels) and their dense H x W
// data; memory follows the active planes (nnz * H * W values and nnz + batch + 1
// indices). The storage is CSR over samples: sample n's planes are
// planes[offsets[n] .. offsets[n + 1]), strictly increasing, and values holds
// their data in the same order. Plane-level sparsity as in "How Can We Be So
// Dense?" (Ahmad & Scheinkman 2019, arXiv:1903.11257) with winners per plane
// instead of per unit, and the group lasso of Wen et al. 2016 ("Learning
// Structured Sparsity in Deep Neural Networks", arXiv:1608.03665, eq. 2) on
// planes.
//
//   PlaneSparseTensor x = PlaneSparseFromDense(dense);   // nonzero planes
//   at::Tensor back = x.to_dense();                       // differentiable
//   torch::save(x, "x.pt"); torch::load(x, "x.pt");
#ifndef SPARSELAB_LIB_NN_PLANE_SPARSE_H_
#define SPARSELAB_LIB_NN_PLANE_SPARSE_H_

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>
#include <torch/serialize/archive.h>

namespace sparselab {

// Per sample a set of planes out of `channels`, in CSR form.
struct PlaneIndex {
  int64_t channels = 0;
  at::Tensor offsets;  // (batch + 1) int64 on the CPU, offsets[0] = 0
  at::Tensor planes;   // (nnz) int64 on the CPU, strictly increasing per sample

  int64_t batch() const { return offsets.defined() ? offsets.numel() - 1 : 0; }
  int64_t nnz() const { return planes.defined() ? planes.numel() : 0; }
  // Bytes of offsets and planes.
  int64_t bytes() const;
};

// Checks that `index` is well formed (offsets from 0 to nnz, non-decreasing;
// every plane in [0, channels); strictly increasing within a sample), naming
// `what` and the fix in the error.
void CheckPlaneIndex(const PlaneIndex& index, const char* what = "PlaneIndex");

// From per-sample lists (any order; duplicates and out-of-range planes are
// errors).
PlaneIndex MakePlaneIndex(const std::vector<std::vector<int64_t>>& planes, int64_t channels);
// From a (batch, k) integer tensor: k planes per sample (any order; same
// checks as MakePlaneIndex).
PlaneIndex PlaneIndexFromIndices(const at::Tensor& planes_per_sample, int64_t channels);
// The nonzero planes of a (batch, C) mask (bool or numbers).
PlaneIndex PlaneIndexFromMask(const at::Tensor& mask);
// Every plane of every sample.
PlaneIndex FullPlaneIndex(int64_t batch, int64_t channels);

// A (batch, C, H, W) activation by its active planes.
struct PlaneSparseTensor {
  PlaneIndex index;
  at::Tensor values;  // (nnz, H, W), any floating dtype; may require grad
  int64_t height = 0;
  int64_t width = 0;

  int64_t batch() const { return index.batch(); }
  int64_t channels() const { return index.channels; }
  int64_t nnz() const { return index.nnz(); }
  // Bytes of the values and the index.
  int64_t bytes() const;
  // The dense (batch, C, H, W) tensor, inactive planes 0; differentiable in
  // values.
  at::Tensor to_dense() const;
};

// Checks shapes: values (nnz, H, W) with nnz = index.nnz(), a valid index.
void CheckPlaneSparse(const PlaneSparseTensor& x, const char* what = "PlaneSparseTensor");

// index + values (nnz, H, W), checked.
PlaneSparseTensor MakePlaneSparse(PlaneIndex index, at::Tensor values);
// The planes of a dense (batch, C, H, W) tensor that hold a nonzero value.
PlaneSparseTensor PlaneSparseFromDense(const at::Tensor& dense);
// The given planes of `dense` (their values gathered, differentiable; the
// other planes are dropped whatever they hold).
PlaneSparseTensor PlaneSparseFromDense(const at::Tensor& dense, const PlaneIndex& index);

// Row numbers into a (batch * C)-plane view of the dense tensor: n * C + plane
// for every stored plane, in storage order (int64, CPU).
at::Tensor FlatPlaneRows(const PlaneIndex& index);

// torch::save / torch::load support (ADL finds these): the index and values
// as tensors, the sizes as scalars.
torch::serialize::OutputArchive& operator<<(torch::serialize::OutputArchive& archive,
                                            const PlaneSparseTensor& x);
torch::serialize::InputArchive& operator>>(torch::serialize::InputArchive& archive,
                                           PlaneSparseTensor& x);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_PLANE_SPARSE_H_
