// Export of a pruned model in a form that is actually smaller: every Linear of
// a Sequential becomes a SparseLinear holding only its non-zero weights (CSR:
// one float and one int32 column index per non-zero, one int32 row offset per
// output), every Conv2d a fresh Conv2d with the same weights but without the
// pruning mask buffer, every other module a deep copy. Pruning libraries that
// only zero weights save files as large as the dense model (PyTorch issues
// 32928 and 34257); this one's bytes on disk follow the non-zeros.
//
//   torch::nn::Sequential compact = CompactSequential(pruned);
//   RETURN_IF_ERROR(SaveModule(*compact, "model.compact.pt"));
//   // later: the same architecture, then the saved values
//   torch::nn::Sequential loaded = CompactSequential(architecture);
//   RETURN_IF_ERROR(LoadModule(*loaded, "model.compact.pt"));
//
// CSR pays 8 bytes per kept weight against dense's 4, so the export is
// smaller only below 50 % density (e.g. 90 % sparse: about 1/5 the bytes).
#ifndef SPARSELAB_LIB_NN_SPARSE_LINEAR_COMPACT_EXPORT_H_
#define SPARSELAB_LIB_NN_SPARSE_LINEAR_COMPACT_EXPORT_H_

#include <cstdint>
#include <string>

#include <ATen/ATen.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/nn/sparse_linear/sparse_linear.h"

namespace sparselab {

// A SparseLinear with exactly the non-zeros of `weight` (out, in) and `bias`
// (out, or undefined): its dense_weight() equals `weight`. A weight with no
// non-zero keeps one explicit zero (SparseLinear stores at least one entry).
SparseLinear SparseLinearFromDense(const at::Tensor& weight, const at::Tensor& bias);

// The compact twin of `model` (same child names, same outputs): Linear ->
// SparseLinear when `sparse_linear`, else a mask-free dense copy (the "dense
// save" the compact one is compared with).
torch::nn::Sequential CompactSequential(const torch::nn::Sequential& model,
                                        bool sparse_linear = true);

// torch::save / torch::load of a module's parameters and buffers, as
// absl::Status (NotFound, or InvalidArgument naming the file for a corrupt or
// mismatched one). Loading works into a CompactSequential of the same
// architecture whatever its current non-zero counts.
absl::Status SaveModule(torch::nn::Module& module, const std::string& path);
absl::Status LoadModule(torch::nn::Module& module, const std::string& path);

// Bytes of the file SaveModule writes for `module` (written to a temporary file).
absl::StatusOr<int64_t> SavedBytes(torch::nn::Module& module);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_SPARSE_LINEAR_COMPACT_EXPORT_H_
