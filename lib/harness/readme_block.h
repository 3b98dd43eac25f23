// Generated tables inside hand-written Markdown: an experiment's README keeps
// its prose, and each table between a pair of marker lines is rewritten from a
// result file by the table spec of the same name (config.json "tables", see
// markdown_tables.h), so a README can never drift from its results:
//
//   <!-- table headline: generated from result.json -->
//   ... replaced ...
//   <!-- end table headline -->
//
// The experiment rewrites its README after a paper-preset run, and
// `bazel run //docs:tables` rewrites every experiment's README.
#ifndef SPARSELAB_LIB_HARNESS_README_BLOCK_H_
#define SPARSELAB_LIB_HARNESS_README_BLOCK_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/harness/markdown_tables.h"

namespace sparselab {

struct TableBlock {
  std::string name;  // the table spec's name
  std::string file;  // the result file it is generated from
};

// The marker lines of a block.
std::string TableBlockBegin(const TableBlock& block);
std::string TableBlockEnd(const std::string& name);

// The blocks of `text` in order. Errors: a begin without its end (or the other
// way round), a block inside another, or one name used twice.
absl::StatusOr<std::vector<TableBlock>> FindTableBlocks(const std::string& text);

// `text` with every block's lines replaced by render(block, its current lines)
// (a trailing newline is added when missing); marker lines and prose are kept.
using BlockRenderer =
    std::function<absl::StatusOr<std::string>(const TableBlock&, const std::string& old_body)>;
absl::StatusOr<std::string> ReplaceTableBlocks(const std::string& text,
                                               const BlockRenderer& render);

// Rewrites the blocks of the README at `readme_path` from the result files in
// `results_dir` by `specs` (atomically; the file is left untouched on error).
// A block whose file is missing says "(no result file yet)"; `only_file`
// non-empty rewrites just the blocks generated from that file. Errors: a
// block names no spec, a result file does not parse, bad markers.
absl::Status RefreshReadmeTables(const std::string& readme_path,
                                 const std::vector<TableSpec>& specs,
                                 const std::string& results_dir,
                                 const std::string& only_file = "");

}  // namespace sparselab

#endif  // SPARSELAB_LIB_HARNESS_README_BLOCK_H_
