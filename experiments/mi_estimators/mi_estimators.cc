// Mutual-information estimators against closed forms.
//  1. Figure 1 of Belghazi et al. 2018 (MINE): X, Y Gaussian of dimension d
//     with component-wise correlation rho; truth -(d/2) log(1 - rho^2).
//  2. KSG bias and spread against N for a correlated 2-D Gaussian (Kraskov,
//     Stoegbauer & Grassberger 2004, Sec. IV).
//  3. y = sin(x) + noise, x ~ U(-pi, pi): a non-Gaussian dependence where GCMI
//     is only a lower bound; truth h(Y) - 1/2 log(2 pi e sigma^2) by quadrature.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/harness/config.h"
#include "lib/harness/experiment.h"
#include "lib/base/plot.h"
#include "lib/base/progress.h"
#include "lib/base/status_macros.h"
#include "monitor/estimator.h"
#include "monitor/gcmi.h"
#include "monitor/ksg.h"
#include "monitor/mine.h"
#include "monitor/samples.h"

namespace sparselab {
namespace {

using monitor::Samples;

struct XYSamples {
  Samples x, y;
};

// d independent pairs (x_j, y_j) with correlation rho.
XYSamples CorrelatedGaussian(int64_t n, int64_t d, double rho, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  XYSamples p{Samples(n, d), Samples(n, d)};
  const double c = std::sqrt(1.0 - rho * rho);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < d; ++j) {
      const double a = normal(rng), b = normal(rng);
      p.x(i, j) = a;
      p.y(i, j) = rho * a + c * b;
    }
  }
  return p;
}

XYSamples Sine(int64_t n, double sigma, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-M_PI, M_PI);
  std::normal_distribution<double> normal;
  XYSamples p{Samples(n, 1), Samples(n, 1)};
  for (int64_t i = 0; i < n; ++i) {
    p.x(i, 0) = uniform(rng);
    p.y(i, 0) = std::sin(p.x(i, 0)) + sigma * normal(rng);
  }
  return p;
}

// I(X;Y) for y = sin(x) + N(0, sigma^2), x ~ U(-pi, pi): h(Y) by quadrature of
// p(y) = (1/2pi) int N(y - sin x; sigma^2) dx, minus h(Y|X) = 1/2 log(2 pi e sigma^2).
double SineTruth(double sigma) {
  const int nx = 4000;
  const double lo = -1.0 - 8.0 * sigma, hi = 1.0 + 8.0 * sigma;
  const int ny = 20000;
  const double dy = (hi - lo) / ny;
  std::vector<double> sines(nx);
  for (int a = 0; a < nx; ++a) sines[a] = std::sin(-M_PI + (a + 0.5) * 2.0 * M_PI / nx);
  double h = 0.0;
  for (int b = 0; b <= ny; ++b) {
    const double y = lo + b * dy;
    double p = 0.0;
    for (double s : sines) p += std::exp(-0.5 * (y - s) * (y - s) / (sigma * sigma));
    p /= nx * sigma * std::sqrt(2.0 * M_PI);
    if (p > 0) h -= p * std::log(p) * dy;
  }
  return h - 0.5 * std::log(2.0 * M_PI * M_E * sigma * sigma);
}

// The configuration, read once and checked before any work.
struct MiEstimatorsOptions {
  int k = 0;  // KSG neighbours
  // Figure 1.
  std::vector<int64_t> fig1_dims;
  std::vector<double> fig1_rhos;
  int64_t fig1_samples = 0;
  int mine_iterations = 0;
  int mine_batch = 0;
  int mine_hidden = 0;
  double mine_learning_rate = 0;
  int mine_average_last = 0;
  // KSG against N.
  double bias_rho = 0;
  std::vector<int64_t> bias_samples;
  int64_t bias_repeats = 0;
  // y = sin(x) + noise.
  int64_t sine_samples = 0;
  std::vector<double> sine_noise;
};

template <typename T, typename Pred>
bool NonEmptyAll(const std::vector<T>& values, Pred pred) {
  return !values.empty() && std::all_of(values.begin(), values.end(), pred);
}

bool IsCorrelation(double rho) { return std::isfinite(rho) && rho > -1 && rho < 1; }

// An int option: the JSON integer must also fit the estimators' int fields.
int IntIn(const Config& c, const std::string& key) {
  return static_cast<int>(std::clamp<int64_t>(c.Int(key), std::numeric_limits<int>::min(),
                                              std::numeric_limits<int>::max()));
}

