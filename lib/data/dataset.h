// In-memory labelled data sets and the readers for the image formats the
// experiments use: MNIST-style IDX (MNIST, Fashion-MNIST) and CIFAR-10 binary.
#ifndef SPARSELAB_LIB_DATA_DATASET_H_
#define SPARSELAB_LIB_DATA_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace sparselab {

// A labelled data set held as two tensors: `inputs` float (N, C, H, W) with
// pixel values in [0, 1] as read (normalise with Normalize), `targets` int64 (N).
struct Dataset {
  at::Tensor inputs;
  at::Tensor targets;

  int64_t size() const { return targets.defined() ? targets.size(0) : 0; }
  // The first `n` samples (all when n <= 0 or n >= size()).
  Dataset Head(int64_t n) const;
  // Samples at `indices` (int64 tensor).
  Dataset Select(const at::Tensor& indices) const;
};

enum class Split { kTrain, kTest };

// The data folder: $SPARSELAB_DATA, else $BUILD_WORKSPACE_DIRECTORY/data (under
// `bazel run`), else ./data. ./setup.sh fills it.
std::string DataDir();

// Reads an IDX image file (magic 2051, uint8 N x rows x cols) and its IDX
// label file (magic 2049). Gzipped files are not read: ./setup.sh unpacks them.
// Errors name the file and what is wrong (missing, wrong magic, truncated,
// count mismatch, label out of range) and say how to get the data.
absl::StatusOr<Dataset> ReadIdx(const std::string& images_path,
                                const std::string& labels_path);

// MNIST from <dir>/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte and
// Fashion-MNIST from <dir>/fashion-mnist/... (the same names); `dir` defaults to
// DataDir(). Inputs (N, 1, 28, 28) in [0, 1].
absl::StatusOr<Dataset> LoadMnist(Split split, const std::string& dir = "");
absl::StatusOr<Dataset> LoadFashionMnist(Split split, const std::string& dir = "");

// CIFAR-10 binary format: records of 1 label byte + 3072 pixel bytes (3x32x32,
// channel-major). Reads and concatenates `paths`; inputs (N, 3, 32, 32) in [0, 1].
absl::StatusOr<Dataset> ReadCifar10Binary(const std::vector<std::string>& paths);

// (x - mean) / std, the usual normalisation (MNIST: 0.1307, 0.3081).
at::Tensor Normalize(const at::Tensor& x, double mean, double std);

inline constexpr double kMnistMean = 0.1307;
inline constexpr double kMnistStd = 0.3081;

}  // namespace sparselab

#endif  // SPARSELAB_LIB_DATA_DATASET_H_
