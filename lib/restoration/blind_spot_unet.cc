#include "lib/restoration/blind_spot_unet.h"

#include <cmath>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>

namespace sparselab {
namespace {

// He-normal weights (std gain / sqrt(fan_in)) and zero biases.
void HeInit(torch::nn::Conv2dImpl& conv, double gain) {
  torch::NoGradGuard no_grad;
  const at::Tensor& w = conv.weight;
  conv.weight.normal_(0.0, gain / std::sqrt(static_cast<double>(w.numel() / w.size(0))));
  if (conv.bias.defined()) conv.bias.zero_();
}

}  // namespace

BlindSpotUNetImpl::BlindSpotUNetImpl(BlindSpotUNetOptions options_) : options(options_) { reset(); }

void BlindSpotUNetImpl::reset() {
  const BlindSpotUNetOptions& o = options;
  TORCH_CHECK(o.in_channels() >= 1 && o.out_channels() >= 1 && o.width() >= 1,
              "BlindSpotUNet: in_channels, out_channels and width must be >= 1");
  TORCH_CHECK(o.depth() >= 1 && o.depth() <= 16, "BlindSpotUNet: depth must be in [1, 16], got ",
              o.depth());
  const int64_t w = o.width(), depth = o.depth();
  encoder = register_module("encoder", torch::nn::ModuleList());
  decoder = register_module("decoder", torch::nn::ModuleList());
  auto conv = [](int64_t in, int64_t out) { return ShiftedConv2d(ShiftedConv2dOptions(in, out)); };
  encoder->push_back(conv(o.in_channels(), w));
  for (int64_t l = 0; l <= depth; ++l) encoder->push_back(conv(w, w));
  for (int64_t l = depth; l >= 1; --l) {
    const int64_t from_below = l == depth ? w : 2 * w, skip = l == 1 ? o.in_channels() : w;
    decoder->push_back(conv(from_below + skip, 2 * w));
    decoder->push_back(conv(2 * w, 2 * w));
  }
  const torch::nn::LeakyReLUOptions leaky =
      torch::nn::LeakyReLUOptions().negative_slope(o.negative_slope());
  mix = register_module(
      "mix",
      torch::nn::Sequential(
          torch::nn::Conv2d(torch::nn::Conv2dOptions(8 * w, 8 * w, 1)), torch::nn::LeakyReLU(leaky),
          torch::nn::Conv2d(torch::nn::Conv2dOptions(8 * w, 2 * w, 1)), torch::nn::LeakyReLU(leaky),
          torch::nn::Conv2d(torch::nn::Conv2dOptions(2 * w, o.out_channels(), 1))));
  for (const auto& m : encoder->children())
    HeInit(*m->as<ShiftedConv2dImpl>()->conv, std::sqrt(2.0));
  for (const auto& m : decoder->children())
    HeInit(*m->as<ShiftedConv2dImpl>()->conv, std::sqrt(2.0));
  HeInit(*mix[0]->as<torch::nn::Conv2dImpl>(), std::sqrt(2.0));
  HeInit(*mix[2]->as<torch::nn::Conv2dImpl>(), std::sqrt(2.0));
  HeInit(*mix[4]->as<torch::nn::Conv2dImpl>(), 1.0);
}

void BlindSpotUNetImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::BlindSpotUNet(in=" << options.in_channels()
         << ", out=" << options.out_channels() << ", width=" << options.width()
         << ", depth=" << options.depth() << ")";
}

at::Tensor BlindSpotUNetImpl::UpwardFeatures(const at::Tensor& x) {
  const double slope = options.negative_slope();
  const int64_t depth = options.depth();
  auto conv = [&](torch::nn::ModuleList& list, int64_t i, const at::Tensor& t) {
    return at::leaky_relu(list[i]->as<ShiftedConv2dImpl>()->forward(t), slope);
  };
  // Shift before pooling keeps every pooled row's field at or above it.
  auto down = [](const at::Tensor& t) { return at::max_pool2d(ShiftDown(t, 1), {2, 2}, {2, 2}); };
  std::vector<at::Tensor> skips = {x};  // skips[l]: the map the decoder's level l concatenates
  at::Tensor y = conv(encoder, 0, x);
  y = down(conv(encoder, 1, y));
  for (int64_t l = 2; l <= depth; ++l) {
    skips.push_back(y);
    y = down(conv(encoder, l, y));
  }
  y = conv(encoder, depth + 1, y);  // the bottom
  for (int64_t l = depth, k = 0; l >= 1; --l, k += 2) {
    y = at::upsample_nearest2d(y, {2 * y.size(2), 2 * y.size(3)});
    y = conv(decoder, k, at::cat({y, skips[l - 1]}, 1));
    y = conv(decoder, k + 1, y);
  }
  return ShiftDown(y, 1);
}

at::Tensor BlindSpotUNetImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == options.in_channels(), "BlindSpotUNet: x must be (N, ",
              options.in_channels(), ", H, W), got ", x.sizes());
  const int64_t multiple = int64_t{1} << options.depth(), h = x.size(2), w = x.size(3);
  TORCH_CHECK(h % multiple == 0 && w % multiple == 0,
              "BlindSpotUNet: H and W must be divisible by 2^depth = ", multiple, ", got ", h,
              " x ", w, "; pad the image to ", (h + multiple - 1) / multiple * multiple, " x ",
              (w + multiple - 1) / multiple * multiple,
              " (e.g. reflect padding, cropping the output "
              "back) or use a smaller depth");
  std::vector<at::Tensor> views;
  if (h == w) {
    // Square: the four rotations share one pass, stacked on the batch axis.
    std::vector<at::Tensor> rotated;
    for (int64_t r = 0; r < 4; ++r) rotated.push_back(Rotate90(x, r));
    const std::vector<at::Tensor> up = UpwardFeatures(at::cat(rotated, 0)).chunk(4, 0);
    for (int64_t r = 0; r < 4; ++r) views.push_back(Rotate90(up[r], -r));
  } else {
    for (int64_t r = 0; r < 4; ++r) views.push_back(Rotate90(UpwardFeatures(Rotate90(x, r)), -r));
  }
  return mix->forward(at::cat(views, 1));
}

}  // namespace sparselab
