#include "experiments/embedder_sdr/variants.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/quote.h"
#include "lib/base/status_macros.h"

namespace sparselab::embedder_sdr {

absl::StatusOr<Variant> ParseVariant(const std::string& name) {
  Variant v;
  v.name = name;
  if (name == "softmax") return v;
  if (name.rfind("contrastive_", 0) == 0) {
    const std::string rest = name.substr(std::strlen("contrastive_"));
    v.contrastive = true;
    v.positives_only = rest == "kwta_positives" || rest == "dense_positives";
    v.dense_code = rest == "dense" || rest == "dense_positives";
    v.kwta_head = !v.dense_code;
    if (rest == "kwta" || rest == "dense" || v.positives_only) return v;
  }
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
  if (name == "kwta_untrained") {
    v.untrained = true;
    return v;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown variant ", QuoteInput(name),
      ": use softmax, kwta, kwta_scaling, kwta_pretrained, kwta_pretrained_scaling, kwta_hidden, "
      "kwta_untrained, contrastive_kwta, contrastive_dense, contrastive_kwta_positives, "
      "contrastive_dense_positives"));
}

absl::StatusOr<std::vector<Variant>> ReadVariants(const Config& config) {
  const auto names = config.Get<std::vector<std::string>>("variants");
  RETURN_IF_ERROR(RequireConfig(!names.empty(), config, "variants",
                                "give at least one variant (softmax, kwta, ...)"));
  std::vector<Variant> variants;
  bool softmax_seen = false;
  for (const std::string& name : names) {
    absl::StatusOr<Variant> v = ParseVariant(name);
    RETURN_IF_ERROR(RequireConfig(v.ok(), config, "variants", std::string(v.status().message())));
    RETURN_IF_ERROR(RequireConfig(std::count(names.begin(), names.end(), name) == 1, config,
                                  "variants", absl::StrCat("'", name, "' is listed twice")));
    RETURN_IF_ERROR(RequireConfig(
        !v->pretrained || softmax_seen, config, "variants",
        absl::StrCat("'", name, "' starts from the softmax model, so \"softmax\" must come "
                     "before it")));
    softmax_seen = softmax_seen || name == "softmax";
    variants.push_back(*v);
  }
  for (const std::string& name : config.Get<std::vector<std::string>>("mi_variants")) {
    RETURN_IF_ERROR(RequireConfig(std::find(names.begin(), names.end(), name) != names.end(),
                                  config, "mi_variants",
                                  absl::StrCat(QuoteInput(name), " is not in \"variants\"")));
  }
  return variants;
}

}  // namespace sparselab::embedder_sdr
