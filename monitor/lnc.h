// The local non-uniformity correction (LNC) of the KSG estimator (Gao, Ver
// Steeg & Galstyan 2015, "Efficient estimation of mutual information for
// strongly dependent variables", AISTATS): KSG assumes the density is uniform
// in each point's max-norm box of k neighbours, which fails when x and y are
// strongly dependent and the neighbours lie along a thin ridge. For each point
// i, with its k nearest neighbours (max-norm, joint space) as offsets from
// x_i, compare the volume of the smallest box around x_i along the principal
// axes of those offsets, V_rect(i), with the axis-aligned box, V(i); where
// V_rect(i) / V(i) < alpha, the estimate gains log(V(i) / V_rect(i)) / N:
//   I_LNC = I_KSG - (1 / N) sum over those i of log(V_rect(i) / V(i)).
// NPEET's mi(x, y, alpha=...) applies the same rule (2-variable case only).
#ifndef SPARSELAB_MONITOR_LNC_H_
#define SPARSELAB_MONITOR_LNC_H_

#include "absl/status/statusor.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

// The correction in nats, >= 0, to add to the KSG estimate of the joint
// samples `joint` (jittered as the estimate used them). alpha in (0, 1];
// k >= 1 and fewer than joint.n.
absl::StatusOr<double> LocalNonUniformityCorrection(const Samples& joint, int k, double alpha,
                                                    int num_threads = 0);

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_LNC_H_
