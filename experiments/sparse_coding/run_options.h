// The sparse_coding experiment's options, parsed once from its config.
#ifndef SPARSELAB_EXPERIMENTS_SPARSE_CODING_RUN_OPTIONS_H_
#define SPARSELAB_EXPERIMENTS_SPARSE_CODING_RUN_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "experiments/sparse_coding/notebook_models.h"
#include "lib/harness/config.h"
#include "lib/nn/sparse_coding.h"

namespace sparselab::sparse_coding {

// A dictionary-learning run: lpjiang97's or Olshausen & Field's.
struct DictionaryRun {
  std::string key;  // config object: "lpjiang" or "olshausen_field"
  std::string row;
  int64_t patch = 10, atoms = 400, batch = 250;
  int64_t per_image = 0;  // > 0: a fixed set of patches, `epochs` passes in order
  int64_t epochs = 0;
  int64_t trials = 0;  // else: `trials` batches of fresh random patches
  bool subtract_mean = true;
  double lambda = 0.25, learning_rate = 5.0;
  SparseSolver solver = SparseSolver::kIsta;
  double step = 0, tol = 0.01;
  int64_t max_iter = 2000;
};

struct Options {
  std::vector<std::string> parts;
  std::vector<std::string> train_images, test_images;
  double whiten_f0 = 0.4, image_variance = 0.1;
  int64_t border = 4;
  int64_t test_per_image = 2500;
  double gabor_threshold = 0.8;
  double eval_tol = 1e-6;
  int64_t eval_max_iter = 5000;
  DictionaryRun lpjiang, olshausen_field;
  int64_t race_patches = 1000, race_iterations = 3000, race_reference_iterations = 20000;
  double race_target_gap = 1e-4;
  int64_t race_repeats = 3;
  NotebookOptions notebook;
  int64_t nb_patch = 10, nb_pool_per_image = 5000, nb_decoder_per_image = 2000;
  std::vector<std::string> nb_setups, nb_models;
};

bool Contains(const std::vector<std::string>& v, const std::string& s);

// Every value checked; an impossible one is an InvalidArgument naming its key.
absl::StatusOr<Options> ParseOptions(const Config& c);

}  // namespace sparselab::sparse_coding

#endif  // SPARSELAB_EXPERIMENTS_SPARSE_CODING_RUN_OPTIONS_H_
