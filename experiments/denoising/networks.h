// The trained denoisers of the experiment, on random patches of the training
// images (one fixed noisy realisation of each, as a user with noisy
// photographs has; the clean patches only where the method is supervised):
//  - blind_spot: lib/restoration's BlindSpotNetwork (Laine et al. 2019: shifted
//    convolutions, four rotations merged by 1 x 1 convolutions; a plain stack,
//    not their U-Net), trained on noisy patches only by the squared error to
//    the noisy input itself, which cannot be learnt as the identity because
//    output (i, j) never sees input (i, j) (the Noise2Void / Noise2Self
//    argument); the output is the network's estimate, without the paper's
//    known-sigma posterior-mean step.
//  - blind_spot_unet: Laine et al.'s method as the paper states it: the
//    blind-spot U-Net predicts a Gaussian prior N(mu, s^2) of each clean pixel
//    from its surroundings, trained by the likelihood of the noisy image under
//    the known sigma (GaussianBlindSpotLoss), denoised by the posterior mean.
//    Its variant row blind_spot_unet_prior_mean is mu alone (the network
//    without the Bayesian step), from the same training.
//  - noise2void: a plain U-Net trained on noisy patches with Noise2Void's
//    masking (Krull et al. 2019) and the masked squared error.
//  - noise2clean: the same U-Net trained on noisy -> clean pairs by the squared
//    error: the supervised upper bound of the U-Net rows.
//  - the external CNN of hybrid_prior (hybrid_prior.h's predictor, trained on
//    noisy -> clean pairs), FitHybridPredictor below.
// Training is resumable: a checkpoint after every epoch (the task's), so a
// stopped run continues where it was; the masks of Noise2Void come from a
// generator seeded per epoch, so a resumed run draws the same ones.
#ifndef SPARSELAB_EXPERIMENTS_DENOISING_NETWORKS_H_
#define SPARSELAB_EXPERIMENTS_DENOISING_NETWORKS_H_

#include <string>

#include "absl/status/statusor.h"
#include "experiments/denoising/methods.h"
#include "lib/restoration/hybrid_prior.h"

namespace sparselab::denoising {

bool IsNetworkMethod(const std::string& method);

absl::StatusOr<FittedMethod> FitNetwork(const std::string& method, const FitContext& f);

// The hybrid prior's external estimator, trained; `info` receives its training.
absl::StatusOr<HybridPriorPredictor> FitHybridPredictor(const FitContext& f, nlohmann::json& info);

}  // namespace sparselab::denoising

#endif  // SPARSELAB_EXPERIMENTS_DENOISING_NETWORKS_H_
