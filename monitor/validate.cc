#include "monitor/validate.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"

namespace sparselab {
namespace monitor {

absl::Status CheckSamples(const Samples& s, absl::string_view name, const SampleChecks& checks) {
  if (s.n <= 0 || s.dim <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " is empty (", s.n, " samples of dimension ", s.dim,
        "): give at least a few samples with at least one column"));
  }
  if (static_cast<int64_t>(s.values.size()) != s.n * s.dim) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " is malformed: ", s.values.size(), " values for ", s.n, " x ", s.dim,
        " samples; build it with Samples(n, dim) or Samples::FromRows"));
  }
  for (int64_t i = 0; i < s.n; ++i) {
    for (int64_t j = 0; j < s.dim; ++j) {
      const double v = s(i, j);
      if (!std::isfinite(v)) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, " has a non-finite value (", std::isnan(v) ? "NaN" : "infinity",
            ") in sample ", i, ", column ", j,
            ": remove or impute such samples before estimating"));
      }
    }
  }
  if (!checks.allow_constant_columns) {
    for (int64_t j = 0; j < s.dim; ++j) {
      bool constant = true;
      for (int64_t i = 1; i < s.n && constant; ++i) constant = s(i, j) == s(0, j);
      if (constant) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, " column ", j, " is constant (", s(0, j), " in all ", s.n,
            " samples): it carries no information; drop the column"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSameCount(int64_t a_n, absl::string_view a_name, int64_t b_n,
                            absl::string_view b_name) {
  if (a_n != b_n) {
    return absl::InvalidArgumentError(absl::StrCat(
        a_name, " has ", a_n, " samples but ", b_name, " has ", b_n,
        ": each row must be one joint sample, so give both the same number of rows"));
  }
  return absl::OkStatus();
}

absl::Status CheckSameCount(const Samples& a, absl::string_view a_name, const Samples& b,
                            absl::string_view b_name) {
  return CheckSameCount(a.n, a_name, b.n, b_name);
}

absl::Status CheckNeighbourCount(int k, int64_t n) {
  if (k < 1 || k >= n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "k = ", k, " neighbours is out of range for ", n,
        " samples: k must be between 1 and N - 1 = ", n - 1,
        "; use a smaller k (3 is usual) or more samples"));
  }
  return absl::OkStatus();
}

absl::Status CheckLabels(const std::vector<int64_t>& labels, absl::string_view name) {
  if (labels.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " is empty: give one label per sample"));
  }
  return absl::OkStatus();
}

}  // namespace monitor
}  // namespace sparselab
