#include "lib/restoration/omp.h"

#include <cmath>
#include <limits>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

at::Generator Seeded(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

at::Tensor RandomDictionary(int64_t d, int64_t k, at::Generator g) {
  at::Tensor dict = at::randn({d, k}, g, at::kDouble);
  return dict / dict.norm(2, {0}, true);
}

struct TwinResult {
  at::Tensor code;                  // (K)
  std::vector<double> residual_sq;  // after 0, 1, 2, ... atoms
};

// Textbook OMP (Pati, Rezaiifar & Krishnaprasad 1993) on one signal: the atom
// most correlated with the explicit residual, then least squares on the
// support by the normal equations, the residual recomputed from scratch.
TwinResult TextbookOmp(const at::Tensor& x, const at::Tensor& dict, int64_t max_atoms,
                       double epsilon) {
  TwinResult out;
  out.code = at::zeros({dict.size(1)}, at::kDouble);
  std::vector<int64_t> support;
  at::Tensor r = x.clone();
  out.residual_sq.push_back(r.pow(2).sum().item<double>());
  while (static_cast<int64_t>(support.size()) < max_atoms &&
         !(epsilon >= 0 && out.residual_sq.back() <= epsilon)) {
    support.push_back(dict.t().mv(r).abs().argmax().item<int64_t>());
    const at::Tensor di = dict.index_select(1, at::tensor(support, at::kLong));
    const at::Tensor gamma = at::linalg_solve(di.t().mm(di), di.t().mv(x));
    r = x - di.mv(gamma);
    out.residual_sq.push_back(r.pow(2).sum().item<double>());
    out.code.zero_();
    out.code.index_put_({at::tensor(support, at::kLong)}, gamma);
  }
  return out;
}

TEST(OmpTest, MatchesTextbookOmpOnRandomData) {
  at::Generator g = Seeded(11);
  const at::Tensor dict = RandomDictionary(16, 40, g);
  const at::Tensor x = at::randn({30, 16}, g, at::kDouble);
  for (int64_t atoms : {1, 3, 7, 16}) {
    const OmpResult res = *BatchOmp(x, dict, OmpOptions().max_atoms(atoms));
    for (int64_t n = 0; n < 30; ++n) {
      const TwinResult twin = TextbookOmp(x[n], dict, atoms, -1);
      // The same support (non-zero pattern) and coefficients.
      EXPECT_TRUE(((res.codes[n] != 0) == (twin.code != 0)).all().item<bool>())
          << n << " " << atoms;
      EXPECT_LT((res.codes[n] - twin.code).abs().max().item<double>(), 1e-10) << n << " " << atoms;
      EXPECT_EQ(res.atoms[n].item<int64_t>(), atoms);
      EXPECT_NEAR(res.residual_sq[n].item<double>(), twin.residual_sq.back(), 1e-10);
    }
  }
}

TEST(OmpTest, ErrorRuleStopsAtTheFirstSupportSizeMeetingIt) {
  at::Generator g = Seeded(5);
  const at::Tensor dict = RandomDictionary(20, 50, g);
  const at::Tensor x = at::randn({25, 20}, g, at::kDouble);
  const double epsilon = 6.0;  // E||x||^2 = 20: a few atoms each, differing between signals
  const OmpResult res = *BatchOmp(x, dict, OmpOptions().epsilon(epsilon));
  std::vector<int64_t> sizes;
  for (int64_t n = 0; n < 25; ++n) {
    const TwinResult full = TextbookOmp(x[n], dict, 20, -1);
    int64_t first = 0;
    while (full.residual_sq[first] > epsilon) ++first;
    EXPECT_EQ(res.atoms[n].item<int64_t>(), first) << n;
    EXPECT_LE(res.residual_sq[n].item<double>(), epsilon);
    if (first > 0) {
      EXPECT_GT(full.residual_sq[first - 1], epsilon);
    }
    const TwinResult twin = TextbookOmp(x[n], dict, 20, epsilon);
    EXPECT_LT((res.codes[n] - twin.code).abs().max().item<double>(), 1e-10) << n;
    sizes.push_back(first);
  }
  // Not all the same (the test would be weak otherwise).
  EXPECT_NE(*std::min_element(sizes.begin(), sizes.end()),
            *std::max_element(sizes.begin(), sizes.end()));
  // Both rules: whichever comes first.
  const OmpResult capped = *BatchOmp(x, dict, OmpOptions().epsilon(epsilon).max_atoms(2));
  for (int64_t n = 0; n < 25; ++n) {
    EXPECT_EQ(capped.atoms[n].item<int64_t>(), std::min<int64_t>(2, sizes[n]));
  }
  // A signal already within epsilon gets the zero code.
  const OmpResult zero = *BatchOmp(0.1 * x.narrow(0, 0, 3), dict, OmpOptions().epsilon(epsilon));
  EXPECT_EQ(zero.atoms.sum().item<int64_t>(), 0);
  EXPECT_EQ(zero.codes.abs().sum().item<double>(), 0.0);
}

TEST(OmpTest, RecoversSparseSignalsExactly) {
  at::Generator g = Seeded(2);
  const int64_t d = 64, k_atoms = 128, k = 4, n = 40;
  const at::Tensor dict = RandomDictionary(d, k_atoms, g);
  at::Tensor truth = at::zeros({n, k_atoms}, at::kDouble);
  for (int64_t i = 0; i < n; ++i) {
    const at::Tensor support = at::randperm(k_atoms, g, at::kLong).narrow(0, 0, k);
    const at::Tensor mag = 1 + at::rand({k}, g, at::kDouble);
    const at::Tensor sign = at::where(at::rand({k}, g, at::kDouble) < 0.5, -1.0, 1.0);
    truth[i].index_put_({support}, mag * sign);
  }
  const at::Tensor x = truth.mm(dict.t());
  const OmpResult by_count = *BatchOmp(x, dict, OmpOptions().max_atoms(k));
  EXPECT_LT((by_count.codes - truth).abs().max().item<double>(), 1e-10);
  const OmpResult by_error = *BatchOmp(x, dict, OmpOptions().epsilon(1e-9));
  EXPECT_LT((by_error.codes - truth).abs().max().item<double>(), 1e-10);
  EXPECT_TRUE((by_error.atoms == k).all().item<bool>());
  EXPECT_LT(by_error.residual_sq.max().item<double>(), 1e-20);
  // Float in, float out (computed in double).
  const OmpResult f = *BatchOmp(x.to(at::kFloat), dict.to(at::kFloat), OmpOptions().max_atoms(k));
  EXPECT_EQ(f.codes.scalar_type(), at::kFloat);
  EXPECT_LT((f.codes.to(at::kDouble) - truth).abs().max().item<double>(), 1e-4);
}

TEST(OmpTest, StopsAtLinearDependence) {
  // An orthonormal basis of R^4 plus copies: after 4 atoms the residual is 0
  // and no fifth atom can be added, whatever max_atoms says.
  at::Tensor dict = at::cat({at::eye(4, at::kDouble), at::eye(4, at::kDouble)}, 1);
  const at::Tensor x = at::tensor({1.0, -2.0, 3.0, 0.5}, at::kDouble).view({1, 4});
  const OmpResult res = *BatchOmp(x, dict, OmpOptions().max_atoms(8));
  EXPECT_EQ(res.atoms[0].item<int64_t>(), 4);
  EXPECT_LT((res.codes.mm(dict.t()) - x).abs().max().item<double>(), 1e-14);
  EXPECT_NEAR(KsvdErrorTarget(8, 25.0 / 255), 64 * std::pow(1.15 * 25.0 / 255, 2), 1e-15);
}

TEST(OmpTest, BadInputsAreClearErrors) {
  at::Generator g = Seeded(1);
  const at::Tensor dict = RandomDictionary(8, 12, g);
  const at::Tensor x = at::randn({5, 8}, g, at::kDouble);
  auto expect_error = [](const absl::StatusOr<OmpResult>& r, const std::string& part) {
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(part), std::string::npos) << r.status().message();
  };
  expect_error(BatchOmp(x, dict, OmpOptions().max_atoms(13)), "max_atoms");
  expect_error(BatchOmp(x, dict, OmpOptions().max_atoms(-1)), "max_atoms");
  expect_error(BatchOmp(x, dict, OmpOptions()), "no stopping rule");
  expect_error(BatchOmp(x, dict, OmpOptions().epsilon(std::numeric_limits<double>::quiet_NaN())),
               "NaN");
  at::Tensor nan_x = x.clone();
  nan_x[2][3] = std::numeric_limits<double>::quiet_NaN();
  expect_error(BatchOmp(nan_x, dict, OmpOptions().max_atoms(2)), "NaN");
  at::Tensor nan_d = dict.clone();
  nan_d[0][0] = std::numeric_limits<double>::infinity();
  expect_error(BatchOmp(x, nan_d, OmpOptions().max_atoms(2)), "NaN");
  expect_error(BatchOmp(x.narrow(1, 0, 7), dict, OmpOptions().max_atoms(2)), "(d, K)");
  expect_error(BatchOmp(x, 2 * dict, OmpOptions().max_atoms(2)), "unit norm");
  expect_error(BatchOmp(x.view({-1}), dict, OmpOptions().max_atoms(2)), "2-D");
  expect_error(BatchOmp(x.to(at::kLong), dict, OmpOptions().max_atoms(2)), "floating");
  expect_error(BatchOmp(at::Tensor(), dict, OmpOptions().max_atoms(2)), "undefined");
}

}  // namespace
}  // namespace sparselab
