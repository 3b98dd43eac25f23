#include "lib/harness/pruning_section.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace sparselab {
namespace {

nlohmann::json File(const nlohmann::json& section) {
  return {{"default_preset", "paper"},
          {"defaults", {{"epochs", 1}, {"pruning", section}}},
          {"presets", {{"paper", nlohmann::json::object()}, {"quick", nlohmann::json::object()}}}};
}

const nlohmann::json kFull = {
    {"method", "gradual"},     {"final_sparsity", 0.9},
    {"initial_sparsity", 0.0}, {"begin_step", 10},
    {"end_step", 410},         {"frequency", 100},
    {"scope", "global"},       {"layers", nlohmann::json::array({"fc1", "features.0"})}};

absl::StatusOr<ModelPruningOptions> Read(const nlohmann::json& section,
                                         const std::vector<std::string>& overrides = {}) {
  absl::StatusOr<Config> c = Config::FromJson(File(section), "quick", overrides, "config.json");
  if (!c.ok()) return c.status();
  return ReadPruningSection(*c);
}

TEST(PruningSectionTest, ReadsEveryKey) {
  auto o = Read(kFull);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->method(), PruningMethod::kGradual);
  EXPECT_EQ(o->final_sparsity(), 0.9);
  EXPECT_EQ(o->begin_step(), 10);
  EXPECT_EQ(o->end_step(), 410);
  EXPECT_EQ(o->frequency(), 100);
  EXPECT_EQ(o->scope(), PruningScope::kGlobal);
  EXPECT_EQ(o->layers(), (std::vector<std::string>{"fc1", "features.0"}));
  // The schedule MagnitudePruner gets: t0 = 10, n = (410 - 10) / 100 = 4, dt = 100.
  const PruningOptions p = ToPrunerOptions(*o);
  EXPECT_EQ(p.schedule(), PruningSchedule::kGradual);
  EXPECT_EQ(p.num_steps(), 4);
  EXPECT_EQ(p.frequency(), 100);
  EXPECT_EQ(p.begin_step(), 10);
  // Round trip through the JSON form.
  EXPECT_EQ(PruningSectionJson(*o), kFull);
}

TEST(PruningSectionTest, OverridesAndMissingKeys) {
  auto o =
      Read(kFull, {"pruning.method=constant", "pruning.final_sparsity=0.5", "pruning.end_step=0"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->method(), PruningMethod::kConstant);  // end_step does not matter for constant
  EXPECT_EQ(o->final_sparsity(), 0.5);
  auto partial = Read({{"method", "constant"}});
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(partial->final_sparsity(), 0.9);
  EXPECT_EQ(partial->scope(), PruningScope::kLayer);
  EXPECT_TRUE(partial->layers().empty());
  // No section at all: nothing is pruned.
  auto c = Config::FromJson(
      {{"defaults", {{"epochs", 1}}},
       {"presets", {{"paper", nlohmann::json::object()}, {"quick", nlohmann::json::object()}}}},
      "quick", {}, "config.json");
  ASSERT_TRUE(c.ok()) << c.status();
  auto none = ReadPruningSection(*c);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->method(), PruningMethod::kNone);
}

// Every bad section names its key, the value in force and the fix.
TEST(PruningSectionTest, BadSectionsNameTheKey) {
  struct Case {
    nlohmann::json patch;  // merged into kFull
    std::string key;       // expected in the message
    std::string words;     // expected in the message
  };
  const std::vector<Case> cases = {
      {{{"method", "sometimes"}}, "pruning.method", "\"constant\" or \"gradual\""},
      {{{"method", 3}}, "pruning.method", "must be a string"},
      {{{"scope", "model"}}, "pruning.scope", "\"layer\" or \"global\""},
      {{{"final_sparsity", 1.0}}, "pruning.final_sparsity", "[0, 1)"},
      {{{"final_sparsity", -0.1}}, "pruning.final_sparsity", "[0, 1)"},
      {{{"final_sparsity", "0.9"}}, "pruning.final_sparsity", "must be a number"},
      {{{"initial_sparsity", 0.95}}, "pruning.initial_sparsity", "[0, final_sparsity]"},
      {{{"begin_step", -1}}, "pruning.begin_step", ">= 0"},
      {{{"begin_step", 2.5}}, "pruning.begin_step", "whole number"},
      {{{"frequency", 0}}, "pruning.frequency", "frequency > 0"},
      {{{"end_step", 50}}, "pruning.end_step", "begin_step + frequency = 110"},
      {{{"layers", "fc1"}}, "pruning.layers", "list of layer names"},
      {{{"layers", nlohmann::json::array({"fc1", 2})}}, "pruning.layers", "list of layer names"},
      {{{"final_sparsty", 0.9}}, "pruning.final_sparsty", "final_sparsity"},
  };
  for (const Case& c : cases) {
    nlohmann::json section = kFull;
    section.merge_patch(c.patch);
    auto o = Read(section);
    ASSERT_FALSE(o.ok()) << c.patch.dump();
    const std::string message(o.status().message());
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument) << message;
    EXPECT_NE(message.find("'" + c.key + "'"), std::string::npos) << message;
    EXPECT_NE(message.find(c.words), std::string::npos) << message;
    EXPECT_NE(message.find("--set=" + c.key), std::string::npos) << message;
  }
  // Not an object at all.
  auto c = Config::FromJson(
      {{"defaults", {{"pruning", 0.9}}},
       {"presets", {{"paper", nlohmann::json::object()}, {"quick", nlohmann::json::object()}}}},
      "quick", {}, "config.json");
  ASSERT_TRUE(c.ok());
  auto o = ReadPruningSection(*c);
  EXPECT_NE(o.status().message().find("must be an object"), std::string::npos) << o.status();
}

}  // namespace
}  // namespace sparselab
