#include "lib/sdr/willshaw.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace sparselab {
namespace {

// OK when every index is in [0, size), the list is non-empty and has no
// repeats.
absl::Status CheckIndices(const std::vector<int64_t>& v, int64_t size,
                          const char* name) {
  if (v.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Willshaw memory: ", name,
                     " is empty; give at least one active index"));
  }
  std::vector<bool> seen(static_cast<size_t>(size), false);
  for (int64_t i : v) {
    if (i < 0 || i >= size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Willshaw memory: ", name, " index ", i, " is out of range [0, ",
          size, ")"));
    }
    if (seen[i]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Willshaw memory: ", name, " index ", i,
          " is repeated; give each active index once"));
    }
    seen[i] = true;
  }
  return absl::OkStatus();
}

}  // namespace

WillshawMemory::WillshawMemory(const WillshawOptions& options)
    : options_(options),
      words_per_row_((options.output_size + 63) / 64),
      words_(static_cast<size_t>(options.input_size * words_per_row_), 0) {}

absl::StatusOr<WillshawMemory> WillshawMemory::Create(
    const WillshawOptions& options) {
  if (options.input_size <= 0 || options.output_size <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Willshaw memory: input_size = ", options.input_size,
        " and output_size = ", options.output_size,
        " must both be positive"));
  }
  return WillshawMemory(options);
}

absl::Status WillshawMemory::Store(const std::vector<int64_t>& x,
                                   const std::vector<int64_t>& y) {
  if (absl::Status s = CheckIndices(x, options_.input_size, "x"); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckIndices(y, options_.output_size, "y"); !s.ok()) {
    return s;
  }
  // The row mask of y, OR-ed into every row of x.
  std::vector<uint64_t> mask(static_cast<size_t>(words_per_row_), 0);
  for (int64_t j : y) mask[j >> 6] |= uint64_t{1} << (j & 63);
  for (int64_t i : x) {
    uint64_t* row = &words_[i * words_per_row_];
    for (int64_t w = 0; w < words_per_row_; ++w) row[w] |= mask[w];
  }
  ++stored_pairs_;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int64_t>> WillshawMemory::Dendrites(
    const std::vector<int64_t>& x) const {
  if (absl::Status s = CheckIndices(x, options_.input_size, "cue x");
      !s.ok()) {
    return s;
  }
  std::vector<int64_t> counts(static_cast<size_t>(options_.output_size), 0);
  for (int64_t i : x) {
    const uint64_t* row = &words_[i * words_per_row_];
    for (int64_t w = 0; w < words_per_row_; ++w) {
      for (uint64_t bits = row[w]; bits != 0; bits &= bits - 1) {
        ++counts[(w << 6) + __builtin_ctzll(bits)];
      }
    }
  }
  return counts;
}

absl::StatusOr<std::vector<int64_t>> WillshawMemory::Recall(
    const std::vector<int64_t>& x, int64_t threshold) const {
  if (absl::Status s = CheckIndices(x, options_.input_size, "cue x");
      !s.ok()) {
    return s;
  }
  const int64_t kx = static_cast<int64_t>(x.size());
  if (threshold < 0 || threshold > kx) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Willshaw memory: threshold ", threshold,
        " must be 0 (meaning |x|) or in [1, |x| = ", kx, "]"));
  }
  std::vector<int64_t> out;
  if (threshold == 0 || threshold == kx) {
    // Perfect-cue rule: AND of the cue's rows.
    std::vector<uint64_t> acc(words_.begin() + x[0] * words_per_row_,
                              words_.begin() + (x[0] + 1) * words_per_row_);
    for (size_t n = 1; n < x.size(); ++n) {
      const uint64_t* row = &words_[x[n] * words_per_row_];
      for (int64_t w = 0; w < words_per_row_; ++w) acc[w] &= row[w];
    }
    for (int64_t w = 0; w < words_per_row_; ++w) {
      for (uint64_t bits = acc[w]; bits != 0; bits &= bits - 1) {
        out.push_back((w << 6) + __builtin_ctzll(bits));
      }
    }
    return out;
  }
  absl::StatusOr<std::vector<int64_t>> counts = Dendrites(x);
  if (!counts.ok()) return counts.status();
  for (int64_t j = 0; j < options_.output_size; ++j) {
    if ((*counts)[j] >= threshold) out.push_back(j);
  }
  return out;
}

bool WillshawMemory::Synapse(int64_t i, int64_t j) const {
  return (words_[i * words_per_row_ + (j >> 6)] >> (j & 63)) & 1;
}

