// Földiák's bars problem (Földiák 1990, Sec. 4): on a g x g grid each of the
// g horizontal and g vertical lines is drawn independently with probability
// q; pixels on a drawn line are 1, all others 0. And the measures of a code
// of them: which units stand for which bar, firing statistics, how many
// distinct patterns keep distinct codes, and the information the code keeps.
#ifndef SPARSELAB_EXPERIMENTS_FOLDIAK_BARS_BARS_H_
#define SPARSELAB_EXPERIMENTS_FOLDIAK_BARS_BARS_H_

#include <cstdint>

#include <ATen/ATen.h>

namespace sparselab::foldiak_bars {

struct BarPatterns {
  at::Tensor pixels;  // (n, g*g) float, 0 or 1
  at::Tensor bars;    // (n, 2g) bool: bar b drawn (0..g-1 rows, g..2g-1 columns)
};

// n patterns from `generator`.
BarPatterns DrawBars(int64_t n, int64_t grid, double probability, at::Generator generator);
// The 2g single-bar images (2g, g*g).
at::Tensor BarTemplates(int64_t grid);

// For each unit, the bar whose image correlates best (Pearson, over pixels)
// with its feed-forward weights q_i; the number of distinct bars so chosen
// (2g: every bar has a unit of its own). A unit with constant weights has no
// correlation and counts for no bar.
int64_t DistinctBarsCoded(const at::Tensor& q, const at::Tensor& templates);

// Statistics of binary codes y (n, K) of patterns whose bars are `bars`.
struct CodeStats {
  double firing_rate = 0;        // mean of y
  double pair_coactivation = 0;  // mean over i != j of <y_i y_j>
  double distinct_code_share = 0;  // distinct codes / distinct patterns
  double information_bits = 0;   // I(code; pattern), plug-in with Miller-Madow
  double pattern_entropy_bits = 0;  // the same estimator's I(pattern; pattern)
};
CodeStats MeasureCodes(const at::Tensor& codes, const at::Tensor& bars);

// How many single-bar patterns get a code of exactly one active unit that no
// other single bar's code uses.
int64_t SingleBarCodes(const at::Tensor& single_bar_codes);

}  // namespace sparselab::foldiak_bars

#endif  // SPARSELAB_EXPERIMENTS_FOLDIAK_BARS_BARS_H_
