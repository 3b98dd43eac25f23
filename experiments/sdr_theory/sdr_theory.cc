// Reproduces the results of Ahmad & Hawkins 2016, "How do neurons operate on
// sparse distributed representations? A mathematical theory of sparsity,
// neurons and active dendrites" (arXiv:1601.00720): how reliably a dendritic
// segment with s synapses and NMDA threshold theta recognises a pattern of a
// active cells out of n. Every probability is the exact hypergeometric sum
// (big integers, lib/sdr/sdr_theory.h); where the reference code
// (numenta/htmresearch projects/sdr_paper) simulates, so do we.
//
//   table1             false positives for n = 100000, a = 2000: theta = s,
//                      s = 2 theta, and unions of m patterns (s = 2 m theta)
//   examples           the reference notebook's example values
//   effect_of_n        false positives against n (s = 24, theta = 12), exact and simulated
//   effect_of_s        false positives against s (theta = s / 2)
//   noise              false negatives against the number of noisy cells, exact and simulated
//   unions             false positives of a segment holding the union of M patterns,
//                      exact, at the expected union size (the reference's way), simulated
//   optimal_threshold  false-positive statistics against theta over a grid of n, a, s
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "experiments/sdr_theory/paper_values.h"
#include "lib/base/plot.h"
#include "lib/base/progress.h"
#include "lib/base/status_macros.h"
#include "lib/harness/experiment.h"
#include "lib/sdr/sdr_math.h"
#include "lib/sdr/sdr_theory.h"

namespace sparselab::sdr_theory {
namespace {

const std::vector<std::string> kPanels = {"table1", "examples", "effect_of_n", "effect_of_s",
                                          "noise", "unions", "optimal_threshold"};

// How many random trials a simulated point gets: enough for ~target_matches
// events at the exact probability p, clamped to [min_trials, max_trials];
// points with p < min_probability are not simulated.
struct TrialRule {
  double target_matches = 100;
  int64_t min_trials = 1;
  int64_t max_trials = 1;
  double min_probability = 0;
  int64_t TrialsFor(double p) const {
    const double want = p > 0 ? target_matches / p : static_cast<double>(max_trials);
    return static_cast<int64_t>(std::clamp(want, static_cast<double>(min_trials),
                                           static_cast<double>(max_trials)));
  }
};

// One active count of the effect-of-n figure: a fixed count, or a fraction of n.
struct ActiveCount {
  std::string name;  // "64", "n/2"
  int64_t fixed = -1;
  double fraction = 0;
  int64_t At(int64_t n) const {
    return fixed >= 0 ? fixed : static_cast<int64_t>(std::floor(fraction * n));
  }
};

struct Options {
  std::set<std::string> panels;
  // table1
  int64_t table1_n = 0, table1_a = 0;
  std::vector<int64_t> table1_theta_equals_s, table1_s_equals_2theta;
  std::vector<std::pair<int64_t, int64_t>> table1_union;  // (theta, m)
  // examples: (n, a, s, theta)
  std::vector<std::array<int64_t, 4>> examples;
  // effect_of_n
  int64_t n_s = 0, n_theta = 0;
  std::vector<int64_t> n_values;
  std::vector<ActiveCount> n_active;
  int64_t n_simulate_up_to = 0;
  TrialRule n_trials;
  // effect_of_s: (a, n) curves, theta = s / 2
  std::vector<int64_t> s_values;
  std::vector<std::pair<int64_t, int64_t>> s_curves, s_extra_curves;
  // noise
  int64_t noise_a = 0, noise_s = 0, noise_trials = 0;
  std::vector<int64_t> noise_thetas, noise_v;
  // unions
  std::vector<int64_t> union_n;
  int64_t union_a = 0, union_s = 0, union_theta = 0, union_max_m = 0;
  TrialRule union_trials;
  // optimal_threshold
  int64_t threshold_min_theta = 0, threshold_max_theta = 0;
  std::vector<int64_t> threshold_n, threshold_s;
  std::vector<double> threshold_sparsities;
  double threshold_target = 0;
};

absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> Pairs(const Config& c,
                                                               const std::string& key,
                                                               const std::string& what) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& p : c.Get<std::vector<std::vector<int64_t>>>(key)) {
    RETURN_IF_ERROR(
        RequireConfig(p.size() == 2, c, key,
                      absl::StrCat("each entry must be a pair ", what, "; write entries as [",
                                   what.substr(1, what.size() - 2), "]")));
    out.emplace_back(p[0], p[1]);
  }
  return out;
}

absl::StatusOr<TrialRule> ReadTrialRule(const Config& c, const std::string& prefix) {
  TrialRule r;
  const std::string target = prefix + "target_matches", lo = prefix + "min_trials",
                    hi = prefix + "max_trials", pmin = prefix + "min_probability";
  r.target_matches = c.Double(target);
  r.min_trials = c.Int(lo);
  r.max_trials = c.Int(hi);
  r.min_probability = c.Double(pmin);
  RETURN_IF_ERROR(RequireConfig(r.target_matches > 0, c, target,
                                "must be > 0 (matches wanted per simulated point); use e.g. 100"));
  RETURN_IF_ERROR(RequireConfig(r.min_trials >= 1, c, lo, "must be >= 1; use e.g. 1000000"));
  RETURN_IF_ERROR(RequireConfig(r.max_trials >= r.min_trials && r.max_trials <= 1000000000000LL, c,
                                hi,
                                absl::StrCat("must be between ", lo, " (", r.min_trials,
                                             ") and 1e12; raise ", hi, " or lower ", lo)));
  RETURN_IF_ERROR(RequireConfig(r.min_probability >= 0 && r.min_probability <= 1, c, pmin,
                                "must be a probability in [0, 1]; use e.g. 1e-8"));
  return r;
}

