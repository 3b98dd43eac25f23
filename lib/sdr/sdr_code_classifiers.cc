#include "lib/sdr/sdr_code_classifiers.h"

#include <algorithm>
#include <cmath>

#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "lib/sdr/sdr_code_metrics.h"
#include "lib/base/status_macros.h"

namespace sparselab {
namespace {

struct Prepared {
  at::Tensor train, labels, test;  // float codes, int64 labels, on the CPU
  int64_t num_classes = 0;
};

absl::StatusOr<Prepared> Prepare(const at::Tensor& train_codes, const at::Tensor& train_labels,
                                 const at::Tensor& test_codes) {
  RETURN_IF_ERROR(CheckBinaryCodes(train_codes, "train codes"));
  RETURN_IF_ERROR(CheckBinaryCodes(test_codes, "test codes"));
  if (train_codes.size(1) != test_codes.size(1)) {
    return absl::InvalidArgumentError(absl::StrCat("train codes have ", train_codes.size(1),
                                                   " units but test codes ", test_codes.size(1)));
  }
  if (!train_labels.defined() || train_labels.dim() != 1 ||
      train_labels.size(0) != train_codes.size(0) ||
      at::isFloatingType(train_labels.scalar_type())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "train labels must be a 1-D integer tensor with one label per train code (",
        train_codes.size(0), ")"));
  }
  Prepared p;
  p.train = train_codes.detach().to(at::kCPU).to(at::kFloat);
  p.test = test_codes.detach().to(at::kCPU).to(at::kFloat);
  p.labels = train_labels.detach().to(at::kCPU).to(at::kLong);
  if (p.labels.min().item<int64_t>() < 0) {
    return absl::InvalidArgumentError("train labels must be >= 0");
  }
  p.num_classes = p.labels.max().item<int64_t>() + 1;
  return p;
}

}  // namespace

absl::StatusOr<at::Tensor> NearestCentroidPredict(const at::Tensor& train_codes,
                                                  const at::Tensor& train_labels,
                                                  const at::Tensor& test_codes,
                                                  CentroidMetric metric) {
  ASSIGN_OR_RETURN(const Prepared p, Prepare(train_codes, train_labels, test_codes));
  at::NoGradGuard no_grad;
  const int64_t c = p.num_classes;
  const at::Tensor sums = at::zeros({c, p.train.size(1)}, at::kFloat).index_add_(0, p.labels, p.train);
  const at::Tensor sizes = at::bincount(p.labels, {}, c).to(at::kFloat);
  const at::Tensor present = sizes > 0;
  const at::Tensor centroids = sums / sizes.clamp_min(1).unsqueeze(1);
  at::Tensor score;  // (N_test, C), larger is nearer
  if (metric == CentroidMetric::kCosine) {
    const at::Tensor t = p.test / p.test.norm(2, 1, true).clamp_min(1e-12);
    const at::Tensor m = centroids / centroids.norm(2, 1, true).clamp_min(1e-12);
    score = t.matmul(m.t());
  } else {
    // Prototype of class c: its centroid's k_c most active units.
    at::Tensor prototypes = at::zeros_like(centroids);
    for (int64_t j = 0; j < c; ++j) {
      const int64_t n_j = static_cast<int64_t>(sizes[j].item<float>());
      if (n_j == 0) continue;
      const int64_t k_j = std::clamp<int64_t>(
          std::llround(sums[j].sum().item<double>() / n_j), 1, centroids.size(1));
      prototypes[j].index_fill_(0, std::get<1>(centroids[j].topk(k_j)), 1.0f);
    }
    const at::Tensor hamming = p.test.sum(1, true) + prototypes.sum(1).unsqueeze(0) -
                               2 * p.test.matmul(prototypes.t());
    score = -hamming;
  }
  // Classes without training codes never win.
  score = score.masked_fill(present.logical_not().unsqueeze(0), -INFINITY);
  return score.argmax(1);
}

absl::StatusOr<at::Tensor> KnnPredict(const at::Tensor& train_codes,
                                      const at::Tensor& train_labels,
                                      const at::Tensor& test_codes, int64_t k, int64_t chunk) {
  ASSIGN_OR_RETURN(const Prepared p, Prepare(train_codes, train_labels, test_codes));
  if (k < 1 || k > p.train.size(0)) {
    return absl::InvalidArgumentError(absl::StrCat("k-NN: k must be in [1, ", p.train.size(0),
                                                   "] (the training codes), got ", k));
  }
  if (chunk < 1) return absl::InvalidArgumentError("k-NN: chunk must be >= 1");
  at::NoGradGuard no_grad;
  const at::Tensor train_norm = p.train.sum(1).unsqueeze(0);  // (1, N_train)
  // 1 + (k - r) / (2 k^2) for rank r = 0 .. k-1.
  const at::Tensor weights =
      1.0 + (k - at::arange(k, at::kFloat)) / static_cast<float>(2 * k * k);
  std::vector<at::Tensor> out;
  for (int64_t start = 0; start < p.test.size(0); start += chunk) {
    const at::Tensor t = p.test.narrow(0, start, std::min(chunk, p.test.size(0) - start));
    const at::Tensor hamming = t.sum(1, true) + train_norm - 2 * t.matmul(p.train.t());
    const at::Tensor nearest = std::get<1>(hamming.topk(k, 1, /*largest=*/false, /*sorted=*/true));
    const at::Tensor neighbour_labels = p.labels.index_select(0, nearest.reshape({-1})).reshape(nearest.sizes());  // (B, k)
    const at::Tensor votes = at::zeros({t.size(0), p.num_classes}, at::kFloat)
                                 .scatter_add_(1, neighbour_labels,
                                               weights.unsqueeze(0).expand({t.size(0), k}).contiguous());
    out.push_back(votes.argmax(1));
  }
  return at::cat(out);
}

double Accuracy(const at::Tensor& predictions, const at::Tensor& labels) {
  const at::Tensor a = predictions.detach().to(at::kCPU).to(at::kLong).reshape({-1});
  const at::Tensor b = labels.detach().to(at::kCPU).to(at::kLong).reshape({-1});
  TORCH_CHECK(a.numel() == b.numel() && a.numel() > 0,
              "Accuracy: need as many predictions as labels (and at least one), got ",
              a.numel(), " and ", b.numel());
  return a.eq(b).to(at::kDouble).mean().item<double>();
}

}  // namespace sparselab
