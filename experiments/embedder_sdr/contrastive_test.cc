#include "experiments/embedder_sdr/contrastive.h"

#include <cmath>
#include <map>

#include "gtest/gtest.h"

namespace sparselab::embedder_sdr {
namespace {

std::map<std::string, double> AsMap(const std::vector<std::pair<std::string, double>>& v) {
  return {v.begin(), v.end()};
}

// Batch of 4: labels 0, 1, 0, 1; embeddings at 0, 90, 60 and 90 degrees.
// Positive pairs (next same label, cyclic): (0,2), (1,3), (2,0), (3,1) with
// cosine distances 0.5, 0, 0.5, 0: mean d^2 = (0.25 + 0 + 0.25 + 0) / 4 = 0.125.
// Negative pairs (next other label): (0,1), (1,2), (2,3), (3,0): distances 1,
// 1 - cos 30 = 0.13397, 0.13397, 1; with margin 0.5: max(0, 0.5 - d)^2 = 0,
// 0.13397, 0.13397, 0 ((0.5 - 0.13397)^2 = 0.13397...): mean 0.066987.
TEST(ContrastivePairLossTest, HandComputedBatch) {
  const double s60 = std::sqrt(3.0) / 2;
  const at::Tensor e =
      at::tensor({1.0, 0.0, 0.0, 1.0, 0.5, s60, 0.0, 2.0}, at::kDouble).view({4, 2});
  const at::Tensor y = at::tensor({0, 1, 0, 1}, at::kLong);
  EXPECT_NEAR(ContrastivePairLoss(e, y, 0.5, true).item<double>(), 0.125, 1e-12);
  const double neg = std::pow(0.5 - (1 - s60), 2) / 2;
  EXPECT_NEAR(ContrastivePairLoss(e, y, 0.5, false).item<double>(), 0.125 + neg, 1e-12);
}

TEST(ContrastivePairLossTest, PositivesOnlyIsMinimisedByCollapse) {
  // Every embedding the same vector: the positives-only loss is exactly 0.
  const at::Tensor e = at::ones({6, 3}, at::kDouble);
  const at::Tensor y = at::tensor({0, 1, 2, 0, 1, 2}, at::kLong);
  EXPECT_NEAR(ContrastivePairLoss(e, y, 0.5, true).item<double>(), 0.0, 1e-15);
  // ... while the negatives' term is margin^2 for every pair.
  EXPECT_NEAR(ContrastivePairLoss(e, y, 0.5, false).item<double>(), 0.25, 1e-12);
}

TEST(CollapseMeasuresTest, CollapsedAndSeparatedEmbeddings) {
  const at::Tensor y = at::tensor({0, 1, 0, 1, 0, 1}, at::kLong);
  const auto collapsed = AsMap(CollapseMeasures(at::ones({6, 4}), y, at::ones({6, 4}), y, 2, 1));
  EXPECT_EQ(collapsed.at("distinct_codes"), 1);
  EXPECT_EQ(collapsed.at("code_entropy_bits"), 0);  // every unit always on
  EXPECT_NEAR(collapsed.at("within_class_distance"), 0, 1e-12);
  EXPECT_NEAR(collapsed.at("between_class_distance"), 0, 1e-12);
  EXPECT_NEAR(collapsed.at("embedding_std"), 0, 1e-12);
  // Class 0 on unit 0, class 1 on unit 1: two codes, each unit on half the
  // time (1 bit), orthogonal classes (distance 1), perfect class means.
  const at::Tensor sep = at::stack({at::tensor({1.0, 0.0}), at::tensor({0.0, 1.0})}).repeat({3, 1});
  const auto s = AsMap(CollapseMeasures(sep, y, sep, y, 2, 1));
  EXPECT_EQ(s.at("distinct_codes"), 2);
  EXPECT_NEAR(s.at("code_entropy_bits"), 1.0, 1e-12);
  EXPECT_NEAR(s.at("within_class_distance"), 0, 1e-12);
  EXPECT_NEAR(s.at("between_class_distance"), 1, 1e-12);
  EXPECT_EQ(s.at("accuracy_centroid_cosine"), 1.0);
}

}  // namespace
}  // namespace sparselab::embedder_sdr
