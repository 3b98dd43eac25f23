// Least-squares fit of a 2-D Gabor function to a filter (a learned basis
// function, receptive field or weight patch), the usual test of whether it is
// "edge-like": localised, oriented and band-pass (Jones & Palmer 1987, J.
// Neurophysiol. 58:1233; as used for sparse-coding bases since Olshausen &
// Field 1996). The model, with pixel coordinates x (column) and y (row):
//
//   g(x, y) = A exp(-(x'^2 / (2 sigma_x^2) + y'^2 / (2 sigma_y^2))) cos(2 pi f x' + phi)
//   x' =  (x - x0) cos(theta) + (y - y0) sin(theta)
//   y' = -(x - x0) sin(theta) + (y - y0) cos(theta)
//
// so theta is the direction across the stripes (the wave vector), f the
// spatial frequency in cycles per pixel, sigma_x the envelope width along the
// wave vector and sigma_y along the stripes. Levenberg-Marquardt on all eight
// parameters (log widths), batched over filters and over starting points: the
// peak of the filter's zero-padded spectrum and a grid of orientations x
// frequencies, each at the filter's energy centroid and second-moment widths
// with amplitude and phase from linear least squares. The best start per
// filter is kept; R^2 = 1 - SSE / sum (filter - mean)^2.
#ifndef SPARSELAB_LIB_NN_GABOR_FIT_H_
#define SPARSELAB_LIB_NN_GABOR_FIT_H_

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

namespace sparselab {

struct GaborParams {
  double x0 = 0, y0 = 0;        // centre (pixels; x = column, y = row)
  double theta = 0;             // wave-vector direction, radians in [0, pi)
  double frequency = 0;         // cycles per pixel, >= 0
  double phase = 0;             // radians in (-pi, pi]
  double sigma_x = 1, sigma_y = 1;  // envelope widths across / along the stripes
  double amplitude = 0;         // >= 0
};

struct GaborFit {
  GaborParams params;
  double r2 = 0;  // 1 - SSE / SST (can be < 0 for a poor fit)
};

struct GaborFitOptions {
  int orientations = 8;                         // starts: theta = k pi / orientations
  std::vector<double> frequencies = {0.08, 0.16, 0.28};  // and these (cycles/pixel)
  int max_iterations = 150;
  double max_frequency = 0.5;  // Nyquist
};

// The model on an height x width grid (double).
at::Tensor RenderGabor(const GaborParams& params, int64_t height, int64_t width);

// Fits every filter of `filters` (N, H, W); returns N fits in order.
std::vector<GaborFit> FitGabors(const at::Tensor& filters, const GaborFitOptions& options = {});
GaborFit FitGabor(const at::Tensor& filter, const GaborFitOptions& options = {});

// The model and its Jacobian with respect to (x0, y0, theta, f, phi,
// log sigma_x, log sigma_y, A) for a batch of parameter rows (B, 8): returns
// {values (B, H*W), jacobian (B, H*W, 8)}. Exposed for the tests.
std::pair<at::Tensor, at::Tensor> GaborValuesAndJacobian(const at::Tensor& params,
                                                          int64_t height, int64_t width);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_GABOR_FIT_H_
