// bazel run //docs:tables: regenerates docs/results.md from every committed
// experiments/*/result.json (results of the "paper" preset) and
// experiments/*/result_*.json (further full runs, e.g. another data set).
#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "docs/results_tables.h"
#include "lib/base/file_io.h"

ABSL_FLAG(std::string, root, "",
          "Source tree to read experiments/*/result.json from; default: the workspace under "
          "`bazel run`, else the current folder.");
ABSL_FLAG(std::string, out, "", "Output file; default: <root>/docs/results.md.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Regenerates docs/results.md from experiments/*/result.json.\n"
      "Usage: bazel run //docs:tables [-- --root=DIR --out=FILE]");
  absl::ParseCommandLine(argc, argv);
  std::string root = absl::GetFlag(FLAGS_root);
  if (root.empty()) {
    const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY");
    root = ws ? ws : ".";
  }
  std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) out = root + "/docs/results.md";

  std::vector<std::string> paths;
  const std::string experiments = root + "/experiments";
  DIR* dir = opendir(experiments.c_str());
  if (dir == nullptr) {
    std::fprintf(stderr, "error: no folder %s (pass --root=the sparselab checkout)\n",
                 experiments.c_str());
    return 1;
  }
  while (dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    // result.json (the paper preset) and further full runs saved as
    // result_<what>.json; result-<preset>.json smoke runs are not documented.
    const std::string folder = experiments + "/" + name;
    DIR* sub = opendir(folder.c_str());
    if (sub == nullptr) continue;
    while (dirent* f = readdir(sub)) {
      const std::string file = f->d_name;
      const bool is_result = file == "result.json" ||
                             (file.rfind("result_", 0) == 0 && file.size() > 12 &&
                              file.compare(file.size() - 5, 5, ".json") == 0);
      if (is_result) paths.push_back(folder + "/" + file);
    }
    closedir(sub);
  }
  closedir(dir);

  sparselab::RenderedDocs docs = sparselab::RenderResults(paths);
  absl::Status status = sparselab::WriteFileAtomically(out, docs.markdown);
  if (!status.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "wrote %s from %zu result file(s)\n", out.c_str(), paths.size());
  for (const std::string& e : docs.errors) std::fprintf(stderr, "error: %s\n", e.c_str());
  return docs.errors.empty() ? 0 : 1;
}
