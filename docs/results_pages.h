// The docs pages, generated from every experiment's committed results (never
// edited by hand): docs/results.md shows each experiment's headline tables
// (those config.json declares under names starting with "headline"), and
// docs/<experiment>.md every declared table, every metric of every result
// file, and the figures. The output depends only on the files read, so
// regenerating from the same checkout gives the same bytes.
#ifndef SPARSELAB_DOCS_RESULTS_PAGES_H_
#define SPARSELAB_DOCS_RESULTS_PAGES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/harness/markdown_tables.h"
#include "nlohmann/json.hpp"

namespace sparselab {

struct ExperimentResults {
  std::string name;                // the folder under experiments/
  std::vector<TableSpec> tables;   // config.json "tables"
  // result.json and result_<what>.json of results/, sorted, parsed.
  std::vector<std::pair<std::string, nlohmann::json>> results;
  std::vector<std::string> figures;  // results/*.png of the paper preset, sorted
};

// Reads experiments/<name>/{config.json, results/} under `root`. Errors name
// the file: a config that does not parse or whose tables are malformed, a
// result file that does not parse or lacks the schema's keys.
absl::StatusOr<ExperimentResults> LoadExperimentResults(const std::string& root,
                                                        const std::string& name);

// "Preset `paper`, seeds 42, 43; commit `0123456789ab`, <date>, 12 s wall, 1
// thread(s) on cpu, <CPU>." from a result's provenance.
std::string ProvenanceLine(const nlohmann::json& result);

// docs/results.md.
std::string RenderIndex(const std::vector<ExperimentResults>& experiments);
// docs/<name>.md.
std::string RenderExperimentPage(const ExperimentResults& experiment);

}  // namespace sparselab

#endif  // SPARSELAB_DOCS_RESULTS_PAGES_H_
