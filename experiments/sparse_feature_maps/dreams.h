// "Dreams": activation maximisation (Erhan et al. 2009; Olah et al. 2017,
// "Feature Visualization", Distill) from white noise. The source document's
// version: put a 1 in class plane c at (h, w), all else 0, and back-propagate
// onto the input; here by gradient ascent (Adam) on
//   objective(x) - tv * TV(x) - l2 * ||x||^2,
// TV the anisotropic total variation mean |x[i+1, j] - x[i, j]| + |x[i, j+1] - x[i, j]|,
// with the input jittered by a random shift of up to `jitter` pixels every
// step (rolled, so that no pixel is lost) and clamped to [0, 1] after it.
#ifndef SPARSELAB_EXPERIMENTS_SPARSE_FEATURE_MAPS_DREAMS_H_
#define SPARSELAB_EXPERIMENTS_SPARSE_FEATURE_MAPS_DREAMS_H_

#include <cstdint>
#include <functional>

#include <ATen/ATen.h>
#include <torch/torch.h>

namespace sparselab::sparse_feature_maps {

struct DreamOptions {
  TORCH_ARG(int64_t, steps) = 200;
  TORCH_ARG(double, lr) = 0.05;
  TORCH_ARG(double, tv) = 0.05;
  TORCH_ARG(double, l2) = 0.01;
  TORCH_ARG(int64_t, jitter) = 2;
  TORCH_ARG(double, noise) = 1.0;  // the start: uniform noise in [0, noise]
};

// The anisotropic total variation of (..., H, W), averaged over pixels.
at::Tensor TotalVariation(const at::Tensor& x);

// objective(x) -> scalar to maximise, for x (1, 1, S, S); returns the dream
// (S, S) in [0, 1]. `gen` draws the start and the jitter.
at::Tensor Dream(const std::function<at::Tensor(const at::Tensor&)>& objective, int64_t size,
                 const DreamOptions& o, at::Generator& gen);

}  // namespace sparselab::sparse_feature_maps

#endif  // SPARSELAB_EXPERIMENTS_SPARSE_FEATURE_MAPS_DREAMS_H_
