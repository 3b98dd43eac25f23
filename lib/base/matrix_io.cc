#include "lib/base/matrix_io.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "lib/base/file_io.h"
#include "lib/base/quote.h"

namespace sparselab {
namespace {

// Parses a whole field as a double (strtod also accepts nan and inf).
bool ParseNumber(absl::string_view field, double* value) {
  const std::string s(absl::StripAsciiWhitespace(field));
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  *value = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

}  // namespace

absl::StatusOr<Matrix> ParseCsvMatrix(const std::string& text, const std::string& origin) {
  if (absl::StartsWith(text, "\x93NUMPY")) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, " is a NumPy array but was read as CSV because its name does not end in "
        "\".npy\": rename it to end in .npy"));
  }
  // Binary bytes are named, escaped and truncated, never printed raw.
  if (const size_t at = FirstBinaryByte(text); at != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, " is not a CSV text file: byte ", at, " is ",
        QuoteInput(absl::string_view(text).substr(at, 1)), " (the file starts ",
        QuoteInput(text, 16), "); give comma-separated numbers, one sample per row, or a "
        "NumPy array saved as .npy"));
  }
  Matrix m;
  int64_t line_number = 0;
  bool first_line = true;
  std::vector<double> row;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripTrailingAsciiWhitespace(line);  // also "\r"
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    row.clear();
    bool numeric = true;
    std::string bad_field;
    for (absl::string_view field : absl::StrSplit(line, ',')) {
      double v = 0.0;
      if (!ParseNumber(field, &v)) {
        numeric = false;
        bad_field = std::string(absl::StripAsciiWhitespace(field));
        break;
      }
      row.push_back(v);
    }
    const bool header = first_line && !numeric;
    first_line = false;
    if (header) continue;  // an optional header row of column names
    if (!numeric) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, " line ", line_number, ": ", QuoteInput(bad_field),
          " is not a number; the CSV must hold one sample per row, comma-separated numbers "
          "(only the first row may be a header)"));
    }
    if (m.rows > 0 && static_cast<int64_t>(row.size()) != m.cols) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, " line ", line_number, " has ", row.size(), " values but earlier rows have ",
          m.cols, ": every sample needs the same number of columns"));
    }
    m.cols = static_cast<int64_t>(row.size());
    m.values.insert(m.values.end(), row.begin(), row.end());
    ++m.rows;
  }
  if (m.rows == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, " holds no samples: give one sample per row"));
  }
  return m;
}

