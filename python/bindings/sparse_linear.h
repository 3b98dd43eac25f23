// Binding of lib/nn/sparse_linear (see sparse_linear.cc).
#ifndef SPARSELAB_PYTHON_BINDINGS_SPARSE_LINEAR_H_
#define SPARSELAB_PYTHON_BINDINGS_SPARSE_LINEAR_H_

#include <pybind11/pybind11.h>

namespace sparselab {
namespace python {

void BindSparseLinear(pybind11::module_& m);

}  // namespace python
}  // namespace sparselab

#endif  // SPARSELAB_PYTHON_BINDINGS_SPARSE_LINEAR_H_