// Parses and checks every key once, before any work.
absl::StatusOr<Options> ReadOptions(const Config& c) {
  Options o;
  for (const std::string& p : c.Get<std::vector<std::string>>("panels")) {
    RETURN_IF_ERROR(RequireConfig(
        std::find(kPanels.begin(), kPanels.end(), p) != kPanels.end(), c, "panels",
        absl::StrCat("unknown panel '", p, "'; choose from ", absl::StrJoin(kPanels, ", "))));
    o.panels.insert(p);
  }

  // Table 1.
  o.table1_n = c.Int("table1_n");
  o.table1_a = c.Int("table1_a");
  RETURN_IF_ERROR(RequireConfig(o.table1_n >= 1, c, "table1_n",
                                "the population must have n >= 1 cells; use e.g. 100000"));
  RETURN_IF_ERROR(
      RequireConfig(o.table1_a >= 0 && o.table1_a <= o.table1_n, c, "table1_a",
                    absl::StrCat("a > n: at most n = table1_n (", o.table1_n,
                                 ") cells can be active; lower table1_a or raise table1_n")));
  o.table1_theta_equals_s = c.Get<std::vector<int64_t>>("table1_theta_equals_s");
  for (int64_t s : o.table1_theta_equals_s) {
    RETURN_IF_ERROR(RequireConfig(s >= 1 && s <= o.table1_n, c, "table1_theta_equals_s",
                                  absl::StrCat("each s must be in 1..table1_n (", o.table1_n,
                                               "); list synapse counts such as [6, 8, 10]")));
  }
  o.table1_s_equals_2theta = c.Get<std::vector<int64_t>>("table1_s_equals_2theta");
  for (int64_t t : o.table1_s_equals_2theta) {
    RETURN_IF_ERROR(
        RequireConfig(t >= 1 && 2 * t <= o.table1_n, c, "table1_s_equals_2theta",
                      absl::StrCat("each theta must be >= 1 with s = 2 theta <= table1_n (",
                                   o.table1_n, "); list thresholds such as [6, 8, 10, 12]")));
  }
  ASSIGN_OR_RETURN(o.table1_union, Pairs(c, "table1_union", "[theta, m]"));
  for (auto [t, m] : o.table1_union) {
    RETURN_IF_ERROR(RequireConfig(
        m >= 1, c, "table1_union",
        absl::StrCat("M < 1: a union needs m >= 1 patterns (got ", m, "); use m >= 1")));
    RETURN_IF_ERROR(RequireConfig(
        t >= 1 && 2 * m * t <= o.table1_n, c, "table1_union",
        absl::StrCat("each [theta, m] needs theta >= 1 and s = 2 m theta <= table1_n (", o.table1_n,
                     "); lower theta or m")));
  }

  // Examples.
  for (const auto& e : c.Get<std::vector<std::vector<int64_t>>>("examples")) {
    RETURN_IF_ERROR(
        RequireConfig(e.size() == 4, c, "examples",
                      "each entry must be [n, a, s, theta]; write entries as [n, a, s, theta]"));
    const int64_t n = e[0], a = e[1], s = e[2], t = e[3];
    RETURN_IF_ERROR(
        RequireConfig(n >= 1 && a >= 0 && a <= n && s >= 0 && s <= n, c, "examples",
                      absl::StrCat("entry [", absl::StrJoin(e, ", "),
                                   "] needs n >= 1 and 0 <= a, s <= n; fix that entry")));
    RETURN_IF_ERROR(RequireConfig(t >= 0 && t <= s, c, "examples",
                                  absl::StrCat("entry [", absl::StrJoin(e, ", "),
                                               "]: theta > s (or < 0): a segment with s synapses "
                                               "cannot need more than s; use 0 <= theta <= s")));
    o.examples.push_back({n, a, s, t});
  }

  // Effect of n.
  o.n_s = c.Int("n_s");
  o.n_theta = c.Int("n_theta");
  const int64_t first = c.Int("n_first"), last = c.Int("n_last"), step = c.Int("n_step");
  RETURN_IF_ERROR(RequireConfig(first >= 1, c, "n_first", "must be >= 1; use e.g. 300"));
  RETURN_IF_ERROR(RequireConfig(last >= first, c, "n_last",
                                absl::StrCat("must be >= n_first (", first, "); raise n_last")));
  RETURN_IF_ERROR(RequireConfig(step >= 1, c, "n_step", "must be >= 1; use e.g. 200"));
  for (int64_t n = first; n <= last; n += step) o.n_values.push_back(n);
  RETURN_IF_ERROR(RequireConfig(o.n_s >= 1 && o.n_s <= first, c, "n_s",
                                absl::StrCat("the segment's synapses must be in 1..n_first (",
                                             first, "); lower n_s or raise n_first")));
  RETURN_IF_ERROR(RequireConfig(o.n_theta >= 0 && o.n_theta <= o.n_s, c, "n_theta",
                                absl::StrCat("theta > s (or < 0): must be in 0..n_s (", o.n_s,
                                             "); lower n_theta or raise n_s")));
  for (int64_t a : c.Get<std::vector<int64_t>>("n_active")) {
    RETURN_IF_ERROR(
        RequireConfig(a >= 0 && a <= first, c, "n_active",
                      absl::StrCat("a > n (or a < 0): each count must be in 0..n_first (", first,
                                   "); lower that count or raise n_first")));
    o.n_active.push_back({std::to_string(a), a, 0});
  }
  for (double f : c.Get<std::vector<double>>("n_active_fractions")) {
    RETURN_IF_ERROR(
        RequireConfig(f > 0 && f <= 1, c, "n_active_fractions",
                      "each fraction of active cells must be in (0, 1]; use e.g. 0.5 for a = n/2"));
    const int64_t inverse = std::llround(1 / f);
    o.n_active.push_back(
        {std::abs(1.0 / inverse - f) < 1e-12 ? absl::StrCat("n/", inverse) : absl::StrCat(f, "n"),
         -1, f});
  }
  o.n_simulate_up_to = c.Int("n_simulate_up_to");
  RETURN_IF_ERROR(RequireConfig(o.n_simulate_up_to >= 0, c, "n_simulate_up_to",
                                "must be >= 0 (0: no simulation); use e.g. 3500"));
  ASSIGN_OR_RETURN(o.n_trials, ReadTrialRule(c, "n_"));

  // Effect of s.
  o.s_values = c.Get<std::vector<int64_t>>("s_values");
  for (int64_t s : o.s_values) {
    RETURN_IF_ERROR(RequireConfig(s >= 2 && s % 2 == 0, c, "s_values",
                                  "each s must be even and >= 2 (the threshold is theta = s / 2); "
                                  "list even synapse counts such as [2, 4, ..., 30]"));
  }
  ASSIGN_OR_RETURN(o.s_curves, Pairs(c, "s_curves", "[a, n]"));
  ASSIGN_OR_RETURN(o.s_extra_curves, Pairs(c, "s_extra_curves", "[a, n]"));
  const int64_t s_max =
      o.s_values.empty() ? 0 : *std::max_element(o.s_values.begin(), o.s_values.end());
  for (const std::string key : {"s_curves", "s_extra_curves"}) {
    for (auto [a, n] : key == "s_curves" ? o.s_curves : o.s_extra_curves) {
      RETURN_IF_ERROR(RequireConfig(
          n >= s_max && a >= 0 && a <= n, c, key,
          absl::StrCat("curve [", a, ", ", n, "] needs 0 <= a <= n and n >= the largest s (", s_max,
                       "); fix that curve")));
    }
  }

  // Noise.
  o.noise_a = c.Int("noise_a");
  o.noise_s = c.Int("noise_s");
  o.noise_trials = c.Int("noise_trials");
  RETURN_IF_ERROR(RequireConfig(o.noise_a >= 1, c, "noise_a",
                                "the stored pattern needs a >= 1 active cells; use e.g. 128"));
  RETURN_IF_ERROR(RequireConfig(
      o.noise_s >= 1 && o.noise_s <= o.noise_a, c, "noise_s",
      absl::StrCat("the segment's synapses are onto pattern cells: s must be in 1..noise_a (",
                   o.noise_a, "); lower noise_s or raise noise_a")));
  o.noise_thetas = c.Get<std::vector<int64_t>>("noise_thetas");
  for (int64_t t : o.noise_thetas) {
    RETURN_IF_ERROR(
        RequireConfig(t >= 0 && t <= o.noise_s, c, "noise_thetas",
                      absl::StrCat("theta > s (or < 0): each theta must be in 0..noise_s (",
                                   o.noise_s, "); lower that theta or raise noise_s")));
  }
  o.noise_v = c.Get<std::vector<int64_t>>("noise_v");
  for (int64_t v : o.noise_v) {
    RETURN_IF_ERROR(RequireConfig(
        v >= 0 && v <= o.noise_a, c, "noise_v",
        absl::StrCat("each noisy count v must be in 0..noise_a (", o.noise_a, "); lower that v")));
  }
  RETURN_IF_ERROR(RequireConfig(o.noise_trials >= 0 && o.noise_trials <= 1000000000000LL, c,
                                "noise_trials",
                                "must be in 0..1e12 (0: no simulation); use e.g. 100000000"));

  // Unions.
  o.union_n = c.Get<std::vector<int64_t>>("union_n");
  o.union_a = c.Int("union_a");
  o.union_s = c.Int("union_s");
  o.union_theta = c.Int("union_theta");
  o.union_max_m = c.Int("union_max_m");
  const int64_t n_min =
      o.union_n.empty() ? 0 : *std::min_element(o.union_n.begin(), o.union_n.end());
  RETURN_IF_ERROR(RequireConfig(o.union_n.empty() || n_min >= 1, c, "union_n",
                                "each population needs n >= 1; use e.g. [1000, 10000, 20000]"));
  RETURN_IF_ERROR(
      RequireConfig(o.union_a >= 0 && o.union_a <= n_min, c, "union_a",
                    absl::StrCat("a > n (or a < 0): must be in 0..the smallest union_n (", n_min,
                                 "); lower union_a")));
  RETURN_IF_ERROR(RequireConfig(
      o.union_s >= 0 && o.union_s <= n_min, c, "union_s",
      absl::StrCat("must be in 0..the smallest union_n (", n_min, "); lower union_s")));
  RETURN_IF_ERROR(RequireConfig(o.union_theta >= 0, c, "union_theta", "must be >= 0; use e.g. 15"));
  RETURN_IF_ERROR(RequireConfig(o.union_max_m >= 1, c, "union_max_m",
                                "M < 1: the largest union needs M >= 1 patterns; use e.g. 19"));
  ASSIGN_OR_RETURN(o.union_trials, ReadTrialRule(c, "union_"));

  // Optimal threshold.
  o.threshold_min_theta = c.Int("threshold_min_theta");
  o.threshold_max_theta = c.Int("threshold_max_theta");
  RETURN_IF_ERROR(RequireConfig(o.threshold_min_theta >= 0, c, "threshold_min_theta",
                                "must be >= 0; use e.g. 3"));
  RETURN_IF_ERROR(
      RequireConfig(o.threshold_max_theta >= o.threshold_min_theta, c, "threshold_max_theta",
                    absl::StrCat("must be >= threshold_min_theta (", o.threshold_min_theta,
                                 "); raise threshold_max_theta")));
  o.threshold_n = c.Get<std::vector<int64_t>>("threshold_n");
  o.threshold_s = c.Get<std::vector<int64_t>>("threshold_s");
  o.threshold_sparsities = c.Get<std::vector<double>>("threshold_sparsities");
  o.threshold_target = c.Double("threshold_target");
  RETURN_IF_ERROR(RequireConfig(!o.threshold_n.empty(), c, "threshold_n",
                                "needs at least one population size; use e.g. [10000, 30000]"));
  RETURN_IF_ERROR(RequireConfig(!o.threshold_s.empty(), c, "threshold_s",
                                "needs at least one synapse count; use e.g. [20, 25]"));
  RETURN_IF_ERROR(RequireConfig(!o.threshold_sparsities.empty(), c, "threshold_sparsities",
                                "needs at least one sparsity; use e.g. [0.005, 0.01]"));
  const int64_t smallest = *std::min_element(o.threshold_n.begin(), o.threshold_n.end());
  RETURN_IF_ERROR(RequireConfig(smallest >= 1, c, "threshold_n",
                                "each population needs n >= 1; use e.g. [10000, 30000]"));
  for (int64_t s : o.threshold_s) {
    RETURN_IF_ERROR(RequireConfig(s >= 0 && s <= smallest, c, "threshold_s",
                                  absl::StrCat("each s must be in 0..the smallest threshold_n (",
                                               smallest, "); lower that s")));
  }
  for (double f : o.threshold_sparsities) {
    RETURN_IF_ERROR(RequireConfig(f > 0 && f <= 1, c, "threshold_sparsities",
                                  "each sparsity a/n must be in (0, 1]; use e.g. [0.005, 0.01]"));
  }
  RETURN_IF_ERROR(RequireConfig(o.threshold_target > 0 && o.threshold_target < 1, c,
                                "threshold_target",
                                "must be a probability in (0, 1); use e.g. 1e-9"));
  return o;
}

