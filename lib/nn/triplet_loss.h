// Triplet margin loss on a batch of embeddings (Schroff et al. 2015, FaceNet;
// used by EmbedderSDR to train kWTA codes): for every anchor a and positive p
// (same label, p != a) with a negative n (different label),
//   max(0, d(a, p) - d(a, n) + margin),
// averaged over all (anchor, positive) pairs whose anchor has a negative.
// Each anchor uses one negative: the closest one (hardest) or a uniformly
// random one (the default generator: seed with torch::manual_seed). The
// negative is chosen without gradient; the loss is differentiable in the
// distances. A batch without any valid triplet gives 0 (connected to the graph).
#ifndef SPARSELAB_LIB_NN_TRIPLET_LOSS_H_
#define SPARSELAB_LIB_NN_TRIPLET_LOSS_H_

#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

namespace sparselab {

enum class TripletNegatives { kHardest, kRandom };
enum class TripletDistance { kL2, kCosine };  // ||a - b||_2 or 1 - cos(a, b)

struct TripletLossOptions {
  TORCH_ARG(double, margin) = 0.5;
  TORCH_ARG(TripletNegatives, negatives) = TripletNegatives::kHardest;
  TORCH_ARG(TripletDistance, distance) = TripletDistance::kL2;
};

// All pairwise distances (N, N) between the rows of `embeddings` (N, D).
at::Tensor PairwiseDistances(const at::Tensor& embeddings, TripletDistance distance);

class TripletLossImpl : public torch::nn::Cloneable<TripletLossImpl> {
 public:
  explicit TripletLossImpl(TripletLossOptions options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  // embeddings (N, ...) (flattened per sample), labels (N) integers.
  at::Tensor forward(const at::Tensor& embeddings, const at::Tensor& labels);
  TripletLossOptions options;
};
TORCH_MODULE(TripletLoss);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_TRIPLET_LOSS_H_
