// The runs of EmbedderSDR's claims, named in config "variants":
//   softmax                  linear 128->10 + log-softmax, cross-entropy
//   kwta                     linear 128->E + binary kWTA, triplet loss, random init
//   kwta_scaling             the same with synaptic scaling around the kWTA
//   kwta_pretrained          kwta started from the softmax model's trained conv,
//                            batch norm and 192->128 layers (the last layer replaced)
//   kwta_pretrained_scaling  kwta_pretrained with synaptic scaling
//   kwta_hidden              kwta with binary kWTA also in place of the hidden ReLU
//   kwta_untrained           kwta's network at its random initialisation, not
//                            trained (the control of the Willshaw classification)
//   contrastive_kwta         the kWTA code trained with the contrastive loss
//                            (Hadsell, Chopra & LeCun 2006) on same- and
//                            different-class pairs; contrastive_dense the same
//                            with a dense 128->E last layer;
//   contrastive_kwta_positives, contrastive_dense_positives: same-class pairs
//                            only (no negatives), the document's collapse question
#ifndef SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_VARIANTS_H_
#define SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_VARIANTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/harness/config.h"

namespace sparselab::embedder_sdr {

struct Variant {
  std::string name;
  bool kwta_head = false;
  bool pretrained = false;
  bool synaptic_scaling = false;
  bool hidden_kwta = false;
  bool untrained = false;
  bool contrastive = false;     // contrastive loss instead of triplet / cross-entropy
  bool positives_only = false;  // contrastive on same-class pairs only
  bool dense_code = false;      // a dense last layer instead of the kWTA code
};

absl::StatusOr<Variant> ParseVariant(const std::string& name);

// Config "variants" in order; a pretrained variant needs "softmax" before it,
// and every name of "mi_variants" must be a listed variant.
absl::StatusOr<std::vector<Variant>> ReadVariants(const Config& config);

}  // namespace sparselab::embedder_sdr

#endif  // SPARSELAB_EXPERIMENTS_EMBEDDER_SDR_VARIANTS_H_