// A random stream per simulated point, from the seed and the point's parameters.
uint64_t Stream(int64_t seed, std::initializer_list<int64_t> parts) {
  uint64_t h = static_cast<uint64_t>(seed) * 0x9E3779B97F4A7C15ULL;
  for (int64_t p : parts) {
    h ^= static_cast<uint64_t>(p) + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
  }
  return h;
}

// Writes values beside the reference's (with the metric "<metric>_vs_paper",
// (ours - paper) / max(|ours|, |paper|)) and simulations beside the exact
// values, and keeps per-group summaries for the rows "agreement/<group>"
// (the largest and median |relative difference|) and
// "simulation/<group>" (z = (events - trials p) / sqrt(trials p (1 - p)),
// summarised over the points where both outcomes are expected at least once).
class Record {
 public:
  explicit Record(Experiment& ex) : ex_(ex) {}

  void Paper(const std::string& group, const std::string& row, const std::string& metric,
             double ours, double paper) {
    ex_.table().SetPaper(row, metric, paper);
    const double scale = std::max(std::abs(ours), std::abs(paper));
    const double diff = scale > 0 ? (ours - paper) / scale : 0.0;
    ex_.table().Set(row, metric + "_vs_paper", diff);  // signed: > 0 when ours is larger
    agreement_[group].push_back(std::abs(diff));
  }

