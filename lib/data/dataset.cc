#include "lib/data/dataset.h"

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"

namespace sparselab {
namespace {

constexpr int32_t kIdxImagesMagic = 2051;  // 0x00000803: uint8, 3 dimensions
constexpr int32_t kIdxLabelsMagic = 2049;  // 0x00000801: uint8, 1 dimension
constexpr const char* kSetupHint = "run ./setup.sh to download and check the data sets";

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("data file ", path, " is missing: ", kSetupHint,
                                            " (or set SPARSELAB_DATA to the data folder)"));
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes;
}

int32_t BigEndian32(const std::string& bytes, size_t offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + offset);
  return static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                              (uint32_t{p[2]} << 8) | uint32_t{p[3]});
}

absl::Status Corrupt(const std::string& path, const std::string& what) {
  return absl::DataLossError(absl::StrCat("data file ", path, " is corrupt: ", what,
                                          ". Delete it and ", kSetupHint));
}

}  // namespace

Dataset Dataset::Head(int64_t n) const {
  if (n <= 0 || n >= size()) return *this;
  return {inputs.narrow(0, 0, n), targets.narrow(0, 0, n)};
}

Dataset Dataset::Select(const at::Tensor& indices) const {
  return {inputs.index_select(0, indices), targets.index_select(0, indices)};
}

std::string DataDir() {
  if (const char* env = std::getenv("SPARSELAB_DATA"); env != nullptr && *env != '\0') {
    return env;
  }
  if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY"); ws != nullptr && *ws != '\0') {
    return absl::StrCat(ws, "/data");
  }
  return "data";
}

absl::StatusOr<Dataset> ReadIdx(const std::string& images_path, const std::string& labels_path) {
  ASSIGN_OR_RETURN(std::string images, ReadWholeFile(images_path));
  ASSIGN_OR_RETURN(std::string labels, ReadWholeFile(labels_path));
  if (images.size() < 16) return Corrupt(images_path, "shorter than the 16-byte IDX header");
  if (labels.size() < 8) return Corrupt(labels_path, "shorter than the 8-byte IDX header");
  if (BigEndian32(images, 0) != kIdxImagesMagic) {
    return Corrupt(images_path, absl::StrCat("magic number ", BigEndian32(images, 0),
                                             " is not 2051 (an IDX image file; is it still "
                                             "gzipped?)"));
  }
  if (BigEndian32(labels, 0) != kIdxLabelsMagic) {
    return Corrupt(labels_path, absl::StrCat("magic number ", BigEndian32(labels, 0),
                                             " is not 2049 (an IDX label file; is it still "
                                             "gzipped?)"));
  }
  const int64_t n = BigEndian32(images, 4);
  const int64_t rows = BigEndian32(images, 8);
  const int64_t cols = BigEndian32(images, 12);
  const int64_t n_labels = BigEndian32(labels, 4);
  if (n <= 0 || rows <= 0 || cols <= 0) {
    return Corrupt(images_path, absl::StrCat("bad dimensions ", n, " x ", rows, " x ", cols));
  }
  // n * rows * cols can overflow int64 for a corrupt header: compare by
  // division first (n <= P / rows / cols exactly when n * rows * cols <= P).
  const int64_t pixel_bytes = static_cast<int64_t>(images.size()) - 16;
  if (n > pixel_bytes / rows / cols || n * rows * cols != pixel_bytes) {
    return Corrupt(images_path, absl::StrCat("holds ", pixel_bytes, " pixel bytes, the header "
                                             "promises ", n, " x ", rows, " x ", cols,
                                             " (truncated download?)"));
  }
  if (static_cast<int64_t>(labels.size()) != 8 + n_labels) {
    return Corrupt(labels_path, absl::StrCat("holds ", labels.size() - 8, " labels, the header "
                                             "promises ", n_labels, " (truncated download?)"));
  }
  if (n_labels != n) {
    return absl::DataLossError(absl::StrCat(images_path, " has ", n, " images but ", labels_path,
                                            " has ", n_labels, " labels: the two files do not "
                                            "belong together. ", kSetupHint));
  }
  at::Tensor pixels = at::empty({n, 1, rows, cols}, at::kByte);
  std::memcpy(pixels.data_ptr<uint8_t>(), images.data() + 16, n * rows * cols);
  at::Tensor targets = at::empty({n}, at::kLong);
  int64_t* t = targets.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    t[i] = static_cast<unsigned char>(labels[8 + i]);
    if (t[i] > 9) {
      return Corrupt(labels_path, absl::StrCat("label ", t[i], " at index ", i,
                                               " is outside 0..9"));
    }
  }
  return Dataset{pixels.to(at::kFloat).div_(255.0), targets};
}

static absl::StatusOr<Dataset> LoadIdxSet(const std::string& sub, Split split,
                                          const std::string& dir) {
  const std::string root = absl::StrCat(dir.empty() ? DataDir() : dir, "/", sub, "/");
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  return ReadIdx(absl::StrCat(root, prefix, "-images-idx3-ubyte"),
                 absl::StrCat(root, prefix, "-labels-idx1-ubyte"));
}

absl::StatusOr<Dataset> LoadMnist(Split split, const std::string& dir) {
  return LoadIdxSet("mnist", split, dir);
}

absl::StatusOr<Dataset> LoadFashionMnist(Split split, const std::string& dir) {
  return LoadIdxSet("fashion-mnist", split, dir);
}

absl::StatusOr<Dataset> ReadCifar10Binary(const std::vector<std::string>& paths) {
  constexpr int64_t kRecord = 1 + 3 * 32 * 32;
  if (paths.empty()) return absl::InvalidArgumentError("no CIFAR-10 batch files given");
  std::vector<at::Tensor> inputs, targets;
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
    if (bytes.empty() || bytes.size() % kRecord != 0) {
      return absl::DataLossError(absl::StrCat(
          "CIFAR-10 file ", path, " holds ", bytes.size(), " bytes, not a multiple of the ",
          kRecord, "-byte record (1 label + 3072 pixels): truncated or not CIFAR-10 binary"));
    }
    const int64_t n = bytes.size() / kRecord;
    at::Tensor pixels = at::empty({n, 3, 32, 32}, at::kByte);
    at::Tensor labels = at::empty({n}, at::kLong);
    for (int64_t i = 0; i < n; ++i) {
      const char* record = bytes.data() + i * kRecord;
      const int64_t label = static_cast<unsigned char>(record[0]);
      if (label > 9) {
        return absl::DataLossError(absl::StrCat("CIFAR-10 file ", path, ": record ", i,
                                                " has label ", label, " outside 0..9"));
      }
      labels.data_ptr<int64_t>()[i] = label;
      std::memcpy(pixels.data_ptr<uint8_t>() + i * 3072, record + 1, 3072);
    }
    inputs.push_back(pixels.to(at::kFloat).div_(255.0));
    targets.push_back(labels);
  }
  return Dataset{at::cat(inputs), at::cat(targets)};
}

at::Tensor Normalize(const at::Tensor& x, double mean, double std) {
  return (x - mean) / std;
}

}  // namespace sparselab
