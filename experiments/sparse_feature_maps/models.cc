#include "experiments/sparse_feature_maps/models.h"

#include <cmath>

namespace sparselab::sparse_feature_maps {

torch::nn::Sequential MakePlaneTrunk(const PlaneNetOptions& o) {
  namespace nn = torch::nn;
  return nn::Sequential(
      nn::Conv2d(nn::Conv2dOptions(1, 16, 5).padding(2)), nn::ReLU(), nn::MaxPool2d(2),
      nn::Conv2d(nn::Conv2dOptions(16, o.width(), 5).padding(2)), nn::ReLU(), nn::MaxPool2d(2),
      nn::Conv2d(nn::Conv2dOptions(o.width(), o.planes(), 3).padding(1)), nn::ReLU());
}

PlaneMapNetImpl::PlaneMapNetImpl(PlaneNetOptions o) : options(o) { reset(); }

void PlaneMapNetImpl::reset() {
  TORCH_CHECK(options.classes() >= 2 && options.planes() > options.classes(),
              "PlaneMapNet: needs classes >= 2 and planes > classes (got ", options.classes(),
              " classes, ", options.planes(), " planes)");
  trunk = register_module("trunk", MakePlaneTrunk(options));
  kwinners = register_module(
      "kwinners",
      PlaneKWinners(PlaneKWinnersOptions::PercentOn(options.planes(), options.percent_on())
                        .boost_strength(options.boost_strength())));
}

void PlaneMapNetImpl::pretty_print(std::ostream& s) const {
  s << "PlaneMapNet(classes=" << options.classes() << ", planes=" << options.planes()
    << ", width=" << options.width() << ", k=" << kwinners->options.k() << ")";
}

at::Tensor PlaneMapNetImpl::pre_activation(const at::Tensor& x) { return trunk->forward(x); }

at::Tensor PlaneMapNetImpl::planes(const at::Tensor& x) { return at::relu(trunk->forward(x)); }

at::Tensor PlaneMapNetImpl::maps(const at::Tensor& x) { return kwinners->forward(planes(x)); }

at::Tensor PlaneMapNetImpl::logits(const at::Tensor& maps) const {
  return maps.narrow(1, 0, options.classes()).amax({2, 3});
}

at::Tensor PlaneMapNetImpl::forward(const at::Tensor& x) { return logits(maps(x)); }

DenseTwinImpl::DenseTwinImpl(PlaneNetOptions o) : options(o) { reset(); }

void DenseTwinImpl::reset() {
  trunk = register_module("trunk", MakePlaneTrunk(options));
  readout = register_module("readout", torch::nn::Linear(options.planes(), options.classes()));
}

void DenseTwinImpl::pretty_print(std::ostream& s) const {
  s << "DenseTwin(classes=" << options.classes() << ", planes=" << options.planes()
    << ", width=" << options.width() << ")";
}

at::Tensor DenseTwinImpl::forward(const at::Tensor& x) {
  return readout->forward(at::relu(trunk->forward(x)).amax({2, 3}));
}

}  // namespace sparselab::sparse_feature_maps
