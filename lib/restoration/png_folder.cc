#include "lib/restoration/png_folder.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/file_io.h"
#include "lib/base/status_macros.h"
#include "lib/data/image_patches.h"

namespace sparselab {
namespace {

bool IsImageName(const std::string& name) {
  const std::string lower = absl::AsciiStrToLower(name);
  return absl::EndsWith(lower, ".png") || absl::EndsWith(lower, ".jpg") ||
         absl::EndsWith(lower, ".jpeg");
}

}  // namespace

absl::StatusOr<std::vector<FolderImage>> ReadImageFolder(const std::string& folder,
                                                         const ImageFolderOptions& options) {
  if (!IsFolder(folder)) {
    return absl::NotFoundError(absl::StrCat(
        "image folder '", folder, "' ", FileExists(folder) ? "is not a folder" : "does not exist",
        "; give the folder that holds the .png/.jpg files"));
  }
  std::vector<std::string> names;
  for (const std::string& name : ListFolder(folder)) {
    if (IsImageName(name) && !IsFolder(absl::StrCat(folder, "/", name))) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) {
    return absl::NotFoundError(
        absl::StrCat("image folder '", folder, "' holds no .png, .jpg or .jpeg file"));
  }
  std::vector<FolderImage> images;
  for (const std::string& name : names) {
    const std::string path = absl::StrCat(folder, "/", name);
    at::Tensor image;
    if (options.color) {
      ASSIGN_OR_RETURN(image, ReadImage(path));
      if (image.size(0) == 1) image = image.expand({3, -1, -1}).contiguous();
    } else {
      ASSIGN_OR_RETURN(image, ReadGrayImage(path));
    }
    images.push_back({name, std::move(image)});
  }
  return images;
}

}  // namespace sparselab
