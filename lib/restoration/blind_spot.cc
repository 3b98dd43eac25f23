#include "lib/restoration/blind_spot.h"

#include <c10/util/Exception.h>
#include <torch/nn/functional/padding.h>
#include <torch/nn/modules/activation.h>

namespace sparselab {

at::Tensor ShiftDown(const at::Tensor& x, int64_t rows) {
  TORCH_CHECK(x.dim() == 4, "ShiftDown: x must be (N, C, H, W), got ", x.sizes());
  TORCH_CHECK(rows >= 0, "ShiftDown: rows must be >= 0, got ", rows);
  const int64_t h = x.size(2);
  if (rows >= h) return at::zeros_like(x);
  // Zero rows on top, the last `rows` rows dropped.
  return at::constant_pad_nd(x.narrow(2, 0, h - rows), {0, 0, rows, 0}, 0.0);
}

at::Tensor Rotate90(const at::Tensor& x, int64_t quarter_turns) {
  TORCH_CHECK(x.dim() == 4, "Rotate90: x must be (N, C, H, W), got ", x.sizes());
  return at::rot90(x, quarter_turns, {2, 3});
}

ShiftedConv2dImpl::ShiftedConv2dImpl(ShiftedConv2dOptions options_) : options(options_) { reset(); }

void ShiftedConv2dImpl::reset() {
  const int64_t k = options.kernel_size();
  TORCH_CHECK(k >= 1 && k % 2 == 1, "ShiftedConv2d: kernel_size must be odd and >= 1, got ", k);
  TORCH_CHECK(options.in_channels() >= 1 && options.out_channels() >= 1,
              "ShiftedConv2d: channel counts must be >= 1");
  conv = register_module(
      "conv",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in_channels(), options.out_channels(), k)
                            .bias(options.bias())));
}

void ShiftedConv2dImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::ShiftedConv2d(" << options.in_channels() << ", " << options.out_channels()
         << ", kernel_size=" << options.kernel_size() << ")";
}

at::Tensor ShiftedConv2dImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == options.in_channels(), "ShiftedConv2d: x must be (N, ",
              options.in_channels(), ", H, W), got ", x.sizes());
  const int64_t k = options.kernel_size(), half = k / 2;
  // (left, right, top, bottom): k - 1 rows on top, none below.
  return conv->forward(at::constant_pad_nd(x, {half, half, k - 1, 0}, 0.0));
}

BlindSpotNetworkImpl::BlindSpotNetworkImpl(BlindSpotNetworkOptions options_) : options(options_) {
  reset();
}

void BlindSpotNetworkImpl::reset() {
  const BlindSpotNetworkOptions& o = options;
  TORCH_CHECK(o.in_channels() >= 1 && o.out_channels() >= 1 && o.width() >= 1,
              "BlindSpotNetwork: in_channels, out_channels and width must be >= 1");
  TORCH_CHECK(o.depth() >= 1, "BlindSpotNetwork: depth must be >= 1, got ", o.depth());
  const torch::nn::LeakyReLUOptions leaky =
      torch::nn::LeakyReLUOptions().negative_slope(o.negative_slope());
  branch = register_module("branch", torch::nn::Sequential());
  for (int64_t l = 0; l < o.depth(); ++l) {
    branch->push_back(
        ShiftedConv2d(ShiftedConv2dOptions(l == 0 ? o.in_channels() : o.width(), o.width())
                          .kernel_size(o.kernel_size())));
    branch->push_back(torch::nn::LeakyReLU(leaky));
  }
  mix = register_module(
      "mix", torch::nn::Sequential(
                 torch::nn::Conv2d(torch::nn::Conv2dOptions(4 * o.width(), o.width(), 1)),
                 torch::nn::LeakyReLU(leaky),
                 torch::nn::Conv2d(torch::nn::Conv2dOptions(o.width(), o.width(), 1)),
                 torch::nn::LeakyReLU(leaky),
                 torch::nn::Conv2d(torch::nn::Conv2dOptions(o.width(), o.out_channels(), 1))));
}

void BlindSpotNetworkImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::BlindSpotNetwork(in=" << options.in_channels()
         << ", out=" << options.out_channels() << ", width=" << options.width()
         << ", depth=" << options.depth() << ", kernel_size=" << options.kernel_size() << ")";
}

at::Tensor BlindSpotNetworkImpl::UpwardFeatures(const at::Tensor& x) {
  return ShiftDown(branch->forward(x), 1);
}

at::Tensor BlindSpotNetworkImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == options.in_channels(),
              "BlindSpotNetwork: x must be (N, ", options.in_channels(), ", H, W), got ",
              x.sizes());
  // One pass per rotation (a rotated non-square image has another shape, so
  // the four are not stacked on the batch axis).
  std::vector<at::Tensor> views;
  for (int64_t r = 0; r < 4; ++r) {
    views.push_back(Rotate90(UpwardFeatures(Rotate90(x, r)), -r));
  }
  return mix->forward(at::cat(views, 1));
}

}  // namespace sparselab
