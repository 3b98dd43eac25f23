// What sparse_coding measures on a set of learned filters (basis functions or
// receptive fields) and on codes: Gabor fits and their coverage, pictures of
// the filters, reconstruction and linear-decoder SNR.
#ifndef SPARSELAB_EXPERIMENTS_SPARSE_CODING_FILTER_ANALYSIS_H_
#define SPARSELAB_EXPERIMENTS_SPARSE_CODING_FILTER_ANALYSIS_H_

#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/status.h"
#include "lib/nn/gabor_fit.h"

namespace sparselab::sparse_coding {

struct GaborSummary {
  std::vector<GaborFit> fits;
  double mean_r2 = 0;
  double median_r2 = 0;
  double share_edge_like = 0;  // share with R^2 >= threshold
};

// Fits every filter (rows of `filters`, each size x size).
GaborSummary SummarizeGabors(const at::Tensor& filters, int64_t size, double threshold = 0.8);

// The filters (rows, size x size) as a PNG grid, each scaled to [0, 1] by its
// own largest magnitude (0 is mid-gray).
absl::Status WriteFilterGrid(const std::string& path, const at::Tensor& filters, int64_t size,
                             int columns);

// Coverage plots of the edge-like fits (R^2 >= threshold): centres in the
// patch, and the frequency plane (f cos theta, f sin theta) in cycles/pixel.
absl::Status WriteGaborCoverage(const std::string& positions_path,
                                const std::string& frequency_path, const GaborSummary& summary,
                                int64_t size, double threshold, const std::string& title);

// 10 log10(sum x^2 / sum (x - x_hat)^2), in dB.
double SnrDb(const at::Tensor& x, const at::Tensor& x_hat);

// A least-squares linear decoder with bias from codes to inputs, fitted on
// (train_codes, train_x), and its SNR on (test_codes, test_x).
double LinearDecoderSnrDb(const at::Tensor& train_codes, const at::Tensor& train_x,
                          const at::Tensor& test_codes, const at::Tensor& test_x);

}  // namespace sparselab::sparse_coding

#endif  // SPARSELAB_EXPERIMENTS_SPARSE_CODING_FILTER_ANALYSIS_H_
