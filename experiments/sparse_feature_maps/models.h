// The two networks of the experiment, on the same trunk: two 5 x 5
// convolutions with ReLU and 2 x 2 max pooling (canvas / 4 resolution), then a
// 3 x 3 convolution to `planes` feature maps.
//
// PlaneMapNet: the source document's "one feature map per kind of object":
// planes 0 ... classes-1 are the class planes, the rest unassigned; plane
// k-winners (lib/nn/plane_k_winners.h) keep the k planes of largest energy per
// sample, so the map is plane-sparse, and class c's logit is the global max
// of plane c (0 when the plane lost), so the plane's peak marks where the
// object is. (The experiment trains the read-out on the map before the
// competition, and tests it after; see sparse_feature_maps.cc.)
// DenseTwin: the same trunk and planes without competition, global max over
// every plane and a linear read-out: an ordinary classifier with no plane
// assigned to a class.
#ifndef SPARSELAB_EXPERIMENTS_SPARSE_FEATURE_MAPS_MODELS_H_
#define SPARSELAB_EXPERIMENTS_SPARSE_FEATURE_MAPS_MODELS_H_

#include <cstdint>

#include <torch/torch.h>

#include "lib/nn/plane_k_winners.h"

namespace sparselab::sparse_feature_maps {

struct PlaneNetOptions {
  TORCH_ARG(int64_t, classes) = 10;
  TORCH_ARG(int64_t, planes) = 1000;
  TORCH_ARG(int64_t, width) = 16;        // channels of the trunk's second convolution
  TORCH_ARG(double, percent_on) = 0.01;  // PlaneMapNet: k = round(percent_on * planes)
  TORCH_ARG(double, boost_strength) = 1.0;
};

// The trunk and the plane convolution (no ReLU after it), shared by both
// networks.
torch::nn::Sequential MakePlaneTrunk(const PlaneNetOptions& o);

class PlaneMapNetImpl : public torch::nn::Cloneable<PlaneMapNetImpl> {
 public:
  explicit PlaneMapNetImpl(PlaneNetOptions options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;

  // (N, planes, canvas/4, canvas/4): the plane convolution's output, before
  // the ReLU (what dreams maximise: a ReLU at 0 would pass no gradient).
  at::Tensor pre_activation(const at::Tensor& x);
  // The same after the ReLU, before the competition.
  at::Tensor planes(const at::Tensor& x);
  // The plane-sparse map: planes() with the losing planes 0 (updates the duty
  // cycles in training).
  at::Tensor maps(const at::Tensor& x);
  // (N, classes) logits: the global max of each class plane of maps().
  at::Tensor forward(const at::Tensor& x);
  // The same from a computed map.
  at::Tensor logits(const at::Tensor& maps) const;

  PlaneNetOptions options;
  torch::nn::Sequential trunk{nullptr};
  PlaneKWinners kwinners{nullptr};
};
TORCH_MODULE(PlaneMapNet);

class DenseTwinImpl : public torch::nn::Cloneable<DenseTwinImpl> {
 public:
  explicit DenseTwinImpl(PlaneNetOptions options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  at::Tensor forward(const at::Tensor& x);

  PlaneNetOptions options;
  torch::nn::Sequential trunk{nullptr};
  torch::nn::Linear readout{nullptr};
};
TORCH_MODULE(DenseTwin);

}  // namespace sparselab::sparse_feature_maps

#endif  // SPARSELAB_EXPERIMENTS_SPARSE_FEATURE_MAPS_MODELS_H_
