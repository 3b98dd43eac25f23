#include "experiments/denoising/images.h"

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/data/image_patches.h"
#include "lib/restoration/noise.h"

namespace sparselab::denoising {
namespace {

absl::StatusOr<at::Tensor> CentralCrop(const at::Tensor& image, int64_t crop,
                                       const std::string& name) {
  if (crop == 0) return image;
  const int64_t h = image.size(0), w = image.size(1);
  if (h < crop || w < crop) {
    return absl::InvalidArgumentError(absl::StrCat("image ", name, " is ", h, " x ", w,
                                                   ", smaller than crop = ", crop,
                                                   "; lower crop or drop the image"));
  }
  return image.slice(0, (h - crop) / 2, (h - crop) / 2 + crop)
      .slice(1, (w - crop) / 2, (w - crop) / 2 + crop)
      .contiguous();
}

absl::StatusOr<std::vector<at::Tensor>> Load(const std::vector<std::string>& names, int64_t crop) {
  ASSIGN_OR_RETURN(std::vector<at::Tensor> images, LoadGrayImages(names));
  for (size_t i = 0; i < images.size(); ++i) {
    ASSIGN_OR_RETURN(images[i], CentralCrop(images[i], crop, names[i]));
  }
  return images;
}

}  // namespace

absl::StatusOr<Images> LoadImages(const Options& o) {
  Images im;
  im.train_names = o.train_images;
  im.test_names = o.test_images;
  ASSIGN_OR_RETURN(im.train, Load(o.train_images, o.crop));
  ASSIGN_OR_RETURN(im.test, Load(o.test_images, o.crop));
  return im;
}

absl::StatusOr<NoisyImages> AddNoise(const Options& o, const Images& im, int64_t sigma,
                                     int64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed * 1000 + sigma));
  GaussianNoiseOptions noise;
  noise.sigma = static_cast<double>(sigma);
  noise.clip = o.clip;
  NoisyImages out;
  out.sigma = sigma;
  for (const at::Tensor& x : im.train) {
    ASSIGN_OR_RETURN(at::Tensor y, AddGaussianNoise(x, noise, gen));
    out.train.push_back(y);
  }
  for (const at::Tensor& x : im.test) {
    ASSIGN_OR_RETURN(at::Tensor y, AddGaussianNoise(x, noise, gen));
    out.test.push_back(y);
  }
  return out;
}

}  // namespace sparselab::denoising
