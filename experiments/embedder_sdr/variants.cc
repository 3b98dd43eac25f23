#include "experiments/embedder_sdr/variants.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sparselab::embedder_sdr {

absl::StatusOr<Variant> ParseVariant(const std::string& name) {
  Variant v;
  v.name = name;
  if (name == "softmax") return v;
  v.kwta_head = true;
  if (name == "kwta") return v;
  if (name == "kwta_scaling") {
    v.synaptic_scaling = true;
    return v;
  }
  if (name == "kwta_pretrained") {
    v.pretrained = true;
    return v;
  }
  if (name == "kwta_pretrained_scaling") {
    v.pretrained = v.synaptic_scaling = true;
    return v;
  }
  if (name == "kwta_hidden") {
    v.hidden_kwta = true;
    return v;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown variant '", name,
      "': use softmax, kwta, kwta_scaling, kwta_pretrained, kwta_pretrained_scaling, kwta_hidden"));
}

absl::StatusOr<std::vector<Variant>> ReadVariants(const Config& config) {
  const auto names = config.Get<std::vector<std::string>>("variants");
  if (names.empty()) return absl::InvalidArgumentError("config \"variants\" is empty");
  std::vector<Variant> variants;
  bool softmax_seen = false;
  for (const std::string& name : names) {
    absl::StatusOr<Variant> v = ParseVariant(name);
    if (!v.ok()) return v.status();
    if (v->pretrained && !softmax_seen) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config \"variants\": '", name, "' starts from the softmax model, so \"softmax\" "
          "must come before it (got [", absl::StrJoin(names, ", "), "])"));
    }
    softmax_seen = softmax_seen || name == "softmax";
    variants.push_back(*v);
  }
  for (const std::string& name : config.Get<std::vector<std::string>>("mi_variants")) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config \"mi_variants\": '", name, "' is not in \"variants\""));
    }
  }
  return variants;
}

bool VariantListed(const Config& config, const std::string& key, const std::string& name) {
  const auto names = config.Get<std::vector<std::string>>(key);
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace sparselab::embedder_sdr
