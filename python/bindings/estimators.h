// Bindings of monitor/'s estimators (see estimators.cc).
#ifndef SPARSELAB_PYTHON_BINDINGS_ESTIMATORS_H_
#define SPARSELAB_PYTHON_BINDINGS_ESTIMATORS_H_

#include <pybind11/pybind11.h>

namespace sparselab {
namespace python {

void BindEstimators(pybind11::module_& m);

}  // namespace python
}  // namespace sparselab

#endif  // SPARSELAB_PYTHON_BINDINGS_ESTIMATORS_H_
