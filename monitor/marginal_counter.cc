#include "monitor/marginal_counter.h"

#include <algorithm>

#include "monitor/parallel.h"
#include "monitor/sorted_order.h"

namespace sparselab {
namespace monitor {
namespace {

// For `inside` true on [lo, e) and false on [e, hi) (lo < e), returns e,
// searching outwards from the guess g in [lo, hi]: galloping (steps 1, 2, 4,
// ...) towards e, then a binary search of the last gap.
template <class Inside>
int64_t FindEnd(int64_t lo, int64_t hi, int64_t g, const Inside& inside) {
  int64_t good, bad;  // inside(good) holds; bad == hi or !inside(bad)
  if (g >= hi || (g > lo && !inside(g))) {  // e <= g: gallop down
    good = lo;
    bad = std::min(g, hi);
    for (int64_t step = 1; bad - step > lo; step *= 2) {
      if (inside(bad - step)) {
        good = bad - step;
        break;
      }
      bad -= step;
    }
  } else {  // e > g (a guess at or below lo starts from lo, which is inside)
    good = std::max(g, lo);
    bad = hi;
    for (int64_t step = 1; good + step < hi; step *= 2) {
      if (!inside(good + step)) {
        bad = good + step;
        break;
      }
      good += step;
    }
  }
  // Binary search of (good, bad] without branches (conditional moves): the
  // outcome of each probe is a coin toss that a branch would mispredict.
  for (int64_t length = bad - good; length > 1;) {
    const int64_t half = length / 2;
    good = inside(good + half) ? good + half : good;
    length -= half;
  }
  return good + 1;
}

}  // namespace

// The ends of the previous query's run, the guesses for the next one.
struct MarginalCounter::Finger {
  int64_t begin = 0, end = 0;
};

MarginalCounter::MarginalCounter(const Samples& s) : n_(s.n) {
  if (s.dim == 1) {
    order_ = SortedOrder(s.values.data(), s.n);
    sorted_.resize(s.n);
    position_.resize(s.n);
    for (int64_t r = 0; r < s.n; ++r) {
      sorted_[r] = s.values[order_[r]];
      position_[order_[r]] = r;
    }
  } else {
    tree_ = std::make_unique<MaxNormTree>(s);
    points_ = s;
  }
}

// Samples within `radius` (>= 0) of the one at sorted position p.
int64_t MarginalCounter::CountSorted(int64_t p, double radius, Finger& finger) const {
  const double v = sorted_[p];
  const double* sorted = sorted_.data();
  // Right of p: sorted[q] - v <= radius on [p, end).
  const int64_t end = FindEnd(p, n_, std::clamp(finger.end, p, n_),
                              [&](int64_t q) { return sorted[q] - v <= radius; });
  // Left of p, mirrored (m = p - q): v - sorted[p - m] <= radius on [0, e).
  const int64_t e = FindEnd(0, p + 1, std::clamp<int64_t>(p - finger.begin + 1, 0, p + 1),
                            [&](int64_t m) { return v - sorted[p - m] <= radius; });
  finger.begin = p - e + 1;
  finger.end = end;
  return end - finger.begin;
}

int64_t MarginalCounter::CountWithin(int64_t i, double radius) const {
  if (!(radius >= 0.0)) return 0;
  if (tree_) return tree_->CountWithin(points_.row(i), radius);
  Finger finger;
  return CountSorted(position_[i], radius, finger);
}

std::vector<int64_t> MarginalCounter::CountsWithin(const std::vector<double>& radius,
                                                   double margin, int num_threads) const {
  std::vector<int64_t> counts(n_, 0);
  ParallelFor(n_, num_threads, [&](int64_t begin, int64_t end) {
    // Radii gathered into query order first: independent loads overlap, where
    // loads inside the query loop would wait for each query in turn.
    std::vector<double> reach(end - begin);
    for (int64_t r = begin; r < end; ++r) reach[r - begin] = radius[SampleAt(r)] - margin;
    Finger finger;
    for (int64_t r = begin; r < end; ++r) {
      const double within = reach[r - begin];
      if (!(within >= 0.0)) continue;
      counts[SampleAt(r)] =
          tree_ ? tree_->CountWithin(tree_->PointAt(r), within) : CountSorted(r, within, finger);
    }
  });
  return counts;
}

}  // namespace monitor
}  // namespace sparselab
