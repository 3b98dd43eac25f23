// The blind-spot U-Net of Laine, Karras, Lehtinen & Aila 2019, "High-Quality
// Self-Supervised Deep Image Denoising" (NeurIPS), Sec. 3 and Fig. 1 / the
// architecture table of the supplement, as their public code builds it: the
// blind-spot ingredients of blind_spot.h inside a U-Net.
//  - Every 3 x 3 convolution is a ShiftedConv2d (reads its own row and above).
//  - Down: ShiftDown by one row, then 2 x 2 max pooling ("offset by one row
//    before pooling"): a pooled row R then reads fine rows <= 2R only, so
//    after nearest 2x upsampling both fine rows 2R and 2R + 1 still read only
//    their own row and above.
//  - Encoder: 2 convs (width), pool; then depth - 1 times (1 conv, pool); a
//    bottom conv. Decoder, level by level: nearest 2x up, concatenate the
//    encoder's pooled map of the level above (the input itself at the top),
//    2 convs of 2 width. Leaky ReLU (slope 0.1) after every conv.
//    (The paper: width 48, depth 5, so H and W divisible by 32.)
//  - The branch runs on the input rotated by 0, 90, 180 and 270 degrees, is
//    ShiftDown'ed by one row (now strictly above), rotated back, the four
//    concatenated (8 width channels) and mixed by 1 x 1 convs 8 w -> 8 w ->
//    2 w -> out: output (i, j) reads every input pixel but (i, j) itself.
//  - He-normal initialisation (gain sqrt 2, gain 1 on the last layer), zero
//    biases, as their code.
// H and W must both be divisible by 2^depth (the rotated images too).
#ifndef SPARSELAB_LIB_RESTORATION_BLIND_SPOT_UNET_H_
#define SPARSELAB_LIB_RESTORATION_BLIND_SPOT_UNET_H_

#include <cstdint>
#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include "lib/restoration/blind_spot.h"

namespace sparselab {

struct BlindSpotUNetOptions {
  BlindSpotUNetOptions(int64_t in_channels, int64_t out_channels)
      : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, width) = 48;           // encoder channels; the decoder has 2 width
  TORCH_ARG(int64_t, depth) = 5;            // poolings, >= 1
  TORCH_ARG(double, negative_slope) = 0.1;  // leaky ReLU
};

// forward: x (N, in, H, W), H and W divisible by 2^depth -> (N, out, H, W);
// output (i, j) does not depend on input (i, j) (any channel).
class BlindSpotUNetImpl : public torch::nn::Cloneable<BlindSpotUNetImpl> {
 public:
  explicit BlindSpotUNetImpl(BlindSpotUNetOptions options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  at::Tensor forward(const at::Tensor& x);
  // The U-Net branch after the final ShiftDown, on an unrotated input:
  // (N, in, H, W) -> (N, 2 width, H, W); output (i, j) reads rows < i only.
  at::Tensor UpwardFeatures(const at::Tensor& x);

  BlindSpotUNetOptions options;
  torch::nn::ModuleList encoder{nullptr};  // depth + 2 ShiftedConv2d (the last: the bottom)
  torch::nn::ModuleList decoder{nullptr};  // 2 depth ShiftedConv2d, the deepest level first
  torch::nn::Sequential mix{nullptr};      // 1 x 1: 8 w -> 8 w -> 2 w -> out
};
TORCH_MODULE(BlindSpotUNet);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_BLIND_SPOT_UNET_H_
