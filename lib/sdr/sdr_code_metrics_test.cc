#include "lib/sdr/sdr_code_metrics.h"

#include <cmath>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

// Four 2-of-4 codes: unit 0 always on, unit 3 never, units 1 and 2 half the time.
at::Tensor FourCodes() {
  return at::tensor({1, 1, 0, 0,  //
                     1, 0, 1, 0,  //
                     1, 1, 0, 0,  //
                     1, 0, 1, 0},
                    at::kFloat)
      .reshape({4, 4});
}

TEST(MeasureCodeUsageTest, HandMadeCodes) {
  auto usage = MeasureCodeUsage(FourCodes());
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_DOUBLE_EQ(usage->sparsity, 0.5);
  EXPECT_EQ(usage->dead_units, 1);
  EXPECT_EQ(usage->always_on_units, 1);
  // Rates (1, 1/2, 1/2, 0): H2 = 0 + 1 + 1 + 0 bits; the most 2-of-4 allows is 4 H2(1/2).
  EXPECT_DOUBLE_EQ(usage->entropy_bits, 2.0);
  EXPECT_DOUBLE_EQ(usage->max_entropy_bits, 4.0);
}

TEST(MeasureCodeUsageTest, EveryUnitInUseReachesTheMaximum) {
  // Each of 4 units active in exactly one of four 1-of-4 codes.
  auto usage = MeasureCodeUsage(at::eye(4, at::kFloat));
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->dead_units, 0);
  EXPECT_EQ(usage->always_on_units, 0);
  EXPECT_NEAR(usage->entropy_bits, usage->max_entropy_bits, 1e-12);
  EXPECT_NEAR(usage->max_entropy_bits, 4 * (0.25 * 2 + 0.75 * std::log2(4.0 / 3.0)), 1e-12);
}

TEST(MeanPairwiseOverlapTest, HandCountedPairs) {
  const at::Tensor codes = FourCodes();
  // Classes {0, 1} and {2, 3}: within pairs (0,1) and (2,3) share 1 bit each;
  // between pairs (0,2) 2, (0,3) 1, (1,2) 1, (1,3) 2 -> 6 / 4.
  auto a = MeanPairwiseOverlap(codes, at::tensor({0, 0, 1, 1}, at::kLong));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_DOUBLE_EQ(a->within, 1.0);
  EXPECT_DOUBLE_EQ(a->between, 1.5);
  // Classes {0, 2} and {1, 3}: identical codes within (2 bits), 1 bit between.
  auto b = MeanPairwiseOverlap(codes, at::tensor({0, 1, 0, 1}, at::kLong));
  ASSERT_TRUE(b.ok());
  EXPECT_DOUBLE_EQ(b->within, 2.0);
  EXPECT_DOUBLE_EQ(b->between, 1.0);
}

TEST(MeanPairwiseOverlapTest, OneClassHasNoBetweenPairs) {
  auto o = MeanPairwiseOverlap(FourCodes(), at::tensor({3, 3, 3, 3}, at::kLong));
  ASSERT_TRUE(o.ok());
  // Pairs: (0,1) 1, (0,2) 2, (0,3) 1, (1,2) 1, (1,3) 2, (2,3) 1 -> 8 / 6.
  EXPECT_DOUBLE_EQ(o->within, 8.0 / 6.0);
  EXPECT_TRUE(std::isnan(o->between));
}

TEST(MeanPairwiseOverlapTest, RejectsBadInput) {
  EXPECT_FALSE(MeanPairwiseOverlap(FourCodes() * 0.5, at::tensor({0, 0, 1, 1}, at::kLong)).ok());
  EXPECT_FALSE(MeanPairwiseOverlap(FourCodes(), at::tensor({0, 1}, at::kLong)).ok());
  EXPECT_FALSE(MeanPairwiseOverlap(FourCodes(), at::tensor({0., 1., 0., 1.})).ok());
  EXPECT_FALSE(MeanPairwiseOverlap(at::ones({4}), at::tensor({0, 1, 0, 1}, at::kLong)).ok());
}

