// Meaningful-perturbation masks (Fong & Vedaldi 2017; lib/nn/perturbation_mask.h)
// for the trained models, as EmbedderSDR's trainer/mask.py uses them: for
// each of the first test images, the smallest blurred-out region that removes
// the evidence for a score, where the score is the softmax probability of the
// true class (softmax head) or the pre-kWTA activation of the image's
// strongest code unit divided by its value on the clean image (kWTA head; the
// binary code itself has no gradient). Each mask is scored by the deletion
// and insertion curves of Petsiuk et al. 2018 (RISE): the score as the pixels
// are blurred out / blurred in, most important first, from the mask's order,
// a random order and gradient saliency; a good order deletes with a small
// area and inserts with a large one.
#ifndef SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_MASKS_H_
#define SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_MASKS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"
#include "experiments/embedder_sdr/models.h"
#include "lib/data/dataset.h"
#include "lib/nn/perturbation_mask.h"
#include "lib/train/trainer.h"

namespace sparselab::embedder_sdr {

struct MaskStudyOptions {
  int64_t images = 0;        // test images (the first ones); 0: no masks
  int64_t curve_steps = 28;  // chunks of the deletion / insertion curves
  PerturbationMaskOptions mask;
};

struct MaskStudy {
  std::vector<std::pair<std::string, double>> metrics;  // means over the images
  at::Tensor grid;  // (3 * images, 1, 28, 28): images, masks, masked images
};

absl::StatusOr<MaskStudy> StudyMasks(ShallowEmbedder& model, const Dataset& test,
                                     const InputTransform& normalize,
                                     const MaskStudyOptions& options);

}  // namespace sparselab::embedder_sdr

#endif  // SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_MASKS_H_
