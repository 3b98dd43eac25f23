// Test helper: finite-difference gradients in double precision, to check
// autograd's gradients of the library's differentiable ops.
#ifndef SPARSELAB_LIB_NN_GRADIENT_CHECK_H_
#define SPARSELAB_LIB_NN_GRADIENT_CHECK_H_

#include <functional>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

namespace sparselab::testing {

using ScalarFunction = std::function<at::Tensor(const at::Tensor&)>;

// Central differences (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) of a scalar
// function of a double tensor.
inline at::Tensor NumericGradient(const ScalarFunction& f, const at::Tensor& x,
                                  double eps = 1e-6) {
  TORCH_CHECK(x.scalar_type() == at::kDouble, "NumericGradient needs a double tensor");
  at::NoGradGuard no_grad;
  at::Tensor point = x.detach().clone().contiguous();
  at::Tensor grad = at::zeros_like(point);
  double* p = point.data_ptr<double>();
  double* g = grad.data_ptr<double>();
  for (int64_t i = 0; i < point.numel(); ++i) {
    const double original = p[i];
    p[i] = original + eps;
    const double plus = f(point).item<double>();
    p[i] = original - eps;
    const double minus = f(point).item<double>();
    p[i] = original;
    g[i] = (plus - minus) / (2 * eps);
  }
  return grad;
}

// Autograd's gradient of f at x.
inline at::Tensor AnalyticGradient(const ScalarFunction& f, const at::Tensor& x) {
  at::Tensor leaf = x.detach().clone().set_requires_grad(true);
  f(leaf).backward();
  return leaf.grad();
}

}  // namespace sparselab::testing

#endif  // SPARSELAB_LIB_NN_GRADIENT_CHECK_H_
