#include "lib/restoration/hybrid_prior.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/modules/conv.h>

#include "gtest/gtest.h"
#include "lib/restoration/dct_dictionary.h"
#include "lib/restoration/noise.h"
#include "lib/restoration/quality.h"
#include "lib/restoration/sparse_denoise.h"

namespace sparselab {
namespace {

at::Generator Seeded(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// The smooth 32 x 32 image of sparse_denoise_test.
at::Tensor SmoothImage() {
  const at::Tensor i = at::arange(32, at::kDouble).view({32, 1});
  const at::Tensor j = at::arange(32, at::kDouble).view({1, 32});
  const double w = 2 * M_PI / 32;
  return 0.5 + 0.2 * at::cos(w * i + 0.4) + 0.15 * at::cos(2 * w * j + 1.0) +
         0.1 * at::cos(w * (i + j));
}

at::Tensor Noisy(const at::Tensor& clean) {
  return *AddGaussianNoise(clean, GaussianNoiseOptions{25.0, false}, Seeded(7));
}

// Per-row objective ||y - D a||^2 + sum_k lambda_k |a_k - mu_k|.
at::Tensor PriorObjective(const at::Tensor& y, const at::Tensor& d, const at::Tensor& mu,
                          const at::Tensor& lam, const at::Tensor& a) {
  return (y - a.mm(d.t())).pow(2).sum(1) + ((a - mu).abs() * lam.view({1, -1})).sum(1);
}

TEST(HybridPriorTest, SoftThresholdAroundByHand) {
  // v - mu = (2, -2, -0.5, 0.7), threshold 1 -> (1, -1, 0, 0) around mu.
  const at::Tensor v = at::tensor({3.0, -1.0, 0.5, 1.7}, at::kDouble);
  const at::Tensor mu = at::tensor({1.0, 1.0, 1.0, 1.0}, at::kDouble);
  const at::Tensor out = SoftThresholdAround(v, mu, at::full({}, 1.0, at::kDouble));
  EXPECT_TRUE(out.equal(at::tensor({2.0, 0.0, 1.0, 1.0}, at::kDouble)));
  // Per-coefficient thresholds (0, 3, 0.25, 0.5): (3, 1, 0.75, 1.2).
  const at::Tensor per = SoftThresholdAround(v, mu, at::tensor({0.0, 3.0, 0.25, 0.5}, at::kDouble));
  EXPECT_TRUE(at::allclose(per, at::tensor({3.0, 1.0, 0.75, 1.2}, at::kDouble), 0, 1e-15));
  // mu = 0 is the ordinary soft threshold.
  EXPECT_TRUE(SoftThresholdAround(v, at::zeros_like(v), at::full({}, 1.0, at::kDouble))
                  .equal(at::tensor({2.0, 0.0, 0.0, 0.7}, at::kDouble)));
}

TEST(HybridPriorTest, CodesAroundPriorMinimiseTheObjective) {
  at::Generator g = Seeded(3);
  const at::Tensor lam = 0.2 + at::rand({16}, g, at::kDouble);
  const at::Tensor y = at::randn({10, 16}, g, at::kDouble);
  const at::Tensor mu = at::randn({10, 16}, g, at::kDouble);
  // Orthonormal (a rotated DCT): closed form; FISTA agrees.
  const at::Tensor q = std::get<0>(at::linalg_qr(at::randn({16, 16}, g, at::kDouble)));
  const at::Tensor closed = *CodesAroundPrior(y, q, mu, lam);
  EXPECT_TRUE(at::allclose(closed, SoftThresholdAround(y.mm(q), mu, lam / 2), 0, 1e-15));
  const at::Tensor iterative =
      *CodesAroundPrior(y, q, mu, lam,
                        PriorCodingOptions().force_iterative(true).fista(
                            SparseCodingOptions().max_iter(5000).tol(1e-12)));
  EXPECT_LT((iterative - closed).abs().max().item<double>(), 1e-6);
  // Overcomplete: the FISTA result is a minimum; random perturbations never lower it.
  at::Tensor d = at::randn({16, 40}, g, at::kDouble);
  d = d / d.norm(2, {0}, true);
  const at::Tensor lam40 = 0.2 + at::rand({40}, g, at::kDouble);
  const at::Tensor mu40 = at::randn({10, 40}, g, at::kDouble);
  const at::Tensor a = *CodesAroundPrior(y, d, mu40, lam40);
  const at::Tensor best = PriorObjective(y, d, mu40, lam40, a);
  for (int t = 0; t < 20; ++t) {
    const at::Tensor other = a + 1e-3 * at::randn(a.sizes(), g, at::kDouble);
    EXPECT_TRUE((PriorObjective(y, d, mu40, lam40, other) >= best - 1e-10).all().item<bool>());
  }
  EXPECT_TRUE((best <= PriorObjective(y, d, mu40, lam40, mu40) + 1e-12).all().item<bool>());
  // Bad input.
  EXPECT_FALSE(CodesAroundPrior(y, q, mu, at::zeros({16}, at::kDouble)).ok());
  EXPECT_FALSE(CodesAroundPrior(y, q, mu, lam.narrow(0, 0, 15)).ok());
  EXPECT_FALSE(CodesAroundPrior(y, q, mu.narrow(0, 0, 9), lam).ok());
  EXPECT_FALSE(CodesAroundPrior(y.narrow(1, 0, 15), q, mu, lam).ok());
  EXPECT_FALSE(CodesAroundPrior(y * std::numeric_limits<double>::quiet_NaN(), q, mu, lam).ok());
}

TEST(HybridPriorTest, NonLocalMeanByHand) {
  // 2 x 4 image, 2 x 2 patches at columns 0, 1, 2:
  //   P0 = (0 0 0 0), P1 = (0 1 0 1), P2 = (1 3 1 3);
  //   ||P0 - P1||^2 = 2, ||P0 - P2||^2 = 20, ||P1 - P2||^2 = 10.
  // Codes (K = 1) 1, 10, 100; h = 2.
  const at::Tensor img =
      at::tensor({0.0, 0.0, 1.0, 3.0, 0.0, 0.0, 1.0, 3.0}, at::kDouble).view({2, 4});
  const ImagePatches ps = *ExtractPatches(img, 2, 1);
  const at::Tensor codes = at::tensor({1.0, 10.0, 100.0}, at::kDouble).view({3, 1});
  const double e1 = std::exp(-1.0), e5 = std::exp(-5.0), e10 = std::exp(-10.0);
  const at::Tensor two = *NonLocalCodeMean(ps, codes, NonLocalMeanOptions().neighbours(2).h(2));
  EXPECT_NEAR(two[0][0].item<double>(), (1 + 10 * e1) / (1 + e1), 1e-14);
  EXPECT_NEAR(two[1][0].item<double>(), (10 + 1 * e1) / (1 + e1), 1e-14);
  EXPECT_NEAR(two[2][0].item<double>(), (100 + 10 * e5) / (1 + e5), 1e-13);
  const at::Tensor three = *NonLocalCodeMean(ps, codes, NonLocalMeanOptions().neighbours(3).h(2));
  EXPECT_NEAR(three[0][0].item<double>(), (1 + 10 * e1 + 100 * e10) / (1 + e1 + e10), 1e-14);
  // A search radius of 1 column: patch 0 no longer sees patch 2.
  const at::Tensor near =
      *NonLocalCodeMean(ps, codes, NonLocalMeanOptions().neighbours(3).h(2).search_radius(1));
  EXPECT_NEAR(near[0][0].item<double>(), (1 + 10 * e1) / (1 + e1), 1e-14);
  EXPECT_NEAR(near[1][0].item<double>(), (10 + e1 + 100 * e5) / (1 + e1 + e5), 1e-13);
  // min_offset 2: only patches 2 or more columns apart. Patch 0 sees patch 2
  // alone, patch 1 nobody (it keeps its own code), patch 2 sees patch 0.
  const at::Tensor far =
      *NonLocalCodeMean(ps, codes, NonLocalMeanOptions().neighbours(3).h(2).min_offset(2));
  EXPECT_TRUE(far.equal(at::tensor({100.0, 10.0, 1.0}, at::kDouble).view({3, 1})));
  // Weights relative to the nearest: no underflow for far-apart patches.
  const at::Tensor tiny_h =
      *NonLocalCodeMean(ps, codes, NonLocalMeanOptions().neighbours(3).h(1e-3).min_offset(1));
  EXPECT_TRUE(tiny_h.equal(at::tensor({10.0, 1.0, 10.0}, at::kDouble).view({3, 1})));
  // Bad input.
  EXPECT_FALSE(NonLocalCodeMean(ps, codes, NonLocalMeanOptions().min_offset(-1)).ok());
  EXPECT_FALSE(NonLocalCodeMean(ps, codes.narrow(0, 0, 2), NonLocalMeanOptions()).ok());
  EXPECT_FALSE(NonLocalCodeMean(ps, codes, NonLocalMeanOptions().neighbours(0)).ok());
  EXPECT_FALSE(NonLocalCodeMean(ps, codes, NonLocalMeanOptions().h(0)).ok());
  EXPECT_FALSE(NonLocalCodeMean(ps, codes, NonLocalMeanOptions().search_radius(-1)).ok());
  EXPECT_FALSE(NonLocalCodeMean(ImagePatches(), codes, NonLocalMeanOptions()).ok());
}

TEST(HybridPriorTest, NonLocalMeanOfRepeatedBlocksIsTheBlocksOwnCode) {
  // A random 4 x 4 block tiled 6 x 6 times; every 4 x 4 patch (stride 1) has
  // exact copies 4 pixels apart (at least 9 within radius 8, corners
  // included), and every other patch is farther away.
  at::Generator g = Seeded(8);
  const at::Tensor block = at::rand({4, 4}, g, at::kDouble);
  const at::Tensor img = block.repeat({6, 6});
  const ImagePatches ps = *ExtractPatches(img, 4, 1);
  const at::Tensor d = *OvercompleteDctDictionary(4, 16);
  // Every copy gets the very same code row (a matrix product may round
  // identical rows differently by their place in the batch): the code of the
  // copy in the top-left 4 x 4 grid cell.
  const int64_t nc = static_cast<int64_t>(ps.grid_cols.size());
  std::vector<int64_t> canonical;
  for (int64_t n = 0; n < ps.values.size(0); ++n)
    canonical.push_back((n / nc) % 4 * nc + n % nc % 4);
  const at::Tensor codes = ps.values.mm(d).index_select(0, at::tensor(canonical, at::kLong));
  ASSERT_TRUE(at::allclose(codes, ps.values.mm(d), 0, 1e-14));
  const NonLocalMeanOptions o = NonLocalMeanOptions().search_radius(8).h(0.01);
  EXPECT_TRUE(NonLocalCodeMean(ps, codes, NonLocalMeanOptions(o).neighbours(2))->equal(codes));
  // Without the patch itself or any overlapping one: two copies 4 or more
  // pixels away, the same code.
  EXPECT_TRUE(NonLocalCodeMean(ps, codes, NonLocalMeanOptions(o).neighbours(2).min_offset(4))
                  ->equal(codes));
  for (int64_t m : {4, 9}) {
    const at::Tensor mean = *NonLocalCodeMean(ps, codes, NonLocalMeanOptions(o).neighbours(m));
    EXPECT_LT((mean - codes).abs().max().item<double>(), 1e-14) << m;
  }
  // With more neighbours than copies, other patches enter and it differs.
  const at::Tensor wide = *NonLocalCodeMean(ps, codes, NonLocalMeanOptions(o).neighbours(30).h(10));
  EXPECT_GT((wide - codes).abs().max().item<double>(), 1e-3);
}

TEST(HybridPriorTest, TrueCodesAsThePriorMeanBeatPlainSparseCoding) {
  const at::Tensor clean = SmoothImage();
  const at::Tensor noisy = Noisy(clean);
  const double plain_omp =
      *Psnr(SparseCodingDenoise(noisy, 25.0, SparseDenoiseOptions())->image, clean);
  const HybridPriorOptions o;
  // mu = 0: per-frequency soft thresholding (plain sparse coding with lambda_k).
  const double zero_mu =
      *Psnr(HybridPriorDenoiseWithEstimate(noisy, 25.0, at::Tensor(),
                                           HybridPriorOptions(o).use_internal(false))
                ->image,
            clean);
  // mu = the clean image's own codes.
  const double true_mu = *Psnr(
      HybridPriorDenoiseWithEstimate(noisy, 25.0, clean, HybridPriorOptions(o).external_weight(1.0))
          ->image,
      clean);
  std::printf("noisy %.2f, OMP %.2f, mu = 0 %.2f, mu = clean codes %.2f\n", *Psnr(noisy, clean),
              plain_omp, zero_mu, true_mu);
  // Measured: noisy 19.8, OMP 30.1, mu = 0 31.7, mu = clean codes 39.8 dB;
  // overcomplete (K = 144, FISTA): mu = 0 31.8, mu = clean codes 38.4 dB.
  EXPECT_GT(true_mu, plain_omp + 3.0);
  EXPECT_GT(true_mu, zero_mu + 3.0);
  // The same with an overcomplete dictionary (the iterative solver).
  const at::Tensor d = *OvercompleteDctDictionary(8, 144);
  HybridPriorOptions over = HybridPriorOptions(o).dictionary(d).iterations(1);
  over.coding(PriorCodingOptions().fista(SparseCodingOptions().max_iter(300).tol(1e-6)));
  const double over_zero =
      *Psnr(HybridPriorDenoiseWithEstimate(noisy, 25.0, at::Tensor(),
                                           HybridPriorOptions(over).use_internal(false))
                ->image,
            clean);
  const double over_true =
      *Psnr(HybridPriorDenoiseWithEstimate(noisy, 25.0, clean,
                                           HybridPriorOptions(over).external_weight(1.0))
                ->image,
            clean);
  std::printf("overcomplete: mu = 0 %.2f, mu = clean codes %.2f\n", over_zero, over_true);
  EXPECT_GT(over_true, over_zero + 3.0);
}

TEST(HybridPriorTest, InternalPriorAloneGainsSeveralDb) {
  const at::Tensor clean = SmoothImage();
  const at::Tensor noisy = Noisy(clean);
  const auto r =
      HybridPriorDenoise(noisy, 25.0, HybridPriorPredictor(nullptr), HybridPriorOptions());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->image.sizes(), noisy.sizes());
  EXPECT_EQ(r->lambdas.size(0), 64);
  const double gain = *Psnr(r->image, clean) - *Psnr(noisy, clean);
  std::printf("internal prior: gain %.2f dB\n", gain);
  EXPECT_GT(gain, 8.0);  // measured +11.4 dB
}

// A predictor whose last convolution is zero: the identity.
HybridPriorPredictor IdentityPredictor() {
  HybridPriorPredictor net(HybridPriorPredictorOptions().width(8).depth(4));
  net->to(at::kDouble);
  auto last = net->body->ptr<torch::nn::Conv2dImpl>(net->body->size() - 1);
  at::NoGradGuard no_grad;
  last->weight.zero_();
  last->bias.zero_();
  return net;
}

TEST(HybridPriorTest, PredictorLossAndGradientByHand) {
  const at::Tensor clean = SmoothImage().view({1, 1, 32, 32});
  const at::Tensor noisy = Noisy(clean);
  HybridPriorPredictor net = IdentityPredictor();
  EXPECT_TRUE(net->forward(noisy).equal(noisy));
  const at::Tensor loss = *HybridPredictorLoss(net, noisy, clean);
  EXPECT_NEAR(loss.item<double>(), (noisy - clean).pow(2).mean().item<double>(), 1e-15);
  // output = x - (W * h + b): d loss / d b = -2 mean(output - clean).
  loss.backward();
  auto last = net->body->ptr<torch::nn::Conv2dImpl>(net->body->size() - 1);
  EXPECT_NEAR(last->bias.grad()[0].item<double>(), -2 * (noisy - clean).mean().item<double>(),
              1e-14);
  EXPECT_GT(last->weight.grad().abs().sum().item<double>(), 0);
  // Shapes and errors.
  HybridPriorPredictor fresh;
  EXPECT_EQ(fresh->forward(at::rand({2, 1, 9, 7})).sizes(), (std::vector<int64_t>{2, 1, 9, 7}));
  EXPECT_FALSE(HybridPredictorLoss(net, noisy, clean.narrow(2, 0, 31)).ok());
  EXPECT_FALSE(HybridPredictorLoss(net, noisy.view({1, 32, 32}), clean.view({1, 32, 32})).ok());
  HybridPriorPredictor empty(nullptr);
  EXPECT_FALSE(HybridPredictorLoss(empty, noisy, clean).ok());
}

TEST(HybridPriorTest, PredictorOutputIsTheExternalEstimate) {
  const at::Tensor clean = SmoothImage();
  const at::Tensor noisy = Noisy(clean);
  const HybridPriorOptions o = HybridPriorOptions().iterations(2);
  const auto with_net = HybridPriorDenoise(noisy, 25.0, IdentityPredictor(), o);
  const auto with_estimate = HybridPriorDenoiseWithEstimate(noisy, 25.0, noisy, o);
  ASSERT_TRUE(with_net.ok()) << with_net.status();
  EXPECT_TRUE(with_net->image.equal(with_estimate->image));
  // A (1, 1, H, W) image too, and a float predictor.
  HybridPriorPredictor f(HybridPriorPredictorOptions().width(4).depth(2));
  const auto four = HybridPriorDenoise(noisy.view({1, 1, 32, 32}), 25.0, f, o);
  ASSERT_TRUE(four.ok()) << four.status();
  EXPECT_EQ(four->image.sizes(), (std::vector<int64_t>{1, 1, 32, 32}));
  EXPECT_FALSE(HybridPriorDenoise(
                   noisy, 25.0, HybridPriorPredictor(HybridPriorPredictorOptions().channels(3)), o)
                   .ok());
}

TEST(HybridPriorTest, BadInputsAreErrors) {
  const at::Tensor clean = SmoothImage();
  const at::Tensor noisy = Noisy(clean);
  auto expect_error = [](const absl::StatusOr<HybridPriorResult>& r, const std::string& part) {
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(part), std::string::npos) << r.status().message();
  };
  const HybridPriorOptions o;
  for (double s : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(),
                   std::numeric_limits<double>::infinity()}) {
    expect_error(HybridPriorDenoiseWithEstimate(noisy, s, at::Tensor(), o), "sigma");
  }
  expect_error(HybridPriorDenoiseWithEstimate(noisy, 25, clean.narrow(0, 0, 31), o), "external");
  expect_error(HybridPriorDenoiseWithEstimate(noisy, 25, clean.view({1, 32, 32}), o), "external");
  expect_error(HybridPriorDenoiseWithEstimate(noisy, 25, at::Tensor(),
                                              HybridPriorOptions(o).external_weight(1.5)),
               "external_weight");
  expect_error(
      HybridPriorDenoiseWithEstimate(noisy, 25, at::Tensor(), HybridPriorOptions(o).iterations(0)),
      "iterations");
  expect_error(HybridPriorDenoiseWithEstimate(
                   noisy, 25, at::Tensor(),
                   HybridPriorOptions(o).dictionary(*OvercompleteDctDictionary(7, 49))),
               "(p^2, K)");
  expect_error(HybridPriorDenoiseWithEstimate(
                   noisy, 25, at::Tensor(),
                   HybridPriorOptions(o).dictionary(3 * *OvercompleteDctDictionary(8, 64))),
               "unit norm");
  expect_error(
      HybridPriorDenoiseWithEstimate(noisy, 25, at::Tensor(), HybridPriorOptions(o).neighbours(0)),
      "neighbours");
  expect_error(HybridPriorDenoiseWithEstimate(noisy.view({32, 32, 1}), 25, at::Tensor(), o),
               "(H, W)");
  at::Tensor nan = noisy.clone();
  nan[1][2] = std::numeric_limits<double>::quiet_NaN();
  expect_error(HybridPriorDenoiseWithEstimate(nan, 25, at::Tensor(), o), "NaN");
}

}  // namespace
}  // namespace sparselab
