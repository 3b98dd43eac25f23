#include "monitor/marginal_counter.h"

#include <algorithm>
#include <cstdint>

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

// A Fenwick tree of counts over positions 0 .. n-1 (Fenwick 1994); 32-bit
// counts (n < 2^32) keep it small enough for the cache.
class Fenwick {
 public:
  explicit Fenwick(int64_t n) : tree_(n + 1, 0) {}
  void Add(int64_t position) {
    for (int64_t i = position + 1; i < static_cast<int64_t>(tree_.size()); i += i & -i) ++tree_[i];
  }
  // Positions below `end` added so far.
  int64_t Below(int64_t end) const {
    uint32_t sum = 0;
    for (int64_t i = end; i > 0; i -= i & -i) sum += tree_[i];
    return sum;
  }

 private:
  std::vector<uint32_t> tree_;
};

}  // namespace

// The ends of the previous query's run, the guesses for the next one.
struct MarginalCounter::Finger {
  int64_t begin = 0, end = 0;
};

MarginalCounter::MarginalCounter(const Samples& s) : n_(s.n) {
  // Two columns by rectangles while the 32-bit Fenwick counts suffice.
  if (s.dim == 1 || (s.dim == 2 && s.n < (int64_t{1} << 32))) {
    for (int64_t j = 0; j < s.dim; ++j) {
      SortedColumn c;
      c.order = SortedOrder(s.values.data() + j, s.n, s.dim);
      c.sorted.resize(s.n);
      c.position.resize(s.n);
      for (int64_t r = 0; r < s.n; ++r) {
        c.sorted[r] = s(c.order[r], j);
        c.position[c.order[r]] = r;
      }
      columns_.push_back(std::move(c));
    }
  } else {
    tree_ = std::make_unique<MaxNormTree>(s);
    points_ = s;
  }
}

void MarginalCounter::Run(const SortedColumn& column, int64_t p, double radius, Finger& finger) {
  const int64_t n = static_cast<int64_t>(column.sorted.size());
  const double v = column.sorted[p];
  const double* sorted = column.sorted.data();
  // Right of p: sorted[q] - v <= radius on [p, end).
  const int64_t end = FindEnd(p, n, std::clamp(finger.end, p, n),
                              [&](int64_t q) { return sorted[q] - v <= radius; });
  // Left of p, mirrored (m = p - q): v - sorted[p - m] <= radius on [0, e).
  const int64_t e = FindEnd(0, p + 1, std::clamp<int64_t>(p - finger.begin + 1, 0, p + 1),
                            [&](int64_t m) { return v - sorted[p - m] <= radius; });
  finger.begin = p - e + 1;
  finger.end = end;
}

int64_t MarginalCounter::CountWithin(int64_t i, double radius) const {
  if (!(radius >= 0.0)) return 0;
  if (tree_) return tree_->CountWithin(points_.row(i), radius);
  Finger first;
  Run(columns_[0], columns_[0].position[i], radius, first);
  if (columns_.size() == 1) return first.end - first.begin;
  Finger second;
  Run(columns_[1], columns_[1].position[i], radius, second);
  int64_t count = 0;
  for (int64_t q = first.begin; q < first.end; ++q) {
    const int64_t rank = columns_[1].position[columns_[0].order[q]];
    count += rank >= second.begin && rank < second.end;
  }
  return count;
}

// Two dimensions: sample j is within the radius of sample i exactly when its
// position in each sorted column lies in i's run there, so the count is the
// number of samples in a rectangle of positions [a, b) x [c, d):
// (# first position < b) - (# first position < a), each restricted to second
// positions in [c, d). The runs are found column by column in that column's
// sorted order (finger search, as in 1-D); then one sweep over first
// positions adds each sample's second position to a Fenwick tree and answers
// every query's two events.
std::vector<int64_t> MarginalCounter::RectangleCounts(const std::vector<double>& radius,
                                                      double margin, int num_threads) const {
  // Runs per sample: [a, b) in the first column, [c, d) in the second.
  std::vector<int64_t> ends[2][2];
  for (int j = 0; j < 2; ++j) {
    const SortedColumn& column = columns_[j];
    std::vector<int64_t>& begins = ends[j][0];
    std::vector<int64_t>& stops = ends[j][1];
    begins.assign(n_, 0);
    stops.assign(n_, 0);  // empty where the radius is negative: count 0
    ParallelFor(n_, num_threads, [&](int64_t begin, int64_t end) {
      std::vector<double> reach(end - begin);
      for (int64_t r = begin; r < end; ++r) reach[r - begin] = radius[column.order[r]] - margin;
      Finger finger;
      for (int64_t r = begin; r < end; ++r) {
        const double within = reach[r - begin];
        if (!(within >= 0.0)) continue;
        Run(column, r, within, finger);
        begins[column.order[r]] = finger.begin;
        stops[column.order[r]] = finger.end;
      }
    });
  }
  const std::vector<int64_t>& a = ends[0][0];
  const std::vector<int64_t>& b = ends[0][1];
  const std::vector<int64_t>& c = ends[1][0];
  const std::vector<int64_t>& d = ends[1][1];
  // Events bucketed by sweep position (counting sort): sample i's rectangle
  // is subtracted at a[i] and added at b[i]; each event carries [c, d) so the
  // sweep reads the events in order.
  struct Event {
    int64_t sample_and_sign;  // 2i (subtract) or 2i + 1 (add)
    int64_t c, d;
  };
  std::vector<int64_t> head(n_ + 2, 0);
  for (int64_t i = 0; i < n_; ++i) ++head[a[i] + 1], ++head[b[i] + 1];
  for (int64_t p = 0; p <= n_; ++p) head[p + 1] += head[p];
  std::vector<Event> events(2 * n_);
  {
    std::vector<int64_t> next(head.begin(), head.end() - 1);
    for (int64_t i = 0; i < n_; ++i) {
      events[next[a[i]]++] = {2 * i, c[i], d[i]};
      events[next[b[i]]++] = {2 * i + 1, c[i], d[i]};
    }
  }
  std::vector<int64_t> counts(n_, 0);
  Fenwick fenwick(n_);
  const SortedColumn& first = columns_[0];
  const SortedColumn& second = columns_[1];
  for (int64_t p = 0; p <= n_; ++p) {
    for (int64_t e = head[p]; e < head[p + 1]; ++e) {
      const Event& event = events[e];
      const int64_t inside = fenwick.Below(event.d) - fenwick.Below(event.c);
      counts[event.sample_and_sign / 2] += event.sample_and_sign % 2 ? inside : -inside;
    }
    if (p < n_) fenwick.Add(second.position[first.order[p]]);
  }
  return counts;
}

std::vector<int64_t> MarginalCounter::CountsWithin(const std::vector<double>& radius,
                                                   double margin, int num_threads) const {
  if (columns_.size() == 2) return RectangleCounts(radius, margin, num_threads);
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
      if (tree_) {
        counts[SampleAt(r)] = tree_->CountWithin(tree_->PointAt(r), within);
      } else {
        Run(columns_[0], r, within, finger);
        counts[SampleAt(r)] = finger.end - finger.begin;
      }
    }
  });
  return counts;
}

}  // namespace monitor
}  // namespace sparselab
