// A folder of test images (e.g. the Kodak, BSD68 or Set12 denoising
// benchmarks) read whole: every .png / .jpg / .jpeg file (the extension in any
// case), sorted by file name, as float tensors in [0, 1]: grayscale (H, W) by
// BT.601 luminance (lib/data's ReadGrayImage), or colour (3, H, W) with the
// `color` option (gray files repeated on 3 channels). Other files and
// sub-folders are skipped.
#ifndef SPARSELAB_LIB_RESTORATION_PNG_FOLDER_H_
#define SPARSELAB_LIB_RESTORATION_PNG_FOLDER_H_

#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace sparselab {

struct ImageFolderOptions {
  bool color = false;  // (3, H, W) instead of (H, W)
};

struct FolderImage {
  std::string name;  // the file name, without the folder
  at::Tensor image;
};

// NotFound for a missing folder (or a path that is not a folder) and for a
// folder without images; an unreadable image is an error naming the file.
absl::StatusOr<std::vector<FolderImage>> ReadImageFolder(const std::string& folder,
                                                         const ImageFolderOptions& options = {});

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_PNG_FOLDER_H_
