// Every estimator rejects bad input with a status naming the problem; none
// returns NaN.
#include "monitor/validate.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "monitor/discrete.h"
#include "monitor/gcmi.h"
#include "monitor/ksg.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

void ExpectError(const absl::StatusOr<double>& result, const std::string& fragment) {
  ASSERT_FALSE(result.ok()) << "expected an error mentioning '" << fragment << "', got "
                            << *result;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(result.status().message()).find(fragment), std::string::npos)
      << result.status();
}

TEST(ValidateTest, EveryEstimatorRejectsBadInput) {
  const auto good = testing::CorrelatedGaussian(50, 2, 0.5, 1);
  const auto shorter = testing::CorrelatedGaussian(49, 2, 0.5, 2);
  Samples with_nan = good.x, with_inf = good.x, constant = good.x;
  with_nan(3, 1) = std::nan("");
  with_inf(4, 0) = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < constant.n; ++i) constant(i, 1) = 2.5;
  const Samples empty;
  std::vector<int64_t> labels(50);
  for (int i = 0; i < 50; ++i) labels[i] = i % 2;

  using Estimator = std::function<absl::StatusOr<double>(const Samples&, const Samples&)>;
  const std::vector<std::pair<std::string, Estimator>> estimators = {
      {"ksg", [](const Samples& x, const Samples& y) { return KsgMutualInformation(x, y); }},
      {"ksg2", [](const Samples& x, const Samples& y) { return Ksg2MutualInformation(x, y); }},
      {"ksg cmi", [&](const Samples& x, const Samples& y) {
         return KsgConditionalMutualInformation(x, y, good.y);
       }},
      {"gcmi", [](const Samples& x, const Samples& y) { return GcmiCc(x, y); }},
      {"gccmi", [&](const Samples& x, const Samples& y) { return GccmiCcc(x, y, good.y); }},
      {"gaussian", [](const Samples& x, const Samples& y) {
         return GaussianMutualInformation(x, y);
       }},
  };
  for (const auto& [name, estimate] : estimators) {
    SCOPED_TRACE(name);
    ExpectError(estimate(good.x, shorter.y), "has 50 samples but y has 49");
    ExpectError(estimate(with_nan, good.y), "non-finite value (NaN) in sample 3, column 1");
    ExpectError(estimate(with_inf, good.y), "non-finite value (infinity) in sample 4");
    ExpectError(estimate(constant, good.y), "column 1 is constant");
    ExpectError(estimate(empty, good.y), "x is empty");
    ExpectError(estimate(good.x, empty), "y is empty");
  }
  ExpectError(KozachenkoLeonenkoEntropy(with_nan), "non-finite");
  ExpectError(KozachenkoLeonenkoEntropy(empty), "empty");
  ExpectError(MixedMutualInformation(good.x, std::vector<int64_t>(49, 0)), "labels has 49");
  ExpectError(GcmiModelCd(constant, labels, 2), "constant");
  ExpectError(GcmiModelCd(good.x, labels, 1), "label 1 of sample 1 is outside [0, 1)");
}

TEST(ValidateTest, NeighbourCountMustBeBelowN) {
  const auto p = testing::CorrelatedGaussian(10, 1, 0.5, 3);
  for (int k : {0, 10, 11}) {
    KsgOptions options;
    options.k = k;
    ExpectError(KsgMutualInformation(p.x, p.y, options), "k must be between 1 and N - 1 = 9");
    ExpectError(Ksg2MutualInformation(p.x, p.y, options), "k must be between 1 and N - 1");
    ExpectError(KozachenkoLeonenkoEntropy(p.x, options), "k must be between 1 and N - 1");
  }
  KsgOptions nine;
  nine.k = 9;
  EXPECT_TRUE(KsgMutualInformation(p.x, p.y, nine).ok());
}

TEST(ValidateTest, GaussianNeedsMoreSamplesThanVariables) {
  const auto p = testing::CorrelatedGaussian(4, 2, 0.5, 4);
  ExpectError(GcmiCc(p.x, p.y), "needs more samples than variables (4 samples, 4 variables)");
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
