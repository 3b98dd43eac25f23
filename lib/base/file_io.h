// Files: atomic writes (a reader never sees a half-written file), JSON in and
// out, folders, and the path of the running binary. One copy of each for the
// whole project; errors name the path and the cause.
#ifndef SPARSELAB_LIB_BASE_FILE_IO_H_
#define SPARSELAB_LIB_BASE_FILE_IO_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace sparselab {

// Writes `contents` to `path` atomically: a temporary file "<path>.<pid>.tmp"
// in the same folder, flushed to disk, then renamed over `path`. On any error
// (a full disk included) the temporary file is removed, an existing `path` is
// left as it was, and the message names `path` and the cause. Temporaries that
// killed writers left in the folder are removed first (RemoveStaleTemporaries).
absl::Status WriteFileAtomically(const std::string& path, const std::string& contents);
// Removes the files "<name>.<pid>.tmp" in `folder` whose process no longer
// runs (left by a writer killed mid-write; never read as a result); returns
// how many. A live process's temporary, and this process's own, are kept.
int RemoveStaleTemporaries(const std::string& folder);
// `value` as indented JSON (2 spaces) and a final newline, atomically.
absl::Status WriteJsonAtomically(const std::string& path, const nlohmann::json& value);

// The whole file; NotFound when it does not exist.
absl::StatusOr<std::string> ReadFile(const std::string& path);
// A JSON file; NotFound when missing, InvalidArgument naming the file when
// it does not parse.
absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path);

bool FileExists(const std::string& path);
bool IsFolder(const std::string& path);
// The names in a folder (no "." and ".."), sorted; empty when it cannot be read.
std::vector<std::string> ListFolder(const std::string& path);
// mkdir -p.
absl::Status MakeDirs(const std::string& path);
// The folder part of `path` ("." when it has none).
std::string Dirname(const std::string& path);
std::string Basename(const std::string& path);

// The path of the running binary (/proc/self/exe resolved); empty if unknown.
std::string SelfExecutable();

}  // namespace sparselab

#endif  // SPARSELAB_LIB_BASE_FILE_IO_H_
