// The contrastive-collapse question of the EmbedderSDR document: trained on
// same-class pairs only with a contrastive loss, embeddings collapse to one
// vector (Hadsell, Chopra & LeCun 2006, "Dimensionality reduction by learning
// an invariant mapping", CVPR, eq. 4: L = y d^2 + (1 - y) max(0, m - d)^2);
// does a kWTA last layer, which must keep k units on, prevent it?
#ifndef SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_CONTRASTIVE_H_
#define SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_CONTRASTIVE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

namespace sparselab::embedder_sdr {

// The batch's pairs: each sample i with the next sample (cyclically, in batch
// order) of the same label (positive), and with the next of another label
// (negative); d = 1 - cos(e_i, e_j). Returns mean_pos d^2 + mean_neg max(0,
// margin - d)^2, the second term left out when positives_only (or when the
// batch has a single label). Batches without a positive pair give 0 for that term.
at::Tensor ContrastivePairLoss(const at::Tensor& embeddings, const at::Tensor& labels,
                               double margin, bool positives_only);

// Collapse measures of test embeddings (N, D), with class means from training
// embeddings: distinct codes (rows of the binary code, the embedding > 0),
// mean firing entropy of the code's units (bits, binary entropy of each unit's
// firing rate), mean cosine distance of 5,000 random same-class and
// different-class test pairs (seeded), the embeddings' mean per-dimension
// standard deviation, and the accuracy of the nearest class-mean embedding
// (cosine).
std::vector<std::pair<std::string, double>> CollapseMeasures(const at::Tensor& train_embeddings,
                                                             const at::Tensor& train_labels,
                                                             const at::Tensor& test_embeddings,
                                                             const at::Tensor& test_labels,
                                                             int64_t classes, uint64_t seed);

}  // namespace sparselab::embedder_sdr

#endif  // SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_CONTRASTIVE_H_
