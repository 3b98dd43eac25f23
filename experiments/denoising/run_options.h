// The denoising experiment's options, parsed once from its config.
#ifndef SPARSELAB_EXPERIMENTS_DENOISING_RUN_OPTIONS_H_
#define SPARSELAB_EXPERIMENTS_DENOISING_RUN_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/harness/config.h"

namespace sparselab::denoising {

// The trained networks (Noise2Void, blind-spot, Noise2Clean): random square
// patches of the training images, Adam, a fixed number of steps.
struct NetworkOptions {
  int64_t patch = 64;  // training patch side
  int64_t patches_per_image = 200;
  int64_t batch = 16;
  int64_t epochs = 10;         // passes over the fixed patch set
  double lr = 3e-4;            // Adam, as Laine et al.'s code
  int64_t width = 32;          // U-Net base channels / blind-spot width
  int64_t depth = 2;           // U-Net levels
  double n2v_fraction = 0.01;  // Noise2Void: share of masked pixels per patch
  int64_t n2v_radius = 2;      // replacement neighbourhood (5 x 5)
};

// The U-Net methods (Noise2Void, Laine et al.'s Gaussian blind-spot U-Net,
// Noise2Clean): one U-Net size for all three, so that their rows differ only
// in what they are trained on; patches, batch and lr from NetworkOptions.
// Each network gets about the same training time (the budget of ~20
// minutes per network and noise level on two cores): the blind-spot U-Net
// runs four rotations of every batch and a step costs about 9 plain U-Net
// steps, so it trains for fewer epochs.
struct UNetSection {
  int64_t width = 16;              // channels of level 0 (level l: width * 2^l)
  int64_t depth = 2;               // poolings; H and W of patches must divide by 2^depth
  int64_t epochs = 60;             // Noise2Void and Noise2Clean
  int64_t blind_spot_epochs = 10;  // the blind-spot U-Net
};

// K-SVD denoising (Elad & Aharon 2006, Sec. III-C): the dictionary learnt on
// the noisy image's own patches, from the overcomplete DCT.
// Honzátko et al.'s hole blind-spot network (lib/restoration/hole_blind_spot.h)
// with Laine et al.'s Gaussian training and posterior mean, the row
// blind_spot_hole.
struct HoleSection {
  int64_t width = 32;         // trunk channels
  int64_t depth = 6;          // hole convolutions
  int64_t hole_channels = 8;  // per hole convolution
  int64_t epochs = 10;
};

struct KsvdSection {
  int64_t iterations = 10;
};

// The hybrid sparsity prior (Dong et al. 2018; lib/restoration/hybrid_prior.h):
// its external CNN (trained on noisy / clean training patches) and the scheme.
struct HybridSection {
  int64_t width = 32;   // predictor channels
  int64_t depth = 5;    // predictor convolutions
  int64_t epochs = 10;  // predictor training, on the network patches
  int64_t stride = 2;   // patch grid of the scheme
  int64_t iterations = 3;
  double external_weight = 0.5;
};

// Sparse-coding denoising (Elad & Aharon 2006) over the overcomplete DCT.
struct SparseOptions {
  int64_t patch = 8;
  int64_t stride = 1;
  int64_t atoms = 256;     // a perfect square >= patch^2
  double omp_gain = 1.15;  // C of the error rule ||r||^2 <= p^2 (C sigma)^2
};

// The example-crops figure: the central crop x crop of every test image, for
// every row, at one noise level.
struct FigureSection {
  int64_t sigma = 25;  // one of sigmas
  int64_t crop = 96;
};

struct Options {
  std::vector<std::string> methods;
  std::vector<std::string> train_images, test_images;
  std::vector<int64_t> sigmas;  // 0-255 scale
  int64_t crop = 0;             // > 0: the central crop x crop of every image
  bool clip = false;            // clamp noisy images to [0, 1]
  std::vector<double> gaussian_sigmas;
  std::vector<int64_t> median_sizes;
  SparseOptions sparse;
  NetworkOptions network;
  UNetSection unet;
  HoleSection hole;
  KsvdSection ksvd;
  HybridSection hybrid;
  FigureSection figure;
};

// The methods, in table order.
const std::vector<std::string>& AllMethods();

// Every value checked; an impossible one is an InvalidArgument naming its key.
absl::StatusOr<Options> ParseOptions(const Config& c);

}  // namespace sparselab::denoising

#endif  // SPARSELAB_EXPERIMENTS_DENOISING_RUN_OPTIONS_H_
