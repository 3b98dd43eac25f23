// A binary associative memory (Willshaw, Buneman & Longuet-Higgins 1969,
// "Non-holographic associative memory", Nature 222:960). Pairs (x, y) of
// sparse binary vectors, given as lists of active indices, are stored by
// OR-ing the outer product x y^T into a binary matrix W (nx x ny); y is
// recalled from x by counting, for every output unit j, the active x units i
// with W[i][j] = 1 (that is, (W^T x)_j) and keeping the units whose count
// reaches a threshold: |x| for a perfect cue, lower for a noisy or partial one.
// W is bit-packed, 64 synapses per uint64 word, row-major over the x units, so
// a 4096 x 4096 memory takes 2 MiB.
#ifndef SPARSELAB_LIB_SDR_WILLSHAW_H_
#define SPARSELAB_LIB_SDR_WILLSHAW_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sparselab {

struct WillshawOptions {
  int64_t input_size = 0;   // nx, > 0
  int64_t output_size = 0;  // ny, > 0
};

class WillshawMemory {
 public:
  // InvalidArgument when a size is not positive.
  static absl::StatusOr<WillshawMemory> Create(const WillshawOptions& options);

  // W |= x y^T. x indexes [0, nx), y indexes [0, ny); both non-empty, without
  // repeated indices. Nothing is stored on error.
  absl::Status Store(const std::vector<int64_t>& x,
                     const std::vector<int64_t>& y);

  // The output units j (ascending) with (W^T x)_j >= threshold. threshold = 0
  // means |x| (the perfect-cue rule); otherwise 1 <= threshold <= |x|.
  absl::StatusOr<std::vector<int64_t>> Recall(const std::vector<int64_t>& x,
                                              int64_t threshold = 0) const;

  // (W^T x)_j for every output unit j (length ny); same checks on x.
  absl::StatusOr<std::vector<int64_t>> Dendrites(
      const std::vector<int64_t>& x) const;

  bool Synapse(int64_t i, int64_t j) const;  // W[i][j]; indices not checked
  int64_t SetSynapses() const;               // number of ones in W
  int64_t stored_pairs() const { return stored_pairs_; }
  int64_t input_size() const { return options_.input_size; }
  int64_t output_size() const { return options_.output_size; }
  int64_t ByteSize() const {
    return static_cast<int64_t>(words_.size() * sizeof(uint64_t));
  }

 private:
  explicit WillshawMemory(const WillshawOptions& options);

  WillshawOptions options_;
  int64_t words_per_row_ = 0;  // ceil(ny / 64)
  int64_t stored_pairs_ = 0;
  std::vector<uint64_t> words_;
};

// The closed-form retrieval error for random codes (Willshaw et al. 1969;
// in the notation of Palm 1980, "On associative memory", Biol. Cybern. 36:19):
// after M pairs with kx of nx and ky of ny active bits, chosen independently
// and uniformly, a synapse is set with probability
//   p1 = 1 - (1 - kx ky / (nx ny))^M,
// and a perfect cue recalls each of the ny - ky units outside y spuriously
// with probability p1^kx (all kx of its synapses from x set), so
//   E[spurious bits] = (ny - ky) p1^kx.
// (Treating the kx synapses as independent; exact for kx = 1 and a close
// approximation for sparse codes.)
double WillshawSynapseProbability(int64_t nx, int64_t ny, int64_t kx,
                                  int64_t ky, int64_t pairs);
double WillshawExpectedSpuriousBits(int64_t nx, int64_t ny, int64_t kx,
                                    int64_t ky, int64_t pairs);

// The probability that a perfect cue recalls y exactly (no spurious bit),
// (1 - p1^kx)^(ny - ky), under the same independence assumption.
double WillshawPerfectRecallProbability(int64_t nx, int64_t ny, int64_t kx, int64_t ky,
                                        int64_t pairs);

// A capacity measurement beside the closed forms: `pairs` random pairs of
// kx-of-nx and ky-of-ny codes (uniform, independent, from `seed`) stored in one
// memory, then the first `cues` stored x recalled with the perfect-cue rule.
struct WillshawSimulationOptions {
  int64_t nx = 0, ny = 0, kx = 0, ky = 0;
  int64_t pairs = 0;
  int64_t cues = 100;  // <= pairs
  uint64_t seed = 0;
};
struct WillshawSimulationResult {
  double mean_spurious_bits = 0;     // over the cues
  double spurious_bits_se = 0;       // standard error of that mean
  double perfect_recall_fraction = 0;
  double synapse_fill = 0;           // fraction of W set (p1's measured twin)
  int64_t missing_bits = 0;          // stored bits not recalled: 0 by construction
};
absl::StatusOr<WillshawSimulationResult> SimulateWillshaw(const WillshawSimulationOptions& options);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_SDR_WILLSHAW_H_