TEST(ClassMeanCodesTest, FractionActivePerClass) {
  auto means = ClassMeanCodes(FourCodes(), at::tensor({0, 1, 0, 1}, at::kLong), 3);
  ASSERT_TRUE(means.ok()) << means.status();
  const at::Tensor expected = at::tensor({1, 1, 0, 0,  //
                                          1, 0, 1, 0,  //
                                          0, 0, 0, 0},
                                         at::kFloat)
                                  .reshape({3, 4});
  EXPECT_TRUE(at::equal(*means, expected)) << *means;
  auto mixed = ClassMeanCodes(FourCodes(), at::tensor({0, 0, 0, 1}, at::kLong), 2);
  ASSERT_TRUE(mixed.ok());
  EXPECT_TRUE(at::allclose((*mixed)[0], at::tensor({1.0f, 2.0f / 3, 1.0f / 3, 0.0f})));
  EXPECT_FALSE(ClassMeanCodes(FourCodes(), at::tensor({0, 1, 0, 2}, at::kLong), 2).ok());
}

TEST(MeasureUnionTest, HandMadeOverlays) {
  // Sample 0: a = {0,1}, b = {2,3}, ab = {0,2,6}: 2 of ab's 3 bits are in the
  //   4-bit union, which covers half of 8 units, and ab touches both a and b.
  // Sample 1: a = b = {0,1}, ab = {4,5}: nothing of the union.
  const at::Tensor a = at::tensor({1, 1, 0, 0, 0, 0, 0, 0,  //
                                   1, 1, 0, 0, 0, 0, 0, 0}, at::kFloat).reshape({2, 8});
  const at::Tensor b = at::tensor({0, 0, 1, 1, 0, 0, 0, 0,  //
                                   1, 1, 0, 0, 0, 0, 0, 0}, at::kFloat).reshape({2, 8});
  const at::Tensor ab = at::tensor({1, 0, 1, 0, 0, 0, 1, 0,  //
                                    0, 0, 0, 0, 1, 1, 0, 0}, at::kFloat).reshape({2, 8});
  auto r = MeasureUnion(a, b, ab);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->samples, 2);
  EXPECT_DOUBLE_EQ(r->precision, (2.0 / 3.0 + 0.0) / 2);
  EXPECT_DOUBLE_EQ(r->recall, (2.0 / 4.0 + 0.0) / 2);
  EXPECT_DOUBLE_EQ(r->chance_precision, (4.0 / 8.0 + 2.0 / 8.0) / 2);
  EXPECT_DOUBLE_EQ(r->covers_both, 0.5);
}

TEST(MeasureUnionTest, ExactUnionOfDisjointCodes) {
  const at::Tensor a = at::tensor({1, 1, 0, 0, 0, 0}, at::kFloat).reshape({1, 6});
  const at::Tensor b = at::tensor({0, 0, 1, 1, 0, 0}, at::kFloat).reshape({1, 6});
  // ab = a OR b: everything of ab is in the union and the union is all kept.
  auto r = MeasureUnion(a, b, at::maximum(a, b));
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->precision, 1.0);
  EXPECT_DOUBLE_EQ(r->recall, 1.0);
  EXPECT_DOUBLE_EQ(r->covers_both, 1.0);
}

TEST(MeasureUnionTest, RejectsBadInput) {
  const at::Tensor a = at::eye(3, at::kFloat);
  EXPECT_FALSE(MeasureUnion(a, a, at::eye(4, at::kFloat)).ok());  // shapes differ
  EXPECT_FALSE(MeasureUnion(a, a, a * 2).ok());                   // not binary
  EXPECT_FALSE(MeasureUnion(a, a, at::zeros({3, 3})).ok());       // every ab empty
}

}  // namespace
}  // namespace sparselab