  void Observed(const std::string& group, const std::string& row, int64_t seed,
                const MatchCount& m, double p, const std::string& events) {
    ex_.table().Add(row, "observed", seed, m.frequency());
    ex_.table().Add(row, "trials", seed, static_cast<double>(m.trials));
    ex_.table().Add(row, events, seed, static_cast<double>(m.matches));
    const double var = m.trials * p * (1 - p);
    const double diff = m.matches - m.trials * p;
    const double z = var > 0 ? diff / std::sqrt(var) : (diff == 0 ? 0.0 : INFINITY);
    ex_.table().Add(row, "z", seed, z);
    Simulation& s = simulation_[group];
    ++s.simulated;
    // A point tells something only when both outcomes are expected at least once.
    if (std::min(m.trials * p, m.trials * (1 - p)) < 1) return;
    ++s.points;
    s.trials += m.trials;
    s.max_abs_z = std::max(s.max_abs_z, std::abs(z));
    s.sum_z2 += z * z;
    s.within_2 += std::abs(z) <= 2;
  }

  void WriteSummaries() {
    for (auto& [group, diffs] : agreement_) {
      const std::string row = "agreement/" + group;
      std::sort(diffs.begin(), diffs.end());
      ex_.table().Set(row, "points", static_cast<double>(diffs.size()));
      ex_.table().Set(row, "max_rel_diff", diffs.back());
      ex_.table().Set(row, "median_rel_diff", diffs[diffs.size() / 2]);
    }
    for (const auto& [group, s] : simulation_) {
      const std::string row = "simulation/" + group;
      ex_.table().Set(row, "simulated", s.simulated);
      ex_.table().Set(row, "points", s.points);
      ex_.table().Set(row, "trials", static_cast<double>(s.trials));
      ex_.table().Set(row, "max_abs_z", s.max_abs_z);
      ex_.table().Set(row, "chi2_per_point", s.points ? s.sum_z2 / s.points : 0.0);
      ex_.table().Set(row, "within_2_sd", s.within_2);
    }
  }

