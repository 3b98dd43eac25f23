// The numbers printed by Ahmad & Hawkins 2016 (arXiv:1601.00720) and its
// reference code (numenta/htmresearch, projects/sdr_paper), to set beside ours.
// The paper's text was not available to us; every value here is copied from
// the reference code, which holds the numbers its figures plot:
//   plot_effect_of_n.py      effect of n, exact (s = 24, theta = 12)
//   plot_numerical_results.py  effect of n, simulated (the same, 1e8 samples)
//   plot_effect_of_s.py      effect of s (theta = s / 2)
//   plot_noise_results.py    false negatives under noise, exact and simulated
//   sdr_paper_unions.py      unions (a = 200, s = 25, theta = 15)
//   plot_optimal_threshold.py  statistics over the grid of compute_optimal_threshold.py
//   sdr_math_neuron_paper.ipynb  Table 1B, 1C, 1D and example values
#ifndef SPARSELAB_EXPERIMENTS_SDR_THEORY_PAPER_VALUES_H_
#define SPARSELAB_EXPERIMENTS_SDR_THEORY_PAPER_VALUES_H_

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace sparselab::sdr_theory {

// A curve printed as a list of values indexed like `x`.
struct PaperCurve {
  std::vector<int64_t> x;
  std::vector<double> y;
  // The value at x, if the list has one.
  const double* At(int64_t at) const;
};

// Table 1 of the notebook: theta = s (by s), s = 2 theta (by theta), and
// s = 2 m theta (by (theta, m)); n = 100000, a = 2000.
const std::map<int64_t, double>& PaperTable1ThetaEqualsS();
const std::map<int64_t, double>& PaperTable1SEquals2Theta();
const std::map<std::pair<int64_t, int64_t>, double>& PaperTable1Union();

// The notebook's example cells, by (n, a, s, theta) as computed there.
const std::map<std::tuple<int64_t, int64_t, int64_t, int64_t>, double>& PaperExamples();

// Effect of n, by the active count as the reference names it ("64", "128",
// "256", "n/2"); x = n.
const std::map<std::string, PaperCurve>& PaperEffectOfNExact();
const std::map<std::string, PaperCurve>& PaperEffectOfNObserved();

// Effect of s, by (a, n); x = s.
const std::map<std::pair<int64_t, int64_t>, PaperCurve>& PaperEffectOfS();

// False negatives, by theta; x = v (noisy cells out of a = 128).
const std::map<int64_t, PaperCurve>& PaperNoiseExact();
const std::map<int64_t, PaperCurve>& PaperNoiseObserved();

// Unions, by n; x = M.
const std::map<int64_t, PaperCurve>& PaperUnions();

// The optimal-threshold statistics, by theta: mean, std, min, max, median.
struct ThresholdStats {
  double mean, std, min, max, median;
};
const std::map<int64_t, ThresholdStats>& PaperOptimalThreshold();

}  // namespace sparselab::sdr_theory

#endif  // SPARSELAB_EXPERIMENTS_SDR_THEORY_PAPER_VALUES_H_
