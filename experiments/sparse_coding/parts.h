// The work of the sparse_coding experiment's tasks (sparse_coding.cc makes
// them tasks of lib's task runner): learning a dictionary (lpjiang97's or
// Olshausen & Field's protocol) and measuring it on held-out patches, racing
// the solvers on that dictionary, and one model of the notebook's question.
// Each records its rows in ex.table() and its curves in ex.extra().
#ifndef SPARSELAB_EXPERIMENTS_SPARSE_CODING_PARTS_H_
#define SPARSELAB_EXPERIMENTS_SPARSE_CODING_PARTS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "experiments/sparse_coding/run_options.h"
#include "lib/harness/experiment.h"
#include "lib/train/distributed.h"

namespace sparselab::sparse_coding {

struct Images {
  std::vector<at::Tensor> raw_train, raw_test, white_train, white_test;
};

// The training and held-out photographs, raw and whitened (Olshausen's 1/f
// filter, then scaled to the configured variance).
absl::StatusOr<Images> LoadImages(const Options& o);

// Learns the dictionary of `r` and records its held-out measures (SNR, active
// coefficients, objectives, Gabor fits) in row r.row; the first seed also
// writes the basis and Gabor-coverage figures. With `group` (--distributed)
// every batch is shared among the ranks and each dictionary step is the
// global batch's (SparseDictionary::Step under data-parallel hooks).
absl::StatusOr<at::Tensor> LearnDictionary(Experiment& ex, const Options& o, const DictionaryRun& r,
                                           const Images& im, int64_t seed, at::Generator& gen,
                                           const std::shared_ptr<ProcessGroup>& group);

// ISTA, FISTA (with and without backtracking) and LCA on held-out patches
// coded over `dictionary` (lpjiang's): rows solvers/<name>; the first seed
// also records the gap curves and plots them against Beck & Teboulle's bounds.
absl::Status RaceSolversPart(Experiment& ex, const Options& o, const at::Tensor& dictionary,
                             const Images& im, int64_t seed, at::Generator& gen);

// One notebook model ("foldiak", "sailnet", "sparse_coding") on one setup
// ("whitened" or "raw"): row notebook/<setup>/<model>. Every model of a setup
// draws the same patches (the generator starts from the task's seed).
absl::Status NotebookModelPart(Experiment& ex, const Options& o, const Images& im,
                               const std::string& setup, const std::string& model, int64_t seed,
                               at::Generator& gen);

// Gabor R^2 of every filter, best first, one curve per row of the first
// seed's "gabor_fits" (as recorded by the parts above).
absl::Status PlotGaborR2(Experiment& ex, const Options& o);

}  // namespace sparselab::sparse_coding

#endif  // SPARSELAB_EXPERIMENTS_SPARSE_CODING_PARTS_H_
