#include "experiments/denoising/run_options.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"

namespace sparselab::denoising {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

absl::Status ParseNetwork(const Config& c, NetworkOptions& n) {
  n.patch = c.Int("network.patch");
  n.patches_per_image = c.Int("network.patches_per_image");
  n.batch = c.Int("network.batch");
  n.epochs = c.Int("network.epochs");
  n.lr = c.Double("network.lr");
  n.width = c.Int("network.width");
  n.depth = c.Int("network.depth");
  n.n2v_fraction = c.Double("network.n2v_fraction");
  n.n2v_radius = c.Int("network.n2v_radius");
  const int64_t multiple = int64_t{1} << std::max<int64_t>(n.depth, 0);
  RETURN_IF_ERROR(RequireConfig(n.depth >= 1 && n.depth <= 5, c, "network.depth",
                                "must be 1 ... 5 (U-Net levels)"));
  RETURN_IF_ERROR(
      RequireConfig(n.patch >= 8 && n.patch % multiple == 0, c, "network.patch",
                    absl::StrCat("must be >= 8 and a multiple of 2^depth = ", multiple)));
  RETURN_IF_ERROR(
      RequireConfig(n.patches_per_image >= 1, c, "network.patches_per_image", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(n.batch >= 1, c, "network.batch", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(n.epochs >= 1, c, "network.epochs", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(n.lr > 0, c, "network.lr", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(n.width >= 1, c, "network.width", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(n.n2v_fraction > 0 && n.n2v_fraction < 1, c, "network.n2v_fraction",
                                "must be in (0, 1)"));
  RETURN_IF_ERROR(RequireConfig(n.n2v_radius >= 1, c, "network.n2v_radius", "must be >= 1"));
  return absl::OkStatus();
}

absl::Status ParseUNet(const Config& c, const NetworkOptions& n, UNetSection& u) {
  u.width = c.Int("unet.width");
  u.depth = c.Int("unet.depth");
  u.epochs = c.Int("unet.epochs");
  u.blind_spot_epochs = c.Int("unet.blind_spot_epochs");
  RETURN_IF_ERROR(RequireConfig(u.width >= 1, c, "unet.width", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(u.depth >= 0 && u.depth <= 5, c, "unet.depth", "must be 0 ... 5"));
  RETURN_IF_ERROR(
      RequireConfig(n.patch % (int64_t{1} << u.depth) == 0, c, "unet.depth",
                    absl::StrCat("2^unet.depth must divide network.patch = ", n.patch)));
  RETURN_IF_ERROR(RequireConfig(u.epochs >= 1, c, "unet.epochs", "must be >= 1"));
  RETURN_IF_ERROR(
      RequireConfig(u.blind_spot_epochs >= 1, c, "unet.blind_spot_epochs", "must be >= 1"));
  return absl::OkStatus();
}

absl::Status ParseHybrid(const Config& c, const SparseOptions& s, HybridSection& h) {
  h.width = c.Int("hybrid.width");
  h.depth = c.Int("hybrid.depth");
  h.epochs = c.Int("hybrid.epochs");
  h.stride = c.Int("hybrid.stride");
  h.iterations = c.Int("hybrid.iterations");
  h.external_weight = c.Double("hybrid.external_weight");
  RETURN_IF_ERROR(RequireConfig(h.width >= 1, c, "hybrid.width", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(h.depth >= 2, c, "hybrid.depth", "must be >= 2"));
  RETURN_IF_ERROR(RequireConfig(h.epochs >= 1, c, "hybrid.epochs", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(h.stride >= 1 && h.stride <= s.patch, c, "hybrid.stride",
                                "must be 1 ... sparse.patch"));
  RETURN_IF_ERROR(RequireConfig(h.iterations >= 1, c, "hybrid.iterations", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(h.external_weight >= 0 && h.external_weight <= 1, c,
                                "hybrid.external_weight", "must be in [0, 1]"));
  return absl::OkStatus();
}

absl::Status ParseSparse(const Config& c, SparseOptions& s) {
  s.patch = c.Int("sparse.patch");
  s.stride = c.Int("sparse.stride");
  s.atoms = c.Int("sparse.atoms");
  s.omp_gain = c.Double("sparse.omp_gain");
  RETURN_IF_ERROR(
      RequireConfig(s.patch >= 2 && s.patch <= 32, c, "sparse.patch", "must be 2 ... 32"));
  RETURN_IF_ERROR(RequireConfig(s.stride >= 1 && s.stride <= s.patch, c, "sparse.stride",
                                "must be 1 ... sparse.patch"));
  int64_t root = 0;
  while ((root + 1) * (root + 1) <= s.atoms) ++root;
  RETURN_IF_ERROR(RequireConfig(root * root == s.atoms && s.atoms >= s.patch * s.patch, c,
                                "sparse.atoms", "must be a perfect square >= sparse.patch^2"));
  RETURN_IF_ERROR(RequireConfig(s.omp_gain > 0, c, "sparse.omp_gain", "must be > 0"));
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& AllMethods() {
  static const std::vector<std::string> methods = {
      "noisy",        "gaussian",   "median",     "sparse_dct",      "ksvd",
      "hybrid_prior", "noise2void", "blind_spot", "blind_spot_unet", "blind_spot_hole",
      "noise2clean"};
  return methods;
}

absl::StatusOr<Options> ParseOptions(const Config& c) {
  Options o;
  o.methods = c.Get<std::vector<std::string>>("methods");
  o.train_images = c.Get<std::vector<std::string>>("train_images");
  o.test_images = c.Get<std::vector<std::string>>("test_images");
  o.sigmas = c.Get<std::vector<int64_t>>("sigmas");
  o.crop = c.Int("crop");
  o.clip = c.Bool("clip");
  o.gaussian_sigmas = c.Get<std::vector<double>>("gaussian_sigmas");
  o.median_sizes = c.Get<std::vector<int64_t>>("median_sizes");
  RETURN_IF_ERROR(RequireConfig(!o.methods.empty(), c, "methods", "must name at least one method"));
  for (const std::string& m : o.methods) {
    RETURN_IF_ERROR(RequireConfig(Contains(AllMethods(), m), c, "methods",
                                  absl::StrCat("unknown method '", m, "'; the methods are ",
                                               absl::StrJoin(AllMethods(), ", "))));
  }
  RETURN_IF_ERROR(RequireConfig(!o.train_images.empty(), c, "train_images", "must not be empty"));
  RETURN_IF_ERROR(RequireConfig(!o.test_images.empty(), c, "test_images", "must not be empty"));
  for (const std::string& im : o.test_images) {
    RETURN_IF_ERROR(RequireConfig(
        !Contains(o.train_images, im), c, "test_images",
        absl::StrCat("'", im, "' is also a training image; test images must be held out")));
  }
  RETURN_IF_ERROR(RequireConfig(!o.sigmas.empty(), c, "sigmas", "must not be empty"));
  for (int64_t s : o.sigmas) {
    RETURN_IF_ERROR(RequireConfig(s > 0 && s <= 255, c, "sigmas",
                                  "every noise level must be in 1 ... 255 (0-255 pixel scale)"));
  }
  RETURN_IF_ERROR(RequireConfig(o.crop == 0 || o.crop >= 32, c, "crop",
                                "must be 0 (whole images) or >= 32 pixels"));
  RETURN_IF_ERROR(RequireConfig(!o.gaussian_sigmas.empty(), c, "gaussian_sigmas",
                                "must list at least one candidate"));
  for (double s : o.gaussian_sigmas) {
    RETURN_IF_ERROR(RequireConfig(s > 0 && s < 20, c, "gaussian_sigmas",
                                  "every candidate must be in (0, 20) pixels"));
  }
  RETURN_IF_ERROR(
      RequireConfig(!o.median_sizes.empty(), c, "median_sizes", "must list at least one window"));
  for (int64_t k : o.median_sizes) {
    RETURN_IF_ERROR(RequireConfig(k >= 3 && k % 2 == 1 && k <= 15, c, "median_sizes",
                                  "every window must be odd, 3 ... 15"));
  }
  RETURN_IF_ERROR(ParseSparse(c, o.sparse));
  RETURN_IF_ERROR(ParseNetwork(c, o.network));
  RETURN_IF_ERROR(ParseUNet(c, o.network, o.unet));
  o.hole.width = c.Int("hole.width");
  o.hole.depth = c.Int("hole.depth");
  o.hole.hole_channels = c.Int("hole.hole_channels");
  o.hole.epochs = c.Int("hole.epochs");
  RETURN_IF_ERROR(RequireConfig(o.hole.width >= 1, c, "hole.width", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.hole.depth >= 1, c, "hole.depth", "must be >= 1"));
  RETURN_IF_ERROR(
      RequireConfig(o.hole.hole_channels >= 1, c, "hole.hole_channels", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.hole.epochs >= 1, c, "hole.epochs", "must be >= 1"));
  o.ksvd.iterations = c.Int("ksvd.iterations");
  RETURN_IF_ERROR(RequireConfig(o.ksvd.iterations >= 1, c, "ksvd.iterations", "must be >= 1"));
  RETURN_IF_ERROR(ParseHybrid(c, o.sparse, o.hybrid));
  o.figure.sigma = c.Int("figure.sigma");
  o.figure.crop = c.Int("figure.crop");
  RETURN_IF_ERROR(RequireConfig(
      std::find(o.sigmas.begin(), o.sigmas.end(), o.figure.sigma) != o.sigmas.end(), c,
      "figure.sigma", "must be one of sigmas (the crops are drawn at that noise level)"));
  RETURN_IF_ERROR(RequireConfig(o.figure.crop >= 8, c, "figure.crop", "must be >= 8 pixels"));
  return o;
}

}  // namespace sparselab::denoising
