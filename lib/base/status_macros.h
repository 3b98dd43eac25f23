// Early-return helpers for absl::Status / absl::StatusOr (Abseil 20220623 has
// no public versions of these).
#ifndef SPARSELAB_LIB_BASE_STATUS_MACROS_H_
#define SPARSELAB_LIB_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SPARSELAB_CONCAT_INNER_(a, b) a##b
#define SPARSELAB_CONCAT_(a, b) SPARSELAB_CONCAT_INNER_(a, b)

// Returns from the current function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                       \
  do {                                              \
    const absl::Status _sparselab_status = (expr);  \
    if (!_sparselab_status.ok()) return _sparselab_status; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F());` declares x from an OK StatusOr or returns.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(SPARSELAB_CONCAT_(_sparselab_or_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()

#endif  // SPARSELAB_LIB_BASE_STATUS_MACROS_H_
