#include "lib/sdr/sdr_code_classifiers.h"

#include "gtest/gtest.h"

namespace sparselab {
namespace {

// Two classes of 2-of-6 codes: class 0 centroid (1, 2/3, 1/3, 0, 0, 0), prototype
// {0, 1}; class 1 centroid (0, 0, 0, 1, 2/3, 1/3), prototype {3, 4}.
struct Train {
  at::Tensor codes = at::tensor({1, 1, 0, 0, 0, 0,  //
                                 1, 0, 1, 0, 0, 0,  //
                                 1, 1, 0, 0, 0, 0,  //
                                 0, 0, 0, 1, 1, 0,  //
                                 0, 0, 0, 1, 0, 1,  //
                                 0, 0, 0, 1, 1, 0},
                                at::kFloat)
                         .reshape({6, 6});
  at::Tensor labels = at::tensor({0, 0, 0, 1, 1, 1}, at::kLong);
};

at::Tensor Codes(std::vector<float> values, int64_t d) {
  const int64_t n = static_cast<int64_t>(values.size()) / d;
  return at::tensor(values, at::kFloat).reshape({n, d});
}

TEST(NearestCentroidTest, CosineAndHammingOnHandMadeCodes) {
  Train train;
  // (1,0,0,0,0,1): cosine 1/|c0| against (1/3)/|c1|; Hamming to {0,1} is 2, to {3,4} is 4.
  // (0,0,0,0,1,1): the mirror image, class 1.
  const at::Tensor test = Codes({1, 0, 0, 0, 0, 1,  //
                                 0, 0, 0, 0, 1, 1,  //
                                 1, 1, 0, 0, 0, 0},
                                6);
  for (CentroidMetric metric : {CentroidMetric::kCosine, CentroidMetric::kHamming}) {
    auto predicted = NearestCentroidPredict(train.codes, train.labels, test, metric);
    ASSERT_TRUE(predicted.ok()) << predicted.status();
    EXPECT_TRUE(at::equal(*predicted, at::tensor({0, 1, 0}, at::kLong))) << *predicted;
  }
}

TEST(NearestCentroidTest, AbsentClassNeverWins) {
  // Labels 0 and 2 only: class 1 has no centroid.
  const at::Tensor codes = Codes({1, 0, 0, 0, 0, 1}, 3);
  const at::Tensor labels = at::tensor({0, 2}, at::kLong);
  auto p = NearestCentroidPredict(codes, labels, Codes({0, 1, 0}, 3), CentroidMetric::kCosine);
  ASSERT_TRUE(p.ok());
  EXPECT_NE((*p)[0].item<int64_t>(), 1);
}

TEST(KnnTest, MajorityOfHammingNeighbours) {
  Train train;
  // (0,0,0,1,1,1) is 1 bit from each class-1 code and 5 from each class-0 code.
  const at::Tensor test = Codes({1, 0, 1, 0, 0, 0,  //
                                 0, 0, 0, 1, 1, 1},
                                6);
  for (int64_t k : {1, 3}) {
    auto p = KnnPredict(train.codes, train.labels, test, k, /*chunk=*/1);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_TRUE(at::equal(*p, at::tensor({0, 1}, at::kLong))) << "k = " << k << ": " << *p;
  }
}

TEST(KnnTest, TieGoesToTheNearerNeighboursClass) {
  const at::Tensor codes = Codes({1, 1, 0, 0,  //
                                  0, 0, 1, 1},
                                 4);
  const at::Tensor labels = at::tensor({0, 1}, at::kLong);
  // One vote each; (1,1,1,0) is 1 bit from the class-0 code and 3 from class 1.
  auto p = KnnPredict(codes, labels, Codes({1, 1, 1, 0, 1, 0, 1, 1}, 4), 2);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(at::equal(*p, at::tensor({0, 1}, at::kLong))) << *p;
}

TEST(KnnTest, RejectsBadInput) {
  Train train;
  EXPECT_FALSE(KnnPredict(train.codes, train.labels, train.codes, 7).ok());
  EXPECT_FALSE(KnnPredict(train.codes, train.labels, train.codes, 0).ok());
  EXPECT_FALSE(KnnPredict(train.codes, train.labels, at::ones({2, 5}), 1).ok());
  EXPECT_FALSE(KnnPredict(train.codes, train.labels.narrow(0, 0, 5), train.codes, 1).ok());
  EXPECT_FALSE(NearestCentroidPredict(train.codes * 3, train.labels, train.codes,
                                      CentroidMetric::kCosine).ok());
}

TEST(AccuracyTest, FractionCorrect) {
  EXPECT_DOUBLE_EQ(Accuracy(at::tensor({0, 1, 2, 3}, at::kLong), at::tensor({0, 1, 0, 0}, at::kLong)), 0.5);
}

}  // namespace
}  // namespace sparselab
