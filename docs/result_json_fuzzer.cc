// libFuzzer: the docs generator reading an experiment's result.json (any
// bytes) must render the pages or give an error naming the file, never crash.
// The config declares one table of every kind, so the bytes reach the table
// renderer when they parse.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "docs/results_pages.h"
#include "lib/base/file_io.h"

namespace {

constexpr char kConfig[] = R"({
  "defaults": {"seeds": [1]}, "presets": {"paper": {}, "quick": {}},
  "tables": {
    "headline": {"caption": "c", "metrics": ["acc", "loss"], "rows": ["^a", "^(b)/(.*)$"]},
    "grid": {"caption": "g", "metric": "acc", "pivot": "^(.*) / noise (.*)$"},
    "cols": {"caption": "k", "rows": ["^(.*)$"], "label": "x",
             "columns": [{"metric": "acc", "paper": true, "decimals": 2},
                         {"metric": "n", "decimals": 0, "thousands": true}]}
  }
})";

const std::string& Root() {
  static const std::string root = [] {
    const char* tmp = std::getenv("TMPDIR");
    const std::string r = std::string(tmp ? tmp : "/tmp") + "/result_json_fuzzer." +
                          std::to_string(getpid());
    (void)sparselab::MakeDirs(r + "/experiments/fz/results");
    (void)sparselab::WriteFileAtomically(r + "/experiments/fz/config.json", kConfig);
    return r;
  }();
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& root = Root();
  if (!sparselab::WriteFileAtomically(root + "/experiments/fz/results/result.json",
                                      std::string(reinterpret_cast<const char*>(data), size))
           .ok()) {
    return 0;
  }
  absl::StatusOr<sparselab::ExperimentResults> r = sparselab::LoadExperimentResults(root, "fz");
  if (r.ok()) {
    (void)sparselab::RenderExperimentPage(*r);
    (void)sparselab::RenderIndex({*r});
  }
  return 0;
}
