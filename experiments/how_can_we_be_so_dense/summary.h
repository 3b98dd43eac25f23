// The layout of result.json, built from the finished tasks' own results (the
// rows of task.h, one seed each). Three tables, which docs/results.md renders
// separately (one per row-name prefix):
//   "<title>"                  Table 1: accuracy, noise score, epochs, timing,
//                              with the paper's values;
//   "fig5b/<title>"            Figure 5B: accuracy (%) per noise level, metrics
//                              "noise_0.00" ... "noise_0.50";
//   "layers/<title> <layer>"   non-zero weights and activations, entropy.
#ifndef SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_SUMMARY_H_
#define SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_SUMMARY_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "experiments/how_can_we_be_so_dense/networks.h"
#include "lib/harness/result_table.h"
#include "nlohmann/json.hpp"

namespace sparselab::how_can_we_be_so_dense {

// Finished tasks' result documents by (network name, seed).
using FinishedTasks = std::map<std::pair<std::string, int64_t>, nlohmann::json>;

std::string Figure5bRow(const NetworkSpec& spec);
std::string NoiseMetric(double level);  // "noise_0.10"
std::string LayerSummaryRow(const NetworkSpec& spec, const std::string& layer);

// The summary table of `networks` (in this order, with the paper's values even
// when nothing has finished) from every finished task among them.
ResultTable SummaryTable(const std::vector<NetworkSpec>& networks, const FinishedTasks& finished,
                         const std::vector<double>& noise_levels);

}  // namespace sparselab::how_can_we_be_so_dense

#endif  // SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_SUMMARY_H_
