// A small U-Net (Ronneberger, Fischer & Brox 2015, "U-Net: Convolutional
// Networks for Biomedical Image Segmentation", Fig. 1) for denoising, the
// backbone of supervised (Noise2Clean), Noise2Noise and Noise2Void training:
//  - level l = 0 .. depth has width * 2^l channels; each level is a block of
//    two 3 x 3 convolutions (zero padding 1) with leaky ReLUs;
//  - down: 2 x 2 max pooling; up: nearest-neighbour 2x (the decoder block then
//    reads 2^(l+1) + 2^l widths) or a 2 x 2 transposed convolution of stride 2
//    to width * 2^l channels;
//  - skips: each decoder level concatenates (on channels) the encoder block of
//    its level; a final 1 x 1 convolution maps width channels to out_channels.
//  - residual (DnCNN's residual learning, Zhang et al. 2017, Sec. 3.1): the
//    net predicts the noise and the output is input - net(input).
// H and W must be divisible by 2^depth (max pooling and upsampling then undo
// each other exactly); forward says so otherwise.
#ifndef SPARSELAB_LIB_RESTORATION_UNET_H_
#define SPARSELAB_LIB_RESTORATION_UNET_H_

#include <cstdint>
#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace sparselab {

enum class UNetUpsampling { kNearest, kTransposed };

struct UNetOptions {
  UNetOptions(int64_t in_channels, int64_t out_channels)
      : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, width) = 32;           // channels of level 0; level l has width * 2^l
  TORCH_ARG(int64_t, depth) = 2;            // max poolings, >= 0 (0: a plain two-conv block)
  TORCH_ARG(double, negative_slope) = 0.1;  // leaky ReLU
  TORCH_ARG(UNetUpsampling, upsampling) = UNetUpsampling::kNearest;
  // output = input - net(input); needs out_channels == in_channels.
  TORCH_ARG(bool, residual) = false;
};

class UNetImpl : public torch::nn::Cloneable<UNetImpl> {
 public:
  explicit UNetImpl(UNetOptions options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  // x (N, in, H, W), H and W divisible by 2^depth -> (N, out, H, W).
  at::Tensor forward(const at::Tensor& x);

  UNetOptions options;
  torch::nn::ModuleList encoder{nullptr};  // depth + 1 blocks (the last is the bottom)
  torch::nn::ModuleList up{nullptr};       // depth transposed convs (kTransposed only)
  torch::nn::ModuleList decoder{nullptr};  // depth blocks, decoder[l] at level l
  torch::nn::Conv2d head{nullptr};         // 1 x 1, width -> out
};
TORCH_MODULE(UNet);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_UNET_H_
