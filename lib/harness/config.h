// Experiment configuration: experiments/<name>/config.json holds a "defaults"
// object that declares every key and its type, and named "presets" (at least
// "quick" and "paper") that override some of them. A preset, then single
// "key=value" overrides from the command line, are merged into the defaults.
// Every key must exist in "defaults" and keep its type; violations are errors
// that name the key and the file.
//
//   {
//     "description": "...",
//     "default_preset": "paper",
//     "defaults": {"epochs": 10, "lr": 0.01, "networks": ["a", "b"]},
//     "presets": {"quick": {"epochs": 1}, "paper": {}},
//     "tables": {...},  // the README and docs tables (markdown_tables.h)
//     "slurm": {...}    // job-array options (slurm_launcher.h)
//   }
#ifndef SPARSELAB_LIB_HARNESS_CONFIG_H_
#define SPARSELAB_LIB_HARNESS_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace sparselab {

class Config {
 public:
  // Reads `path` and resolves `preset` (empty: the file's "default_preset").
  // `overrides` are "key=value" strings; nested keys use dots ("net.k=5"); the
  // value is JSON ("0.1", "[1,2]", "true") or else taken as a string.
  static absl::StatusOr<Config> Load(const std::string& path,
                                     const std::string& preset,
                                     const std::vector<std::string>& overrides = {});
  // The same from an already-parsed file; `origin` names it in errors.
  static absl::StatusOr<Config> FromJson(const nlohmann::json& file,
                                         const std::string& preset,
                                         const std::vector<std::string>& overrides,
                                         const std::string& origin);

  const std::string& preset() const { return preset_; }
  // The resolved values (defaults + preset + overrides).
  const nlohmann::json& values() const { return values_; }
  // The file's "tables" in the order they are declared (null when it has
  // none); parsed by ParseTableSpecs.
  const nlohmann::ordered_json& tables() const { return tables_; }
  // The file's "slurm" section (job-array options, lib/harness/slurm_launcher.h;
  // null when it has none).
  const nlohmann::json& slurm() const { return slurm_; }

  // Typed access by (dotted) key. The key set and types were validated against
  // "defaults" when loading, so a failure here is a programming error: it
  // throws std::invalid_argument naming the key.
  template <typename T>
  T Get(const std::string& key) const {
    const nlohmann::json& v = At(key);
    try {
      return v.get<T>();
    } catch (const nlohmann::json::exception& e) {
      ThrowTypeError(key, e.what());
    }
  }
  int64_t Int(const std::string& key) const { return Get<int64_t>(key); }
  double Double(const std::string& key) const { return Get<double>(key); }
  bool Bool(const std::string& key) const { return Get<bool>(key); }
  std::string String(const std::string& key) const { return Get<std::string>(key); }
  bool Has(const std::string& key) const;
  const nlohmann::json& At(const std::string& key) const;

 private:
  [[noreturn]] static void ThrowTypeError(const std::string& key, const std::string& what);

  std::string preset_;
  nlohmann::json values_;
  nlohmann::ordered_json tables_;
  nlohmann::json slurm_;
};

// Merges `patch` into `base`, checking every key of `patch` against `base`:
// unknown keys and type changes are errors naming `where` + the key path.
// Integers are accepted where a float is expected, not the other way round.
absl::Status MergeChecked(nlohmann::json& base, const nlohmann::json& patch,
                          const std::string& where, const std::string& path = "");

// For the checks an experiment makes on its typed options before any work:
// OK when `ok`, else InvalidArgument "config key 'lr' = -1 (preset paper):
// must be > 0; fix it in config.json or with --set=lr=..." naming the value
// in force and `rule`, the requirement, e.g.
//   RETURN_IF_ERROR(RequireConfig(theta <= a_w, c, "theta", "theta <= a_w = 24"));
absl::Status RequireConfig(bool ok, const Config& config, const std::string& key,
                           const std::string& rule);

// Parses "42", "42,43", "42-51" or "42-44,50" into a list of seeds.
absl::StatusOr<std::vector<int64_t>> ParseSeedList(const std::string& text);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_HARNESS_CONFIG_H_
