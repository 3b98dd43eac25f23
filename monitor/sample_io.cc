#include "monitor/sample_io.h"

#include <utility>

#include "lib/base/status_macros.h"

namespace sparselab {
namespace monitor {

Samples SamplesFromMatrix(Matrix m) {
  Samples s;
  s.n = m.rows;
  s.dim = m.cols;
  s.values = std::move(m.values);
  return s;
}

absl::StatusOr<Samples> ParseCsv(const std::string& text, const std::string& origin) {
  ASSIGN_OR_RETURN(Matrix m, ParseCsvMatrix(text, origin));
  return SamplesFromMatrix(std::move(m));
}

absl::StatusOr<Samples> ParseNpy(const std::string& bytes, const std::string& origin) {
  ASSIGN_OR_RETURN(Matrix m, ParseNpyMatrix(bytes, origin));
  return SamplesFromMatrix(std::move(m));
}

absl::StatusOr<Samples> ReadSamples(const std::string& path) {
  ASSIGN_OR_RETURN(Matrix m, ReadMatrix(path));
  return SamplesFromMatrix(std::move(m));
}

}  // namespace monitor
}  // namespace sparselab