 private:
  struct Simulation {
    double simulated = 0, points = 0, within_2 = 0, max_abs_z = 0, sum_z2 = 0;
    int64_t trials = 0;
  };
  Experiment& ex_;
  std::map<std::string, std::vector<double>> agreement_;
  std::map<std::string, Simulation> simulation_;
};

// gnuplot styles: one colour per curve, shared by its exact line and its
// observed points.
std::string LineStyle(size_t curve) { return absl::StrCat("lines lw 2 lc ", curve + 1); }
std::string DashStyle(size_t curve) { return absl::StrCat("lines dt 2 lw 2 lc ", curve + 1); }
std::string PointStyle(size_t curve) { return absl::StrCat("points pt 7 ps 0.8 lc ", curve + 1); }

// Adds (x, y) to a log-scale curve unless y is 0 (not drawable).
void Point(Series& s, double x, double y) {
  if (y > 0) {
    s.x.push_back(x);
    s.y.push_back(y);
  }
}

absl::Status Table1(Experiment& ex, const Options& o, Record& record) {
  const int64_t n = o.table1_n, a = o.table1_a;
  for (int64_t s : o.table1_theta_equals_s) {
    const std::string row = absl::StrCat("table1/theta=s/s=", s);
    ASSIGN_OR_RETURN(const double fp, FalsePositiveProbability(n, a, s, s));
    ex.table().Set(row, "fp", fp);
    ex.table().SetInfo(row, "parameters", {{"n", n}, {"a", a}, {"s", s}, {"theta", s}});
    const auto& paper = PaperTable1ThetaEqualsS();
    if (auto it = paper.find(s); it != paper.end()) record.Paper("table1", row, "fp", fp, it->second);
  }
  for (int64_t t : o.table1_s_equals_2theta) {
    const std::string row = absl::StrCat("table1/s=2theta/theta=", t);
    ASSIGN_OR_RETURN(const double fp, FalsePositiveProbability(n, a, 2 * t, t));
    ex.table().Set(row, "fp", fp);
    ex.table().SetInfo(row, "parameters", {{"n", n}, {"a", a}, {"s", 2 * t}, {"theta", t}});
    const auto& paper = PaperTable1SEquals2Theta();
    if (auto it = paper.find(t); it != paper.end()) record.Paper("table1", row, "fp", fp, it->second);
  }
  for (auto [t, m] : o.table1_union) {
    const std::string row = absl::StrCat("table1/union/theta=", t, ",m=", m);
    // As the reference computes it: one segment of s = 2 m theta distinct synapses...
    ASSIGN_OR_RETURN(const double fp, FalsePositiveProbability(n, a, 2 * m * t, t));
    // ...and exactly: the union of m random sets of 2 theta cells, which may share cells.
    ASSIGN_OR_RETURN(const double exact, UnionFalsePositiveProbability(n, a, 2 * t, m, t));
    ex.table().Set(row, "fp", fp);
    ex.table().Set(row, "fp_union_exact", exact);
    ex.table().SetInfo(row, "parameters",
                       {{"n", n}, {"a", a}, {"s", 2 * m * t}, {"theta", t}, {"m", m}});
    const auto& paper = PaperTable1Union();
    if (auto it = paper.find({t, m}); it != paper.end()) record.Paper("table1", row, "fp", fp, it->second);
  }
  return absl::OkStatus();
}

absl::Status Examples(Experiment& ex, const Options& o, Record& record) {
  for (const auto& [n, a, s, t] : o.examples) {
    const std::string row = absl::StrCat("examples/n=", n, ",a=", a, ",s=", s, ",theta=", t);
    ASSIGN_OR_RETURN(const double fp, FalsePositiveProbability(n, a, s, t));
    ex.table().Set(row, "fp", fp);
    const auto& paper = PaperExamples();
    if (auto it = paper.find({n, a, s, t}); it != paper.end()) record.Paper("examples", row, "fp", fp, it->second);
  }
  return absl::OkStatus();
}

