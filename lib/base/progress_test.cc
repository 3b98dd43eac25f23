#include "lib/base/progress.h"

#include "gtest/gtest.h"

namespace sparselab {
namespace {

TEST(ProgressTest, FormatsDurations) {
  EXPECT_EQ(Progress::FormatDuration(12.34), "12.3s");
  EXPECT_EQ(Progress::FormatDuration(187), "3m07s");
  EXPECT_EQ(Progress::FormatDuration(3720), "1h02m");
  EXPECT_EQ(Progress::FormatDuration(-5), "0.0s");
}

TEST(ProgressTest, PrintsLabelCountAndEtaToStderr) {
  testing::internal::CaptureStderr();
  Progress p("train", 10, /*min_interval_seconds=*/0.0);
  p.Update(5, "loss 0.25");
  p.Finish("acc 99%");
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("[train] 5/10 (50%)"), std::string::npos) << out;
  EXPECT_NE(out.find("ETA"), std::string::npos) << out;
  EXPECT_NE(out.find("loss 0.25"), std::string::npos) << out;
  EXPECT_NE(out.find("[train] 10/10 (100%)"), std::string::npos) << out;
  EXPECT_NE(out.find("done in"), std::string::npos) << out;
}

TEST(ProgressTest, ThrottlesUpdates) {
  testing::internal::CaptureStderr();
  Progress p("loop", 1000, /*min_interval_seconds=*/3600.0);
  for (int i = 0; i < 1000; ++i) p.Update(i);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace sparselab
