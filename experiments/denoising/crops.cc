#include "experiments/denoising/crops.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "lib/base/plot.h"

namespace sparselab::denoising {

at::Tensor CentralCrop(const at::Tensor& image, int64_t size) {
  const int64_t h = std::min(size, image.size(0)), w = std::min(size, image.size(1));
  const int64_t top = (image.size(0) - h) / 2, left = (image.size(1) - w) / 2;
  return image.slice(0, top, top + h).slice(1, left, left + w);
}

nlohmann::json EncodeCrop(const at::Tensor& image) {
  const at::Tensor bytes =
      image.to(at::kFloat).clamp(0, 1).mul(255).round().to(at::kByte).contiguous();
  const std::string raw(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()),
                        static_cast<size_t>(bytes.numel()));
  return {{"height", image.size(0)}, {"width", image.size(1)}, {"pixels", absl::Base64Escape(raw)}};
}

absl::StatusOr<at::Tensor> DecodeCrop(const nlohmann::json& crop, const std::string& what) {
  auto corrupt = [&](const std::string& why) {
    return absl::DataLossError(absl::StrCat(what, ": ", why,
                                            "; the record is damaged: delete it and run the task "
                                            "again (--tasks=<its name>)"));
  };
  if (!crop.is_object() || !crop.contains("height") || !crop.contains("width") ||
      !crop.contains("pixels") || !crop["height"].is_number_integer() ||
      !crop["width"].is_number_integer() || !crop["pixels"].is_string()) {
    return corrupt("a crop needs integer height, width and a base64 string pixels");
  }
  const int64_t h = crop["height"].get<int64_t>(), w = crop["width"].get<int64_t>();
  std::string raw;
  if (h < 1 || w < 1 || !absl::Base64Unescape(crop["pixels"].get<std::string>(), &raw)) {
    return corrupt("the crop's size or base64 pixels are not valid");
  }
  if (static_cast<int64_t>(raw.size()) != h * w) {
    return corrupt(absl::StrCat("the crop holds ", raw.size(), " pixels, not ", h, " x ", w));
  }
  at::Tensor bytes = at::empty({h, w}, at::kByte);
  std::copy(raw.begin(), raw.end(), reinterpret_cast<char*>(bytes.data_ptr<uint8_t>()));
  return bytes.to(at::kFloat).div(255);
}

absl::Status WriteCropGrid(const std::string& png_path, const std::vector<CropColumn>& columns) {
  if (columns.empty() || columns[0].crops.empty()) {
    return absl::InvalidArgumentError("WriteCropGrid: no crops to draw");
  }
  const size_t images = columns[0].crops.size();
  int64_t h = 0, w = 0;
  for (const CropColumn& c : columns) {
    if (c.crops.size() != images) {
      return absl::InvalidArgumentError(absl::StrCat("WriteCropGrid: column ", c.row, " has ",
                                                     c.crops.size(), " crops, not ", images));
    }
    for (const at::Tensor& crop : c.crops) {
      h = std::max(h, crop.size(0));
      w = std::max(w, crop.size(1));
    }
  }
  // Row-major grid: test image i's crops side by side, then the next image.
  std::vector<at::Tensor> cells;
  for (size_t i = 0; i < images; ++i) {
    for (const CropColumn& c : columns) {
      const at::Tensor& crop = c.crops[i];
      at::Tensor cell = at::ones({1, h, w});
      cell[0].slice(0, 0, crop.size(0)).slice(1, 0, crop.size(1)).copy_(crop);
      cells.push_back(std::move(cell));
    }
  }
  return WriteImageGrid(png_path, at::stack(cells), static_cast<int>(columns.size()), 1);
}

}  // namespace sparselab::denoising
