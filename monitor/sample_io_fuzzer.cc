// libFuzzer: the CSV and .npy readers of the `mi` command line on any bytes
// must return samples or an error, never crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "monitor/sample_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  (void)sparselab::monitor::ParseCsv(bytes, "fuzz.csv");
  (void)sparselab::monitor::ParseNpy(bytes, "fuzz.npy");
  return 0;
}
