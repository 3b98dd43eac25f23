// Reproduces Figures 2 and 3 of Ahmad & Scheinkman 2019, "How Can We Be So
// Dense? The Benefits of Using Highly Sparse Representations" (arXiv:1903.11257):
// the probability that a random sparse vector matches a stored one.
//
// Figure 2: binary vectors. A stored vector with a_w = 24 on-bits matches a
// random vector with a_x of n bits on when they share >= theta = 12 bits. The
// exact probability (eq. 3) is computed in log space; the observed frequency
// comes from random trials, as many as needed for ~target_matches matches
// (between min_trials and max_trials).
// Figure 3: scalar vectors (weights uniform in [-1/k_w, 1/k_w], inputs in
// [0, 2 s / k_w]); observed match frequency against n, and against the input
// scale s at n = 1000.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/harness/config.h"
#include "lib/harness/experiment.h"
#include "lib/base/plot.h"
#include "lib/base/progress.h"
#include "lib/sdr/sdr_math.h"
#include "lib/base/status_macros.h"

namespace sparselab {
namespace {

// The reference code's own numbers (numenta/htmpapers, how_can_we_be_so_dense/
// projects/plot_numerical_results.py and scalar_sdrs.py), indexed like the
// paper's n lists. a_x = -1 stands for n/2.
struct PaperCurve {
  int64_t a_x;
  std::vector<double> exact;
  std::vector<double> observed;
};

const std::vector<int64_t> kPaperBinaryN = {300,  500,  700,  900,  1100, 1300, 1500, 1700, 1900,
                                            2100, 2300, 2500, 2700, 2900, 3100, 3300, 3500};

const std::vector<PaperCurve>& PaperBinary() {
  static const auto* curves = new std::vector<PaperCurve>{
      {64, {0.00109461662333690, 5.69571108769533e-6, 1.41253230930730e-7}, {1.09318E-03, 5.74000E-06, 1.10000E-07}},
      {128,
       {0.292078213737764, 0.00736788303358289, 0.000320106080889471, 2.50255519815378e-5,
        2.99642102590114e-6, 4.89399786076359e-7, 1.00958512780931e-7, 2.49639031779358e-8,
        7.13143762262004e-9},
       {0.292048, 0.00737836, 0.00032014, 0.00002585, 0.00000295, 0.00000059, 0.00000013,
        0.00000001, 0.00000001}},
      {256,
       {0.999997973443107, 0.629372754740777, 0.121087724790945, 0.0193597645959856,
        0.00350549721741729, 0.000748965962032781, 0.000186510373919969, 5.30069204544174e-5,
        1.68542688790000e-5, 5.89560747849969e-6, 2.23767020178735e-6, 9.11225564771580e-7,
        3.94475072403605e-7, 1.80169987461924e-7, 8.62734957588259e-8, 4.30835081022293e-8,
        2.23380881095835e-8},
       {9.97368E-01, 6.29267E-01, 1.21048E-01, 1.93688E-02, 3.50879E-03, 7.49560E-04,
        1.86590E-04, 5.33200E-05, 1.65000E-05, 5.58000E-06, 2.23000E-06, 9.30000E-07,
        3.20000E-07, 2.70000E-07, 7.00000E-08, 4.00000E-08, 2.00000E-08}},
      {-1,
       {0.00518604306750049, 0.00595902789913702, 0.00630387009654985, 0.00649883841432922,
        0.00662414645898081, 0.00671145554136860, 0.00677576979476038, 0.00682511455944402,
        0.00686417048273405, 0.00689585128896232, 0.00692206553525732, 0.00694411560202313,
        0.00696292062841680, 0.00697914780884254, 0.00699329317658955, 0.00700573317947932,
        0.00701675866709042},
       {}},
  };
  return *curves;
}

// scalar_sdrs.py createPregeneratedGraphs(): k_w = 32, 3000 x 4000 comparisons.
const std::vector<int64_t> kPaperScalarN = {250, 500, 1000, 1500, 2000, 2500};
const std::vector<std::pair<int64_t, std::vector<double>>>& PaperScalar() {
  static const auto* curves = new std::vector<std::pair<int64_t, std::vector<double>>>{
      {64, {3.65083333e-03, 3.06166667e-04, 1.89166667e-05, 4.16666667e-06, 1.50000000e-06, 9.16666667e-07}},
      {128, {2.44633333e-02, 3.64491667e-03, 3.16083333e-04, 6.93333333e-05, 2.16666667e-05, 8.66666667e-06}},
      {256, {7.61641667e-02, 2.42496667e-02, 3.75608333e-03, 9.78333333e-04, 3.33250000e-04, 1.42250000e-04}},
      {-1, {2.31302500e-02, 2.38609167e-02, 2.28072500e-02, 2.33225000e-02, 2.30650000e-02, 2.33988333e-02}},
  };
  return *curves;
}
const std::vector<double> kPaperScales = {1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0};
const std::vector<std::pair<int64_t, std::vector<double>>>& PaperScale() {
  static const auto* curves = new std::vector<std::pair<int64_t, std::vector<double>>>{
      {64, {1.94166667e-05, 1.14900000e-03, 7.20725000e-03, 1.92405833e-02, 3.60794167e-02, 5.70276667e-02, 7.88510833e-02}},
      {128, {3.12500000e-04, 7.07616667e-03, 2.71600000e-02, 5.72415833e-02, 8.95497500e-02, 1.21294333e-01, 1.50582500e-01}},
      {256, {3.97708333e-03, 3.31468333e-02, 8.04755833e-02, 1.28687750e-01, 1.71220000e-01, 2.07019250e-01, 2.34703167e-01}},
  };
  return *curves;
}

// The paper's value at (a_x, x) from a curve list indexed by `xs`, if any.
template <typename Curves, typename X>
const double* PaperValue(const Curves& curves, const std::vector<X>& xs, int64_t a_x, X x) {
  for (const auto& c : curves) {
    if (c.first != a_x) continue;
    for (size_t i = 0; i < xs.size() && i < c.second.size(); ++i) {
      if (xs[i] == x) return &c.second[i];
    }
  }
  return nullptr;
}

std::string AxName(int64_t a_x) { return a_x < 0 ? "n/2" : std::to_string(a_x); }
int64_t ResolveAx(int64_t a_x, int64_t n) { return a_x < 0 ? n / 2 : a_x; }

// The configuration, read once and checked before any work.
struct SdrMatchOptions {
  // Figure 2.
  int64_t a_w = 0;
  int64_t theta = 0;
  std::vector<int64_t> binary_a_x;  // -1: n/2
  std::vector<int64_t> binary_n;
  double target_matches = 0;
  int64_t min_trials = 0;
  int64_t max_trials = 0;
  double min_probability = 0;
  // Figure 3.
  int64_t scalar_k_w = 0;
  std::vector<int64_t> scalar_a_x;  // -1: n/2
  std::vector<int64_t> scalar_n;
  int64_t scalar_trials = 0;
  int64_t scale_n = 0;
  std::vector<int64_t> scale_a_x;
  std::vector<double> scales;
};

// Every a_x of `axs` (-1 meaning n/2) fits every n of `ns`: theta <= a_x <= n.
bool ActiveCountsFit(const std::vector<int64_t>& axs, const std::vector<int64_t>& ns,
                     int64_t at_least) {
  for (int64_t ax : axs) {
    if (ax != -1 && ax < 1) return false;
    for (int64_t n : ns) {
      const int64_t a_x = ResolveAx(ax, n);
      if (a_x < at_least || a_x > n) return false;
    }
  }
  return true;
}

bool AllAtLeast(const std::vector<int64_t>& values, int64_t low) {
  return std::all_of(values.begin(), values.end(), [&](int64_t v) { return v >= low; });
}

absl::StatusOr<SdrMatchOptions> ReadOptions(const Config& c) {
  SdrMatchOptions o;
  o.a_w = c.Int("a_w");
  o.theta = c.Int("theta");
  o.binary_a_x = c.Get<std::vector<int64_t>>("binary_a_x");
  o.binary_n = c.Get<std::vector<int64_t>>("binary_n");
  o.target_matches = c.Double("target_matches");
  o.min_trials = c.Int("min_trials");
  o.max_trials = c.Int("max_trials");
  o.min_probability = c.Double("min_probability");
  o.scalar_k_w = c.Int("scalar_k_w");
  o.scalar_a_x = c.Get<std::vector<int64_t>>("scalar_a_x");
  o.scalar_n = c.Get<std::vector<int64_t>>("scalar_n");
  o.scalar_trials = c.Int("scalar_trials");
  o.scale_n = c.Int("scale_n");
  o.scale_a_x = c.Get<std::vector<int64_t>>("scale_a_x");
  o.scales = c.Get<std::vector<double>>("scales");

  RETURN_IF_ERROR(RequireConfig(o.a_w >= 1, c, "a_w",
                                "the stored vector needs at least one on-bit: use a_w >= 1 (the paper: 24)"));
  RETURN_IF_ERROR(RequireConfig(
      o.theta >= 1 && o.theta <= o.a_w, c, "theta",
      absl::StrCat("a match needs 1 <= theta <= a_w = ", o.a_w,
                   " (the overlap can never exceed the stored vector's on-bits): lower theta or "
                   "raise a_w (the paper: theta = 12, a_w = 24)")));
  RETURN_IF_ERROR(RequireConfig(
      !o.binary_n.empty() && AllAtLeast(o.binary_n, o.a_w), c, "binary_n",
      absl::StrCat("give a non-empty list of dimensions n >= a_w = ", o.a_w,
                   " (the stored vector has a_w of its n bits on)")));
  RETURN_IF_ERROR(RequireConfig(
      !o.binary_a_x.empty() && ActiveCountsFit(o.binary_a_x, o.binary_n, o.theta), c, "binary_a_x",
      absl::StrCat("give a non-empty list of on-bit counts a_x (-1 for n/2) with theta = ", o.theta,
                   " <= a_x <= n for every n of binary_n (fewer than theta on-bits never match)")));
  RETURN_IF_ERROR(RequireConfig(o.target_matches > 0, c, "target_matches",
                                "the matches wanted per simulated point must be > 0 (the paper: 100)"));
  RETURN_IF_ERROR(RequireConfig(o.min_trials >= 1, c, "min_trials",
                                "each simulated point needs at least 1 trial"));
  RETURN_IF_ERROR(RequireConfig(
      o.max_trials >= o.min_trials, c, "max_trials",
      absl::StrCat("max_trials must be >= min_trials = ", o.min_trials)));
  RETURN_IF_ERROR(RequireConfig(
      o.min_probability >= 0 && o.min_probability <= 1, c, "min_probability",
      "a probability must be in [0, 1] (points with a smaller exact probability are not simulated)"));
  RETURN_IF_ERROR(RequireConfig(o.scalar_k_w >= 1, c, "scalar_k_w",
                                "the weight vector needs at least one non-zero: use scalar_k_w >= 1 (the paper: 32)"));
  RETURN_IF_ERROR(RequireConfig(
      !o.scalar_n.empty() && AllAtLeast(o.scalar_n, o.scalar_k_w), c, "scalar_n",
      absl::StrCat("give a non-empty list of dimensions n >= scalar_k_w = ", o.scalar_k_w)));
  // A scalar input with a_x >= n non-zeros is simply dense (the reference
  // code's a = 256 at n = 250): only a_x >= 1 is required.
  RETURN_IF_ERROR(RequireConfig(
      !o.scalar_a_x.empty() && std::all_of(o.scalar_a_x.begin(), o.scalar_a_x.end(),
                                           [](int64_t a) { return a == -1 || a >= 1; }),
      c, "scalar_a_x", "give a non-empty list of non-zero counts a_x >= 1 (-1 for n/2)"));
  RETURN_IF_ERROR(RequireConfig(o.scalar_trials >= 1, c, "scalar_trials",
                                "each simulated point needs at least 1 trial"));
  RETURN_IF_ERROR(RequireConfig(
      o.scale_n >= o.scalar_k_w, c, "scale_n",
      absl::StrCat("the dimension of the scale sweep must be >= scalar_k_w = ", o.scalar_k_w)));
  RETURN_IF_ERROR(RequireConfig(!o.scale_a_x.empty() && AllAtLeast(o.scale_a_x, 1), c,
                                "scale_a_x", "give a non-empty list of non-zero counts a_x >= 1"));
  RETURN_IF_ERROR(RequireConfig(
      !o.scales.empty() && std::all_of(o.scales.begin(), o.scales.end(),
                                       [](double s) { return std::isfinite(s) && s > 0; }),
      c, "scales", "give a non-empty list of input scales s > 0 (the paper: 1 to 4)"));
  return o;
}

// Trials for a point of exact probability p: enough for ~target matches,
// clamped to [min_trials, max_trials].
int64_t TrialsFor(double p, const SdrMatchOptions& o) {
  const double want = p > 0 ? o.target_matches / p : static_cast<double>(o.max_trials);
  return static_cast<int64_t>(std::clamp(want, static_cast<double>(o.min_trials),
                                         static_cast<double>(o.max_trials)));
}

absl::Status Figure2(Experiment& ex, const SdrMatchOptions& opt) {
  const int64_t a_w = opt.a_w, theta = opt.theta;
  const std::vector<int64_t>& ns = opt.binary_n;
  const std::vector<int64_t>& axs = opt.binary_a_x;
  std::vector<Series> series;
  nlohmann::json points = nlohmann::json::array();
  Progress progress("figure 2", static_cast<int64_t>(ns.size() * axs.size()));
  int64_t done = 0;
  for (int64_t ax_spec : axs) {
    Series exact{absl::StrCat("a=", AxName(ax_spec), " exact"), {}, {}, "lines"};
    Series observed{absl::StrCat("a=", AxName(ax_spec), " observed"), {}, {}, "points pt 7"};
    for (int64_t n : ns) {
      const int64_t a_x = ResolveAx(ax_spec, n);
      ASSIGN_OR_RETURN(double p, MatchProbability(n, a_w, a_x, theta));
      const std::string row = absl::StrCat("fig2/a_x=", AxName(ax_spec), "/n=", n);
      ex.table().Set(row, "exact", p);
      exact.x.push_back(n);
      exact.y.push_back(p);
      nlohmann::json point = {{"a_x", a_x}, {"n", n}, {"exact", p}};
      if (p >= opt.min_probability) {
        const int64_t trials = TrialsFor(p, opt);
        for (int64_t seed : ex.seeds()) {
          const uint64_t stream = static_cast<uint64_t>(seed) * 1000003ULL + n * 7919ULL + a_x;
          MatchCount m = CountBinaryMatches(n, a_w, a_x, theta, trials, stream);
          ex.table().Add(row, "observed", seed, m.frequency());
          ex.table().Add(row, "trials", seed, static_cast<double>(m.trials));
          ex.table().Add(row, "matches", seed, static_cast<double>(m.matches));
          Interval ci = WilsonInterval(m.matches, m.trials);
          point["observed"][std::to_string(seed)] = {{"frequency", m.frequency()},
                                                     {"trials", m.trials},
                                                     {"matches", m.matches},
                                                     {"ci95", {ci.low, ci.high}}};
          if (seed == ex.seeds().front() && m.matches > 0) {
            observed.x.push_back(n);
            observed.y.push_back(m.frequency());
          }
        }
      }
      for (const auto& pc : PaperBinary()) {
        if (pc.a_x != ax_spec) continue;
        for (size_t i = 0; i < kPaperBinaryN.size(); ++i) {
          if (kPaperBinaryN[i] != n) continue;
          if (i < pc.exact.size()) ex.table().SetPaper(row, "exact", pc.exact[i]);
          if (i < pc.observed.size()) ex.table().SetPaper(row, "observed", pc.observed[i]);
        }
      }
      points.push_back(point);
      progress.Update(++done, row);
    }
    series.push_back(exact);
    if (!observed.x.empty()) series.push_back(observed);
  }
  progress.Finish();
  ex.extra()["figure2"] = {{"a_w", a_w}, {"theta", theta}, {"points", points}};
  PlotOptions o;
  o.title = absl::StrFormat("Match probability of sparse binary vectors (a_w=%d, theta=%d)", a_w, theta);
  o.xlabel = "dimensionality n";
  o.ylabel = "probability of a match";
  o.log_y = true;
  return PlotLines(ex.OutputPath("fig2_binary.png"), series, o);
}

absl::Status Figure3(Experiment& ex, const SdrMatchOptions& opt) {
  const int64_t k_w = opt.scalar_k_w;
  const double theta = ScalarTheta(k_w);
  const int64_t trials = opt.scalar_trials;
  const std::vector<int64_t>& ns = opt.scalar_n;
  const std::vector<int64_t>& axs = opt.scalar_a_x;
  const std::vector<double>& scales = opt.scales;
  const std::vector<int64_t>& scale_axs = opt.scale_a_x;
  const int64_t scale_n = opt.scale_n;
  Progress progress("figure 3", static_cast<int64_t>(ns.size() * axs.size() + scales.size() * scale_axs.size()));
  int64_t done = 0;

  auto run = [&](const std::string& row, int64_t n, int64_t a_x, double s, Series& curve, double x) {
    for (int64_t seed : ex.seeds()) {
      const uint64_t stream = static_cast<uint64_t>(seed) * 1000003ULL + n * 7919ULL + a_x * 31ULL +
                              static_cast<uint64_t>(s * 1000);
      MatchCount m = CountScalarMatches(n, k_w, a_x, s, theta, trials, stream);
      ex.table().Add(row, "observed", seed, m.frequency());
      ex.table().Add(row, "trials", seed, static_cast<double>(m.trials));
      if (seed == ex.seeds().front() && m.matches > 0) {
        curve.x.push_back(x);
        curve.y.push_back(m.frequency());
      }
    }
    progress.Update(++done, row);
  };

  std::vector<Series> by_n;
  for (int64_t ax_spec : axs) {
    Series curve{absl::StrCat("a=", AxName(ax_spec)), {}, {}, "linespoints"};
    for (int64_t n : ns) {
      const std::string row = absl::StrCat("fig3/a_x=", AxName(ax_spec), "/n=", n);
      run(row, n, ResolveAx(ax_spec, n), 1.0, curve, n);
      if (const double* p = PaperValue(PaperScalar(), kPaperScalarN, ax_spec, n)) {
        ex.table().SetPaper(row, "observed", *p);
      }
    }
    by_n.push_back(curve);
  }
  std::vector<Series> by_scale;
  for (int64_t a_x : scale_axs) {
    Series curve{absl::StrCat("a=", a_x), {}, {}, "linespoints"};
    for (double s : scales) {
      const std::string row = absl::StrFormat("fig3_scale/a_x=%d/s=%.1f", a_x, s);
      run(row, scale_n, a_x, s, curve, s);
      if (const double* p = PaperValue(PaperScale(), kPaperScales, a_x, s)) {
        ex.table().SetPaper(row, "observed", *p);
      }
    }
    by_scale.push_back(curve);
  }
  progress.Finish();
  ex.extra()["figure3"] = {{"k_w", k_w}, {"theta", theta}, {"trials_per_point", trials}};
  PlotOptions o;
  o.title = absl::StrFormat("Scalar sparse vectors: match frequency vs n (k_w=%d)", k_w);
  o.xlabel = "dimensionality n";
  o.ylabel = "frequency of matches";
  o.log_y = true;
  RETURN_IF_ERROR(PlotLines(ex.OutputPath("fig3_scalar_n.png"), by_n, o));
  o.title = absl::StrFormat("Scalar sparse vectors: effect of input scale (n=%d, k_w=%d)", scale_n, k_w);
  o.xlabel = "input scale s";
  return PlotLines(ex.OutputPath("fig3_scalar_scale.png"), by_scale, o);
}

}  // namespace
}  // namespace sparselab

int main(int argc, char** argv) {
  return sparselab::RunExperiment(
      argc, argv,
      {"sdr_match",
       "Ahmad & Scheinkman 2019, How Can We Be So Dense? The Benefits of Using Highly Sparse "
       "Representations (arXiv:1903.11257), Figures 2 and 3"},
      [](sparselab::Experiment& ex) -> absl::Status {
        ASSIGN_OR_RETURN(const sparselab::SdrMatchOptions options,
                         sparselab::ReadOptions(ex.config()));
        RETURN_IF_ERROR(sparselab::Figure2(ex, options));
        return sparselab::Figure3(ex, options);
      });
}
