#include "docs/results_tables.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/sparselab/docs/testdata/" + name;
}

nlohmann::json Load(const std::string& name) {
  std::ifstream in(Fixture(name));
  return nlohmann::json::parse(in);
}

TEST(FormatMeanStdTest, Formats) {
  EXPECT_EQ(FormatMeanStd({{"mean", 98.5}, {"std", 0.7071}, {"n", 2}}), "98.50 ± 0.7071");
  EXPECT_EQ(FormatMeanStd({{"mean", 1000}, {"std", 0}, {"n", 1}}), "1000");
  EXPECT_EQ(FormatMeanStd({{"mean", 99.09}, {"std", 0.05}}), "99.09 ± 0.05000");  // paper entry
  EXPECT_EQ(FormatMeanStd({{"mean", 2.5e-8}, {"n", 1}}), "2.500e-08");
  EXPECT_EQ(FormatMeanStd({{"mean", nullptr}}), "-");
  EXPECT_EQ(FormatMeanStd({{"mean", 0.0}, {"n", 1}}), "0");
}

TEST(RenderExperimentTest, OursBesidePaperWithProvenance) {
  auto md = RenderExperiment(Load("alpha.json"));
  ASSERT_TRUE(md.ok()) << md.status();
  const std::string expected =
      "## alpha\n\n"
      "Paper: Author 2020, A Paper\n\n"
      "Preset `paper`, seeds 42, 43; commit `0123456789ab`, 2026-11-25T08:00:00Z, 12 s wall, "
      "1 thread(s) on cpu, Test CPU.\n\n"
      "|  | accuracy (ours) | accuracy (paper) | params |\n"
      "| --- | ---: | ---: | ---: |\n"
      "| sparse | 98.50 ± 0.7071 | 99.09 ± 0.05000 | 1000 |\n"
      "| dense \\| wide | 97.00 |  |  |\n\n";
  EXPECT_EQ(*md, expected);
}

TEST(RenderExperimentTest, RowFamiliesGetTheirOwnTables) {
  nlohmann::json r = Load("alpha.json");
  r["rows"] = nlohmann::json::parse(R"([
    {"name": "fig1/a", "metrics": {"x": {"mean": 1, "n": 1}}},
    {"name": "fig1/b", "metrics": {"x": {"mean": 2, "n": 1}}},
    {"name": "sine/a", "metrics": {"y": {"mean": 3, "n": 1}}, "paper": {"y": {"mean": 4}}}])");
  auto md = RenderExperiment(r);
  ASSERT_TRUE(md.ok());
  EXPECT_NE(md->find("### fig1\n\n|  | x |\n| --- | ---: |\n| fig1/a | 1.000 |\n| fig1/b | 2.000 |\n\n"),
            std::string::npos) << *md;
  EXPECT_NE(md->find("### sine\n\n|  | y (ours) | y (paper) |\n| --- | ---: | ---: |\n| sine/a | 3.000 | 4.000 |\n"),
            std::string::npos) << *md;
}

TEST(RenderExperimentTest, OffSchemaIsAnErrorNamingTheKey) {
  auto md = RenderExperiment(Load("offschema.json"));
  ASSERT_FALSE(md.ok());
  EXPECT_NE(md.status().message().find("provenance"), std::string::npos) << md.status();
}

TEST(RenderResultsTest, MalformedFileIsReportedAndOthersStillRendered) {
  RenderedDocs docs = RenderResults({Fixture("malformed.json"), Fixture("beta.json"),
                                     Fixture("alpha.json"), Fixture("missing.json")});
  ASSERT_EQ(docs.errors.size(), 2u);
  EXPECT_NE(docs.errors[0].find("malformed.json"), std::string::npos);
  EXPECT_NE(docs.errors[1].find("missing.json"), std::string::npos);
  // Sorted by path: alpha, beta, then the two failures' notes.
  const size_t alpha = docs.markdown.find("## alpha");
  const size_t beta = docs.markdown.find("## beta");
  ASSERT_NE(alpha, std::string::npos);
  ASSERT_NE(beta, std::string::npos);
  EXPECT_LT(alpha, beta);
  EXPECT_NE(docs.markdown.find("| tiny | 2.500e-08 | 2.230e-08 |"), std::string::npos) << docs.markdown;
  EXPECT_NE(docs.markdown.find("Could not be rendered"), std::string::npos);
  // A further result file is titled with its name.
  EXPECT_NE(RenderResults({Fixture("beta.json")}).markdown.find("## beta (beta.json)"),
            std::string::npos);
  // Deterministic: the same inputs give the same bytes.
  EXPECT_EQ(RenderResults({Fixture("alpha.json"), Fixture("beta.json")}).markdown,
            RenderResults({Fixture("beta.json"), Fixture("alpha.json")}).markdown);
}

}  // namespace
}  // namespace sparselab
