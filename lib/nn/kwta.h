// Binary k-winners-take-all codes of EmbedderSDR (dizcza/EmbedderSDR,
// models/kwta.py): the top k units of each sample become 1 and the rest 0,
// thresholding at the midpoint of the k-th and (k+1)-th largest values.
// KWTABinary passes gradients straight through (identity); KWTASoft replaces
// the step by a (hard) sigmoid of hardness * (x - threshold) in training and
// is the binary code in eval mode. Inputs (batch, ...) are ranked per sample
// over all their elements. If the k-th and (k+1)-th values tie, the threshold
// equals them and fewer than k units are 1.
#ifndef SPARSELAB_LIB_NN_KWTA_H_
#define SPARSELAB_LIB_NN_KWTA_H_

#include <cstdint>
#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

namespace sparselab {

struct KWTABinaryOptions {
  /* implicit */ KWTABinaryOptions(int64_t k) : k_(k) {}
  // Active units per sample, 1 <= k < units.
  TORCH_ARG(int64_t, k);
};

class KWTABinaryImpl : public torch::nn::Cloneable<KWTABinaryImpl> {
 public:
  explicit KWTABinaryImpl(KWTABinaryOptions options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  at::Tensor forward(const at::Tensor& x);
  KWTABinaryOptions options;
};
TORCH_MODULE(KWTABinary);

struct KWTASoftOptions {
  /* implicit */ KWTASoftOptions(int64_t k) : k_(k) {}
  TORCH_ARG(int64_t, k);
  // Slope multiplier: the larger, the closer to the binary step.
  TORCH_ARG(double, hardness) = 1.0;
  // false: sigmoid(z); true: hard sigmoid clamp(z / 6 + 1/2, 0, 1)
  // (at::hardsigmoid), z = hardness * (x - threshold).
  TORCH_ARG(bool, hard_sigmoid) = false;
};

class KWTASoftImpl : public torch::nn::Cloneable<KWTASoftImpl> {
 public:
  explicit KWTASoftImpl(KWTASoftOptions options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  // Training: the soft code, differentiable also through the threshold.
  // Eval: the binary code.
  at::Tensor forward(const at::Tensor& x);
  KWTASoftOptions options;
};
TORCH_MODULE(KWTASoft);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_KWTA_H_
