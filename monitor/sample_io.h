// Reading samples from files for the `mi` command line: CSV (one sample per
// row, comma-separated, an optional header row) or NumPy .npy (float32,
// float64, int32 or int64; 1-D = one column, 2-D = samples x columns; C or
// Fortran order). The parsing is lib/base/matrix_io's; this only turns its
// matrices into Samples. NaN and infinity are read as such and rejected later
// by the estimators' input checks, which name the sample.
#ifndef SPARSELAB_MONITOR_SAMPLE_IO_H_
#define SPARSELAB_MONITOR_SAMPLE_IO_H_

#include <string>

#include "absl/status/statusor.h"
#include "lib/base/matrix_io.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

// The rows of `m` as samples.
Samples SamplesFromMatrix(Matrix m);

// By extension: ".npy" is NumPy, anything else CSV.
absl::StatusOr<Samples> ReadSamples(const std::string& path);
absl::StatusOr<Samples> ParseCsv(const std::string& text, const std::string& origin);
absl::StatusOr<Samples> ParseNpy(const std::string& bytes, const std::string& origin);

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_SAMPLE_IO_H_
