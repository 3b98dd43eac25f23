// How C++ errors reach Python: absl::Status becomes ValueError (bad input:
// InvalidArgument, OutOfRange, FailedPrecondition) or RuntimeError (anything
// else), c10::Error (TORCH_CHECK) becomes RuntimeError, each with the C++
// message unchanged. Nothing aborts the interpreter.
#ifndef SPARSELAB_PYTHON_BINDINGS_ERRORS_H_
#define SPARSELAB_PYTHON_BINDINGS_ERRORS_H_

#include <utility>

#include <pybind11/pybind11.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sparselab {
namespace python {

// Throws the Python exception for a non-OK status.
[[noreturn]] void RaiseStatus(const absl::Status& status);

template <typename T>
T ValueOrRaise(absl::StatusOr<T> value) {
  if (!value.ok()) RaiseStatus(value.status());
  return *std::move(value);
}

// Registers the c10::Error translator on `m`.
void RegisterErrorTranslators(pybind11::module_& m);

}  // namespace python
}  // namespace sparselab

#endif  // SPARSELAB_PYTHON_BINDINGS_ERRORS_H_