int64_t WillshawMemory::SetSynapses() const {
  int64_t n = 0;
  for (uint64_t w : words_) n += __builtin_popcountll(w);
  return n;
}

double WillshawSynapseProbability(int64_t nx, int64_t ny, int64_t kx,
                                  int64_t ky, int64_t pairs) {
  const double q = static_cast<double>(kx) * ky / (static_cast<double>(nx) * ny);
  return 1.0 - std::pow(1.0 - q, static_cast<double>(pairs));
}

double WillshawExpectedSpuriousBits(int64_t nx, int64_t ny, int64_t kx,
                                    int64_t ky, int64_t pairs) {
  const double p1 = WillshawSynapseProbability(nx, ny, kx, ky, pairs);
  return static_cast<double>(ny - ky) * std::pow(p1, static_cast<double>(kx));
}

double WillshawPerfectRecallProbability(int64_t nx, int64_t ny, int64_t kx, int64_t ky,
                                        int64_t pairs) {
  const double p1 = WillshawSynapseProbability(nx, ny, kx, ky, pairs);
  return std::pow(1.0 - std::pow(p1, static_cast<double>(kx)), static_cast<double>(ny - ky));
}

namespace {

// k distinct indices of [0, n), sorted (rejection: k is far below n here;
// a partial Fisher-Yates otherwise).
std::vector<int64_t> RandomCode(int64_t n, int64_t k, std::mt19937_64& rng) {
  std::vector<int64_t> out;
  if (2 * k > n) {
    std::vector<int64_t> all(n);
    for (int64_t i = 0; i < n; ++i) all[i] = i;
    for (int64_t i = 0; i < k; ++i) {
      std::uniform_int_distribution<int64_t> d(i, n - 1);
      std::swap(all[i], all[d(rng)]);
    }
    out.assign(all.begin(), all.begin() + k);
  } else {
    std::uniform_int_distribution<int64_t> d(0, n - 1);
    while (static_cast<int64_t>(out.size()) < k) {
      const int64_t i = d(rng);
      if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

absl::StatusOr<WillshawSimulationResult> SimulateWillshaw(const WillshawSimulationOptions& o) {
  if (o.kx < 1 || o.kx > o.nx || o.ky < 1 || o.ky > o.ny || o.pairs < 1 || o.cues < 1 ||
      o.cues > o.pairs) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SimulateWillshaw: need 1 <= kx <= nx, 1 <= ky <= ny and 1 <= cues <= pairs, got nx ",
        o.nx, " kx ", o.kx, " ny ", o.ny, " ky ", o.ky, " pairs ", o.pairs, " cues ", o.cues));
  }
  WillshawOptions wo;
  wo.input_size = o.nx;
  wo.output_size = o.ny;
  absl::StatusOr<WillshawMemory> memory = WillshawMemory::Create(wo);
  if (!memory.ok()) return memory.status();
  std::mt19937_64 rng(o.seed);
  std::vector<std::vector<int64_t>> xs, ys;
  for (int64_t p = 0; p < o.pairs; ++p) {
    std::vector<int64_t> x = RandomCode(o.nx, o.kx, rng), y = RandomCode(o.ny, o.ky, rng);
    if (absl::Status s = memory->Store(x, y); !s.ok()) return s;
    if (p < o.cues) {
      xs.push_back(std::move(x));
      ys.push_back(std::move(y));
    }
  }
  WillshawSimulationResult r;
  double sum = 0, sum_sq = 0;
  int64_t perfect = 0;
  for (int64_t c = 0; c < o.cues; ++c) {
    absl::StatusOr<std::vector<int64_t>> got = memory->Recall(xs[c]);
    if (!got.ok()) return got.status();
    int64_t hits = 0;
    for (int64_t j : ys[c]) hits += std::binary_search(got->begin(), got->end(), j) ? 1 : 0;
    r.missing_bits += o.ky - hits;
    const double spurious = static_cast<double>(static_cast<int64_t>(got->size()) - hits);
    sum += spurious;
    sum_sq += spurious * spurious;
    perfect += spurious == 0 ? 1 : 0;
  }
  const double n = static_cast<double>(o.cues);
  r.mean_spurious_bits = sum / n;
  r.spurious_bits_se =
      o.cues > 1 ? std::sqrt(std::max(0.0, (sum_sq - sum * sum / n) / (n - 1)) / n) : 0.0;
  r.perfect_recall_fraction = static_cast<double>(perfect) / n;
  r.synapse_fill = static_cast<double>(memory->SetSynapses()) /
                   (static_cast<double>(o.nx) * static_cast<double>(o.ny));
  return r;
}

}  // namespace sparselab
