#include "experiments/sparse_autoencoder/code_stats.h"

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <torch/nn/modules/linear.h>

#include "lib/data/dataset.h"
#include "lib/train/trainer.h"

namespace sparselab::sparse_autoencoder {
namespace {

// Mean of (E a)^2 / E a^2 along `dim`, over the slices whose E a^2 > 0.
double MeanActivityRatio(const at::Tensor& a, int64_t dim) {
  const at::Tensor m = a.mean(dim), m2 = a.pow(2).mean(dim);
  const at::Tensor keep = m2 > 0;
  if (keep.sum().item<int64_t>() == 0) return 0;
  return (m.pow(2).masked_select(keep) / m2.masked_select(keep)).mean().item<double>();
}

}  // namespace

CodeStats MeasureCodes(const at::Tensor& codes, double threshold) {
  TORCH_CHECK(codes.dim() == 2 && codes.size(0) > 0 && codes.size(1) > 0,
              "MeasureCodes: expected codes (samples, units), got ", codes.sizes());
  const at::Tensor a = codes.detach().to(at::kDouble);
  const at::Tensor active = a > threshold;
  CodeStats s;
  s.mean_activation = a.mean().item<double>();
  s.active_share = active.to(at::kDouble).mean().item<double>();
  s.nonzero_share = a.ne(0).to(at::kDouble).mean().item<double>();
  s.dead_units = active.any(0).logical_not().sum().item<int64_t>();
  s.population_ratio = MeanActivityRatio(a.abs(), 1);
  s.lifetime_ratio = MeanActivityRatio(a.abs(), 0);
  return s;
}

RhoDeviation MeasureRhoDeviation(const at::Tensor& codes, double rho) {
  const at::Tensor dev = (codes.detach().to(at::kDouble).mean(0) - rho).abs();
  return {dev.mean().item<double>(), dev.max().item<double>()};
}

double LinearProbeAccuracy(const at::Tensor& train_codes, const at::Tensor& train_labels,
                           const at::Tensor& test_codes, const at::Tensor& test_labels,
                           int64_t classes, const ProbeOptions& o) {
  TORCH_CHECK(train_codes.dim() == 2 && test_codes.dim() == 2 &&
                  train_codes.size(1) == test_codes.size(1),
              "LinearProbeAccuracy: codes must be (samples, units) with the same units");
  TORCH_CHECK(train_codes.size(0) == train_labels.size(0) &&
                  test_codes.size(0) == test_labels.size(0),
              "LinearProbeAccuracy: one label per code");
  const at::Tensor train = train_codes.detach().to(at::kFloat);
  const at::Tensor mean = train.mean(0), std = train.std(0).clamp_min(1e-6);
  const at::Tensor x = (train - mean) / std;
  const at::Tensor xt = (test_codes.detach().to(at::kFloat) - mean) / std;
  torch::nn::Linear probe(train.size(1), classes);
  {
    at::NoGradGuard no_grad;
    probe->weight.zero_();
    probe->bias.zero_();
  }
  // lib's Trainer: Adam on the cross-entropy, reshuffled every epoch from a
  // generator seeded with o.seed.
  Trainer trainer(probe, CrossEntropyLoss(),
                  TrainerOptions()
                      .optimizer(OptimizerKind::kAdam)
                      .lr(o.lr)
                      .weight_decay(o.l2)
                      .batch_size(o.batch_size)
                      .epochs(o.epochs)
                      .seed(o.seed)
                      .show_progress(false));
  absl::StatusOr<std::vector<EpochStats>> trained = trainer.Train(Dataset{x, train_labels});
  TORCH_CHECK(trained.ok(), "LinearProbeAccuracy: ", trained.status().ToString());
  at::NoGradGuard no_grad;
  const at::Tensor predicted = probe->forward(xt).argmax(1);
  return predicted.eq(test_labels).to(at::kDouble).mean().item<double>();
}

}  // namespace sparselab::sparse_autoencoder
