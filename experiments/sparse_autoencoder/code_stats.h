// Measures of an autoencoder's codes (batch, units) and the linear probe that
// says how useful they are.
#ifndef SPARSELAB_EXPERIMENTS_SPARSE_AUTOENCODER_CODE_STATS_H_
#define SPARSELAB_EXPERIMENTS_SPARSE_AUTOENCODER_CODE_STATS_H_

#include <cstdint>

#include <ATen/ATen.h>

namespace sparselab::sparse_autoencoder {

struct CodeStats {
  double mean_activation = 0;  // over samples and units
  // A unit is active on a sample when its code exceeds `threshold`.
  double active_share = 0;     // mean over samples of the share of active units
  double nonzero_share = 0;    // mean over samples of the share of codes != 0
  int64_t dead_units = 0;      // units active on no sample
  // Treves-Rolls activity ratio (E a)^2 / E a^2 (1/n: one unit carries the
  // code, 1: all equal; Willmore & Tolhurst 2001), across the units of each
  // sample (population) and across the samples of each unit (lifetime),
  // averaged; rows or columns with all codes 0 are left out.
  double population_ratio = 0;
  double lifetime_ratio = 0;
};

CodeStats MeasureCodes(const at::Tensor& codes, double threshold);

// Per-unit mean activation (rho_hat_j over the samples) against a target rho:
// mean and max of |rho_hat_j - rho|.
struct RhoDeviation {
  double mean_abs = 0;
  double max_abs = 0;
};
RhoDeviation MeasureRhoDeviation(const at::Tensor& codes, double rho);

struct ProbeOptions {
  int64_t epochs = 10;
  int64_t batch_size = 256;
  double lr = 1e-2;
  double l2 = 0;
  uint64_t seed = 0;
};

// Multinomial logistic regression on frozen codes: features standardised by
// the training codes' mean and std, Adam on the cross-entropy over the
// training codes (lib's Trainer); returns the accuracy on the test codes (in
// [0, 1]). Throws c10::Error when training diverges (non-finite codes).
double LinearProbeAccuracy(const at::Tensor& train_codes, const at::Tensor& train_labels,
                           const at::Tensor& test_codes, const at::Tensor& test_labels,
                           int64_t classes, const ProbeOptions& options);

}  // namespace sparselab::sparse_autoencoder

#endif  // SPARSELAB_EXPERIMENTS_SPARSE_AUTOENCODER_CODE_STATS_H_
