// Blind-spot convolutions of Laine, Karras, Lehtinen & Aila 2019, "High-Quality
// Self-Supervised Deep Image Denoising" (NeurIPS), Sec. 3 and Fig. 1: a network
// whose output pixel (i, j) never sees input pixel (i, j), so it can be trained
// on noisy images alone (noisy target = noisy input, Noise2Void style) without
// learning the identity.
//  - ShiftedConv2d: a k x k convolution (k odd) whose receptive field is moved
//    up by k / 2 rows: zero padding of k - 1 rows on top, none below, k / 2
//    columns each side, then a valid convolution. Output (i, j) reads input
//    rows i - (k - 1) .. i (its own row and above), columns j - k/2 .. j + k/2.
//    A stack of them reads only its own row and above.
//  - ShiftDown: the whole map one row down (row 0 zero, the last row dropped),
//    applied once at the end of the upward-looking stack, so that output
//    (i, j) reads only rows strictly above i.
//  - The 4-rotation trick: the input rotated by 0, 90, 180 and 270 degrees,
//    each through the same upward-looking branch and ShiftDown, rotated back
//    (so the four see the half-planes above, left of, below and right of the
//    pixel), concatenated on channels and mixed by 1 x 1 convolutions, which
//    keeps the blind spot: only the centre pixel is missing.
// BlindSpotNetwork is a small plain stack (no U-Net, no shifted pooling), for
// the library's tests and small experiments; the paper's network is a U-Net
// with the same three ingredients (blind_spot_unet.h).
#ifndef SPARSELAB_LIB_RESTORATION_BLIND_SPOT_H_
#define SPARSELAB_LIB_RESTORATION_BLIND_SPOT_H_

#include <cstdint>
#include <ostream>
#include <vector>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace sparselab {

// x (N, C, H, W) moved down by `rows` rows; the top rows are zero.
at::Tensor ShiftDown(const at::Tensor& x, int64_t rows = 1);
// x (N, C, H, W) rotated by quarter_turns * 90 degrees counter-clockwise in
// the (H, W) plane (negative: clockwise); (N, C, W, H) for odd turns.
at::Tensor Rotate90(const at::Tensor& x, int64_t quarter_turns);

struct ShiftedConv2dOptions {
  ShiftedConv2dOptions(int64_t in_channels, int64_t out_channels)
      : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, kernel_size) = 3;  // odd
  TORCH_ARG(bool, bias) = true;
};

class ShiftedConv2dImpl : public torch::nn::Cloneable<ShiftedConv2dImpl> {
 public:
  explicit ShiftedConv2dImpl(ShiftedConv2dOptions options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  // (N, in, H, W) -> (N, out, H, W).
  at::Tensor forward(const at::Tensor& x);

  ShiftedConv2dOptions options;
  torch::nn::Conv2d conv{nullptr};  // padding 0; the shift is done by forward's padding
};
TORCH_MODULE(ShiftedConv2d);

struct BlindSpotNetworkOptions {
  BlindSpotNetworkOptions(int64_t in_channels, int64_t out_channels)
      : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, width) = 16;           // channels of every hidden layer
  TORCH_ARG(int64_t, depth) = 3;            // shifted convolutions in the branch, >= 1
  TORCH_ARG(int64_t, kernel_size) = 3;      // odd
  TORCH_ARG(double, negative_slope) = 0.1;  // leaky ReLU, as the paper's code
};

// forward: x (N, in, H, W), any H, W >= 1 (square or not) -> (N, out, H, W);
// output (i, j) does not depend on input (i, j) (any channel).
class BlindSpotNetworkImpl : public torch::nn::Cloneable<BlindSpotNetworkImpl> {
 public:
  explicit BlindSpotNetworkImpl(BlindSpotNetworkOptions options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  at::Tensor forward(const at::Tensor& x);
  // The upward-looking branch after ShiftDown, on an unrotated input:
  // (N, in, H, W) -> (N, width, H, W); output (i, j) reads rows < i only.
  at::Tensor UpwardFeatures(const at::Tensor& x);

  BlindSpotNetworkOptions options;
  torch::nn::Sequential branch{nullptr};  // depth x (ShiftedConv2d, LeakyReLU)
  torch::nn::Sequential mix{nullptr};     // 1 x 1: 4 width -> width -> width -> out
};
TORCH_MODULE(BlindSpotNetwork);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_BLIND_SPOT_H_
