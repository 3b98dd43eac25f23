// Binding of lib/nn/sparse_linear's SparseLinear as a kernel, like the layers
// of layers.cc: the C++ module holds the options (and RigL's record of the
// last batch), the Python module owns `values`, `bias` (parameters) and the
// CSR pattern `row_offsets`, `col_indices` (int32 buffers), which every call
// installs before running the C++ code. RigL rewires those tensors in place.
#include "python/bindings/sparse_linear.h"

#include <cstdint>
#include <memory>

#include <c10/util/Exception.h>
#include <c10/util/Optional.h>
#include <torch/extension.h>

#include "lib/nn/sparse_linear/sparse_linear.h"

namespace py = pybind11;

namespace sparselab {
namespace python {
namespace {

struct SparseLinearState {
  at::Tensor values;
  c10::optional<at::Tensor> bias;
  at::Tensor row_offsets;
  at::Tensor col_indices;
};

class SparseLinearKernel {
 public:
  explicit SparseLinearKernel(const SparseLinearOptions& o)
      : impl_(std::make_shared<SparseLinearImpl>(o)) {}

  // The freshly initialised (values, bias or None, row_offsets, col_indices).
  py::tuple InitialState() const {
    py::object bias = impl_->bias.defined() ? py::cast(impl_->bias.detach()) : py::none();
    return py::make_tuple(impl_->values.detach(), bias, impl_->row_offsets, impl_->col_indices);
  }

  at::Tensor Forward(const at::Tensor& x, const SparseLinearState& s, bool training) {
    Install(s);
    impl_->train(training);
    return impl_->forward(x);
  }

  int64_t RiglStep(int64_t step, const SparseLinearState& s) {
    Install(s);
    return impl_->rigl_step(step, /*optimizer=*/nullptr);
  }

  at::Tensor Indices(const SparseLinearState& s) {
    Install(s);
    return impl_->indices();
  }

  at::Tensor DenseWeight(const SparseLinearState& s) {
    Install(s);
    return impl_->dense_weight();
  }

  const SparseLinearOptions& options() const { return impl_->options; }

 private:
  void Install(const SparseLinearState& s) {
    TORCH_CHECK(s.bias.has_value() == impl_->options.bias(), "SparseLinear: bias is ",
                s.bias.has_value() ? "given" : "missing", " but the layer was built with bias=",
                impl_->options.bias());
    impl_->values = s.values;
    impl_->bias = s.bias.has_value() ? *s.bias : at::Tensor();
    impl_->row_offsets = s.row_offsets;
    impl_->col_indices = s.col_indices;
  }

  std::shared_ptr<SparseLinearImpl> impl_;
};

SparseLinearOptions MakeOptions(int64_t in, int64_t out, bool bias, double sparsity,
                                const c10::optional<at::Tensor>& connectivity, bool small_world,
                                bool dynamic, int64_t delta_t, int64_t t_end, double alpha,
                                int64_t max_size) {
  SparseLinearOptions o(in, out);
  o.bias(bias).sparsity(sparsity).small_world(small_world).dynamic(dynamic).delta_t(delta_t);
  o.t_end(t_end).alpha(alpha).max_size(max_size);
  if (connectivity.has_value()) o.connectivity(*connectivity);
  return o;
}

SparseLinearState State(const at::Tensor& values, const c10::optional<at::Tensor>& bias,
                        const at::Tensor& row_offsets, const at::Tensor& col_indices) {
  return {values, bias, row_offsets, col_indices};
}

}  // namespace

void BindSparseLinear(py::module_& m) {
  using py::arg;
  py::class_<SparseLinearKernel>(m, "SparseLinearKernel",
                                 "lib/nn SparseLinear (CSR weights, RigL) on caller-owned tensors.")
      .def(py::init([](int64_t in, int64_t out, bool bias, double sparsity,
                       const c10::optional<at::Tensor>& connectivity, bool small_world,
                       bool dynamic, int64_t delta_t, int64_t t_end, double alpha,
                       int64_t max_size) {
             return SparseLinearKernel(MakeOptions(in, out, bias, sparsity, connectivity,
                                                   small_world, dynamic, delta_t, t_end, alpha,
                                                   max_size));
           }),
           arg("in_features"), arg("out_features"), arg("bias"), arg("sparsity"),
           arg("connectivity"), arg("small_world"), arg("dynamic"), arg("delta_t"),
           arg("t_end"), arg("alpha"), arg("max_size"))
      .def("initial_state", &SparseLinearKernel::InitialState)
      .def(
          "forward",
          [](SparseLinearKernel& k, const at::Tensor& x, const at::Tensor& values,
             const c10::optional<at::Tensor>& bias, const at::Tensor& row_offsets,
             const at::Tensor& col_indices, bool training) {
            return k.Forward(x, State(values, bias, row_offsets, col_indices), training);
          },
          arg("x"), arg("values"), arg("bias"), arg("row_offsets"), arg("col_indices"),
          arg("training"))
      .def(
          "rigl_step",
          [](SparseLinearKernel& k, int64_t step, const at::Tensor& values,
             const c10::optional<at::Tensor>& bias, const at::Tensor& row_offsets,
             const at::Tensor& col_indices) {
            return k.RiglStep(step, State(values, bias, row_offsets, col_indices));
          },
          arg("step"), arg("values"), arg("bias"), arg("row_offsets"), arg("col_indices"))
      .def(
          "indices",
          [](SparseLinearKernel& k, const at::Tensor& values, const c10::optional<at::Tensor>& bias,
             const at::Tensor& row_offsets, const at::Tensor& col_indices) {
            return k.Indices(State(values, bias, row_offsets, col_indices));
          },
          arg("values"), arg("bias"), arg("row_offsets"), arg("col_indices"))
      .def(
          "dense_weight",
          [](SparseLinearKernel& k, const at::Tensor& values, const c10::optional<at::Tensor>& bias,
             const at::Tensor& row_offsets, const at::Tensor& col_indices) {
            return k.DenseWeight(State(values, bias, row_offsets, col_indices));
          },
          arg("values"), arg("bias"), arg("row_offsets"), arg("col_indices"))
      .def(py::pickle(
          [](const SparseLinearKernel& k) {
            const auto& o = k.options();
            py::object connectivity =
                o.connectivity().defined() ? py::cast(o.connectivity()) : py::none();
            return py::make_tuple(o.in_features(), o.out_features(), o.bias(), o.sparsity(),
                                  connectivity, o.small_world(), o.dynamic(), o.delta_t(),
                                  o.t_end(), o.alpha(), o.max_size());
          },
          [](const py::tuple& t) {
            c10::optional<at::Tensor> connectivity;
            if (!t[4].is_none()) connectivity = t[4].cast<at::Tensor>();
            return SparseLinearKernel(MakeOptions(
                t[0].cast<int64_t>(), t[1].cast<int64_t>(), t[2].cast<bool>(),
                t[3].cast<double>(), connectivity, t[5].cast<bool>(), t[6].cast<bool>(),
                t[7].cast<int64_t>(), t[8].cast<int64_t>(), t[9].cast<double>(),
                t[10].cast<int64_t>()));
          }));
}

}  // namespace python
}  // namespace sparselab
