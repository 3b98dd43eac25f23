// The extension module sparselab._C: lib/nn's layers as kernels for the
// torch.nn.Modules of the Python package, and monitor/'s estimators. Tensors
// cross through torch/extension.h's type casters without copies; import torch
// before this module (the package's __init__ does).
#include <torch/extension.h>

#include "python/bindings/errors.h"
#include "python/bindings/estimators.h"
#include "python/bindings/layers.h"
#include "python/bindings/sparse_linear.h"

PYBIND11_MODULE(_C, m) {
  m.doc() = "sparselab's C++ layers and estimators (use the sparselab package, not this module)";
  sparselab::python::RegisterErrorTranslators(m);
  sparselab::python::BindLayers(m);
  sparselab::python::BindSparseLinear(m);
  sparselab::python::BindEstimators(m);
}
