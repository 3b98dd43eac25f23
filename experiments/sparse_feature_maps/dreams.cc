#include "experiments/sparse_feature_maps/dreams.h"

namespace sparselab::sparse_feature_maps {

at::Tensor TotalVariation(const at::Tensor& x) {
  const int64_t h = x.size(-2), w = x.size(-1);
  const at::Tensor dv = (x.narrow(-2, 1, h - 1) - x.narrow(-2, 0, h - 1)).abs().sum();
  const at::Tensor dh = (x.narrow(-1, 1, w - 1) - x.narrow(-1, 0, w - 1)).abs().sum();
  return (dv + dh) / static_cast<double>(x.numel());
}

at::Tensor Dream(const std::function<at::Tensor(const at::Tensor&)>& objective, int64_t size,
                 const DreamOptions& o, at::Generator& gen) {
  at::Tensor x = (at::rand({1, 1, size, size}, gen, at::kFloat) * o.noise()).requires_grad_(true);
  torch::optim::Adam adam({x}, torch::optim::AdamOptions(o.lr()));
  for (int64_t step = 0; step < o.steps(); ++step) {
    int64_t dy = 0, dx = 0;
    if (o.jitter() > 0) {
      const at::Tensor shift = at::randint(-o.jitter(), o.jitter() + 1, {2}, gen, at::kLong);
      dy = shift[0].item<int64_t>();
      dx = shift[1].item<int64_t>();
    }
    adam.zero_grad();
    const at::Tensor shifted = at::roll(x, {dy, dx}, {2, 3});
    const at::Tensor loss =
        -objective(shifted) + o.tv() * TotalVariation(x) + o.l2() * x.pow(2).mean();
    loss.backward();
    adam.step();
    at::NoGradGuard no_grad;
    x.clamp_(0, 1);
  }
  return x.detach()[0][0].clone();
}

}  // namespace sparselab::sparse_feature_maps
