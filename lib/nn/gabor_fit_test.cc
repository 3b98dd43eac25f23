#include "lib/nn/gabor_fit.h"

#include <cmath>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

double AngleDistance(double a, double b) {  // orientations modulo pi
  const double d = std::fmod(std::abs(a - b), M_PI);
  return std::min(d, M_PI - d);
}

TEST(GaborFitTest, JacobianMatchesFiniteDifferences) {
  const at::Tensor p = at::tensor({4.3, 5.1, 0.7, 0.18, 0.4, std::log(2.1), std::log(1.3), 1.7,
                                   2.0, 7.5, 2.2, -0.3, -2.0, std::log(1.0), std::log(3.0), -0.6},
                                  at::kDouble).view({2, 8});
  const auto [values, jac] = GaborValuesAndJacobian(p, 9, 11);
  ASSERT_EQ(jac.sizes(), (std::vector<int64_t>{2, 99, 8}));
  for (int k = 0; k < 8; ++k) {
    at::Tensor up = p.clone(), down = p.clone();
    up.select(1, k).add_(1e-6);
    down.select(1, k).sub_(1e-6);
    const at::Tensor fd = (GaborValuesAndJacobian(up, 9, 11).first -
                           GaborValuesAndJacobian(down, 9, 11).first) / 2e-6;
    EXPECT_LT((fd - jac.select(2, k)).abs().max().item<double>(), 1e-6) << "parameter " << k;
  }
}

TEST(GaborFitTest, RenderMatchesTheFormulaAtAPixel) {
  GaborParams g;
  g.x0 = 3; g.y0 = 4; g.theta = M_PI / 2; g.frequency = 0.25; g.phase = 0;
  g.sigma_x = 2; g.sigma_y = 3; g.amplitude = 2;
  const at::Tensor img = RenderGabor(g, 10, 8);
  // Pixel (row 6, column 3): dx = 0, dy = 2, theta = pi/2: x' = 2, y' = 0.
  const double expected = 2 * std::exp(-4.0 / 8) * std::cos(2 * M_PI * 0.25 * 2);
  EXPECT_NEAR(img[6][3].item<double>(), expected, 1e-12);
  EXPECT_NEAR(img[4][3].item<double>(), 2.0, 1e-12);  // the centre, cos(0) = 1
}

TEST(GaborFitTest, RecoversKnownGabors) {
  struct Case { double x0, y0, theta, f, phase, sx, sy; };
  const std::vector<Case> cases = {{5.0, 4.5, 0.3, 0.15, 0.0, 1.5, 2.5},
                                   {3.2, 6.1, 1.9, 0.25, 1.2, 1.2, 1.8},
                                   {6.5, 5.0, 2.8, 0.1, -2.5, 2.0, 1.0},
                                   {4.8, 4.9, 1.0, 0.33, M_PI / 2, 1.0, 2.0}};
  std::vector<at::Tensor> imgs;
  std::vector<GaborParams> truth;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(4);
  for (const Case& c : cases) {
    GaborParams g;
    g.x0 = c.x0; g.y0 = c.y0; g.theta = c.theta; g.frequency = c.f; g.phase = c.phase;
    g.sigma_x = c.sx; g.sigma_y = c.sy; g.amplitude = 1.0;
    truth.push_back(g);
    imgs.push_back(RenderGabor(g, 10, 10) + 0.01 * at::randn({10, 10}, gen, at::kDouble));
  }
  const std::vector<GaborFit> fits = FitGabors(at::stack(imgs));
  ASSERT_EQ(fits.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const GaborParams& f = fits[i].params;
    EXPECT_GT(fits[i].r2, 0.99) << i;
    EXPECT_LT(AngleDistance(f.theta, truth[i].theta), 0.05) << i << " theta " << f.theta;
    EXPECT_NEAR(f.frequency, truth[i].frequency, 0.01) << i;
    EXPECT_NEAR(f.x0, truth[i].x0, 0.2) << i;
    EXPECT_NEAR(f.y0, truth[i].y0, 0.2) << i;
    EXPECT_NEAR(f.amplitude, 1.0, 0.05) << i;
    EXPECT_GE(f.theta, 0.0);
    EXPECT_LT(f.theta, M_PI);
    // The canonical parameters describe the same function.
    EXPECT_LT((RenderGabor(f, 10, 10) - imgs[i]).abs().max().item<double>(), 0.05) << i;
  }
  // One at a time gives the same fit as the batch.
  EXPECT_NEAR(FitGabor(imgs[1]).r2, fits[1].r2, 1e-9);
}

TEST(GaborFitTest, NoiseIsNotEdgeLike) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
  const std::vector<GaborFit> fits = FitGabors(at::randn({20, 10, 10}, gen, at::kDouble));
  double mean = 0;
  for (const GaborFit& f : fits) {
    EXPECT_LT(f.r2, 0.6);
    mean += f.r2 / fits.size();
  }
  EXPECT_LT(mean, 0.35);
  EXPECT_EQ(FitGabor(at::zeros({6, 6})).r2, 0.0);
}

}  // namespace
}  // namespace sparselab
