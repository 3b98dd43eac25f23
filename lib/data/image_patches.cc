#include "lib/data/image_patches.h"

#include <cmath>
#include <memory>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <stb/stb_image.h>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/data/dataset.h"

namespace sparselab {
namespace {

absl::Status CheckImages(const std::vector<at::Tensor>& images, const PatchOptions& o) {
  if (o.size < 1 || o.border < 0) {
    return absl::InvalidArgumentError(absl::StrCat("patch size must be >= 1 and border >= 0, got ",
                                                   o.size, " and ", o.border));
  }
  if (images.empty()) return absl::InvalidArgumentError("no images to take patches from");
  for (size_t i = 0; i < images.size(); ++i) {
    const at::Tensor& im = images[i];
    if (im.dim() != 2 || im.size(0) < o.size + 2 * o.border || im.size(1) < o.size + 2 * o.border) {
      return absl::InvalidArgumentError(absl::StrCat(
          "image ", i, " (", im.dim() == 2 ? absl::StrCat(im.size(0), " x ", im.size(1)) : "not 2-D",
          ") is too small for ", o.size, "x", o.size,
          " patches with a border of ", o.border, "; use smaller patches or a smaller border"));
    }
  }
  return absl::OkStatus();
}

// A size x size patch at a uniformly random position inside the border.
at::Tensor OnePatch(const at::Tensor& image, const PatchOptions& o, at::Generator& gen) {
  const int64_t rows = image.size(0) - o.size - 2 * o.border + 1;
  const int64_t cols = image.size(1) - o.size - 2 * o.border + 1;
  const int64_t r = o.border + at::randint(rows, {1}, gen).item<int64_t>();
  const int64_t c = o.border + at::randint(cols, {1}, gen).item<int64_t>();
  at::Tensor p = image.narrow(0, r, o.size).narrow(1, c, o.size).reshape({o.size * o.size});
  if (o.subtract_mean) p = p - p.mean();
  return p;
}

}  // namespace

absl::StatusOr<at::Tensor> ReadImage(const std::string& path) {
  int w = 0, h = 0, channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels(
      stbi_load(path.c_str(), &w, &h, &channels, 0), stbi_image_free);
  if (pixels == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read image '", path, "': ",
                                                   stbi_failure_reason(),
                                                   " (PNG and JPEG are supported)"));
  }
  const at::Tensor raw =
      at::from_blob(pixels.get(), {h, w, channels}, at::kByte).to(at::kFloat) / 255.0;
  at::Tensor chw = raw.permute({2, 0, 1});
  if (channels == 2) chw = chw.narrow(0, 0, 1);  // gray + alpha
  if (channels == 4) chw = chw.narrow(0, 0, 3);  // RGB + alpha
  return chw.contiguous();
}

absl::StatusOr<at::Tensor> ReadGrayImage(const std::string& path) {
  ASSIGN_OR_RETURN(const at::Tensor chw, ReadImage(path));
  return ToGray(chw).contiguous();
}

absl::StatusOr<std::vector<at::Tensor>> LoadGrayImages(const std::vector<std::string>& names,
                                                       const std::string& dir) {
  std::vector<at::Tensor> images;
  const std::string root = absl::StrCat(dir.empty() ? DataDir() : dir, "/images/");
  for (const std::string& name : names) {
    const std::string path = root + name;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
      std::fclose(f);
    } else {
      return absl::NotFoundError(absl::StrCat("natural image '", path,
                                              "' is missing; run ./setup.sh (it fetches the "
                                              "photographs) or set SPARSELAB_DATA"));
    }
    ASSIGN_OR_RETURN(at::Tensor im, ReadGrayImage(path));
    images.push_back(std::move(im));
  }
  return images;
}

absl::StatusOr<std::vector<at::Tensor>> LoadCifar10GrayImages(
    const std::vector<std::string>& paths, int64_t limit) {
  ASSIGN_OR_RETURN(Dataset data, ReadCifar10Binary(paths));
  if (limit > 0) data = data.Head(limit);
  std::vector<at::Tensor> images;
  for (int64_t i = 0; i < data.size(); ++i) images.push_back(ToGray(data.inputs[i]));
  return images;
}

