#include "lib/harness/config.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/base/quote.h"
#include "lib/base/status_macros.h"

namespace sparselab {
namespace {

using nlohmann::json;

std::string TypeName(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number_float()) return "number";
  return v.type_name();
}

// Whether `patch` may replace `base` without changing its declared type.
bool SameKind(const json& base, const json& patch) {
  if (base.is_number_float()) return patch.is_number();  // 1 where 1.0 is fine
  if (base.is_number_integer()) return patch.is_number_integer();
  if (base.is_null()) return true;  // a null default accepts anything
  return base.type() == patch.type();
}

// A value for an error message: its JSON text, ASCII only (control and
// non-ASCII characters as \u escapes, invalid UTF-8 replaced), truncated.
std::string QuoteValue(const json& v) {
  const std::string text = v.dump(-1, ' ', /*ensure_ascii=*/true, json::error_handler_t::replace);
  constexpr size_t kMax = 64;
  if (text.size() <= kMax) return text;
  return absl::StrCat(text.substr(0, kMax), "... (first ", kMax, " of ", text.size(), " characters)");
}

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : absl::StrCat(path, ".", key);
}

}  // namespace

absl::Status MergeChecked(json& base, const json& patch, const std::string& where,
                          const std::string& path) {
  if (!patch.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": '", path.empty() ? "preset" : path, "' must be a JSON object"));
  }
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string key = Join(path, it.key());
    if (!base.contains(it.key())) {
      std::vector<std::string> known;
      for (auto b = base.begin(); b != base.end(); ++b) known.push_back(b.key());
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": unknown key ", QuoteInput(key), " (known keys here: ",
          absl::StrJoin(known, ", "), "). Declare it in \"defaults\" or fix the spelling."));
    }
    json& target = base[it.key()];
    if (target.is_object() && it.value().is_object()) {
      RETURN_IF_ERROR(MergeChecked(target, it.value(), where, key));
      continue;
    }
    if (!SameKind(target, it.value())) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": key ", QuoteInput(key), " must be ", TypeName(target),
          " (as in \"defaults\"), got ", TypeName(it.value()), " ", QuoteValue(it.value())));
    }
    target = it.value();
  }
  return absl::OkStatus();
}

absl::StatusOr<Config> Config::Load(const std::string& path, const std::string& preset,
                                    const std::vector<std::string>& overrides) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(
        "cannot read config file ", path,
        ": it does not exist or is not readable (pass --config=PATH to use another)"));
  }
  std::stringstream text;
  text << in.rdbuf();
  json file = json::parse(text.str(), /*cb=*/nullptr, /*allow_exceptions=*/false,
                          /*ignore_comments=*/true);
  if (file.is_discarded()) {
    // Parse again with exceptions on, only to report where the syntax error is.
    try {
      json unused = json::parse(text.str(), nullptr, true, true);
      (void)unused;
    } catch (const json::parse_error& e) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": malformed JSON: ", e.what()));
    }
    return absl::InvalidArgumentError(absl::StrCat(path, ": malformed JSON"));
  }
  absl::StatusOr<Config> config = FromJson(file, preset, overrides, path);
  if (config.ok() && file.contains("tables")) {
    // The tables in the order the file declares them (json sorts keys).
    config->tables_ = nlohmann::ordered_json::parse(text.str(), nullptr, false, true)["tables"];
  }
  return config;
}

