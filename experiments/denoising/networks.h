// The trained denoisers of the experiment, on random patches of the noisy
// training images (one fixed noisy realisation of each, as a user with noisy
// photographs has):
//  - blind_spot: lib/restoration's BlindSpotNetwork (Laine et al. 2019: shifted
//    convolutions, four rotations merged by 1 x 1 convolutions; a plain stack,
//    not their U-Net), trained on noisy patches only by the squared error to
//    the noisy input itself, which cannot be learnt as the identity because
//    output (i, j) never sees input (i, j) (the Noise2Void / Noise2Self
//    argument); the output is the network's estimate, without the paper's
//    known-sigma posterior-mean step.
// Training is resumable: a checkpoint after every epoch (the task's), so a
// stopped run continues where it was.
#ifndef SPARSELAB_EXPERIMENTS_DENOISING_NETWORKS_H_
#define SPARSELAB_EXPERIMENTS_DENOISING_NETWORKS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "experiments/denoising/methods.h"

namespace sparselab::denoising {

bool IsNetworkMethod(const std::string& method);

absl::StatusOr<FittedMethod> FitNetwork(const std::string& method, const FitContext& f);

}  // namespace sparselab::denoising

#endif  // SPARSELAB_EXPERIMENTS_DENOISING_NETWORKS_H_
