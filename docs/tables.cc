// bazel run //docs:tables: regenerates docs/results.md, docs/<experiment>.md
// and the generated table blocks of every experiment's README from the
// committed experiments/*/results/result*.json.
#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "docs/results_pages.h"
#include "lib/base/file_io.h"
#include "lib/harness/readme_block.h"

ABSL_FLAG(std::string, root, "",
          "The sparselab checkout to read experiments/ from and write docs/ into; default: the "
          "workspace under `bazel run`, else the current folder.");
ABSL_FLAG(bool, readmes, true, "Also rewrite the generated tables of the experiments' READMEs.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Regenerates docs/results.md, docs/<experiment>.md and the README tables from "
      "experiments/*/results/.\nUsage: bazel run //docs:tables [-- --root=DIR]");
  absl::ParseCommandLine(argc, argv);
  std::string root = absl::GetFlag(FLAGS_root);
  if (root.empty()) {
    const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY");
    root = ws ? ws : ".";
  }
  std::vector<std::string> names;
  DIR* dir = opendir((root + "/experiments").c_str());
  if (dir == nullptr) {
    std::fprintf(stderr, "error: no folder %s/experiments (pass --root=the sparselab checkout)\n",
                 root.c_str());
    return 1;
  }
  while (dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (name[0] != '.' && sparselab::FileExists(root + "/experiments/" + name + "/config.json")) {
      names.push_back(name);
    }
  }
  closedir(dir);
  std::sort(names.begin(), names.end());

  int errors = 0;
  auto fail = [&](const absl::Status& s) {
    std::fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
    ++errors;
  };
  std::vector<sparselab::ExperimentResults> experiments;
  for (const std::string& name : names) {
    absl::StatusOr<sparselab::ExperimentResults> e = sparselab::LoadExperimentResults(root, name);
    if (!e.ok()) {
      fail(e.status());
      continue;
    }
    const std::string page = absl::StrCat(root, "/docs/", name, ".md");
    if (absl::Status s = sparselab::WriteFileAtomically(page, sparselab::RenderExperimentPage(*e));
        !s.ok()) {
      fail(s);
    }
    const std::string readme = absl::StrCat(root, "/experiments/", name, "/README.md");
    if (absl::GetFlag(FLAGS_readmes) && sparselab::FileExists(readme)) {
      const absl::Status s = sparselab::RefreshReadmeTables(
          readme, e->tables, absl::StrCat(root, "/experiments/", name, "/results"));
      if (!s.ok()) fail(s);
    }
    experiments.push_back(*std::move(e));
  }
  const std::string index = root + "/docs/results.md";
  if (absl::Status s = sparselab::WriteFileAtomically(index, sparselab::RenderIndex(experiments));
      !s.ok()) {
    fail(s);
  }
  std::fprintf(stderr, "wrote %s and %zu experiment page(s)%s\n", index.c_str(), experiments.size(),
               errors ? "; see the errors above" : "");
  return errors ? 1 : 0;
}
