// sparselab::SparseLinear: a truly sparse linear layer y = x W^T + b that
// stores only W's non-zeros and their indices (CSR, 32-bit indices), after the
// SparseLinear seed project (rain-neuromorphics/SparseLinear). Memory and work
// are proportional to nnz, never to in x out, so layers far wider than a dense
// matrix could hold train (50,000 x 50,000 at 99.9 % sparsity: 2.5 M weights).
//
// Connectivity: random (default), user-defined (`connectivity`), small-world
// (`small_world`), optionally rewired during training by RigL (`dynamic`;
// Evci et al. 2020, see sparse_linear_rigl.h). Forward and backward are the
// CSR kernels of sparse_linear_kernels.h in a custom autograd function: the
// gradient reaches the input and the stored values only.
//
//   SparseLinear layer(SparseLinearOptions(784, 2000).sparsity(0.9).dynamic(true));
//   Trainer trainer(model, CrossEntropyLoss(), options);
//   trainer.AddStepCallback([&](const StepInfo& s) {
//     layer->rigl_step(s.global_step, &trainer.optimizer());
//     return absl::OkStatus();
//   });
#ifndef SPARSELAB_LIB_NN_SPARSE_LINEAR_SPARSE_LINEAR_H_
#define SPARSELAB_LIB_NN_SPARSE_LINEAR_SPARSE_LINEAR_H_

#include <cstdint>
#include <memory>
#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include "lib/nn/sparse_linear/internal/kernels.h"

namespace torch::optim {
class Optimizer;
}  // namespace torch::optim

namespace sparselab {

struct SparseLinearOptions {
  SparseLinearOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  TORCH_ARG(int64_t, in_features);
  TORCH_ARG(int64_t, out_features);
  TORCH_ARG(bool, bias) = true;
  // Fraction of the in x out weights that are absent (random and small-world).
  TORCH_ARG(double, sparsity) = 0.9;
  // A user's (2, nnz) int64 tensor of (row = output, col = input) pairs;
  // undefined = none. Overrides `sparsity`; excludes `small_world`.
  TORCH_ARG(at::Tensor, connectivity);
  TORCH_ARG(bool, small_world) = false;
  // RigL rewiring every delta_t steps until t_end, dropping the fraction
  // alpha / 2 (1 + cos(pi t / t_end)) (see rigl_step).
  TORCH_ARG(bool, dynamic) = false;
  TORCH_ARG(int64_t, delta_t) = 6000;
  TORCH_ARG(int64_t, t_end) = 150000;
  TORCH_ARG(double, alpha) = 0.1;
  // Largest dense block (entries) the layer ever forms: the random draw
  // without replacement and RigL's dense gradient are chunked above it.
  TORCH_ARG(int64_t, max_size) = 100000000;
};

class SparseLinearImpl : public torch::nn::Cloneable<SparseLinearImpl> {
 public:
  explicit SparseLinearImpl(SparseLinearOptions options);
  SparseLinearImpl(int64_t in_features, int64_t out_features)
      : SparseLinearImpl(SparseLinearOptions(in_features, out_features)) {}

  void reset() override;
  void pretty_print(std::ostream& stream) const override;

  // Module::to converts every buffer; these convert only the weights and
  // keep the int32 index buffers (the kernels run on the CPU).
  using torch::nn::Module::to;
  void to(torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Device device, torch::Dtype dtype, bool non_blocking = false) override;

  // (N, *, in) -> (N, *, out), like torch::nn::Linear.
  at::Tensor forward(const at::Tensor& input);

  int64_t nnz() const { return values.numel(); }
  CsrPattern pattern() const { return {row_offsets, col_indices}; }
  // (2, nnz) int64 (row, col) pairs in CSR order, the order of `values`.
  at::Tensor indices() const;
  // The dense (out, in) weight matrix, for inspection and tests of small
  // layers (an error above max_size entries).
  at::Tensor dense_weight() const;

  // RigL's hook: call after every optimizer step with the number of steps
  // taken (StepInfo::global_step). At steps t with t % delta_t == 0 and
  // t < t_end it rewires the layer using the gradient of that step's batch
  // (recorded during its backward pass), moves the optimizer's per-weight
  // state (momentum, Adam moments) with the weights, zeroes it for grown
  // connections, and returns the number of connections moved; else 0.
  // Layers with dynamic = false return 0.
  int64_t rigl_step(int64_t step, torch::optim::Optimizer* optimizer = nullptr);

  SparseLinearOptions options;
  at::Tensor values;       // parameter (nnz), the non-zero weights in CSR order
  at::Tensor bias;         // parameter (out), undefined without bias
  at::Tensor row_offsets;  // buffer int32 (out + 1)
  at::Tensor col_indices;  // buffer int32 (nnz)

 private:
  // The batch RigL grows from: the layer's input and its output gradient.
  struct GradientRecord {
    at::Tensor input;        // (B, in)
    at::Tensor grad_output;  // (B, out)
  };
  std::shared_ptr<GradientRecord> record_ = std::make_shared<GradientRecord>();
  bool record_next_batch_ = false;
};
TORCH_MODULE(SparseLinear);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_SPARSE_LINEAR_SPARSE_LINEAR_H_
