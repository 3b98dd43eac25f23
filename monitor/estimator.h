// One entry point for every estimator by name, as used by the `mi` command
// line and the information-plane monitor. Values in nats.
#ifndef SPARSELAB_MONITOR_ESTIMATOR_H_
#define SPARSELAB_MONITOR_ESTIMATOR_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "monitor/mine.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

enum class Estimator {
  kKsg,       // KSG algorithm 1
  kKsg2,      // KSG algorithm 2
  kGcmi,      // Gaussian-copula MI
  kMine,      // MINE
  kDiscrete,  // plug-in + Miller-Madow on rows as symbols
};

absl::StatusOr<Estimator> ParseEstimator(absl::string_view name);
const char* EstimatorName(Estimator estimator);

struct EstimateOptions {
  int k = 3;             // KSG neighbours
  uint64_t seed = 0;     // KSG jitter, MINE initialisation and batches
  int num_threads = 0;   // KSG query threads (0: all)
  bool miller_madow = true;  // discrete estimator
  MineOptions mine;      // seed is overridden by `seed`
};

struct MiEstimate {
  double nats = 0.0;
  double spread_nats = 0.0;  // MINE: std over the averaged iterations; 0 otherwise
};

// I(X; Y).
absl::StatusOr<MiEstimate> EstimateMutualInformation(Estimator estimator, const Samples& x,
                                                     const Samples& y,
                                                     const EstimateOptions& options = {});
// I(X; Y | Z) (not available for MINE).
absl::StatusOr<MiEstimate> EstimateConditionalMutualInformation(
    Estimator estimator, const Samples& x, const Samples& y, const Samples& z,
    const EstimateOptions& options = {});

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_ESTIMATOR_H_
