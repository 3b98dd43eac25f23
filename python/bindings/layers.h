// Bindings of lib/nn (see layers.cc).
#ifndef SPARSELAB_PYTHON_BINDINGS_LAYERS_H_
#define SPARSELAB_PYTHON_BINDINGS_LAYERS_H_

#include <pybind11/pybind11.h>

namespace sparselab {
namespace python {

void BindLayers(pybind11::module_& m);

}  // namespace python
}  // namespace sparselab

#endif  // SPARSELAB_PYTHON_BINDINGS_LAYERS_H_
