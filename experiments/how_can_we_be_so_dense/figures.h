// Figure 5 of "How Can We Be So Dense?" (Ahmad & Scheinkman 2019):
// (A) MNIST test images at several noise levels, (B) test accuracy against
// noise level for each network (mean over the seeds in the result table).
#ifndef SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_FIGURES_H_
#define SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_FIGURES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "experiments/how_can_we_be_so_dense/networks.h"
#include "lib/data/dataset.h"
#include "nlohmann/json.hpp"

namespace sparselab::how_can_we_be_so_dense {

// One row of `images` test images per noise level, the reference's noise.
absl::Status WriteNoiseSamplesFigure(const std::string& png_path, const Dataset& test,
                                     const std::vector<double>& levels, int64_t images,
                                     double noise_value, uint64_t seed);

// Accuracy (%) against noise level, one line per network that has results in
// `rows` (the summary table's "rows", summary.h). Returns the number of lines drawn.
absl::StatusOr<int> WriteNoiseCurvesFigure(const std::string& png_path,
                                           const nlohmann::json& rows,
                                           const std::vector<NetworkSpec>& networks,
                                           const std::vector<double>& levels);

}  // namespace sparselab::how_can_we_be_so_dense

#endif  // SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_FIGURES_H_
