#include "lib/restoration/dct_dictionary.h"

#include <cmath>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

TEST(DctDictionaryTest, CompleteIsOrthonormal) {
  for (int64_t p : {2, 3, 4, 8}) {
    const at::Tensor d = *OvercompleteDctDictionary(p, p * p);
    ASSERT_EQ(d.size(0), p * p);
    ASSERT_EQ(d.size(1), p * p);
    const at::Tensor eye = at::eye(p * p, at::kDouble);
    EXPECT_LT((d.t().mm(d) - eye).abs().max().item<double>(), 1e-12) << p;
    EXPECT_LT((d.mm(d.t()) - eye).abs().max().item<double>(), 1e-12) << p;
  }
}

TEST(DctDictionaryTest, TwoByTwoByHand) {
  // p = k = 2: A = [[1, 1], [1, -1]] / sqrt(2) (cos(pi/4) = -cos(3 pi/4) = 1/sqrt(2)),
  // D[(i, j), (a, b)] = A[i][a] A[j][b].
  const at::Tensor d = *OvercompleteDctDictionary(2, 4);
  const at::Tensor expected =
      at::tensor({1., 1., 1., 1., 1., -1., 1., -1., 1., 1., -1., -1., 1., -1., -1., 1.},
                 at::kDouble)
          .view({4, 4}) /
      2.0;
  EXPECT_TRUE(at::allclose(d, expected, 0, 1e-15));
}

TEST(DctDictionaryTest, OvercompleteAtomsAreUnitZeroMeanAndTheDcIsConstant) {
  const int64_t p = 8, k = 16;
  const at::Tensor d = *OvercompleteDctDictionary(p, k * k);
  ASSERT_EQ(d.size(0), 64);
  ASSERT_EQ(d.size(1), 256);
  EXPECT_LT((d.norm(2, {0}) - 1).abs().max().item<double>(), 1e-14);
  // The DC atom is 1/p everywhere; every other atom has zero mean.
  EXPECT_LT((d.select(1, 0) - 1.0 / p).abs().max().item<double>(), 1e-15);
  EXPECT_LT(d.narrow(1, 1, k * k - 1).sum(0).abs().max().item<double>(), 1e-13);
  // Atom (j1, j2) = A[:, j1] A[:, j2]^T with A[i][j] proportional to
  // cos(pi j (i + 1/2) / k) minus its mean: check atom (3, 5) by hand.
  at::Tensor c3 = at::empty({p}, at::kDouble), c5 = at::empty({p}, at::kDouble);
  for (int64_t i = 0; i < p; ++i) {
    c3[i] = std::cos(M_PI * 3 * (i + 0.5) / k);
    c5[i] = std::cos(M_PI * 5 * (i + 0.5) / k);
  }
  c3 = c3 - c3.mean();
  c5 = c5 - c5.mean();
  c3 = c3 / c3.norm();
  c5 = c5 / c5.norm();
  const at::Tensor atom = at::outer(c3, c5).reshape({-1});
  EXPECT_TRUE(at::allclose(d.select(1, 3 * k + 5), atom, 0, 1e-14));
  // A float dictionary on request.
  EXPECT_EQ(OvercompleteDctDictionary(p, k * k, at::kFloat)->scalar_type(), at::kFloat);
}

TEST(DctDictionaryTest, BadSizesAreErrors) {
  EXPECT_FALSE(OvercompleteDctDictionary(8, 200).ok());  // not a square
  EXPECT_FALSE(OvercompleteDctDictionary(8, 49).ok());   // k = 7 < p
  EXPECT_FALSE(OvercompleteDctDictionary(0, 1).ok());
  EXPECT_FALSE(OvercompleteDctDictionary(8, 0).ok());
  EXPECT_FALSE(OvercompleteDctDictionary(8, 64, at::kLong).ok());
  EXPECT_FALSE(DctDictionary1d(4, 3).ok());
  const auto e = OvercompleteDctDictionary(8, 200);
  EXPECT_NE(e.status().message().find("perfect square"), std::string::npos);
}

}  // namespace
}  // namespace sparselab
