#include "lib/base/file_io.h"
#include "lib/harness/readme_block.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace sparselab {
namespace {

// Offset of the line equal to `marker`, npos if none; an error if it repeats.
absl::StatusOr<size_t> FindMarkerLine(const std::string& text, const std::string& marker) {
  size_t found = std::string::npos;
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    if (text.compare(line_start, line_end - line_start, marker) == 0) {
      if (found != std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat("the marker line '", marker,
                                                       "' appears more than once"));
      }
      found = line_start;
    }
    line_start = line_end + 1;
  }
  if (found == std::string::npos) {
    return absl::NotFoundError(absl::StrCat("no line '", marker, "'"));
  }
  return found;
}

}  // namespace

absl::StatusOr<std::string> ReplaceGeneratedBlock(const std::string& text,
                                                  const std::string& block) {
  absl::StatusOr<size_t> begin = FindMarkerLine(text, kGeneratedBegin);
  if (!begin.ok()) return begin.status();
  absl::StatusOr<size_t> end = FindMarkerLine(text, kGeneratedEnd);
  if (!end.ok()) return end.status();
  if (*end < *begin) {
    return absl::InvalidArgumentError("the end marker comes before the begin marker");
  }
  const size_t body = *begin + std::string(kGeneratedBegin).size() + 1;
  std::string replacement = block;
  if (!replacement.empty() && replacement.back() != '\n') replacement += '\n';
  return absl::StrCat(text.substr(0, body), replacement, text.substr(*end));
}

absl::Status ReplaceGeneratedBlockInFile(const std::string& path, const std::string& block) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::string> replaced = ReplaceGeneratedBlock(text.str(), block);
  if (!replaced.ok()) {
    return absl::Status(replaced.status().code(),
                        absl::StrCat(path, ": ", replaced.status().message(),
                                     "; put the generated tables between the lines '",
                                     kGeneratedBegin, "' and '", kGeneratedEnd, "'"));
  }
  return WriteFileAtomically(path, *replaced);
}

}  // namespace sparselab
