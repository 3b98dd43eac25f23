// Fused CPU kernels of the k-winners layers (k_winners.h) and the kWTA codes
// (kwta.h). Per sample, one pass computes the boosted scores, the k-th largest
// by radix selection (select_kth.h), the output, the winner mask that backward
// applies and the per-channel activity counts for the duty cycles; samples run
// in parallel (at::parallel_for). The results equal the ATen path of winners.h
// (topk, as in nupic.torch) bit for bit, ties included: with break_ties =
// false every unit >= the k-th boosted score wins; with break_ties = true the
// few samples with another unit tying with the k-th score (or with a NaN) are
// handed to at::topk, so that its choice among the tied units is the one made.
#ifndef SPARSELAB_LIB_NN_INTERNAL_WINNERS_KERNEL_H_
#define SPARSELAB_LIB_NN_INTERNAL_WINNERS_KERNEL_H_

#include <cstdint>

#include <ATen/ATen.h>

namespace sparselab::internal {

// Whether the kernels below take x: a CPU float or double tensor with at
// least one element per sample. `factor` (if defined) must match its dtype.
bool FusedWinnersApply(const at::Tensor& x, const at::Tensor& factor = at::Tensor());

// Whether the layers use the kernels on the calling thread: true unless an
// AtenWinnersScope is alive on it.
bool FusedWinnersEnabled();

// What the layers ask: FusedWinnersEnabled() && FusedWinnersApply(x, factor).
// Otherwise they take the ATen topk path of winners.h (nupic.torch's
// algorithm), which every other device and dtype takes too.
bool UseFusedWinners(const at::Tensor& x, const at::Tensor& factor = at::Tensor());

// While alive, the layers take the ATen topk path on this thread: for the
// benchmark and the twin tests, which compare the kernels against the path
// they replace on the same layers. Scopes nest.
class AtenWinnersScope {
 public:
  AtenWinnersScope();
  ~AtenWinnersScope();
  AtenWinnersScope(const AtenWinnersScope&) = delete;
  AtenWinnersScope& operator=(const AtenWinnersScope&) = delete;

 private:
  bool previous_;
};

// How the units of a sample compete.
struct WinnerGroups {
  int64_t channels;   // duty-cycle channels: n for KWinners, C for KWinners2d
  int64_t positions;  // units per channel: 1 for KWinners, H W for KWinners2d
  bool local;         // true: k winners among the channels at each position;
                      // false: k among all channels x positions units
};

struct KWinnersResult {
  at::Tensor out;     // x's shape: x at the winners, 0 elsewhere
  at::Tensor active;  // int64 (channels): outputs > 0 over samples and positions
};

// k-winners of x (batch first, channels * positions units per sample, in
// channel-major order) ranked by the boosted score x * factor[channel]
// (factor: (channels), x's dtype). 1 <= k <= the units that compete. relu:
// winners with a boosted score <= 0 lose too. Differentiable in x: backward
// passes the gradient of the winners and 0 elsewhere.
KWinnersResult KWinnersForward(const at::Tensor& x, const at::Tensor& factor,
                               const WinnerGroups& groups, int64_t k, bool break_ties,
                               bool relu);

// The binary kWTA code of a (batch, units) input: 1 where x > the midpoint of
// each sample's k-th and (k+1)-th largest values, else 0; 1 <= k < units.
// straight_through = true: KWTABinary's code + (x - x), whose gradient is
// the identity; false: the code alone (KWTASoft in eval mode), no gradient.
at::Tensor KWTACode(const at::Tensor& flat, int64_t k, bool straight_through);

// MidpointThreshold(flat, k, 1) of winners.h for a (batch, units) input, with
// the same value and the same gradient: through the k-th and (k+1)-th values,
// to topk's choice among tied units and shared like amin shares it.
at::Tensor MidpointThreshold(const at::Tensor& flat, int64_t k);

}  // namespace sparselab::internal

#endif  // SPARSELAB_LIB_NN_INTERNAL_WINNERS_KERNEL_H_