absl::Status EffectOfN(Experiment& ex, const Options& o, Record& record) {
  Progress progress("effect of n", static_cast<int64_t>(o.n_active.size() * o.n_values.size()));
  int64_t done = 0;
  std::vector<Series> series;
  for (size_t curve = 0; curve < o.n_active.size(); ++curve) {
    const ActiveCount& count = o.n_active[curve];
    Series exact{absl::StrCat("a=", count.name, " exact"), {}, {}, LineStyle(curve)};
    Series observed{absl::StrCat("a=", count.name, " observed"), {}, {}, PointStyle(curve)};
    // The reference's "a = n/2" list was computed with a = n/4 (see README).
    const std::string paper_key = count.name == "n/4" ? "n/2" : count.name;
    for (int64_t n : o.n_values) {
      const int64_t a = count.At(n);
      const std::string row = absl::StrCat("effect_of_n/n=", n, "/a=", count.name);
      ASSIGN_OR_RETURN(const double fp, FalsePositiveProbability(n, a, o.n_s, o.n_theta));
      ex.table().Set(row, "fp", fp);
      ex.table().SetInfo(row, "parameters", {{"n", n}, {"a", a}, {"s", o.n_s}, {"theta", o.n_theta}});
      Point(exact, n, fp);
      if (auto it = PaperEffectOfNExact().find(paper_key); it != PaperEffectOfNExact().end()) {
        if (const double* p = it->second.At(n)) record.Paper(absl::StrCat("effect_of_n a=", count.name), row, "fp", fp, *p);
      }
      if (auto it = PaperEffectOfNObserved().find(paper_key); it != PaperEffectOfNObserved().end()) {
        if (const double* p = it->second.At(n)) ex.table().SetPaper(row, "observed", *p);
      }
      if (n <= o.n_simulate_up_to && fp >= o.n_trials.min_probability) {
        for (int64_t seed : ex.seeds()) {
          // The segment's s cells are the fixed set; the active a cells are random.
          const MatchCount m = CountBinaryMatches(n, o.n_s, a, o.n_theta, o.n_trials.TrialsFor(fp),
                                                  Stream(seed, {1, n, a}));
          record.Observed("effect_of_n", row, seed, m, fp, "matches");
          if (seed == ex.seeds().front()) Point(observed, n, m.frequency());
        }
      }
      progress.Update(++done, row);
    }
    series.push_back(exact);
    if (!observed.x.empty()) series.push_back(observed);
  }
  progress.Finish();
  PlotOptions p;
  p.title = absl::StrFormat("False positives against n (s=%d, theta=%d)", o.n_s, o.n_theta);
  p.xlabel = "cell population size n";
  p.ylabel = "probability of a false positive";
  p.log_y = true;
  p.extra = "set key outside right";
  return PlotLines(ex.OutputPath("fig_effect_of_n.png"), series, p);
}

absl::Status EffectOfS(Experiment& ex, const Options& o, Record& record) {
  std::vector<Series> series;
  auto curve = [&](int64_t a, int64_t n, bool plotted) -> absl::Status {
    Series line{absl::StrCat("a=", a, ", n=", n), {}, {},
                absl::StrCat("linespoints pt 7 lw 2 lc ", series.size() + 1)};
    const auto& paper = PaperEffectOfS();
    const auto it = paper.find({a, n});
    for (int64_t s : o.s_values) {
      const std::string row = absl::StrCat("effect_of_s/s=", s, "/a=", a, ",n=", n);
      ASSIGN_OR_RETURN(const double fp, FalsePositiveProbability(n, a, s, s / 2));
      ex.table().Set(row, "fp", fp);
      ex.table().SetInfo(row, "parameters", {{"n", n}, {"a", a}, {"s", s}, {"theta", s / 2}});
      if (it != paper.end()) {
        if (const double* p = it->second.At(s)) record.Paper("effect_of_s", row, "fp", fp, *p);
      }
      Point(line, s, fp);
    }
    if (plotted) series.push_back(line);
    return absl::OkStatus();
  };
  for (auto [a, n] : o.s_curves) RETURN_IF_ERROR(curve(a, n, true));
  for (auto [a, n] : o.s_extra_curves) RETURN_IF_ERROR(curve(a, n, false));
  PlotOptions p;
  p.title = "False positives against the number of synapses (theta = s/2)";
  p.xlabel = "number of synapses on the segment s";
  p.ylabel = "probability of a false positive";
  p.log_y = true;
  return PlotLines(ex.OutputPath("fig_effect_of_s.png"), series, p);
}

