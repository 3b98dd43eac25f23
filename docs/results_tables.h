// Renders docs/results.md from every experiment's result.json: one section per
// experiment with "ours" beside "paper" (mean ± std over seeds), the seeds,
// commit, date and machine. The output depends only on the inputs, so
// regenerating from the same files gives the same bytes.
#ifndef SPARSELAB_DOCS_RESULTS_TABLES_H_
#define SPARSELAB_DOCS_RESULTS_TABLES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace sparselab {

// One experiment's section in Markdown; errors when the document does not
// follow the result schema (lib/result_writer.h), naming what is wrong.
absl::StatusOr<std::string> RenderExperiment(const nlohmann::json& result);

struct RenderedDocs {
  std::string markdown;
  std::vector<std::string> errors;  // one per result file that could not be rendered
};

// Renders every file in `paths` (sorted by path) into one document. A file
// that is missing, malformed or off-schema gets a short note in the document
// and an entry in `errors`; the others are rendered as usual.
RenderedDocs RenderResults(const std::vector<std::string>& paths);

// "98.50 ± 0.71" (4 significant digits; no ± for a single value; "-" for null).
std::string FormatMeanStd(const nlohmann::json& summary);

}  // namespace sparselab

#endif  // SPARSELAB_DOCS_RESULTS_TABLES_H_