absl::StatusOr<MiEstimatorsOptions> ReadOptions(const Config& c) {
  MiEstimatorsOptions o;
  o.k = IntIn(c, "k");
  o.fig1_dims = c.Get<std::vector<int64_t>>("fig1_dims");
  o.fig1_rhos = c.Get<std::vector<double>>("fig1_rhos");
  o.fig1_samples = c.Int("fig1_samples");
  o.mine_iterations = IntIn(c, "mine_iterations");
  o.mine_batch = IntIn(c, "mine_batch");
  o.mine_hidden = IntIn(c, "mine_hidden");
  o.mine_learning_rate = c.Double("mine_learning_rate");
  o.mine_average_last = IntIn(c, "mine_average_last");
  o.bias_rho = c.Double("bias_rho");
  o.bias_samples = c.Get<std::vector<int64_t>>("bias_samples");
  o.bias_repeats = c.Int("bias_repeats");
  o.sine_samples = c.Int("sine_samples");
  o.sine_noise = c.Get<std::vector<double>>("sine_noise");

  constexpr int64_t kMaxSamples = 10000000;  // 10^7 points of d = 20 are already 1.6 GB
  RETURN_IF_ERROR(RequireConfig(o.k >= 1 && o.k <= 1000, c, "k",
                                "KSG counts k >= 1 nearest neighbours (at most 1000; the paper: 3)"));
  RETURN_IF_ERROR(RequireConfig(
      NonEmptyAll(o.fig1_dims, [](int64_t d) { return d >= 1 && d <= 1000; }), c, "fig1_dims",
      "give a non-empty list of dimensions d in [1, 1000] (the paper: 2 and 20)"));
  RETURN_IF_ERROR(RequireConfig(
      NonEmptyAll(o.fig1_rhos, IsCorrelation), c, "fig1_rhos",
      "give a non-empty list of correlations -1 < rho < 1 (at |rho| = 1 the truth is infinite)"));
  RETURN_IF_ERROR(RequireConfig(
      o.fig1_samples > o.k && o.fig1_samples <= kMaxSamples, c, "fig1_samples",
      absl::StrCat("the sample count N must exceed k = ", o.k,
                   " (KSG needs k neighbours besides each point) and be at most 10^7")));
  RETURN_IF_ERROR(RequireConfig(o.mine_iterations >= 1 && o.mine_iterations <= 100000000, c,
                                "mine_iterations", "MINE needs at least 1 iteration (at most 10^8)"));
  RETURN_IF_ERROR(RequireConfig(o.mine_batch >= 2 && o.mine_batch <= 1000000, c, "mine_batch",
                                "a MINE minibatch needs >= 2 samples (it shuffles y against x)"));
  RETURN_IF_ERROR(RequireConfig(o.mine_hidden >= 1 && o.mine_hidden <= 100000, c, "mine_hidden",
                                "the statistics network needs >= 1 hidden unit per layer"));
  RETURN_IF_ERROR(RequireConfig(std::isfinite(o.mine_learning_rate) && o.mine_learning_rate > 0,
                                c, "mine_learning_rate",
                                "the learning rate must be > 0 (the paper's code: 1e-3)"));
  RETURN_IF_ERROR(RequireConfig(
      o.mine_average_last >= 1 && o.mine_average_last <= o.mine_iterations, c,
      "mine_average_last",
      absl::StrCat("the averaged window must hold 1 to mine_iterations = ", o.mine_iterations,
                   " iterations")));
  RETURN_IF_ERROR(RequireConfig(IsCorrelation(o.bias_rho), c, "bias_rho",
                                "a correlation must be in (-1, 1)"));
  RETURN_IF_ERROR(RequireConfig(
      NonEmptyAll(o.bias_samples, [&](int64_t n) { return n > o.k && n <= kMaxSamples; }), c,
      "bias_samples",
      absl::StrCat("give a non-empty list of sample counts N with k = ", o.k, " < N <= 10^7")));
  RETURN_IF_ERROR(RequireConfig(o.bias_repeats >= 1 && o.bias_repeats <= 1000, c, "bias_repeats",
                                "each N needs 1 to 1000 sample sets per seed"));
  RETURN_IF_ERROR(RequireConfig(
      o.sine_samples > o.k && o.sine_samples <= kMaxSamples, c, "sine_samples",
      absl::StrCat("the sample count N must exceed k = ", o.k, " and be at most 10^7")));
  RETURN_IF_ERROR(RequireConfig(
      NonEmptyAll(o.sine_noise, [](double s) { return std::isfinite(s) && s > 0; }), c,
      "sine_noise",
      "give a non-empty list of noise levels sigma > 0 (at sigma = 0 the truth is infinite)"));
  return o;
}

monitor::KsgOptions KsgFor(const Experiment& ex, const MiEstimatorsOptions& opt, uint64_t seed) {
  monitor::KsgOptions ksg;
  ksg.k = opt.k;
  ksg.seed = seed;
  ksg.num_threads = ex.threads();
  return ksg;
}

