#include "lib/nn/sparse_coding.h"

#include <cmath>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <ATen/ATen.h>

#include "gtest/gtest.h"
#include "lib/nn/data_parallel_hooks.h"

namespace sparselab {
namespace {

struct Variant {
  std::string name;
  SparseCodingOptions options;
};

// Every solver configuration the library offers.
std::vector<Variant> AllVariants(double lambda, bool non_negative) {
  std::vector<Variant> out;
  auto base = SparseCodingOptions().lambda(lambda).non_negative(non_negative);
  out.push_back({"ista", SparseCodingOptions(base).solver(SparseSolver::kIsta)});
  out.push_back({"fista", SparseCodingOptions(base).solver(SparseSolver::kFista)});
  out.push_back({"fista_restart", SparseCodingOptions(base).solver(SparseSolver::kFista).restart(true)});
  out.push_back({"fista_backtracking",
                 SparseCodingOptions(base).solver(SparseSolver::kFista).backtracking(true).backtracking_l0(0.05)});
  out.push_back({"ista_backtracking",
                 SparseCodingOptions(base).solver(SparseSolver::kIsta).backtracking(true).backtracking_l0(0.05)});
  out.push_back({"lca", SparseCodingOptions(base).solver(SparseSolver::kLca)});
  return out;
}

at::Tensor RandomDictionary(int64_t d, int64_t k, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  at::Tensor dict = at::randn({d, k}, gen, at::kDouble);
  return NormalizeColumns(dict);
}

at::Tensor RandomInputs(int64_t n, int64_t d, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::randn({n, d}, gen, at::kDouble);
}

TEST(SoftThresholdTest, HandComputed) {
  const at::Tensor v = at::tensor({-3.0, -0.5, 0.0, 0.5, 2.0}, at::kDouble);
  EXPECT_TRUE(at::allclose(SoftThreshold(v, 1.0), at::tensor({-2.0, 0.0, 0.0, 0.0, 1.0}, at::kDouble)));
  EXPECT_TRUE(at::allclose(SoftThreshold(v, 1.0, true), at::tensor({0.0, 0.0, 0.0, 0.0, 1.0}, at::kDouble)));
}

TEST(SparseCodingObjectiveTest, HandComputed) {
  // D = [[1, 0], [1, 2]], z = (1, -1): Dz = (1, -1), x = (0, 1): r = (1, -2).
  const at::Tensor d = at::tensor({1.0, 0.0, 1.0, 2.0}, at::kDouble).view({2, 2});
  const at::Tensor x = at::tensor({0.0, 1.0}, at::kDouble).view({1, 2});
  const at::Tensor z = at::tensor({1.0, -1.0}, at::kDouble).view({1, 2});
  EXPECT_DOUBLE_EQ(SparseCodingObjective(x, d, z, 0.5).item<double>(), 0.5 * 5 + 0.5 * 2);
}

TEST(SparseCodingLipschitzTest, MatchesTheSquaredSpectralNormFromAbove) {
  for (uint64_t seed : {1, 2, 3}) {
    const at::Tensor d = RandomDictionary(30, 70, seed);
    const double exact = std::pow(at::linalg_svdvals(d)[0].item<double>(), 2);
    const double l = SparseCodingLipschitz(d);
    EXPECT_GE(l, exact);
    EXPECT_LE(l, exact * 1.0011);
  }
}

// With orthonormal atoms the problem separates: z* = T(D^T x) exactly.
TEST(SparseEncodeTest, OrthonormalDictionaryGivesTheSoftThresholdOfDtX) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  const at::Tensor q = std::get<0>(at::linalg_qr(at::randn({12, 12}, gen, at::kDouble)));
  const at::Tensor x = RandomInputs(5, 12, 8);
  const double lambda = 0.4;
  for (bool nonneg : {false, true}) {
    const at::Tensor expected = SoftThreshold(x.mm(q), lambda, nonneg);
    ASSERT_GT((expected != 0).sum().item<int64_t>(), 10);
    ASSERT_GT((expected == 0).sum().item<int64_t>(), 5);
    for (Variant v : AllVariants(lambda, nonneg)) {
      v.options.tol(1e-13).max_iter(5000);
      const SparseCodeResult r = SparseEncode(x, q, v.options);
      EXPECT_TRUE(r.converged) << v.name;
      EXPECT_LT((r.z - expected).abs().max().item<double>(), 1e-9) << v.name << " nonneg=" << nonneg;
    }
  }
}

// Optimality of the returned code: D_j^T r = lambda sign(z_j) on the support,
// |D_j^T r| <= lambda off it (D_j^T r <= lambda and z >= 0 when non-negative).
TEST(SparseEncodeTest, KktConditionsHoldAtTheSolution) {
  const at::Tensor d = RandomDictionary(20, 50, 11);
  const at::Tensor x = RandomInputs(8, 20, 12);
  const double lambda = 0.3;
  for (bool nonneg : {false, true}) {
    for (Variant v : AllVariants(lambda, nonneg)) {
      v.options.tol(1e-12).max_iter(200000);
      const SparseCodeResult r = SparseEncode(x, d, v.options);
      ASSERT_TRUE(r.converged) << v.name;
      const at::Tensor corr = (x - r.z.mm(d.t())).mm(d);  // D^T r per row
      const at::Tensor on = r.z != 0;
      ASSERT_GT(on.sum().item<int64_t>(), 8) << v.name;
      ASSERT_LT(on.sum().item<int64_t>(), 8 * 50) << v.name;
      const double on_error =
          (corr - lambda * at::sign(r.z)).masked_fill(on.logical_not(), 0).abs().max().item<double>();
      EXPECT_LT(on_error, 1e-6) << v.name << " nonneg=" << nonneg;
      const at::Tensor off = (nonneg ? corr : corr.abs()).masked_fill(on, 0);
      EXPECT_LE(off.max().item<double>(), lambda + 1e-6) << v.name << " nonneg=" << nonneg;
      if (nonneg) EXPECT_GE(r.z.min().item<double>(), 0.0) << v.name;
    }
  }
}

// A reference F* and z* from a long FISTA run.
SparseCodeResult Reference(const at::Tensor& x, const at::Tensor& d, double lambda) {
  return SparseEncode(x, d, SparseCodingOptions().lambda(lambda).tol(1e-14).max_iter(200000)
                                .record_objective(true));
}

// Beck & Teboulle 2009, Theorems 3.1 and 4.4 (per row, averaged: the objective
// is the mean over rows and ||z0 - z*||^2 the mean squared distance).
TEST(SparseEncodeTest, IstaAndFistaGapsStayBelowBeckTeboulleBounds) {
  // An ill-conditioned dictionary: singular values from 1 down to 0.1
  // (condition number 100 of D^T D), where momentum matters.
  auto gen = at::make_generator<at::CPUGeneratorImpl>(21);
  const at::Tensor u = std::get<0>(at::linalg_qr(at::randn({16, 16}, gen, at::kDouble)));
  const at::Tensor w = std::get<0>(at::linalg_qr(at::randn({16, 16}, gen, at::kDouble)));
  const at::Tensor d = u.mm(at::diag(at::logspace(0, -1, 16, 10.0, at::kDouble))).mm(w.t());
  const at::Tensor x = RandomInputs(6, 16, 23);
  const double lambda = 0.01;
  const SparseCodeResult ref = Reference(x, d, lambda);
  ASSERT_TRUE(ref.converged);
  const double f_star = ref.objective.back();
  const double r0 = ref.z.pow(2).sum().item<double>() / x.size(0);  // z0 = 0
  const int64_t iters = 400;
  auto ista = SparseEncode(x, d, SparseCodingOptions().lambda(lambda).solver(SparseSolver::kIsta)
                                     .tol(0).max_iter(iters).record_objective(true));
  auto fista = SparseEncode(x, d, SparseCodingOptions().lambda(lambda).solver(SparseSolver::kFista)
                                      .tol(0).max_iter(iters).record_objective(true));
  ASSERT_EQ(ista.objective.size(), static_cast<size_t>(iters + 1));
  ASSERT_EQ(fista.objective.size(), static_cast<size_t>(iters + 1));
  bool ista_above_fista_bound = false;
  for (int64_t k = 1; k <= iters; ++k) {
    const double ista_bound = ista.lipschitz * r0 / (2.0 * k);
    const double fista_bound = 2.0 * fista.lipschitz * r0 / ((k + 1.0) * (k + 1.0));
    EXPECT_LE(ista.objective[k] - f_star, ista_bound + 1e-12) << "ISTA k=" << k;
    EXPECT_LE(fista.objective[k] - f_star, fista_bound + 1e-12) << "FISTA k=" << k;
    EXPECT_GE(ista.objective[k] - f_star, -1e-12);
    // ISTA is monotone.
    EXPECT_LE(ista.objective[k], ista.objective[k - 1] + 1e-15) << k;
    if (ista.objective[k] - f_star > fista_bound) ista_above_fista_bound = true;
  }
  // The FISTA bound is a real constraint on this problem: plain ISTA breaks it.
  EXPECT_TRUE(ista_above_fista_bound);
}

// In float32, near the solution the sufficient-decrease test compares sums
// whose rounding exceeds the true margin; the search must stop at L_f (Beck &
// Teboulle: L_k <= eta L_f) instead of growing L without end, and still
// converge to the double-precision solution.
TEST(SparseEncodeTest, BacktrackingInFloat32StopsAtEtaTimesLipschitz) {
  const at::Tensor d = RandomDictionary(40, 120, 35);
  const at::Tensor x = RandomInputs(60, 40, 36);
  const double lambda = 0.1;
  const SparseCodeResult ref = Reference(x, d, lambda);
  const double l_f = SparseCodingLipschitz(d);
  for (SparseSolver solver : {SparseSolver::kIsta, SparseSolver::kFista}) {
    const auto o = SparseCodingOptions().lambda(lambda).solver(solver).backtracking(true)
                       .backtracking_l0(0.01).tol(0).max_iter(3000);
    const SparseCodeResult r = SparseEncode(x.to(at::kFloat), d.to(at::kFloat), o);
    EXPECT_LE(r.lipschitz, 2.0 * l_f * (1 + 1e-5)) << SparseSolverName(solver);
    EXPECT_GT(r.lipschitz, 0.01) << SparseSolverName(solver);
    const double f = SparseCodingObjective(x, d, r.z.to(at::kDouble), lambda).mean().item<double>();
    const double f_star = SparseCodingObjective(x, d, ref.z, lambda).mean().item<double>();
    EXPECT_LT((f - f_star) / f_star, 1e-4) << SparseSolverName(solver);
  }
}

TEST(SparseEncodeTest, WarmStartAtTheSolutionStopsAtOnce) {
  const at::Tensor d = RandomDictionary(10, 25, 31);
  const at::Tensor x = RandomInputs(4, 10, 32);
  const SparseCodeResult ref = Reference(x, d, 0.2);
  for (Variant v : AllVariants(0.2, false)) {
    v.options.tol(1e-6);
    const SparseCodeResult r = SparseEncode(x, d, v.options, ref.z);
    EXPECT_EQ(r.iterations, 1) << v.name;
    EXPECT_TRUE(r.converged) << v.name;
  }
}

TEST(SparseEncodeTest, LambdaAboveMaxCorrelationGivesZero) {
  const at::Tensor d = RandomDictionary(10, 25, 41);
  const at::Tensor x = RandomInputs(4, 10, 42);
  const double lambda_max = x.mm(d).abs().max().item<double>();
  for (Variant v : AllVariants(lambda_max * 1.01, false)) {
    const SparseCodeResult r = SparseEncode(x, d, v.options);
    EXPECT_EQ((r.z != 0).sum().item<int64_t>(), 0) << v.name;
  }
}

TEST(ValidateSparseCodingInputsTest, NamesTheProblem) {
  const at::Tensor d = RandomDictionary(10, 25, 51);
  const at::Tensor x = RandomInputs(4, 10, 52);
  EXPECT_TRUE(ValidateSparseCodingInputs(x, d, SparseCodingOptions()).ok());
  auto msg = [&](const at::Tensor& xx, const at::Tensor& dd, const SparseCodingOptions& o) {
    return std::string(ValidateSparseCodingInputs(xx, dd, o).message());
  };
  EXPECT_NE(msg(RandomInputs(4, 9, 1), d, {}).find("X has d = 9 columns but D has 10 rows"),
            std::string::npos);
  at::Tensor bad = x.clone();
  bad[2][3] = NAN;
  EXPECT_NE(msg(bad, d, {}).find("non-finite value (NaN or infinity) in X at row 2, column 3"),
            std::string::npos);
  EXPECT_NE(msg(x, d, SparseCodingOptions().lambda(-1)).find("lambda must be a finite number >= 0"),
            std::string::npos);
  EXPECT_NE(msg(at::zeros({0, 10}, at::kDouble), d, {}).find("non-empty"), std::string::npos);
  EXPECT_THROW(SparseEncode(bad, d, {}), c10::Error);
}

TEST(ParseSparseSolverTest, NamesRoundTrip) {
  for (auto s : {SparseSolver::kIsta, SparseSolver::kFista, SparseSolver::kLca}) {
    EXPECT_EQ(*ParseSparseSolver(SparseSolverName(s)), s);
  }
  EXPECT_NE(ParseSparseSolver("omp").status().message().find("use ista, fista or lca"),
            std::string::npos);
}

// One step by hand: D' = normalise(D + lr/N R^T Z) with Z the code of D.
TEST(SparseDictionaryTest, StepIsAGradientStepThenColumnNormalisation) {
  at::manual_seed(3);
  SparseDictionary dict(SparseDictionaryOptions(6, 9).learning_rate(0.7).coding(
      SparseCodingOptions().lambda(0.1).tol(1e-12).max_iter(50000)));
  dict->to(at::kDouble);
  const at::Tensor x = RandomInputs(5, 6, 61);
  const at::Tensor d0 = dict->dictionary.clone();
  const at::Tensor z = SparseEncode(x, d0, dict->options.coding()).z;
  at::Tensor expected = d0 + 0.7 / 5 * (x - z.mm(d0.t())).t().mm(z);
  NormalizeColumns(expected);
  const DictionaryStepStats stats = dict->Step(x);
  EXPECT_LT((dict->dictionary - expected).abs().max().item<double>(), 1e-9);
  EXPECT_NEAR(stats.active_fraction, (z != 0).to(at::kDouble).mean().item<double>(), 1e-12);
  EXPECT_NEAR(stats.objective, SparseCodingObjective(x, d0, z, 0.1).mean().item<double>(), 1e-9);
  EXPECT_TRUE(at::allclose(dict->dictionary.norm(2, {0}), at::ones({9}, at::kDouble)));
}

// Data made from a known dictionary with 3-sparse codes: learning recovers its atoms.
TEST(SparseDictionaryTest, RecoversAPlantedDictionary) {
  at::manual_seed(5);
  const int64_t d = 16, k = 24;
  const at::Tensor truth = RandomDictionary(d, k, 71);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(72);
  SparseDictionary dict(SparseDictionaryOptions(d, k).learning_rate(3.0).coding(
      SparseCodingOptions().lambda(0.05).tol(1e-4).max_iter(1000)));
  for (int step = 0; step < 300; ++step) {
    at::Tensor codes = at::zeros({128, k}, at::kDouble);
    const at::Tensor support = at::rand({128, k}, gen, at::kDouble).argsort(int64_t{1}, false).narrow(1, 0, 3);
    codes.scatter_(1, support, 0.5 + at::rand({128, 3}, gen, at::kDouble));
    const at::Tensor x = codes.mm(truth.t()).to(at::kFloat);
    dict->Step(x);
  }
  const at::Tensor cos = dict->dictionary.to(at::kDouble).t().mm(truth).abs();  // (learned, true)
  const at::Tensor best = std::get<0>(cos.max(0));
  EXPECT_GE((best > 0.95).sum().item<int64_t>(), k - 2) << best;
}

TEST(SparseDictionaryTest, TargetActivityAdaptsLambda) {
  at::manual_seed(9);
  SparseDictionary dict(SparseDictionaryOptions(10, 20).learning_rate(0.5).target_activity(0.1)
                            .lambda_adaptation(0.1)
                            .coding(SparseCodingOptions().lambda(0.001).tol(1e-4).max_iter(500)));
  auto gen = at::make_generator<at::CPUGeneratorImpl>(81);
  double active = 0;
  for (int step = 0; step < 600; ++step) {
    active = dict->Step(at::randn({100, 10}, gen)).active_fraction;
  }
  EXPECT_GT(dict->lambda(), 0.01);  // raised from 0.001
  EXPECT_NEAR(active, 0.1, 0.03);
}

// Two "processes" as two threads, each with its own hooks (the hooks are per
// thread): sum_counts adds both ranks' tensors in rank order, as an
// all-reduce would, and both ranks read the same sum.
class TwoRankSum {
 public:
  DataParallelHooks HooksFor(int rank) {
    DataParallelHooks h;
    h.sum_counts = [this, rank](at::Tensor& counts, int64_t& batch) { Sum(rank, counts, batch); };
    return h;
  }

