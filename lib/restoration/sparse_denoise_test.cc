#include "lib/restoration/sparse_denoise.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"
#include "lib/restoration/dct_dictionary.h"
#include "lib/restoration/noise.h"
#include "lib/restoration/patches.h"
#include "lib/restoration/quality.h"

namespace sparselab {
namespace {

at::Generator Seeded(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// A smooth 32 x 32 image in [0.05, 0.95]: low-frequency cosines; `phase`
// shifts them (other images of the same kind, for training).
at::Tensor SmoothImage(double phase = 0.0) {
  const at::Tensor i = at::arange(32, at::kDouble).view({32, 1});
  const at::Tensor j = at::arange(32, at::kDouble).view({1, 32});
  const double w = 2 * M_PI / 32;
  return 0.5 + 0.2 * at::cos(w * i + 0.4 + phase) + 0.15 * at::cos(2 * w * j + 1.0 - phase) +
         0.1 * at::cos(w * (i + j) + 2 * phase);
}

struct Pair {
  at::Tensor clean, noisy;
  double noisy_psnr;
};

Pair NoisyPair() {
  Pair p;
  p.clean = SmoothImage();
  p.noisy = *AddGaussianNoise(p.clean, GaussianNoiseOptions{25.0, false}, Seeded(7));
  p.noisy_psnr = *Psnr(p.noisy, p.clean);
  return p;
}

double Gain(const Pair& p, const SparseDenoiseOptions& o, SparseDenoiseResult* out = nullptr) {
  auto r = SparseCodingDenoise(p.noisy, 25.0, o);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return -1e9;
  EXPECT_EQ(r->image.sizes(), p.noisy.sizes());
  if (out != nullptr) *out = *r;
  const double gain = *Psnr(r->image, p.clean) - p.noisy_psnr;
  std::printf("noisy %.2f dB, gain %.2f dB\n", p.noisy_psnr, gain);
  return gain;
}

// Measured on this image (sigma 25, noisy PSNR 19.8 dB): DCT + OMP +10.3 dB,
// DCT + FISTA +8.3 dB, K-SVD (3 rounds) +8.8 dB; the bounds leave a margin.
TEST(SparseDenoiseTest, DctWithOmpGainsSeveralDb) {
  const Pair p = NoisyPair();
  SparseDenoiseResult r;
  EXPECT_GT(Gain(p, SparseDenoiseOptions(), &r), 7.0);
  // A smooth image needs few atoms per patch; the error rule decides how many.
  EXPECT_GT(r.mean_atoms, 0.5);
  EXPECT_LT(r.mean_atoms, 8.0);
  EXPECT_EQ(r.dictionary.size(1), 256);
  // (1, 1, H, W) in, (1, 1, H, W) out, the same numbers.
  const auto four = SparseCodingDenoise(p.noisy.view({1, 1, 32, 32}), 25.0, SparseDenoiseOptions());
  ASSERT_TRUE(four.ok());
  EXPECT_TRUE(four->image.view({32, 32}).equal(r.image));
  // A float image comes back float, the same to float precision.
  const auto f = SparseCodingDenoise(p.noisy.to(at::kFloat), 25.0, SparseDenoiseOptions());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->image.scalar_type(), at::kFloat);
  EXPECT_LT((f->image.to(at::kDouble) - r.image).abs().max().item<double>(), 1e-4);
}

TEST(SparseDenoiseTest, TheErrorRuleFollowsSigma) {
  // Told a smaller sigma, OMP keeps more atoms (a tighter error target) and
  // removes less noise.
  const Pair p = NoisyPair();
  SparseDenoiseResult at25, at10;
  const double g25 = Gain(p, SparseDenoiseOptions(), &at25);
  ASSERT_TRUE(SparseCodingDenoise(p.noisy, 10.0, SparseDenoiseOptions()).ok());
  at10 = *SparseCodingDenoise(p.noisy, 10.0, SparseDenoiseOptions());
  EXPECT_GT(at10.mean_atoms, 2 * at25.mean_atoms);
  EXPECT_LT(*Psnr(at10.image, p.clean) - p.noisy_psnr, g25 - 2.0);
}

TEST(SparseDenoiseTest, DctWithFistaGainsSeveralDb) {
  const Pair p = NoisyPair();
  EXPECT_GT(Gain(p, SparseDenoiseOptions().coder(DenoiseCoder::kFista)), 6.0);
}

TEST(SparseDenoiseTest, KsvdNeverIncreasesTheErrorAndGainsSeveralDb) {
  const Pair p = NoisyPair();
  SparseDenoiseResult r;
  EXPECT_GT(
      Gain(p, SparseDenoiseOptions().dictionary_kind(DenoiseDictionary::kKsvd).ksvd_iterations(3),
           &r),
      6.0);
  ASSERT_EQ(r.ksvd.size(), 3u);
  for (size_t t = 0; t < r.ksvd.size(); ++t) {
    const KsvdIterationStats& s = r.ksvd[t];
    // The atom updates, supports fixed, never increase the error on the noisy
    // patches; here they lower it by several per cent each round.
    EXPECT_LE(s.error_after, s.error_before * (1 + 1e-12)) << t;
    EXPECT_LT(s.error_after, 0.97 * s.error_before) << t;
  }
  // The dictionary changed from the DCT and kept unit columns.
  const at::Tensor dct = *OvercompleteDctDictionary(8, 256);
  EXPECT_GT((r.dictionary - dct).abs().max().item<double>(), 0.1);
  EXPECT_LT((r.dictionary.norm(2, {0}) - 1).abs().max().item<double>(), 1e-12);
}

TEST(SparseDenoiseTest, KsvdUpdateOnGivenPatches) {
  // Patches that are exact 2-sparse combinations of a hidden dictionary: from
  // a perturbed start, the error after each update is <= before, and falls
  // over the rounds.
  at::Generator g = Seeded(4);
  at::Tensor hidden = at::randn({16, 24}, g, at::kDouble);
  hidden = hidden / hidden.norm(2, {0}, true);
  at::Tensor z = at::zeros({300, 24}, at::kDouble);
  for (int64_t n = 0; n < 300; ++n) {
    z[n].index_put_({at::randperm(24, g, at::kLong).narrow(0, 0, 2)},
                    at::randn({2}, g, at::kDouble) + 2.0);
  }
  const at::Tensor x = z.mm(hidden.t());
  at::Tensor start = hidden + 0.3 * at::randn({16, 24}, g, at::kDouble);
  start = start / start.norm(2, {0}, true);
  const KsvdResult k = *Ksvd(x, start, 8, OmpOptions().max_atoms(2));
  for (const auto& s : k.stats) EXPECT_LE(s.error_after, s.error_before * (1 + 1e-12));
  EXPECT_LT(k.stats.back().error_after, 0.2 * k.stats.front().error_before);
  // Bad input.
  EXPECT_FALSE(Ksvd(x, start, 0, OmpOptions().max_atoms(2)).ok());
  EXPECT_FALSE(Ksvd(x, 2 * start, 1, OmpOptions().max_atoms(2)).ok());
  EXPECT_FALSE(Ksvd(x.narrow(1, 0, 15), start, 1, OmpOptions().max_atoms(2)).ok());
  EXPECT_FALSE(Ksvd(x, start, 1, OmpOptions()).ok());  // no stopping rule
}

TEST(SparseDenoiseTest, DictionaryLearnedOnCleanImages) {
  // Other smooth images (shifted phases) as training data, random start.
  const std::vector<at::Tensor> train = {SmoothImage(0.7), SmoothImage(1.9), SmoothImage(3.1)};
  PatchDictionaryOptions o;
  o.atoms(64).stride(2).steps(150).batch_size(64).dct_init(false);
  o.coding(SparseCodingOptions().lambda(0.01).max_iter(100));
  // One step at a negligible rate: the random start itself.
  const at::Tensor d0 = *LearnPatchDictionary(train, o.steps(1).learning_rate(1e-12), Seeded(9));
  const at::Tensor d = *LearnPatchDictionary(train, o.steps(150).learning_rate(1.0), Seeded(9));
  ASSERT_EQ(d.size(0), 64);
  ASSERT_EQ(d.size(1), 64);
  EXPECT_EQ(d.scalar_type(), at::kDouble);
  EXPECT_LT((d.norm(2, {0}) - 1).abs().max().item<double>(), 1e-12);
  // The mean sparse-coding objective on all training patches fell.
  std::vector<at::Tensor> all;
  for (const auto& img : train) {
    const at::Tensor v = ExtractPatches(img, 8, 2)->values;
    all.push_back(v - v.mean(1, true));
  }
  const at::Tensor x = at::cat(all, 0);
  const SparseCodingOptions coding = SparseCodingOptions().lambda(0.01).max_iter(300);
  const double before =
      SparseCodingObjective(x, d0, SparseEncode(x, d0, coding).z, 0.01).mean().item<double>();
  const double after =
      SparseCodingObjective(x, d, SparseEncode(x, d, coding).z, 0.01).mean().item<double>();
  EXPECT_LT(after, 0.8 * before);  // measured 0.110 -> 0.021
  // And denoises the test image (measured +8.6 dB).
  const Pair p = NoisyPair();
  EXPECT_GT(
      Gain(p, SparseDenoiseOptions().dictionary_kind(DenoiseDictionary::kGiven).dictionary(d)),
      6.0);
}

TEST(SparseDenoiseTest, BadInputsAreErrors) {
  const Pair p = NoisyPair();
  auto expect_error = [](const absl::StatusOr<SparseDenoiseResult>& r, const std::string& part) {
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(part), std::string::npos) << r.status().message();
  };
  for (double s : {0.0, -5.0, std::numeric_limits<double>::quiet_NaN(),
                   std::numeric_limits<double>::infinity()}) {
    expect_error(SparseCodingDenoise(p.noisy, s, SparseDenoiseOptions()), "sigma");
  }
  expect_error(SparseCodingDenoise(p.noisy, 25, SparseDenoiseOptions().atoms(200)),
               "perfect square");
  expect_error(SparseCodingDenoise(
                   p.noisy, 25, SparseDenoiseOptions().dictionary_kind(DenoiseDictionary::kGiven)),
               "undefined");
  expect_error(SparseCodingDenoise(p.noisy, 25,
                                   SparseDenoiseOptions()
                                       .dictionary_kind(DenoiseDictionary::kGiven)
                                       .dictionary(*OvercompleteDctDictionary(7, 49))),
               "(p^2, K)");
  expect_error(SparseCodingDenoise(p.noisy, 25,
                                   SparseDenoiseOptions()
                                       .dictionary_kind(DenoiseDictionary::kGiven)
                                       .dictionary(2 * *OvercompleteDctDictionary(8, 64))),
               "unit norm");
  expect_error(
      SparseCodingDenoise(
          p.noisy, 25,
          SparseDenoiseOptions().dictionary_kind(DenoiseDictionary::kKsvd).ksvd_iterations(0)),
      "ksvd_iterations");
  expect_error(SparseCodingDenoise(p.noisy, 25, SparseDenoiseOptions().patch_size(40)),
               "patch_size");
  expect_error(SparseCodingDenoise(p.noisy.view({1, 32, 32}), 25, SparseDenoiseOptions()),
               "(H, W)");
  expect_error(SparseCodingDenoise(p.noisy, 25, SparseDenoiseOptions().omp_gain(0)), "omp_gain");
  at::Tensor nan = p.noisy.clone();
  nan[3][3] = std::numeric_limits<double>::quiet_NaN();
  expect_error(SparseCodingDenoise(nan, 25, SparseDenoiseOptions()), "NaN");
  EXPECT_FALSE(LearnPatchDictionary({}, PatchDictionaryOptions(), Seeded(1)).ok());
  EXPECT_FALSE(
      LearnPatchDictionary({p.clean}, PatchDictionaryOptions().atoms(200), Seeded(1)).ok());
  EXPECT_FALSE(LearnPatchDictionary({p.clean}, PatchDictionaryOptions().steps(0), Seeded(1)).ok());
}

}  // namespace
}  // namespace sparselab
