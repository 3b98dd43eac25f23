// Gradient-free classification by association, the goal the EmbedderSDR
// document states ("sparse vectors association in an unsupervised fashion,
// Willshaw's model, 1969"): each training image's binary code x is stored with
// its class's label code y_c (a fixed random ky-of-ny code per class) in a
// Willshaw memory (lib/sdr/willshaw.h); a test code is recalled with the
// adaptive threshold of incomplete cues (the output units reaching the
// highest dendritic count) and decoded by overlap with the label codes (ties
// by the summed counts over each label code, then the lower class).
#ifndef SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_WILLSHAW_CLASSIFIER_H_
#define SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_WILLSHAW_CLASSIFIER_H_

#include <cstdint>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace sparselab::embedder_sdr {

struct WillshawClassifierOptions {
  std::vector<int64_t> stored_pairs;  // ascending counts of training pairs to report at
  int64_t label_units = 256;          // ny
  int64_t label_active = 13;          // ky
  uint64_t seed = 0;                  // the label codes
};

struct WillshawPoint {
  int64_t stored_pairs = 0;
  double accuracy = 0;      // test accuracy, a fraction
  double synapse_fill = 0;  // fraction of the nx x ny synapses set
};

// Test accuracy after storing the first n training pairs, for each n of
// options.stored_pairs. Codes are (N, E) 0/1 tensors; a training code
// with no active unit is skipped (the memory cannot store it). InvalidArgument
// for mismatched shapes, label codes that do not fit (ky in [1, ny], classes
// * ky <= ny so that they can be disjoint is not required), or more pairs
// than training codes.
absl::StatusOr<std::vector<WillshawPoint>> WillshawAccuracy(
    const at::Tensor& train_codes, const at::Tensor& train_labels, const at::Tensor& test_codes,
    const at::Tensor& test_labels, int64_t classes, const WillshawClassifierOptions& options);

}  // namespace sparselab::embedder_sdr

#endif  // SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_WILLSHAW_CLASSIFIER_H_
