// Generated blocks inside hand-written Markdown: an experiment's README keeps
// its prose, and the tables between two marker lines are rewritten from
// result.json by the experiment itself, so they can never drift from it.
//
//   <!-- generated from result.json: begin -->
//   ... replaced ...
//   <!-- generated from result.json: end -->
#ifndef SPARSELAB_LIB_HARNESS_README_BLOCK_H_
#define SPARSELAB_LIB_HARNESS_README_BLOCK_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sparselab {

inline constexpr char kGeneratedBegin[] = "<!-- generated from result.json: begin -->";
inline constexpr char kGeneratedEnd[] = "<!-- generated from result.json: end -->";

// `text` with the lines strictly between the begin and end marker lines
// replaced by `block` (a trailing newline is added when missing). Errors: a
// marker missing, repeated, or the end before the begin.
absl::StatusOr<std::string> ReplaceGeneratedBlock(const std::string& text,
                                                  const std::string& block);

// The same on a file, rewritten atomically; the file is left untouched on error.
absl::Status ReplaceGeneratedBlockInFile(const std::string& path, const std::string& block);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_HARNESS_README_BLOCK_H_