monitor::MineOptions MineFor(const Experiment& ex, const MiEstimatorsOptions& opt, uint64_t seed,
                             const std::string& label) {
  monitor::MineOptions o;
  o.iterations = opt.mine_iterations;
  o.batch_size = opt.mine_batch;
  o.hidden_units = opt.mine_hidden;
  o.learning_rate = opt.mine_learning_rate;
  o.average_last = opt.mine_average_last;
  o.seed = seed;
  o.device = ex.device().str();
  o.show_progress = false;
  o.progress_label = label;
  return o;
}

absl::Status Figure1(Experiment& ex, const MiEstimatorsOptions& opt, Progress& progress,
                     int64_t& step) {
  const int64_t n = opt.fig1_samples;
  const std::vector<int64_t>& dims = opt.fig1_dims;
  const std::vector<double>& rhos = opt.fig1_rhos;
  for (int64_t d : dims) {
    std::vector<double> truth_curve, ksg_curve, gcmi_curve, mine_curve;
    for (double rho : rhos) {
      const std::string row = absl::StrFormat("fig1/d=%d/rho=%+.2f", d, rho);
      const double truth = -0.5 * static_cast<double>(d) * std::log(1.0 - rho * rho);
      ex.table().Set(row, "truth", truth);
      ex.table().SetPaper(row, "truth", truth);
      double ksg_sum = 0, gcmi_sum = 0, mine_sum = 0;
      for (int64_t seed : ex.seeds()) {
        const XYSamples p = CorrelatedGaussian(n, d, rho, 1000 * seed + 17 * d + static_cast<uint64_t>(100 * (rho + 1)));
        const monitor::KsgOptions ksg = KsgFor(ex, opt, seed);
        ASSIGN_OR_RETURN(const double v_ksg, monitor::KsgMutualInformation(p.x, p.y, ksg));
        ASSIGN_OR_RETURN(const double v_gcmi, monitor::GcmiCc(p.x, p.y));
        ASSIGN_OR_RETURN(const monitor::MineResult v_mine,
                         monitor::MineMutualInformation(p.x, p.y, MineFor(ex, opt, seed, row)));
        ex.table().Add(row, "ksg", seed, v_ksg);
        ex.table().Add(row, "gcmi", seed, v_gcmi);
        ex.table().Add(row, "mine", seed, v_mine.mi);
        ex.table().Add(row, "mine_window_std", seed, v_mine.mi_std);
        ex.table().Add(row, "mine_iterations", seed, static_cast<double>(v_mine.iterations));
        ksg_sum += v_ksg;
        gcmi_sum += v_gcmi;
        mine_sum += v_mine.mi;
        progress.Update(++step, absl::StrFormat("%s ksg %.3f gcmi %.3f mine %.3f truth %.3f",
                                                row, v_ksg, v_gcmi, v_mine.mi, truth));
      }
      const double s = static_cast<double>(ex.seeds().size());
      truth_curve.push_back(truth);
      ksg_curve.push_back(ksg_sum / s);
      gcmi_curve.push_back(gcmi_sum / s);
      mine_curve.push_back(mine_sum / s);
    }
    PlotOptions plot;
    plot.title = absl::StrFormat("Gaussian, d = %d, N = %d (MINE Fig. 1)", d, n);
    plot.xlabel = "correlation rho";
    plot.ylabel = "I(X;Y) [nats]";
    plot.extra = "set key left top";
    const std::string png = ex.OutputPath(absl::StrCat("fig1_d", d, ".png"));
    RETURN_IF_ERROR(PlotLines(png, {{"truth", rhos, truth_curve, "lines"},
                                    {absl::StrCat("KSG (k=", opt.k, ")"), rhos, ksg_curve},
                                    {"GCMI", rhos, gcmi_curve},
                                    {"MINE", rhos, mine_curve}},
                              plot));
    ex.extra()["figures"].push_back(absl::StrCat("fig1_d", d, ".png"));
    RETURN_IF_ERROR(ex.WriteResult());  // checkpoint
  }
  return absl::OkStatus();
}

