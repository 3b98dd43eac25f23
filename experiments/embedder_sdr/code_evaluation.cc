#include "experiments/embedder_sdr/code_evaluation.h"

#include <algorithm>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "lib/sdr/sdr_code_classifiers.h"
#include "lib/sdr/sdr_code_metrics.h"
#include "lib/base/status_macros.h"

namespace sparselab::embedder_sdr {

LayerOutputs ForwardInBatches(ShallowEmbedder& model, const at::Tensor& inputs,
                              const InputTransform& transform, int64_t batch) {
  const bool was_training = model->is_training();
  model->eval();
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> hidden, output;
  for (int64_t begin = 0; begin < inputs.size(0); begin += batch) {
    at::Tensor x = inputs.narrow(0, begin, std::min(batch, inputs.size(0) - begin));
    if (transform) x = transform(x);
    LayerOutputs out = model->Forward(x);
    hidden.push_back(out.hidden);
    output.push_back(out.output);
  }
  model->train(was_training);
  return {at::cat(hidden), at::cat(output)};
}

absl::StatusOr<UnionPairs> MakeUnionPairs(const Dataset& test, int64_t count, uint64_t seed) {
  const int64_t n = test.size();
  if (count < 1 || 2 * count > n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config \"union_pairs\" must be in [1, test samples / 2 = ", n / 2, "], got ", count));
  }
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const at::Tensor order = at::randperm(n, gen, at::TensorOptions(at::kLong));
  const at::Tensor a = order.narrow(0, 0, n / 2), b = order.narrow(0, n / 2, n / 2);
  const at::Tensor differ = test.targets.index_select(0, a) != test.targets.index_select(0, b);
  const at::Tensor keep = differ.nonzero().reshape({-1});
  if (keep.size(0) < count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "only ", keep.size(0), " test pairs of different classes for \"union_pairs\" = ", count));
  }
  const at::Tensor chosen = keep.narrow(0, 0, count);
  return UnionPairs{a.index_select(0, chosen), b.index_select(0, chosen)};
}

absl::StatusOr<CodeEvaluation> EvaluateCodes(ShallowEmbedder& model, const Dataset& train,
                                             const Dataset& test, const InputTransform& normalize,
                                             const UnionPairs& pairs, int64_t classes,
                                             const CodeEvaluationOptions& options) {
  CodeEvaluation e;
  auto add = [&e](const std::string& name, double value) { e.metrics.emplace_back(name, value); };
  const at::Tensor train_codes = ForwardInBatches(model, train.inputs, normalize).output;
  const at::Tensor test_codes = ForwardInBatches(model, test.inputs, normalize).output;

  ASSIGN_OR_RETURN(const at::Tensor cosine,
                   NearestCentroidPredict(train_codes, train.targets, test_codes,
                                          CentroidMetric::kCosine));
  ASSIGN_OR_RETURN(const at::Tensor hamming,
                   NearestCentroidPredict(train_codes, train.targets, test_codes,
                                          CentroidMetric::kHamming));
  const int64_t knn_n = options.knn_train_samples > 0
                            ? std::min(options.knn_train_samples, train.size())
                            : train.size();
  ASSIGN_OR_RETURN(const at::Tensor knn,
                   KnnPredict(train_codes.narrow(0, 0, knn_n), train.targets.narrow(0, 0, knn_n),
                              test_codes, options.knn_k));
  add("accuracy_centroid_cosine", Accuracy(cosine, test.targets));
  add("accuracy_centroid_hamming", Accuracy(hamming, test.targets));
  add(absl::StrCat("accuracy_knn", options.knn_k), Accuracy(knn, test.targets));

  ASSIGN_OR_RETURN(const CodeUsage usage, MeasureCodeUsage(test_codes));
  add("code_sparsity", usage.sparsity);
  add("dead_units", static_cast<double>(usage.dead_units));
  add("always_on_units", static_cast<double>(usage.always_on_units));
  add("firing_entropy_bits", usage.entropy_bits);
  add("firing_entropy_fraction_of_max",
      usage.max_entropy_bits > 0 ? usage.entropy_bits / usage.max_entropy_bits : 0.0);

  ASSIGN_OR_RETURN(const ClassOverlap overlap, MeanPairwiseOverlap(test_codes, test.targets));
  add("overlap_within_class", overlap.within);
  add("overlap_between_class", overlap.between);

  const at::Tensor first = test.inputs.index_select(0, pairs.first);
  const at::Tensor second = test.inputs.index_select(0, pairs.second);
  const at::Tensor overlaid = at::maximum(first, second);
  ASSIGN_OR_RETURN(const UnionTestResult u,
                   MeasureUnion(test_codes.index_select(0, pairs.first),
                                test_codes.index_select(0, pairs.second),
                                ForwardInBatches(model, overlaid, normalize).output));
  add("union_precision", u.precision);
  add("union_recall", u.recall);
  add("union_chance_precision", u.chance_precision);
  add("union_covers_both", u.covers_both);

  ASSIGN_OR_RETURN(e.class_mean_codes, ClassMeanCodes(test_codes, test.targets, classes));
  return e;
}

}  // namespace sparselab::embedder_sdr