absl::Status Noise(Experiment& ex, const Options& o, Record& record) {
  const int64_t a = o.noise_a, s = o.noise_s;
  Progress progress("noise", static_cast<int64_t>(o.noise_v.size()));
  std::vector<Series> exact(o.noise_thetas.size()), observed(o.noise_thetas.size());
  for (size_t i = 0; i < o.noise_thetas.size(); ++i) {
    exact[i] = {absl::StrCat("theta=", o.noise_thetas[i], " exact"), {}, {}, LineStyle(i)};
    observed[i] = {absl::StrCat("theta=", o.noise_thetas[i], " observed"), {}, {}, PointStyle(i)};
  }
  int64_t done = 0;
  for (int64_t v : o.noise_v) {
    // One run per noise level gives every threshold: how many of the s
    // segment cells are among the v removed pattern cells.
    std::vector<std::vector<int64_t>> histograms;
    if (o.noise_trials > 0) {
      for (int64_t seed : ex.seeds()) {
        histograms.push_back(OverlapHistogram(a, s, v, o.noise_trials, Stream(seed, {2, a, s, v})));
      }
    }
    for (size_t i = 0; i < o.noise_thetas.size(); ++i) {
      const int64_t theta = o.noise_thetas[i];
      const std::string row = absl::StrCat("noise/v=", v, "/theta=", theta);
      ASSIGN_OR_RETURN(const double fn, FalseNegativeProbability(a, s, theta, v));
      ex.table().Set(row, "fn", fn);
      ex.table().SetInfo(row, "parameters",
                         {{"a", a}, {"s", s}, {"theta", theta}, {"v", v},
                          {"noise_fraction", static_cast<double>(v) / a}});
      Point(exact[i], static_cast<double>(v) / a, fn);
      if (auto it = PaperNoiseExact().find(theta); it != PaperNoiseExact().end()) {
        if (const double* p = it->second.At(v)) record.Paper("noise", row, "fn", fn, *p);
      }
      if (auto it = PaperNoiseObserved().find(theta); it != PaperNoiseObserved().end()) {
        if (const double* p = it->second.At(v)) ex.table().SetPaper(row, "observed", *p);
      }
      for (size_t k = 0; k < histograms.size(); ++k) {
        MatchCount m;
        m.trials = o.noise_trials;
        const int64_t top = static_cast<int64_t>(histograms[k].size()) - 1;  // min(s, v)
        for (int64_t b = std::max<int64_t>(s - theta + 1, 0); b <= top; ++b) m.matches += histograms[k][b];
        record.Observed("noise", row, ex.seeds()[k], m, fn, "misses");
        if (k == 0) Point(observed[i], static_cast<double>(v) / a, m.frequency());
      }
    }
    progress.Update(++done, absl::StrCat("v=", v));
  }
  progress.Finish();
  std::vector<Series> series;
  for (size_t i = 0; i < exact.size(); ++i) {
    series.push_back(exact[i]);
    if (!observed[i].x.empty()) series.push_back(observed[i]);
  }
  PlotOptions p;
  p.title = absl::StrFormat("False negatives against noise (a=%d, s=%d)", a, s);
  p.xlabel = "noise: fraction of the a active cells replaced";
  p.ylabel = "probability of a false negative";
  p.log_y = true;
  p.extra = "set key left top";
  return PlotLines(ex.OutputPath("fig_noise.png"), series, p);
}

absl::Status Unions(Experiment& ex, const Options& o, Record& record) {
  Progress progress("unions", static_cast<int64_t>(o.union_n.size() * o.union_max_m));
  int64_t done = 0;
  std::vector<Series> series;
  for (size_t curve = 0; curve < o.union_n.size(); ++curve) {
    const int64_t n = o.union_n[curve];
    Series exact{absl::StrCat("n=", n, " exact"), {}, {}, LineStyle(curve)};
    Series at_mean{absl::StrCat("n=", n, " at the expected size"), {}, {}, DashStyle(curve)};
    Series observed{absl::StrCat("n=", n, " observed"), {}, {}, PointStyle(curve)};
    for (int64_t M = 1; M <= o.union_max_m; ++M) {
      const std::string row = absl::StrCat("unions/M=", M, "/n=", n);
      ASSIGN_OR_RETURN(const double fp,
                       UnionFalsePositiveProbability(n, o.union_a, o.union_s, M, o.union_theta));
      ASSIGN_OR_RETURN(const double fp_mean, UnionFalsePositiveAtExpectedSize(
                                                 n, o.union_a, o.union_s, M, o.union_theta));
      ASSIGN_OR_RETURN(const double size, UnionExpectedSize(n, o.union_s, M));
      ex.table().Set(row, "fp", fp);
      ex.table().Set(row, "fp_at_expected_size", fp_mean);
      ex.table().Set(row, "expected_size", size);
      ex.table().SetInfo(row, "parameters", {{"n", n}, {"a", o.union_a}, {"s", o.union_s},
                                             {"theta", o.union_theta}, {"M", M}});
      if (auto it = PaperUnions().find(n); it != PaperUnions().end()) {
        if (const double* p = it->second.At(M)) {
          record.Paper("unions at the expected size", row, "fp_at_expected_size", fp_mean, *p);
          // The same printed values against the exact law of the union.
          const double scale = std::max(fp, *p);
          ex.table().Set(row, "exact_vs_paper", scale > 0 ? (fp - *p) / scale : 0.0);
        }
      }
      Point(exact, M, fp);
      Point(at_mean, M, fp_mean);
      if (fp >= o.union_trials.min_probability) {
        for (int64_t seed : ex.seeds()) {
          const MatchCount m =
              CountUnionMatches(n, o.union_a, o.union_s, M, o.union_theta,
                                o.union_trials.TrialsFor(fp), Stream(seed, {3, n, M}));
          record.Observed("unions", row, seed, m, fp, "matches");
          if (seed == ex.seeds().front()) Point(observed, M, m.frequency());
        }
      }
      progress.Update(++done, row);
    }
    series.push_back(exact);
    series.push_back(at_mean);
    if (!observed.x.empty()) series.push_back(observed);
  }
  progress.Finish();
  PlotOptions p;
  p.title = absl::StrFormat("Unions of M patterns (a=%d, s=%d per pattern, theta=%d)", o.union_a,
                            o.union_s, o.union_theta);
  p.xlabel = "number of patterns in the union M";
  p.ylabel = "probability of a false positive";
  p.log_y = true;
  p.extra = "set key outside right";
  return PlotLines(ex.OutputPath("fig_unions.png"), series, p);
}