absl::Status KsgAgainstN(Experiment& ex, const MiEstimatorsOptions& opt, Progress& progress,
                         int64_t& step) {
  const double rho = opt.bias_rho;
  const int64_t repeats = opt.bias_repeats;
  const double truth = -0.5 * std::log(1.0 - rho * rho);
  std::vector<double> ns, bias1, bias2, spread1;
  for (int64_t n : opt.bias_samples) {
    const std::string row = absl::StrCat("ksg_vs_n/N=", n);
    ex.table().Set(row, "truth", truth);
    ex.table().SetPaper(row, "truth", truth);
    std::vector<double> v1, v2;
    for (int64_t seed : ex.seeds()) {
      for (int64_t r = 0; r < repeats; ++r) {
        const int64_t id = seed * 1000 + r;  // one sample set per (seed, repeat)
        const XYSamples p = CorrelatedGaussian(n, 1, rho, 777 + id * 7919 + n);
        const monitor::KsgOptions ksg = KsgFor(ex, opt, static_cast<uint64_t>(id));
        ASSIGN_OR_RETURN(const double a, monitor::KsgMutualInformation(p.x, p.y, ksg));
        ASSIGN_OR_RETURN(const double b, monitor::Ksg2MutualInformation(p.x, p.y, ksg));
        ex.table().Add(row, "ksg1", id, a);
        ex.table().Add(row, "ksg2", id, b);
        ex.table().Add(row, "ksg1_error", id, a - truth);
        ex.table().Add(row, "ksg2_error", id, b - truth);
        v1.push_back(a);
        v2.push_back(b);
      }
    }
    progress.Update(++step, row);
    const Summary s1 = Summarize(v1), s2 = Summarize(v2);
    ns.push_back(static_cast<double>(n));
    bias1.push_back(s1.mean - truth);
    bias2.push_back(s2.mean - truth);
    spread1.push_back(s1.std);
  }
  PlotOptions plot;
  plot.title = absl::StrFormat("KSG on a 2-D Gaussian, rho = %.2f (I = %.4f nats)", rho, truth);
  plot.xlabel = "N";
  plot.ylabel = "nats";
  plot.log_x = true;
  RETURN_IF_ERROR(PlotLines(ex.OutputPath("ksg_vs_n.png"),
                            {{"KSG alg. 1 bias", ns, bias1},
                             {"KSG alg. 2 bias", ns, bias2},
                             {"KSG alg. 1 std", ns, spread1}},
                            plot));
  ex.extra()["figures"].push_back("ksg_vs_n.png");
  return ex.WriteResult();
}

absl::Status SineDependence(Experiment& ex, const MiEstimatorsOptions& opt, Progress& progress,
                            int64_t& step) {
  const int64_t n = opt.sine_samples;
  for (double sigma : opt.sine_noise) {
    const std::string row = absl::StrFormat("sine/sigma=%.1f", sigma);
    const double truth = SineTruth(sigma);
    ex.table().Set(row, "truth", truth);
    ex.table().SetPaper(row, "truth", truth);
    for (int64_t seed : ex.seeds()) {
      const XYSamples p = Sine(n, sigma, 31 + seed * 101 + static_cast<uint64_t>(sigma * 1000));
      const monitor::KsgOptions ksg = KsgFor(ex, opt, seed);
      ASSIGN_OR_RETURN(const double a, monitor::KsgMutualInformation(p.x, p.y, ksg));
      ASSIGN_OR_RETURN(const double b, monitor::Ksg2MutualInformation(p.x, p.y, ksg));
      ASSIGN_OR_RETURN(const double g, monitor::GcmiCc(p.x, p.y));
      ASSIGN_OR_RETURN(const monitor::MineResult m,
                       monitor::MineMutualInformation(p.x, p.y, MineFor(ex, opt, seed, row)));
      ex.table().Add(row, "ksg", seed, a);
      ex.table().Add(row, "ksg2", seed, b);
      ex.table().Add(row, "gcmi", seed, g);
      ex.table().Add(row, "mine", seed, m.mi);
      progress.Update(++step, absl::StrFormat("%s ksg %.3f gcmi %.3f mine %.3f truth %.3f", row,
                                              a, g, m.mi, truth));
    }
  }
  return ex.WriteResult();
}

absl::Status Run(Experiment& ex) {
  ASSIGN_OR_RETURN(const MiEstimatorsOptions opt, ReadOptions(ex.config()));
  ex.extra()["figures"] = nlohmann::json::array();
  ex.extra()["units"] = "nats";
  const int64_t total = static_cast<int64_t>(
      opt.fig1_dims.size() * opt.fig1_rhos.size() * ex.seeds().size() + opt.bias_samples.size() +
      opt.sine_noise.size() * ex.seeds().size());
  Progress progress("mi_estimators", total);
  int64_t step = 0;
  RETURN_IF_ERROR(Figure1(ex, opt, progress, step));
  RETURN_IF_ERROR(KsgAgainstN(ex, opt, progress, step));
  RETURN_IF_ERROR(SineDependence(ex, opt, progress, step));
  progress.Finish();
  return absl::OkStatus();
}

}  // namespace
}  // namespace sparselab

int main(int argc, char** argv) {
  return sparselab::RunExperiment(
      argc, argv,
      {"mi_estimators",
       "Belghazi et al. 2018 (MINE) Fig. 1; Kraskov, Stoegbauer & Grassberger 2004; Ince et al. 2017"},
      sparselab::Run);
}
