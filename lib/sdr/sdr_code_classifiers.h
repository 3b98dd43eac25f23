// Classifying binary SDR codes without a trained read-out, as EmbedderSDR
// (dizcza/EmbedderSDR, monitor/accuracy.py) scores its kWTA embeddings:
//  - nearest class-mean code: the class "centroids" are the mean training code
//    of each class; a test code gets the class whose centroid is most
//    cosine-similar, or, for Hamming, whose prototype code (the centroid's k
//    most active units, k = the class's mean number of active bits) is nearest
//    in Hamming distance;
//  - k nearest neighbours in Hamming distance |a| + |b| - 2 a.b, majority vote;
//    neighbour r (r = 0 nearest) adds 1 + (k - r) / (2 k^2) to its class, so a
//    tie goes to the class whose neighbours rank nearer, never outweighing a vote.
// Codes (N, D) of 0s and 1s; labels (N) integers in [0, C). Predictions are
// int64 (N_test).
#ifndef SPARSELAB_LIB_SDR_SDR_CODE_CLASSIFIERS_H_
#define SPARSELAB_LIB_SDR_SDR_CODE_CLASSIFIERS_H_

#include <cstdint>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace sparselab {

enum class CentroidMetric { kCosine, kHamming };

absl::StatusOr<at::Tensor> NearestCentroidPredict(const at::Tensor& train_codes,
                                                  const at::Tensor& train_labels,
                                                  const at::Tensor& test_codes,
                                                  CentroidMetric metric);

// `k` >= 1 neighbours, at most the number of training codes; distances are
// computed `chunk` test codes at a time.
absl::StatusOr<at::Tensor> KnnPredict(const at::Tensor& train_codes,
                                      const at::Tensor& train_labels,
                                      const at::Tensor& test_codes, int64_t k,
                                      int64_t chunk = 1000);

// Fraction of predictions equal to labels.
double Accuracy(const at::Tensor& predictions, const at::Tensor& labels);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_SDR_SDR_CODE_CLASSIFIERS_H_