// numpy.median: the middle value, or the mean of the two middle values.
double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t k = v.size() / 2;
  return v.size() % 2 ? v[k] : (v[k - 1] + v[k]) / 2;
}

absl::Status OptimalThreshold(Experiment& ex, const Options& o, Record& record) {
  Series median{"median", {}, {}, "linespoints pt 7 lw 2 lc 1"};
  Series mean{"mean", {}, {}, "linespoints pt 5 lw 2 lc 2"};
  Series target{absl::StrFormat("%g", o.threshold_target), {}, {}, "lines dt 2 lc 0"};
  for (int64_t theta = o.threshold_min_theta; theta <= o.threshold_max_theta; ++theta) {
    std::vector<double> fps;
    for (int64_t n : o.threshold_n) {
      for (double sparsity : o.threshold_sparsities) {
        const int64_t a = std::llround(sparsity * n);  // Python 2's round: half away from zero
        for (int64_t s : o.threshold_s) {
          ASSIGN_OR_RETURN(const double fp, FalsePositiveProbability(n, a, s, theta));
          fps.push_back(fp);
        }
      }
    }
    const std::string row = absl::StrCat("optimal_threshold/theta=", theta);
    double sum = 0, squares = 0;
    for (double f : fps) sum += f;
    const double mu = sum / fps.size();
    for (double f : fps) squares += (f - mu) * (f - mu);
    const ThresholdStats ours{mu, std::sqrt(squares / fps.size()),  // numpy.var: divides by N
                              *std::min_element(fps.begin(), fps.end()),
                              *std::max_element(fps.begin(), fps.end()), Median(fps)};
    ex.table().Set(row, "mean", ours.mean);
    ex.table().Set(row, "std", ours.std);
    ex.table().Set(row, "min", ours.min);
    ex.table().Set(row, "max", ours.max);
    ex.table().Set(row, "median", ours.median);
    ex.table().Set(row, "grid_points", static_cast<double>(fps.size()));
    if (auto it = PaperOptimalThreshold().find(theta); it != PaperOptimalThreshold().end()) {
      record.Paper("optimal_threshold mean", row, "mean", ours.mean, it->second.mean);
      record.Paper("optimal_threshold std", row, "std", ours.std, it->second.std);
      record.Paper("optimal_threshold min", row, "min", ours.min, it->second.min);
      record.Paper("optimal_threshold max", row, "max", ours.max, it->second.max);
      record.Paper("optimal_threshold median", row, "median", ours.median, it->second.median);
    }
    Point(median, theta, ours.median);
    Point(mean, theta, ours.mean);
    Point(target, theta, o.threshold_target);
  }
  PlotOptions p;
  p.title = "False positives against the NMDA threshold over the grid of n, a/n, s";
  p.xlabel = "synapses needed for a dendritic spike theta";
  p.ylabel = "probability of a false positive";
  p.log_y = true;
  return PlotLines(ex.OutputPath("fig_optimal_threshold.png"), {median, mean, target}, p);
}

absl::Status Run(Experiment& ex) {
  ASSIGN_OR_RETURN(const Options o, ReadOptions(ex.config()));
  Record record(ex);
  if (o.panels.count("table1")) RETURN_IF_ERROR(Table1(ex, o, record));
  if (o.panels.count("examples")) RETURN_IF_ERROR(Examples(ex, o, record));
  if (o.panels.count("effect_of_n")) RETURN_IF_ERROR(EffectOfN(ex, o, record));
  if (o.panels.count("effect_of_s")) RETURN_IF_ERROR(EffectOfS(ex, o, record));
  if (o.panels.count("noise")) RETURN_IF_ERROR(Noise(ex, o, record));
  if (o.panels.count("unions")) RETURN_IF_ERROR(Unions(ex, o, record));
  if (o.panels.count("optimal_threshold")) RETURN_IF_ERROR(OptimalThreshold(ex, o, record));
  record.WriteSummaries();
  return absl::OkStatus();
}

}  // namespace
}  // namespace sparselab::sdr_theory

int main(int argc, char** argv) {
  return sparselab::RunExperiment(
      argc, argv,
      {"sdr_theory",
       "Ahmad & Hawkins 2016, How do neurons operate on sparse distributed representations? A "
       "mathematical theory of sparsity, neurons and active dendrites (arXiv:1601.00720)"},
      sparselab::sdr_theory::Run);
}
