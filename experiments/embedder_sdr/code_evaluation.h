// Test-set measures of a trained ShallowEmbedder's binary code:
// classification by nearest class-mean code (cosine, Hamming) and k-NN
// (lib/sdr_code_classifiers.h), unit usage, class overlaps and the union test
// (lib/sdr_code_metrics.h). The union test overlays two test digits of
// different classes in one image (pixel-wise maximum, as two strokes drawn on
// one canvas) and compares its code with the union of the two digits' codes.
#ifndef SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_CODE_EVALUATION_H_
#define SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_CODE_EVALUATION_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"
#include "experiments/embedder_sdr/models.h"
#include "lib/data/dataset.h"
#include "lib/train/trainer.h"

namespace sparselab::embedder_sdr {

// The model's layers on `inputs` in eval mode without gradients, in batches;
// `transform` (may be empty) is applied to each batch first. The model's
// training mode is restored.
LayerOutputs ForwardInBatches(ShallowEmbedder& model, const at::Tensor& inputs,
                              const InputTransform& transform, int64_t batch = 1000);

// Index pairs (first[i], second[i]) of test samples with different labels.
struct UnionPairs {
  at::Tensor first, second;  // int64 (count)
};
absl::StatusOr<UnionPairs> MakeUnionPairs(const Dataset& test, int64_t count, uint64_t seed);

struct CodeEvaluationOptions {
  int64_t knn_k = 5;
  int64_t knn_train_samples = 10000;  // the first ones of the training set; 0: all
};

struct CodeEvaluation {
  std::vector<std::pair<std::string, double>> metrics;  // name, value
  at::Tensor class_mean_codes;                          // (classes, E), test set
};

absl::StatusOr<CodeEvaluation> EvaluateCodes(ShallowEmbedder& model, const Dataset& train,
                                             const Dataset& test, const InputTransform& normalize,
                                             const UnionPairs& pairs, int64_t classes,
                                             const CodeEvaluationOptions& options);

}  // namespace sparselab::embedder_sdr

#endif  // SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_CODE_EVALUATION_H_
