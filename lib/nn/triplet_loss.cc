#include "lib/nn/triplet_loss.h"

#include <limits>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

namespace sparselab {

at::Tensor PairwiseDistances(const at::Tensor& embeddings, TripletDistance distance) {
  TORCH_CHECK(embeddings.dim() == 2, "PairwiseDistances: expected (N, D), got ",
              embeddings.sizes());
  const at::Tensor gram = embeddings.mm(embeddings.t());
  if (distance == TripletDistance::kCosine) {
    const at::Tensor norms = embeddings.norm(2, {1}).clamp_min(1e-12);
    return 1 - gram / (norms.unsqueeze(1) * norms.unsqueeze(0));
  }
  const at::Tensor squared = gram.diagonal();
  // ||a||^2 + ||b||^2 - 2 a.b; the clamp keeps sqrt's gradient finite for
  // identical vectors (common for binary codes) by zeroing it there.
  const at::Tensor d2 = squared.unsqueeze(1) + squared.unsqueeze(0) - 2 * gram;
  return d2.clamp_min(1e-12).sqrt();
}

TripletLossImpl::TripletLossImpl(TripletLossOptions options) : options(options) { reset(); }

void TripletLossImpl::reset() {
  TORCH_CHECK(options.margin() >= 0, "TripletLoss: margin must be >= 0, got ", options.margin());
}

void TripletLossImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::TripletLoss(margin=" << options.margin() << ", negatives="
         << (options.negatives() == TripletNegatives::kHardest ? "hardest" : "random")
         << ", distance=" << (options.distance() == TripletDistance::kL2 ? "l2" : "cosine")
         << ")";
}

at::Tensor TripletLossImpl::forward(const at::Tensor& embeddings, const at::Tensor& labels) {
  TORCH_CHECK(embeddings.dim() >= 2, "TripletLoss: expected embeddings (N, ...), got ",
              embeddings.sizes());
  TORCH_CHECK(labels.dim() == 1 && labels.size(0) == embeddings.size(0),
              "TripletLoss: expected labels of shape (", embeddings.size(0), "), got ",
              labels.sizes());
  TORCH_CHECK(!at::isFloatingType(labels.scalar_type()),
              "TripletLoss: labels must be integers, got ", labels.scalar_type());
  const int64_t n = embeddings.size(0);
  const at::Tensor flat = embeddings.reshape({n, -1});
  const at::Tensor distances = PairwiseDistances(flat, options.distance());
  const at::Tensor same = labels.unsqueeze(1).eq(labels.unsqueeze(0));
  const at::Tensor positive =
      same.logical_and(at::eye(n, same.options()).logical_not());  // (anchor, p)
  const at::Tensor negative = same.logical_not();                 // (anchor, n)
  at::Tensor chosen;  // (N, 1) index of each anchor's negative
  {
    at::NoGradGuard no_grad;
    const double inf = std::numeric_limits<double>::infinity();
    if (options.negatives() == TripletNegatives::kHardest) {
      chosen = distances.detach().masked_fill(negative.logical_not(), inf).argmin(1, true);
    } else {
      const at::Tensor scores = at::rand({n, n}, distances.options());
      chosen = scores.masked_fill(negative.logical_not(), -1).argmax(1, true);
    }
  }
  const at::Tensor negative_distance = distances.gather(1, chosen);  // (N, 1)
  const at::Tensor valid = positive.logical_and(negative.any(1, true));
  const at::Tensor losses =
      (distances - negative_distance + options.margin()).clamp_min(0).masked_select(valid);
  if (losses.numel() == 0) return flat.sum() * 0;
  return losses.mean();
}

}  // namespace sparselab
