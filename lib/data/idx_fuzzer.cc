// libFuzzer: the IDX (MNIST) and CIFAR-10 binary readers on any bytes must
// return a data set or an error, never crash, overflow or allocate what the
// file cannot hold. The input's first byte picks where the split between the
// image and the label file falls.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "lib/data/dataset.h"

namespace {

std::string Write(const std::string& name, const std::string& bytes) {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp ? tmp : "/tmp") + "/idx_fuzzer." + std::to_string(getpid());
  }();
  static const bool made = std::filesystem::create_directories(dir);
  (void)made;
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  // Labels: the last (first byte) bytes; images: the rest.
  const size_t label_bytes = std::min<size_t>(data[0], bytes.size());
  const std::string images = Write("images", bytes.substr(0, bytes.size() - label_bytes));
  const std::string labels = Write("labels", bytes.substr(bytes.size() - label_bytes));
  (void)sparselab::ReadIdx(images, labels);
  (void)sparselab::ReadCifar10Binary({Write("cifar", bytes)});
  return 0;
}
