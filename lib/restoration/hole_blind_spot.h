// The efficient blind-spot network of Honzátko, Bigdeli, Türetken & Dunbar
// 2020, "Efficient Blind-Spot Neural Network Architecture for Image
// Denoising" (arXiv:2008.11010; the architecture as the authors' public code
// has it). Instead of Laine et al.'s shifted convolutions over four rotations,
// one pass:
//   - a trunk of plain 3 x 3 convolutions (same padding, leaky ReLU), whose
//     level c (c = 0: the input) sees a (2c + 1) x (2c + 1) window;
//   - on every level c, a 3 x 3 "hole" convolution with a zero centre tap and
//     dilation c + 1: its eight taps read level-c features at offsets of
//     c + 1 pixels, whose windows never reach the centre pixel;
//   - the hole outputs concatenated and merged by 1 x 1 convolutions.
// So output pixel p never depends on input pixel p (blind spot of exactly one
// pixel), at any image size. Sizes here are options; the paper's are width 128,
// depth 11, 18 channels per hole convolution, a 1 x 1 head of 198, 99, 99.
#ifndef SPARSELAB_LIB_RESTORATION_HOLE_BLIND_SPOT_H_
#define SPARSELAB_LIB_RESTORATION_HOLE_BLIND_SPOT_H_

#include <cstdint>

#include <torch/torch.h>

namespace sparselab {

// A 3 x 3 convolution whose centre tap is 0 (and stays 0: the weight is
// multiplied by a fixed mask, so the centre gets no gradient either).
struct HoleConv2dOptions {
  HoleConv2dOptions(int64_t in_channels, int64_t out_channels)
      : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, dilation) = 1;  // padding = dilation: same size out
};

class HoleConv2dImpl : public torch::nn::Cloneable<HoleConv2dImpl> {
 public:
  explicit HoleConv2dImpl(HoleConv2dOptions options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  at::Tensor forward(const at::Tensor& x);

  HoleConv2dOptions options;
  torch::nn::Conv2d conv{nullptr};
  at::Tensor mask;  // buffer (1, 1, 3, 3): ones, centre 0
};
TORCH_MODULE(HoleConv2d);

struct HoleBlindSpotNetworkOptions {
  HoleBlindSpotNetworkOptions(int64_t in_channels, int64_t out_channels)
      : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, width) = 128;         // trunk channels
  TORCH_ARG(int64_t, depth) = 11;          // hole convolutions (trunk levels 0 ... depth-1)
  TORCH_ARG(int64_t, hole_channels) = 18;  // per hole convolution
  TORCH_ARG(double, negative_slope) = 0.1;
};

class HoleBlindSpotNetworkImpl : public torch::nn::Cloneable<HoleBlindSpotNetworkImpl> {
 public:
  explicit HoleBlindSpotNetworkImpl(HoleBlindSpotNetworkOptions options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  // (N, in_channels, H, W) -> (N, out_channels, H, W); output p never reads input p.
  at::Tensor forward(const at::Tensor& x);

  HoleBlindSpotNetworkOptions options;
  torch::nn::ModuleList trunk{nullptr};  // depth - 1 plain 3 x 3 convolutions
  torch::nn::ModuleList holes{nullptr};  // depth hole convolutions
  torch::nn::Sequential head{nullptr};   // 1 x 1 convolutions
};
TORCH_MODULE(HoleBlindSpotNetwork);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_HOLE_BLIND_SPOT_H_
