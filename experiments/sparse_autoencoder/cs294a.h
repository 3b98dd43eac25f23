// The CS294A exercise (Ng, "Sparse autoencoder" lecture notes and its
// programming assignment): 10,000 8x8 patches of whitened natural photographs,
// 64 inputs, 25 sigmoid hidden units, rho = 0.01, beta = 3, lambda = 1e-4,
// objective (1/m) sum 0.5 ||x_hat - x||^2 + (lambda/2) sum W^2 +
// beta sum_j KL(rho || rho_hat_j), minimised by L-BFGS (the assignment's
// minFunc; here torch::optim::LBFGS with a strong-Wolfe line search).
#ifndef SPARSELAB_EXPERIMENTS_SPARSE_AUTOENCODER_CS294A_H_
#define SPARSELAB_EXPERIMENTS_SPARSE_AUTOENCODER_CS294A_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/harness/experiment.h"

namespace sparselab::sparse_autoencoder {

struct Cs294aOptions {
  std::vector<std::string> images;  // in the data folder's images/
  int64_t patches = 10000;
  int64_t patch_size = 8;
  int64_t hidden = 25;
  double rho = 0.01, beta = 3, lambda = 1e-4;
  int64_t iterations = 400;
  double whiten_f0 = 0.4;
};

// Row "patches/cs294a": objective, mean hidden activation, |rho_hat_j - rho|,
// Gabor R^2 of the 25 filters.
inline constexpr char kCs294aRow[] = "patches/cs294a";

// Trains and measures one seed (torch seeded by the caller); the filter grid
// filters_cs294a.png and the per-filter R^2 (extra "cs294a_gabor_r2") for the
// first seed only.
absl::Status RunCs294a(Experiment& ex, const Cs294aOptions& options, int64_t seed,
                       bool first_seed);

}  // namespace sparselab::sparse_autoencoder

#endif  // SPARSELAB_EXPERIMENTS_SPARSE_AUTOENCODER_CS294A_H_
