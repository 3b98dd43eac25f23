#include "monitor/lnc.h"

#include <cmath>
#include <vector>

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "monitor/kdtree.h"
#include "monitor/parallel.h"

namespace sparselab {
namespace monitor {

absl::StatusOr<double> LocalNonUniformityCorrection(const Samples& joint, int k, double alpha,
                                                    int num_threads) {
  if (!(alpha > 0.0 && alpha <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "LNC alpha must be in (0, 1], got ", alpha, ": use alpha = 0 for no correction"));
  }
  if (k < 1 || k >= joint.n) {
    return absl::InvalidArgumentError(
        absl::StrCat("LNC needs 1 <= k < N, got k = ", k, " with N = ", joint.n));
  }
  const int64_t n = joint.n, d = joint.dim;
  // Offsets of each point's k nearest neighbours from the point: (n, k, d).
  std::vector<double> offsets(n * k * d);
  const MaxNormTree tree(joint);
  ParallelFor(n, num_threads, [&](int64_t begin, int64_t end) {
    std::vector<Neighbour> nearest(k);
    for (int64_t r = begin; r < end; ++r) {
      const int64_t i = tree.IndexAt(r);
      const int found = tree.NearestExcluding(tree.PointAt(r), k, i, nearest.data());
      for (int m = 0; m < found; ++m)
        for (int64_t j = 0; j < d; ++j)
          offsets[(i * k + m) * d + j] = joint(nearest[m].index, j) - joint(i, j);
    }
  });
  // Principal axes of each neighbourhood (eigenvectors of the offsets'
  // second moments; their order and signs do not change the box volume),
  // by LibTorch's batched symmetric eigensolver.
  const torch::Tensor delta = torch::from_blob(offsets.data(), {n, k, d}, torch::kFloat64);
  const torch::Tensor axes = std::get<1>(torch::linalg_eigh(delta.transpose(1, 2).bmm(delta)));
  const torch::Tensor log_rect = delta.bmm(axes).abs().amax(1).log().sum(1);
  const torch::Tensor log_box = delta.abs().amax(1).log().sum(1);
  // A degenerate neighbourhood (all offsets 0 along an axis) has no volume to
  // compare: it is left uncorrected.
  const torch::Tensor use = (log_rect < log_box + std::log(alpha)) & log_box.isfinite() &
                            log_rect.isfinite();
  const torch::Tensor gain = torch::where(use, log_box - log_rect, torch::zeros_like(log_box));
  return gain.sum().item<double>() / static_cast<double>(n);
}

}  // namespace monitor
}  // namespace sparselab
