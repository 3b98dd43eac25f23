#include "lib/restoration/unet.h"

#include <vector>

#include <c10/util/Exception.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>

namespace sparselab {
namespace {

// Two 3 x 3 convolutions (padding 1), each followed by a leaky ReLU.
torch::nn::Sequential ConvBlock(int64_t in, int64_t out, double negative_slope) {
  const torch::nn::LeakyReLUOptions leaky =
      torch::nn::LeakyReLUOptions().negative_slope(negative_slope);
  return torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)),
                               torch::nn::LeakyReLU(leaky),
                               torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1)),
                               torch::nn::LeakyReLU(leaky));
}

}  // namespace

UNetImpl::UNetImpl(UNetOptions options_) : options(options_) { reset(); }

void UNetImpl::reset() {
  const UNetOptions& o = options;
  TORCH_CHECK(o.in_channels() >= 1 && o.out_channels() >= 1 && o.width() >= 1,
              "UNet: in_channels, out_channels and width must be >= 1");
  TORCH_CHECK(o.depth() >= 0 && o.depth() <= 16, "UNet: depth must be in [0, 16], got ", o.depth());
  TORCH_CHECK(!o.residual() || o.in_channels() == o.out_channels(),
              "UNet: residual (output = input - net(input)) needs out_channels == in_channels, "
              "got ",
              o.in_channels(), " in and ", o.out_channels(), " out");
  const int64_t depth = o.depth();
  auto channels = [&](int64_t level) { return o.width() << level; };
  encoder = register_module("encoder", torch::nn::ModuleList());
  up = register_module("up", torch::nn::ModuleList());
  decoder = register_module("decoder", torch::nn::ModuleList());
  for (int64_t l = 0; l <= depth; ++l) {
    encoder->push_back(
        ConvBlock(l == 0 ? o.in_channels() : channels(l - 1), channels(l), o.negative_slope()));
  }
  for (int64_t l = 0; l < depth; ++l) {
    int64_t from_below = channels(l + 1);  // nearest upsampling keeps the channels
    if (o.upsampling() == UNetUpsampling::kTransposed) {
      up->push_back(torch::nn::ConvTranspose2d(
          torch::nn::ConvTranspose2dOptions(channels(l + 1), channels(l), 2).stride(2)));
      from_below = channels(l);
    }
    decoder->push_back(ConvBlock(from_below + channels(l), channels(l), o.negative_slope()));
  }
  head = register_module(
      "head", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels(0), o.out_channels(), 1)));
}

void UNetImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "sparselab::UNet(in=" << options.in_channels()
         << ", out=" << options.out_channels() << ", width=" << options.width()
         << ", depth=" << options.depth() << ", upsampling="
         << (options.upsampling() == UNetUpsampling::kNearest ? "nearest" : "transposed")
         << ", residual=" << options.residual() << ")";
}

at::Tensor UNetImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == options.in_channels(), "UNet: x must be (N, ",
              options.in_channels(), ", H, W), got ", x.sizes());
  const int64_t depth = options.depth(), multiple = int64_t{1} << depth;
  const int64_t h = x.size(2), w = x.size(3);
  TORCH_CHECK(h % multiple == 0 && w % multiple == 0,
              "UNet: H and W must be divisible by 2^depth = ", multiple, ", got ", h, " x ", w,
              "; pad or crop the image to ", (h + multiple - 1) / multiple * multiple, " x ",
              (w + multiple - 1) / multiple * multiple, " (or ", h / multiple * multiple, " x ",
              w / multiple * multiple, "), or use a smaller depth");
  std::vector<at::Tensor> skips;
  at::Tensor y = x;
  for (int64_t l = 0; l <= depth; ++l) {
    if (l > 0) y = at::max_pool2d(y, {2, 2}, {2, 2});
    y = encoder[l]->as<torch::nn::SequentialImpl>()->forward(y);
    if (l < depth) skips.push_back(y);
  }
  for (int64_t l = depth - 1; l >= 0; --l) {
    if (options.upsampling() == UNetUpsampling::kTransposed) {
      y = up[l]->as<torch::nn::ConvTranspose2dImpl>()->forward(y);
    } else {
      y = at::upsample_nearest2d(y, {2 * y.size(2), 2 * y.size(3)});
    }
    y = decoder[l]->as<torch::nn::SequentialImpl>()->forward(at::cat({y, skips[l]}, 1));
  }
  y = head->forward(y);
  return options.residual() ? x - y : y;
}

}  // namespace sparselab