 private:
  void Sum(int rank, at::Tensor& counts, int64_t& batch) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !posted_[rank]; });  // the previous round was read
    in_[rank] = counts.clone();
    batch_in_[rank] = batch;
    posted_[rank] = true;
    const int64_t round = round_;
    if (posted_[0] && posted_[1]) {
      sum_ = in_[0] + in_[1];
      batch_sum_ = batch_in_[0] + batch_in_[1];
      ++round_;
      cv_.notify_all();
    }
    cv_.wait(lock, [&] { return round_ > round; });
    counts.copy_(sum_);
    batch = batch_sum_;
    if (++read_ == 2) {
      read_ = 0;
      posted_[0] = posted_[1] = false;
      cv_.notify_all();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  at::Tensor in_[2], sum_;
  int64_t batch_in_[2] = {0, 0}, batch_sum_ = 0, round_ = 0;
  bool posted_[2] = {false, false};
  int read_ = 0;
};

// Data parallelism: two ranks stepping on the two halves of each batch take
// the step one process takes on the whole batch (dictionary, objective,
// active share and the adapted lambda), and stay identical to each other.
TEST(SparseDictionaryTest, TwoRanksOnHalfBatchesStepLikeOneOnTheWholeBatch) {
  at::manual_seed(13);
  const auto options = SparseDictionaryOptions(8, 12).learning_rate(0.9).target_activity(0.2)
                           .lambda_adaptation(0.1)
                           .coding(SparseCodingOptions().lambda(0.05).tol(1e-13).max_iter(100000));
  SparseDictionary whole(options);
  whole->to(at::kDouble);
  SparseDictionary rank0 = std::dynamic_pointer_cast<SparseDictionaryImpl>(whole->clone());
  SparseDictionary rank1 = std::dynamic_pointer_cast<SparseDictionaryImpl>(whole->clone());
  std::vector<at::Tensor> batches;
  for (int step = 0; step < 4; ++step) batches.push_back(RandomInputs(10, 8, 90 + step));
  std::vector<DictionaryStepStats> expected;
  for (const at::Tensor& x : batches) expected.push_back(whole->Step(x));

  TwoRankSum sum;
  std::vector<DictionaryStepStats> got[2];
  auto run = [&](int rank, SparseDictionary dict) {
    const DataParallelHooks hooks = sum.HooksFor(rank);
    ScopedDataParallelHooks scoped(&hooks);
    // Uneven shards (6 and 4 rows) so that the global batch size matters.
    for (const at::Tensor& x : batches) {
      got[rank].push_back(dict->Step(rank == 0 ? x.narrow(0, 0, 6) : x.narrow(0, 6, 4)));
    }
  };
  std::thread t0(run, 0, rank0), t1(run, 1, rank1);
  t0.join();
  t1.join();
  EXPECT_TRUE(at::equal(rank0->dictionary, rank1->dictionary));
  EXPECT_EQ(rank0->lambda(), rank1->lambda());
  EXPECT_LT((rank0->dictionary - whole->dictionary).abs().max().item<double>(), 1e-9);
  EXPECT_NEAR(rank0->lambda(), whole->lambda(), 1e-12);
  EXPECT_NE(whole->lambda(), 0.05);  // the adaptation ran
  for (size_t i = 0; i < batches.size(); ++i) {
    for (int rank = 0; rank < 2; ++rank) {
      EXPECT_NEAR(got[rank][i].objective, expected[i].objective, 1e-10) << i;
      EXPECT_NEAR(got[rank][i].active_fraction, expected[i].active_fraction, 1e-12) << i;
    }
  }
}

}  // namespace
}  // namespace sparselab
