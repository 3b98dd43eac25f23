#include "lib/restoration/hole_blind_spot.h"

#include <vector>

namespace sparselab {

HoleConv2dImpl::HoleConv2dImpl(HoleConv2dOptions o) : options(o) { reset(); }

void HoleConv2dImpl::reset() {
  TORCH_CHECK(options.in_channels() >= 1 && options.out_channels() >= 1 && options.dilation() >= 1,
              "HoleConv2d: channels and dilation must be >= 1");
  conv = register_module(
      "conv",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in_channels(), options.out_channels(), 3)
                            .padding(options.dilation())
                            .dilation(options.dilation())));
  at::Tensor m = at::ones({1, 1, 3, 3});
  m[0][0][1][1] = 0;
  mask = register_buffer("mask", m);
}

void HoleConv2dImpl::pretty_print(std::ostream& s) const {
  s << "sparselab::HoleConv2d(" << options.in_channels() << ", " << options.out_channels()
    << ", dilation=" << options.dilation() << ")";
}

at::Tensor HoleConv2dImpl::forward(const at::Tensor& x) {
  return at::conv2d(x, conv->weight * mask.to(conv->weight.dtype()), conv->bias, 1,
                    options.dilation(), options.dilation());
}

HoleBlindSpotNetworkImpl::HoleBlindSpotNetworkImpl(HoleBlindSpotNetworkOptions o) : options(o) {
  reset();
}

void HoleBlindSpotNetworkImpl::reset() {
  const HoleBlindSpotNetworkOptions& o = options;
  TORCH_CHECK(o.in_channels() >= 1 && o.out_channels() >= 1 && o.width() >= 1 && o.depth() >= 1 &&
                  o.hole_channels() >= 1,
              "HoleBlindSpotNetwork: channels, width, depth and hole_channels must be >= 1");
  namespace nn = torch::nn;
  trunk = register_module("trunk", nn::ModuleList());
  holes = register_module("holes", nn::ModuleList());
  for (int64_t c = 0; c + 1 < o.depth(); ++c) {
    trunk->push_back(nn::Conv2d(
        nn::Conv2dOptions(c == 0 ? o.in_channels() : o.width(), o.width(), 3).padding(1)));
  }
  for (int64_t c = 0; c < o.depth(); ++c) {
    holes->push_back(
        HoleConv2d(HoleConv2dOptions(c == 0 ? o.in_channels() : o.width(), o.hole_channels())
                       .dilation(c + 1)));
  }
  // The paper's head, 198 -> 198 -> 99 -> 99 -> out for 11 x 18 channels.
  const int64_t merged = o.depth() * o.hole_channels(), half = std::max<int64_t>(merged / 2, 1);
  const nn::LeakyReLUOptions leaky = nn::LeakyReLUOptions().negative_slope(o.negative_slope());
  head = register_module(
      "head", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(merged, merged, 1)), nn::LeakyReLU(leaky),
                             nn::Conv2d(nn::Conv2dOptions(merged, half, 1)), nn::LeakyReLU(leaky),
                             nn::Conv2d(nn::Conv2dOptions(half, half, 1)), nn::LeakyReLU(leaky),
                             nn::Conv2d(nn::Conv2dOptions(half, o.out_channels(), 1))));
}

void HoleBlindSpotNetworkImpl::pretty_print(std::ostream& s) const {
  s << "sparselab::HoleBlindSpotNetwork(" << options.in_channels() << ", " << options.out_channels()
    << ", width=" << options.width() << ", depth=" << options.depth()
    << ", hole_channels=" << options.hole_channels() << ")";
}

at::Tensor HoleBlindSpotNetworkImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == options.in_channels(),
              "HoleBlindSpotNetwork: expected (N, ", options.in_channels(), ", H, W), got ",
              x.sizes());
  const double slope = options.negative_slope();
  std::vector<at::Tensor> merged;
  at::Tensor level = x;
  for (int64_t c = 0; c < options.depth(); ++c) {
    merged.push_back(at::leaky_relu(holes[c]->as<HoleConv2dImpl>()->forward(level), slope));
    if (c + 1 < options.depth()) {
      level = at::leaky_relu(trunk[c]->as<torch::nn::Conv2dImpl>()->forward(level), slope);
    }
  }
  return head->forward(at::cat(merged, 1));
}

}  // namespace sparselab