at::Tensor ToGray(const at::Tensor& image) {
  TORCH_CHECK(image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3),
              "ToGray: the image must be (1 or 3, H, W), got ", image.sizes());
  if (image.size(0) == 1) return image[0].clone();
  return 0.299 * image[0] + 0.587 * image[1] + 0.114 * image[2];
}

at::Tensor OlshausenWhiten(const at::Tensor& image, double f0) {
  at::NoGradGuard no_grad;
  TORCH_CHECK(image.dim() == 2, "OlshausenWhiten: the image must be (H, W), got ", image.sizes());
  const at::Tensor im = image.to(at::kDouble);
  const int64_t h = im.size(0), w = im.size(1);
  const at::Tensor fy = at::fft_fftfreq(h, 1.0, at::kDouble).unsqueeze(1);
  const at::Tensor fx = at::fft_fftfreq(w, 1.0, at::kDouble).unsqueeze(0);
  const at::Tensor f = at::sqrt(fy * fy + fx * fx);
  const at::Tensor filter = f0 > 0 ? f * at::exp(-at::pow(f / f0, 4)) : f;
  const at::Tensor spectrum = at::fft_fft2(im - im.mean());
  return at::real(at::fft_ifft2(spectrum * filter)).to(image.scalar_type());
}

at::Tensor ScaleToVariance(const at::Tensor& image, double variance) {
  const at::Tensor centred = image - image.mean();
  const double v = centred.pow(2).mean().item<double>();
  return v > 0 ? centred * std::sqrt(variance / v) : centred;
}

absl::StatusOr<at::Tensor> PatchesPerImage(const std::vector<at::Tensor>& images,
                                           int64_t per_image, const PatchOptions& options,
                                           at::Generator generator) {
  RETURN_IF_ERROR(CheckImages(images, options));
  if (per_image < 1) return absl::InvalidArgumentError("per_image must be >= 1");
  std::vector<at::Tensor> patches;
  for (const at::Tensor& im : images) {
    for (int64_t i = 0; i < per_image; ++i) patches.push_back(OnePatch(im, options, generator));
  }
  return at::stack(patches);
}

absl::StatusOr<at::Tensor> RandomPatches(const std::vector<at::Tensor>& images, int64_t count,
                                         const PatchOptions& options, at::Generator generator) {
  RETURN_IF_ERROR(CheckImages(images, options));
  if (count < 1) return absl::InvalidArgumentError("count must be >= 1");
  std::vector<at::Tensor> patches;
  const int64_t n = static_cast<int64_t>(images.size());
  for (int64_t i = 0; i < count; ++i) {
    const int64_t which = at::randint(n, {1}, generator).item<int64_t>();
    patches.push_back(OnePatch(images[which], options, generator));
  }
  return at::stack(patches);
}

at::Tensor MaxNormalize(const at::Tensor& patches) {
  const at::Tensor m = std::get<0>(patches.abs().max(1, /*keepdim=*/true));
  return patches / at::where(m > 0, m, at::ones_like(m));
}

ZcaWhitening ZcaWhitening::Fit(const at::Tensor& patches, double epsilon) {
  at::NoGradGuard no_grad;
  TORCH_CHECK(patches.dim() == 2 && patches.size(0) > 1, "ZcaWhitening: need N > 1 rows");
  const at::Tensor x = patches.to(at::kDouble);
  ZcaWhitening z;
  z.mean = x.mean(0);
  const at::Tensor c = x - z.mean;
  const at::Tensor cov = c.t().mm(c) / static_cast<double>(x.size(0) - 1);
  const auto [s, u] = at::linalg_eigh(cov);
  z.transform = u.mm(at::diag(1.0 / at::sqrt(s.clamp_min(0) + epsilon))).mm(u.t());
  return z;
}

at::Tensor ZcaWhitening::Apply(const at::Tensor& patches) const {
  return ((patches.to(at::kDouble) - mean).mm(transform)).to(patches.scalar_type());
}

}  // namespace sparselab
