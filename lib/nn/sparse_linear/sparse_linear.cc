#include "lib/nn/sparse_linear/sparse_linear.h"

#include <cmath>
#include <ios>
#include <string>
#include <vector>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <c10/util/string_utils.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/optim/adam.h>
#include <torch/optim/optimizer.h>
#include <torch/optim/sgd.h>

#include "lib/nn/data_parallel_hooks.h"
#include "lib/nn/sparse_linear/internal/connectivity.h"
#include "lib/nn/sparse_linear/internal/rigl.h"

namespace sparselab {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// y = x W^T for x (B, in) with W in CSR form; gradients for x and the values:
//   dL/dx = g W          (CsrTransposedMatmul)
//   dL/dW_k = (g^T x)_{row k, col k}   (CsrSampledProduct, the sampled product)
class SparseLinearFunction : public torch::autograd::Function<SparseLinearFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& values,
                            const at::Tensor& row_offsets, const at::Tensor& col_indices) {
    const CsrPattern pattern{row_offsets, col_indices};
    at::Tensor x_t = x.t().contiguous();
    at::Tensor y_t = CsrMatmul(pattern, values, x_t, row_offsets.numel() - 1);
    ctx->saved_data["x_t"] = x_t;
    ctx->save_for_backward({values});  // version-checked: an in-place change before backward is an error
    ctx->saved_data["row_offsets"] = row_offsets;
    ctx->saved_data["col_indices"] = col_indices;
    return y_t.t().contiguous();
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const at::Tensor x_t = ctx->saved_data["x_t"].toTensor();
    const at::Tensor values = ctx->get_saved_variables()[0];
    const CsrPattern pattern{ctx->saved_data["row_offsets"].toTensor(),
                             ctx->saved_data["col_indices"].toTensor()};
    const at::Tensor g_t = grad_outputs[0].t().contiguous();
    at::Tensor grad_x, grad_values;
    if (ctx->needs_input_grad(0)) {
      grad_x = CsrTransposedMatmul(pattern, values, g_t, x_t.size(0)).t();
    }
    if (ctx->needs_input_grad(1)) grad_values = CsrSampledProduct(pattern, g_t, x_t);
    return {grad_x, grad_values, at::Tensor(), at::Tensor()};
  }
};

// Moves an optimizer's per-weight state of `param` to the rewired slots.
void MoveOptimizerState(torch::optim::Optimizer& optimizer, const at::Tensor& param,
                        const at::Tensor& source_slots) {
  auto& state = optimizer.state();
  auto it = state.find(c10::guts::to_string(param.unsafeGetTensorImpl()));
  if (it == state.end()) return;  // no step taken yet: no state
  auto move = [&](const at::Tensor& t) {
    if (t.defined() && t.numel() == source_slots.numel()) t.copy_(GatherSlots(t, source_slots));
  };
  if (auto* sgd = dynamic_cast<torch::optim::SGDParamState*>(it->second.get())) {
    move(sgd->momentum_buffer());
  } else if (auto* adam = dynamic_cast<torch::optim::AdamParamState*>(it->second.get())) {
    move(adam->exp_avg());
    move(adam->exp_avg_sq());
    move(adam->max_exp_avg_sq());
  } else {
    TORCH_CHECK(false, "SparseLinear::rigl_step: the optimizer's state type is not supported "
                       "(SGD and Adam are); pass nullptr to leave the state alone");
  }
}

}  // namespace

SparseLinearImpl::SparseLinearImpl(SparseLinearOptions options) : options(std::move(options)) {
  reset();
}

void SparseLinearImpl::reset() {
  const auto& o = options;
  const int64_t in = o.in_features(), out = o.out_features();
  TORCH_CHECK(in > 0 && out > 0, "SparseLinear: in_features and out_features must be positive, got ",
              in, " and ", out);
  TORCH_CHECK(!(o.connectivity().defined() && o.small_world()),
              "SparseLinear: give either a connectivity or small_world = true, not both");
  TORCH_CHECK(o.delta_t() >= 1, "SparseLinear: delta_t must be >= 1, got ", o.delta_t());
  TORCH_CHECK(o.t_end() >= 0, "SparseLinear: t_end must be >= 0, got ", o.t_end());
  TORCH_CHECK(o.alpha() >= 0 && o.alpha() <= 1, "SparseLinear: alpha must be in [0, 1], got ",
              o.alpha());
  TORCH_CHECK(o.max_size() >= 1, "SparseLinear: max_size must be >= 1, got ", o.max_size());
  at::Tensor positions;
  if (o.connectivity().defined()) {
    positions = PositionsFromConnectivity(o.connectivity(), out, in);
  } else if (o.small_world()) {
    positions = SmallWorldPositions(out, in, NonZerosForSparsity(out, in, o.sparsity()));
  } else {
    positions = RandomPositions(out, in, NonZerosForSparsity(out, in, o.sparsity()), o.max_size());
  }
  const CsrPattern p = CsrFromPositions(positions, out, in);
  // U(-sqrt(1/in), sqrt(1/in)), torch::nn::Linear's range.
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  values = register_parameter("values", at::empty({p.nnz()}).uniform_(-bound, bound));
  if (o.bias()) {
    bias = register_parameter("bias", at::empty({out}).uniform_(-bound, bound));
  } else {
    bias = at::Tensor();
  }
  row_offsets = register_buffer("row_offsets", p.row_offsets);
  col_indices = register_buffer("col_indices", p.col_indices);
  record_ = std::make_shared<GradientRecord>();
  record_next_batch_ = o.dynamic() && o.delta_t() == 1 && 1 < o.t_end();
}