absl::StatusOr<Matrix> ParseNpyMatrix(const std::string& bytes, const std::string& origin) {
  const auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(origin, " is not a readable .npy file: ", why));
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) return bad("no NumPy magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return bad("truncated header");
    for (int b = 0; b < 4; ++b) {
      header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + b])) << (8 * b);
    }
    offset = 12;
  } else {
    return bad(absl::StrCat("unsupported format version ", major));
  }
  if (bytes.size() < offset + header_len) return bad("truncated header");
  const std::string header = bytes.substr(offset, header_len);
  const size_t data_offset = offset + header_len;

  const auto value_of = [&](const std::string& key) -> std::string {
    const size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) return "";
    const size_t colon = header.find(':', k);
    return colon == std::string::npos ? "" : header.substr(colon + 1);
  };
  const std::string descr_part = value_of("descr");
  const size_t q1 = descr_part.find('\''), q2 = descr_part.find('\'', q1 + 1);
  if (q1 == std::string::npos || q2 == std::string::npos) return bad("no dtype");
  const std::string descr = descr_part.substr(q1 + 1, q2 - q1 - 1);
  int item = 0;
  char kind = 0;
  if (descr == "<f8") { item = 8; kind = 'f'; }
  else if (descr == "<f4") { item = 4; kind = 'f'; }
  else if (descr == "<i8") { item = 8; kind = 'i'; }
  else if (descr == "<i4") { item = 4; kind = 'i'; }
  else return bad(absl::StrCat("dtype ", QuoteInput(descr), " is not supported; save as float32 or float64"));
  const bool fortran =
      absl::StartsWith(absl::StripLeadingAsciiWhitespace(value_of("fortran_order")), "True");
  const std::string shape_part = value_of("shape");
  const size_t p1 = shape_part.find('('), p2 = shape_part.find(')');
  if (p1 == std::string::npos || p2 == std::string::npos) return bad("no shape");
  std::vector<int64_t> shape;
  for (absl::string_view dim :
       absl::StrSplit(shape_part.substr(p1 + 1, p2 - p1 - 1), ',', absl::SkipWhitespace())) {
    int64_t v = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(dim), &v) || v < 0) return bad("bad shape");
    shape.push_back(v);
  }
  if (shape.empty() || shape.size() > 2) {
    return bad(absl::StrCat("the array has ", shape.size(),
                            " dimensions; save samples as a 1-D or 2-D (samples x columns) array"));
  }
  const int64_t n = shape[0], dim = shape.size() == 2 ? shape[1] : 1;
  if (n == 0 || dim == 0) {  // not n * dim: that may overflow
    return absl::InvalidArgumentError(absl::StrCat(
        origin, " holds no values (shape ", n, " x ", dim, "): give at least one sample"));
  }
  // n * dim * item may overflow for a corrupt shape: compare by division.
  const uint64_t stored = (bytes.size() - data_offset) / item;
  if (static_cast<uint64_t>(n) > stored / static_cast<uint64_t>(dim)) {
    return bad(absl::StrCat("truncated data: the shape (", n, ", ", dim,
                            ") needs more values than the ", stored, " the file holds"));
  }
  Matrix m(n, dim);
  const char* data = bytes.data() + data_offset;
  for (int64_t e = 0; e < n * dim; ++e) {
    double v = 0.0;
    if (kind == 'f' && item == 8) { std::memcpy(&v, data + e * 8, 8); }
    else if (kind == 'f') { float f; std::memcpy(&f, data + e * 4, 4); v = f; }
    else if (item == 8) { int64_t i; std::memcpy(&i, data + e * 8, 8); v = static_cast<double>(i); }
    else { int32_t i; std::memcpy(&i, data + e * 4, 4); v = i; }
    const int64_t row = fortran ? e % n : e / dim, col = fortran ? e / n : e % dim;
    m(row, col) = v;
  }
  return m;
}

absl::StatusOr<Matrix> ReadMatrix(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open ", QuoteInput(path, 512), ": ",
                                            std::strerror(errno),
                                            "; check the path (relative paths are taken from the "
                                            "directory you ran the command in)"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (absl::EndsWith(path, ".npy")) return ParseNpyMatrix(buffer.str(), path);
  return ParseCsvMatrix(buffer.str(), path);
}

std::string EncodeNpy(const Matrix& m, NpyType type) {
  std::string header = absl::StrCat("{'descr': '", type == NpyType::kFloat64 ? "<f8" : "<f4",
                                    "', 'fortran_order': False, 'shape': (", m.rows, ", ", m.cols,
                                    "), }");
  // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>((header.size() >> 8) & 0xff));
  out += header;
  const size_t item = type == NpyType::kFloat64 ? 8 : 4;
  const size_t start = out.size();
  out.resize(start + m.values.size() * item);
  char* data = out.data() + start;
  for (size_t e = 0; e < m.values.size(); ++e) {
    if (type == NpyType::kFloat64) {
      std::memcpy(data + e * 8, &m.values[e], 8);
    } else {
      const float f = static_cast<float>(m.values[e]);
      std::memcpy(data + e * 4, &f, 4);
    }
  }
  return out;
}

std::string EncodeCsv(const Matrix& m, int precision) {
  std::string out;
  for (int64_t i = 0; i < m.rows; ++i) {
    for (int64_t j = 0; j < m.cols; ++j) {
      if (j > 0) out.push_back(',');
      absl::StrAppendFormat(&out, "%.*g", precision, m(i, j));
    }
    out.push_back('\n');
  }
  return out;
}

absl::Status WriteMatrix(const std::string& path, const Matrix& m, NpyType type) {
  return WriteFileAtomically(path, absl::EndsWith(path, ".npy") ? EncodeNpy(m, type)
                                                                 : EncodeCsv(m));
}

std::optional<std::pair<int64_t, int64_t>> FirstNonFinite(const Matrix& m) {
  for (size_t e = 0; e < m.values.size(); ++e) {
    if (!std::isfinite(m.values[e])) {
      return std::make_pair(static_cast<int64_t>(e) / m.cols, static_cast<int64_t>(e) % m.cols);
    }
  }
  return std::nullopt;
}

}  // namespace sparselab
