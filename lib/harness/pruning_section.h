// The "pruning" section of an experiment's config.json, read into the typed
// options the Trainer applies (TrainerOptions::pruning, lib/nn/model_pruning.h):
//
//   "pruning": {
//     "method": "gradual",       // "none" | "constant" | "gradual"
//     "final_sparsity": 0.9,     // s_f in [0, 1)
//     "initial_sparsity": 0,     // s_i in [0, s_f] (gradual)
//     "begin_step": 0,           // constant: prune once after this optimizer step; gradual: t0
//     "end_step": 2000,          // gradual: last pruning step t0 + n dt, n = (end - begin) / dt
//     "frequency": 100,          // gradual: dt, optimizer steps between pruning steps
//     "scope": "layer",          // "layer" (each weight on its own) | "global" (one threshold)
//     "layers": []               // module names ("fc1", "features.0"); empty: every Linear and
//     Conv2d
//   }
//
// Gradual follows Zhu & Gupta 2017 (arXiv:1710.01878) eq. 1,
// s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3. Keys left out keep the
// defaults above; an unknown key, a wrong type or an impossible value is an
// InvalidArgument naming "<section>.<key>", the value in force and the fix.
// Layer names are checked against the model when the Trainer is built
// (Trainer::pruning_status).
#ifndef SPARSELAB_LIB_HARNESS_PRUNING_SECTION_H_
#define SPARSELAB_LIB_HARNESS_PRUNING_SECTION_H_

#include <string>

#include "absl/status/statusor.h"
#include "lib/harness/config.h"
#include "lib/nn/model_pruning.h"

namespace sparselab {

// Reads config key `section` (an object; absent: method none).
absl::StatusOr<ModelPruningOptions> ReadPruningSection(const Config& config,
                                                       const std::string& section = "pruning");

// The options as a section object (for result.json and task keys).
nlohmann::json PruningSectionJson(const ModelPruningOptions& options);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_HARNESS_PRUNING_SECTION_H_
