#include "lib/harness/pruning_section.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"

namespace sparselab {
namespace {

constexpr const char* kKeys[] = {"method",     "final_sparsity", "initial_sparsity",
                                 "begin_step", "end_step",       "frequency",
                                 "scope",      "layers"};

// Reads one key of the section into `out` when present, checking its JSON type.
class SectionReader {
 public:
  SectionReader(const Config& config, std::string section)
      : config_(config), section_(std::move(section)), json_(config.At(section_)) {}

  absl::Status Number(const char* key, double* out) const {
    if (!json_.contains(key)) return absl::OkStatus();
    RETURN_IF_ERROR(Require(json_[key].is_number(), key, "must be a number"));
    *out = json_[key].get<double>();
    return Require(std::isfinite(*out), key, "must be finite");
  }
  absl::Status Step(const char* key, int64_t* out) const {
    if (!json_.contains(key)) return absl::OkStatus();
    RETURN_IF_ERROR(
        Require(json_[key].is_number_integer(), key, "must be a whole number of optimizer steps"));
    *out = json_[key].get<int64_t>();
    return absl::OkStatus();
  }
  absl::Status Name(const char* key, std::string* out) const {
    if (!json_.contains(key)) return absl::OkStatus();
    RETURN_IF_ERROR(Require(json_[key].is_string(), key, "must be a string"));
    *out = json_[key].get<std::string>();
    return absl::OkStatus();
  }
  absl::Status Names(const char* key, std::vector<std::string>* out) const {
    if (!json_.contains(key)) return absl::OkStatus();
    bool ok = json_[key].is_array();
    for (const nlohmann::json& v : json_[key])
      ok = ok && v.is_string() && !v.get<std::string>().empty();
    RETURN_IF_ERROR(Require(ok, key, "must be a list of layer names (strings)"));
    *out = json_[key].get<std::vector<std::string>>();
    return absl::OkStatus();
  }
  absl::Status Require(bool ok, const std::string& key, const std::string& rule) const {
    return RequireConfig(ok, config_, Key(key), rule);
  }
  std::string Key(const std::string& key) const { return absl::StrCat(section_, ".", key); }
  const nlohmann::json& json() const { return json_; }

 private:
  const Config& config_;
  std::string section_;
  const nlohmann::json& json_;
};

}  // namespace

absl::StatusOr<ModelPruningOptions> ReadPruningSection(const Config& config,
                                                       const std::string& section) {
  ModelPruningOptions o;
  if (!config.Has(section)) return o;
  RETURN_IF_ERROR(RequireConfig(config.At(section).is_object(), config, section,
                                "must be an object {\"method\": ..., \"final_sparsity\": ...}"));
  const SectionReader r(config, section);
  for (auto it = r.json().begin(); it != r.json().end(); ++it) {
    bool known = false;
    for (const char* k : kKeys) known = known || it.key() == k;
    RETURN_IF_ERROR(
        r.Require(known, it.key(),
                  absl::StrCat("is not a pruning key; the keys are ", absl::StrJoin(kKeys, ", "))));
  }
  std::string method = "none", scope = "layer";
  RETURN_IF_ERROR(r.Name("method", &method));
  absl::StatusOr<PruningMethod> m = ParsePruningMethod(method);
  RETURN_IF_ERROR(r.Require(m.ok(), "method", "must be \"none\", \"constant\" or \"gradual\""));
  RETURN_IF_ERROR(r.Name("scope", &scope));
  absl::StatusOr<PruningScope> s = ParsePruningScope(scope);
  RETURN_IF_ERROR(r.Require(s.ok(), "scope", "must be \"layer\" or \"global\""));
  o.method(*m).scope(*s);

  double final_sparsity = o.final_sparsity(), initial_sparsity = o.initial_sparsity();
  RETURN_IF_ERROR(r.Number("final_sparsity", &final_sparsity));
  RETURN_IF_ERROR(r.Require(final_sparsity >= 0 && final_sparsity < 1, "final_sparsity",
                            "the fraction of weights removed must be in [0, 1)"));
  RETURN_IF_ERROR(r.Number("initial_sparsity", &initial_sparsity));
  RETURN_IF_ERROR(r.Require(initial_sparsity >= 0 && initial_sparsity <= final_sparsity,
                            "initial_sparsity", "must be in [0, final_sparsity]"));
  o.final_sparsity(final_sparsity).initial_sparsity(initial_sparsity);

  int64_t begin = o.begin_step(), end = o.end_step(), frequency = o.frequency();
  RETURN_IF_ERROR(r.Step("begin_step", &begin));
  RETURN_IF_ERROR(r.Require(begin >= 0, "begin_step", "must be >= 0"));
  RETURN_IF_ERROR(r.Step("end_step", &end));
  RETURN_IF_ERROR(r.Step("frequency", &frequency));
  if (o.method() == PruningMethod::kGradual) {
    RETURN_IF_ERROR(r.Require(frequency > 0, "frequency", "gradual pruning needs frequency > 0"));
    RETURN_IF_ERROR(
        r.Require(end >= begin + frequency, "end_step",
                  absl::StrCat("gradual pruning needs end_step >= begin_step + frequency = ",
                               begin + frequency, " (at least one pruning step after t0)")));
  }
  o.begin_step(begin).end_step(end).frequency(frequency);

  std::vector<std::string> layers;
  RETURN_IF_ERROR(r.Names("layers", &layers));
  o.layers(layers);
  return o;
}

nlohmann::json PruningSectionJson(const ModelPruningOptions& o) {
  return {{"method", PruningMethodName(o.method())},
          {"final_sparsity", o.final_sparsity()},
          {"initial_sparsity", o.initial_sparsity()},
          {"begin_step", o.begin_step()},
          {"end_step", o.end_step()},
          {"frequency", o.frequency()},
          {"scope", PruningScopeName(o.scope())},
          {"layers", o.layers()}};
}

}  // namespace sparselab