absl::StatusOr<Config> Config::FromJson(const json& file, const std::string& preset,
                                        const std::vector<std::string>& overrides,
                                        const std::string& origin) {
  if (!file.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": must hold a JSON object"));
  }
  for (auto it = file.begin(); it != file.end(); ++it) {
    static const char* kTopLevel[] = {"description", "default_preset", "defaults", "presets",
                                      "tables", "slurm"};
    bool known = false;
    for (const char* k : kTopLevel) known |= it.key() == k;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, ": unknown top-level key '", it.key(),
          "' (allowed: description, default_preset, defaults, presets, tables, slurm)"));
    }
  }
  if (!file.contains("defaults") || !file["defaults"].is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": needs a \"defaults\" object declaring every key"));
  }
  if (!file.contains("presets") || !file["presets"].is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": needs a \"presets\" object (at least \"quick\" and \"paper\")"));
  }
  const json& presets = file["presets"];
  std::string name = preset;
  if (name.empty()) name = file.value("default_preset", std::string("paper"));
  if (!presets.contains(name)) {
    std::vector<std::string> names;
    for (auto it = presets.begin(); it != presets.end(); ++it) names.push_back(it.key());
    return absl::InvalidArgumentError(absl::StrCat(origin, ": no preset '", name,
                                                   "' (presets: ", absl::StrJoin(names, ", "),
                                                   ")"));
  }
  Config config;
  config.preset_ = name;
  config.tables_ = nlohmann::ordered_json::parse(file.value("tables", json()).dump());
  config.slurm_ = file.value("slurm", json());
  config.values_ = file["defaults"];
  RETURN_IF_ERROR(MergeChecked(config.values_, presets[name],
                               absl::StrCat(origin, " preset '", name, "'")));
  for (const std::string& item : overrides) {
    std::pair<std::string, std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    std::string key(absl::StripAsciiWhitespace(kv.first));
    if (key.empty() || item.find('=') == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("override ", QuoteInput(item), " must look like key=value"));
    }
    json value = json::parse(kv.second, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      value = kv.second;  // a bare word is a string
      try {
        (void)value.dump();  // it ends up in result.json: it must be UTF-8 text
      } catch (const json::exception&) {
        return absl::InvalidArgumentError(absl::StrCat(
            "override ", QuoteInput(item), ": the value is not valid UTF-8 text; give a number, "
            "a JSON value or a plain word"));
      }
    }
    json patch = json::object();
    // Build {"a": {"b": value}} for "a.b=value" and merge it with the checks.
    std::vector<std::string> parts = absl::StrSplit(key, '.');
    json* node = &patch;
    for (size_t i = 0; i + 1 < parts.size(); ++i) node = &(*node)[parts[i]];
    (*node)[parts.back()] = value;
    RETURN_IF_ERROR(MergeChecked(config.values_, patch, absl::StrCat("override ", QuoteInput(item))));
  }
  return config;
}

bool Config::Has(const std::string& key) const {
  const json* node = &values_;
  for (absl::string_view part : absl::StrSplit(key, '.')) {
    std::string p(part);
    if (!node->is_object() || !node->contains(p)) return false;
    node = &(*node)[p];
  }
  return true;
}

const json& Config::At(const std::string& key) const {
  const json* node = &values_;
  for (absl::string_view part : absl::StrSplit(key, '.')) {
    std::string p(part);
    if (!node->is_object() || !node->contains(p)) {
      throw std::invalid_argument(absl::StrCat(
          "config key '", key, "' is not declared in the experiment's config.json \"defaults\""));
    }
    node = &(*node)[p];
  }
  return *node;
}

void Config::ThrowTypeError(const std::string& key, const std::string& what) {
  throw std::invalid_argument(absl::StrCat("config key '", key, "': ", what));
}

absl::Status RequireConfig(bool ok, const Config& config, const std::string& key,
                           const std::string& rule) {
  if (ok) return absl::OkStatus();
  const std::string value = config.Has(key) ? QuoteValue(config.At(key)) : "(absent)";
  return absl::InvalidArgumentError(absl::StrCat("config key '", key, "' = ", value, " (preset ",
                                                 config.preset(), "): ", rule,
                                                 "; fix it in config.json or with --set=", key,
                                                 "=..."));
}

absl::StatusOr<std::vector<int64_t>> ParseSeedList(const std::string& text) {
  std::vector<int64_t> seeds;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    int64_t lo = 0, hi = 0;
    size_t dash = part.find('-', 1);  // a leading '-' would be a sign
    bool ok = dash == absl::string_view::npos
                  ? absl::SimpleAtoi(part, &lo) && (hi = lo, true)
                  : absl::SimpleAtoi(part.substr(0, dash), &lo) &&
                        absl::SimpleAtoi(part.substr(dash + 1), &hi);
    // The span in unsigned arithmetic: hi - lo overflows for far-apart ends.
    if (!ok || hi < lo || static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) > 100000) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad seed list ", QuoteInput(text), ": use e.g. 42, 42,43 or 42-51"));
    }
    // Counted from lo: `s <= hi; ++s` would overflow when hi is the largest int64.
    for (int64_t i = 0; i <= hi - lo; ++i) seeds.push_back(lo + i);
  }
  if (seeds.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("empty seed list ", QuoteInput(text)));
  }
  return seeds;
}

}  // namespace sparselab
