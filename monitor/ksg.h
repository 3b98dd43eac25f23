// Nearest-neighbour (k-NN) estimators in the max-norm, all in nats:
//  - KSG algorithms 1 and 2 for multivariate X, Y (Kraskov, Stoegbauer &
//    Grassberger 2004, Phys. Rev. E 69, 066138, eqs. 8 and 9);
//  - conditional MI I(X;Y|Z) (Frenzel & Pompe 2007, Phys. Rev. Lett. 99, 204101);
//  - the Kozachenko-Leonenko entropy (Kraskov et al. eq. 20 with the max-norm);
//  - MI between a continuous and a discrete variable (Ross 2014, PLoS ONE 9,
//    e87357, eq. 2), for I(T; label).
//
// Neighbour counting follows the reference implementation NPEET
// (gregversteeg/NPEET, `mi`, `cmi`, `entropy`): with eps_i the distance from
// sample i to its k-th neighbour in the joint space, NPEET counts the marginal
// points within eps_i - 1e-15 INCLUDING sample i and takes digamma(n). That
// count is KSG's n_x(i) (points strictly closer than eps_i, excluding i) plus
// one, so <psi(n)> = <psi(n_x + 1)> of KSG eq. 8 whenever no marginal distance
// lies in [eps_i - 1e-15, eps_i), which the tie-breaking jitter makes certain.
//
// Ties: KSG assumes distinct distances. Like NPEET (which adds 1e-10 * U[0,1)
// to every coordinate), each coordinate gets seeded uniform noise of relative
// size 1e-10: 1e-10 * U[0,1) * (the column's standard deviation). The same
// seed gives the same numbers; on tie-free data the noise changes nothing.
//
// Degenerate data: a constant column, NaN or infinity is an error (validate.h).
// A sample whose k-th neighbour lies at distance 0 even after the jitter (k or
// more exact copies, or values so large against their spread that the jitter
// is below a double's resolution) is an error, not a number; so are, for
// algorithm 2, ties inside the neighbourhood in x or y, and, for the mixed
// estimator, k or more copies within a class (scikit-learn issue 30772). Fewer
// copies bias the estimate upwards; repeated samples should be removed.
// Scale: the joint space uses the max-norm over all columns, so columns on
// very different scales (ratio 1e3 and more) mostly lose their influence and
// the estimate falls towards 0; standardise the columns first.
#ifndef SPARSELAB_MONITOR_KSG_H_
#define SPARSELAB_MONITOR_KSG_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

struct KsgOptions {
  int k = 3;             // neighbours
  uint64_t seed = 0;     // of the tie-breaking jitter
  bool jitter = true;    // add the 1e-10 relative jitter (turn off only for tie-free data)
  int num_threads = 0;   // threads over query points; 0: all hardware threads
  // > 0: KsgMutualInformation adds the local non-uniformity correction with
  // this alpha (monitor/lnc.h; NPEET's mi(..., alpha)); the other estimators
  // refuse it.
  double lnc_alpha = 0.0;
};

// KSG algorithm 1 (eq. 8): psi(k) + psi(N) - <psi(n_x + 1) + psi(n_y + 1)>.
absl::StatusOr<double> KsgMutualInformation(const Samples& x, const Samples& y,
                                            const KsgOptions& options = {});
// KSG algorithm 2 (eq. 9): psi(k) - 1/k + psi(N) - <psi(n_x) + psi(n_y)>, with
// n_x counting points within the x-extent of the k-neighbourhood (inclusive).
absl::StatusOr<double> Ksg2MutualInformation(const Samples& x, const Samples& y,
                                             const KsgOptions& options = {});
// Frenzel-Pompe conditional MI: psi(k) - <psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1)>.
absl::StatusOr<double> KsgConditionalMutualInformation(const Samples& x, const Samples& y,
                                                       const Samples& z,
                                                       const KsgOptions& options = {});
// Kozachenko-Leonenko differential entropy with the max-norm:
// psi(N) - psi(k) + d log 2 + d <log eps_i>, eps_i the k-th neighbour distance.
absl::StatusOr<double> KozachenkoLeonenkoEntropy(const Samples& x,
                                                 const KsgOptions& options = {});
// Ross 2014: psi(N) + <psi(k)> - <psi(N_y)> - <psi(m)>, where the k-th
// neighbour distance d_i is taken among samples with the same label, N_y is
// the size of that label's class, and m_i counts all other samples within
// d_i. As in scikit-learn's mutual_info_classif, a class with fewer than k + 1
// samples uses k = (its size - 1), and samples whose label occurs once are left
// out. Labels are arbitrary integers.
absl::StatusOr<double> MixedMutualInformation(const Samples& x,
                                              const std::vector<int64_t>& labels,
                                              const KsgOptions& options = {});

// The tie-breaking jitter (exposed for the brute-force reference): adds
// 1e-10 * U[0,1) * std(column) to every value, drawing from `rng_seed`.
Samples JitterForTies(const Samples& s, uint64_t rng_seed);
// The jitter stream of variable `variable` (0 = x, 1 = y, 2 = z) for `seed`.
uint64_t JitterSeed(uint64_t seed, int variable);

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_KSG_H_
