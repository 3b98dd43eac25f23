#include "experiments/embedder_sdr/contrastive.h"

#include <algorithm>

#include <ATen/core/grad_mode.h>

#include "lib/base/binary_entropy.h"

namespace sparselab::embedder_sdr {
namespace {

at::Tensor CosineDistance(const at::Tensor& a, const at::Tensor& b) {
  return 1 - at::cosine_similarity(a, b, /*dim=*/1, /*eps=*/1e-8);
}

}  // namespace

at::Tensor ContrastivePairLoss(const at::Tensor& embeddings, const at::Tensor& labels,
                               double margin, bool positives_only) {
  TORCH_CHECK(embeddings.dim() == 2 && labels.dim() == 1 && labels.size(0) == embeddings.size(0),
              "ContrastivePairLoss: embeddings (B, D) and labels (B), got ", embeddings.sizes(),
              " and ", labels.sizes());
  const int64_t b = embeddings.size(0);
  const at::Tensor y = labels.cpu().to(at::kLong).contiguous();
  const int64_t* l = y.data_ptr<int64_t>();
  std::vector<int64_t> pos_i, pos_j, neg_i, neg_j;
  for (int64_t i = 0; i < b; ++i) {
    for (int64_t s = 1; s < b; ++s) {
      const int64_t j = (i + s) % b;
      if (l[j] == l[i]) {
        pos_i.push_back(i);
        pos_j.push_back(j);
        break;
      }
    }
    for (int64_t s = 1; s < b; ++s) {
      const int64_t j = (i + s) % b;
      if (l[j] != l[i]) {
        neg_i.push_back(i);
        neg_j.push_back(j);
        break;
      }
    }
  }
  auto index = [&](const std::vector<int64_t>& v) {
    return at::tensor(v, at::kLong).to(embeddings.device());
  };
  at::Tensor loss = at::zeros({}, embeddings.options());
  if (!pos_i.empty()) {
    const at::Tensor d = CosineDistance(embeddings.index_select(0, index(pos_i)),
                                        embeddings.index_select(0, index(pos_j)));
    loss = loss + d.pow(2).mean();
  }
  if (!positives_only && !neg_i.empty()) {
    const at::Tensor d = CosineDistance(embeddings.index_select(0, index(neg_i)),
                                        embeddings.index_select(0, index(neg_j)));
    loss = loss + (margin - d).clamp_min(0).pow(2).mean();
  }
  return loss;
}

std::vector<std::pair<std::string, double>> CollapseMeasures(const at::Tensor& train_embeddings,
                                                             const at::Tensor& train_labels,
                                                             const at::Tensor& test_embeddings,
                                                             const at::Tensor& test_labels,
                                                             int64_t classes, uint64_t seed) {
  at::NoGradGuard no_grad;
  const at::Tensor e = test_embeddings.to(at::kDouble).cpu();
  const at::Tensor y = test_labels.to(at::kLong).cpu();
  std::vector<std::pair<std::string, double>> out;
  const at::Tensor code = e.gt(0).to(at::kByte);
  // Distinct rows of the binary code.
  out.emplace_back("distinct_codes",
                   static_cast<double>(std::get<0>(at::unique_dim(code, 0)).size(0)));
  const at::Tensor rate = code.to(at::kDouble).mean(0);
  double entropy = 0;
  for (int64_t u = 0; u < rate.size(0); ++u) entropy += BinaryEntropyBits(rate[u].item<double>());
  out.emplace_back("code_entropy_bits", entropy / static_cast<double>(rate.size(0)));
  out.emplace_back("embedding_std", e.std(0).mean().item<double>());
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const int64_t n = e.size(0), pairs = 5000;
  const at::Tensor a = at::randint(0, n, {8 * pairs}, gen, at::kLong);
  const at::Tensor b = at::randint(0, n, {8 * pairs}, gen, at::kLong);
  const at::Tensor same = y.index_select(0, a).eq(y.index_select(0, b)).logical_and(a.ne(b));
  const at::Tensor diff = y.index_select(0, a).ne(y.index_select(0, b));
  auto mean_distance = [&](const at::Tensor& keep) {
    const at::Tensor idx = keep.nonzero().reshape({-1}).narrow(
        0, 0, std::min<int64_t>(pairs, keep.sum().item<int64_t>()));
    if (idx.numel() == 0) return 0.0;
    return CosineDistance(e.index_select(0, a.index_select(0, idx)),
                          e.index_select(0, b.index_select(0, idx)))
        .mean()
        .item<double>();
  };
  out.emplace_back("within_class_distance", mean_distance(same));
  out.emplace_back("between_class_distance", mean_distance(diff));
  // Nearest class-mean embedding (cosine), class means from the training embeddings.
  const at::Tensor t = train_embeddings.to(at::kDouble).cpu();
  const at::Tensor ty = train_labels.to(at::kLong).cpu();
  at::Tensor means = at::zeros({classes, t.size(1)}, at::kDouble);
  means.index_add_(0, ty, t);
  means = means / at::bincount(ty, {}, classes).to(at::kDouble).clamp_min(1).unsqueeze(1);
  auto unit = [](const at::Tensor& x) { return x / x.norm(2, 1, true).clamp_min(1e-12); };
  const at::Tensor sim = unit(e).matmul(unit(means).t());
  out.emplace_back("accuracy_centroid_cosine",
                   sim.argmax(1).eq(y).to(at::kDouble).mean().item<double>());
  return out;
}

}  // namespace sparselab::embedder_sdr
