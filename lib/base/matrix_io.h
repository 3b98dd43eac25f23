// Dense numeric matrices in and out of files, for the command lines (`mi`,
// `sparse_encode`) and anything else that takes user data: CSV (one row per
// line, comma-separated, an optional header row) and NumPy .npy (float32,
// float64, int32 or int64; 1-D = one column, 2-D = rows x columns; C or
// Fortran order; format versions 1-3). Values are held as doubles, row-major.
// NaN and infinity are read as such; callers that cannot take them say so
// (FirstNonFinite finds the first).
#ifndef SPARSELAB_LIB_BASE_MATRIX_IO_H_
#define SPARSELAB_LIB_BASE_MATRIX_IO_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sparselab {

struct Matrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<double> values;  // values[i * cols + j]

  Matrix() = default;
  Matrix(int64_t r, int64_t c) : rows(r), cols(c), values(r * c, 0.0) {}

  double& operator()(int64_t i, int64_t j) { return values[i * cols + j]; }
  double operator()(int64_t i, int64_t j) const { return values[i * cols + j]; }
};

// CSV text; `origin` names the source in errors ("x.csv line 3: ...").
// An empty file (no numeric row) is an error.
absl::StatusOr<Matrix> ParseCsvMatrix(const std::string& text, const std::string& origin);
// The bytes of a .npy file. A file with zero elements is an error.
absl::StatusOr<Matrix> ParseNpyMatrix(const std::string& bytes, const std::string& origin);
// By extension: ".npy" is NumPy, anything else CSV. NotFound for a missing file.
absl::StatusOr<Matrix> ReadMatrix(const std::string& path);

enum class NpyType { kFloat32, kFloat64 };
// A version 1.0 .npy image of `m` (2-D, C order, little-endian).
std::string EncodeNpy(const Matrix& m, NpyType type = NpyType::kFloat64);
// CSV text with `precision` significant digits (17: doubles round-trip), no header.
std::string EncodeCsv(const Matrix& m, int precision = 17);
// By extension like ReadMatrix, written atomically.
absl::Status WriteMatrix(const std::string& path, const Matrix& m,
                         NpyType type = NpyType::kFloat64);

// (row, column) of the first NaN or infinity, if any.
std::optional<std::pair<int64_t, int64_t>> FirstNonFinite(const Matrix& m);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_BASE_MATRIX_IO_H_