void SparseLinearImpl::pretty_print(std::ostream& stream) const {
  const double density = static_cast<double>(nnz()) /
                         (static_cast<double>(options.in_features()) * options.out_features());
  stream << std::boolalpha << "sparselab::SparseLinear(in_features=" << options.in_features()
         << ", out_features=" << options.out_features() << ", bias=" << bias.defined()
         << ", nnz=" << nnz() << ", sparsity=" << 1.0 - density
         << ", connectivity=" << (options.connectivity().defined() ? "user" : "none")
         << ", small_world=" << options.small_world() << ", dynamic=" << options.dynamic() << ")";
}

at::Tensor SparseLinearImpl::forward(const at::Tensor& input) {
  const int64_t in = options.in_features();
  TORCH_CHECK(input.dim() >= 1 && input.size(-1) == in, "SparseLinear: expected an input of shape (N, *, ",
              in, "), got ", input.sizes());
  TORCH_CHECK(input.scalar_type() == values.scalar_type(), "SparseLinear: input is ",
              input.scalar_type(), " but the weights are ", values.scalar_type(),
              "; convert one of them (layer->to(dtype))");
  TORCH_CHECK(input.device().is_cpu(), "SparseLinear: the CSR kernels run on the CPU; got an input on ",
              input.device());
  std::vector<int64_t> out_shape = input.sizes().vec();
  out_shape.back() = options.out_features();
  const at::Tensor x = input.reshape({-1, in});
  at::Tensor y = SparseLinearFunction::apply(x, values, row_offsets, col_indices);
  if (record_next_batch_ && is_training() && y.requires_grad()) {
    record_->input = x.detach();
    std::shared_ptr<GradientRecord> record = record_;
    y.register_hook([record](const at::Tensor& grad) { record->grad_output = grad.detach().clone(); });
  }
  if (bias.defined()) y = y + bias;
  return y.view(out_shape);
}

void SparseLinearImpl::to(torch::Dtype dtype, bool non_blocking) {
  TORCH_CHECK(at::isFloatingType(dtype), "SparseLinear::to: the weights need a floating type, got ",
              dtype);
  for (auto& parameter : named_parameters(/*recurse=*/false)) {
    parameter->set_data(parameter->detach().to(dtype, non_blocking));
  }
}

void SparseLinearImpl::to(torch::Device device, torch::Dtype dtype, bool non_blocking) {
  TORCH_CHECK(device.is_cpu(), "SparseLinear: the CSR kernels run on the CPU, not on ", device);
  to(dtype, non_blocking);
}

at::Tensor SparseLinearImpl::indices() const { return IndicesFromCsr(pattern()); }

at::Tensor SparseLinearImpl::dense_weight() const {
  const int64_t in = options.in_features(), out = options.out_features();
  TORCH_CHECK(in * out <= options.max_size(), "SparseLinear::dense_weight: ", out, " x ", in,
              " exceeds max_size = ", options.max_size(), " entries");
  at::NoGradGuard no_grad;
  at::Tensor dense = at::zeros({out, in}, values.options());
  dense.view({-1}).index_copy_(0, PositionsFromCsr(pattern(), in), values.detach());
  return dense;
}

int64_t SparseLinearImpl::rigl_step(int64_t step, torch::optim::Optimizer* optimizer) {
  const auto& o = options;
  if (!o.dynamic()) return 0;
  int64_t moved = 0;
  if (step > 0 && step % o.delta_t() == 0 && step < o.t_end()) {
    TORCH_CHECK(record_->input.defined() && record_->grad_output.defined(),
                "SparseLinear::rigl_step: no gradient was recorded for step ", step,
                "; call rigl_step after every optimizer step (a Trainer step callback), "
                "with the layer in training mode");
    at::NoGradGuard no_grad;
    const int64_t count = static_cast<int64_t>(
        std::floor(RiglDropFraction(o.alpha(), step, o.t_end()) * static_cast<double>(nnz())));
    at::Tensor x = record_->input;
    at::Tensor g = record_->grad_output;
    if (const DataParallelHooks* hooks = CurrentDataParallelHooks();
        hooks != nullptr && hooks->gather_rows) {
      // The global batch, so that every process grows the same connections.
      x = hooks->gather_rows(x);
      g = hooks->gather_rows(g);
    }
    const at::Tensor x_t = x.t().contiguous();
    const at::Tensor g_t = g.t().contiguous();
    const RiglRewiring plan = PlanRiglRewiring(PositionsFromCsr(pattern(), o.in_features()),
                                               values, g_t, x_t, count, o.max_size());
    values.copy_(GatherSlots(values, plan.source_slots));
    if (optimizer != nullptr) MoveOptimizerState(*optimizer, values, plan.source_slots);
    const CsrPattern p = CsrFromPositions(plan.positions, o.out_features(), o.in_features());
    row_offsets.copy_(p.row_offsets);
    col_indices.copy_(p.col_indices);
    moved = plan.moved;
  }
  record_->input = at::Tensor();
  record_->grad_output = at::Tensor();
  record_next_batch_ = (step + 1) % o.delta_t() == 0 && step + 1 < o.t_end();
  return moved;
}

}  // namespace sparselab
