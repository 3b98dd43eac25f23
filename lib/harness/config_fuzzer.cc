// libFuzzer: an experiment's config.json, --set overrides and --seeds, from
// any bytes, must resolve or give an error, never crash or hang. The input is
// the file's bytes, then after a NUL one override per line, then after a
// second NUL a seed list.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "lib/harness/config.h"
#include "nlohmann/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> parts = absl::StrSplit(bytes, absl::MaxSplits('\0', 2));
  std::vector<std::string> overrides;
  if (parts.size() > 1) overrides = absl::StrSplit(parts[1], '\n', absl::SkipEmpty());
  const nlohmann::json file = nlohmann::json::parse(parts[0], nullptr, /*allow_exceptions=*/false,
                                                    /*ignore_comments=*/true);
  if (!file.is_discarded()) {
    for (const char* preset : {"", "quick"}) {
      absl::StatusOr<sparselab::Config> c =
          sparselab::Config::FromJson(file, preset, overrides, "fuzz.json");
      if (c.ok()) (void)c->values().dump();  // what result.json will hold
    }
  }
  if (parts.size() > 2) (void)sparselab::ParseSeedList(parts[2]);
  return 0;
}
