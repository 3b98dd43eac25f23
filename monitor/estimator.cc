#include "monitor/estimator.h"

#include "absl/strings/str_cat.h"
#include "lib/base/quote.h"
#include "lib/base/status_macros.h"
#include "monitor/discrete.h"
#include "monitor/gcmi.h"
#include "monitor/ksg.h"
#include "monitor/validate.h"

namespace sparselab {
namespace monitor {
namespace {

KsgOptions ToKsg(const EstimateOptions& o) {
  KsgOptions k;
  k.k = o.k;
  k.seed = o.seed;
  k.num_threads = o.num_threads;
  return k;
}

absl::StatusOr<MiEstimate> Wrap(const absl::StatusOr<double>& nats) {
  if (!nats.ok()) return nats.status();
  return MiEstimate{*nats, 0.0};
}

// The discrete estimator takes each row as one symbol; values must be finite,
// constant columns are allowed (a constant code has zero entropy).
absl::Status CheckDiscrete(const Samples& s, const char* name) {
  SampleChecks checks;
  checks.allow_constant_columns = true;
  return CheckSamples(s, name, checks);
}

}  // namespace

absl::StatusOr<Estimator> ParseEstimator(absl::string_view name) {
  if (name == "ksg") return Estimator::kKsg;
  if (name == "ksg2") return Estimator::kKsg2;
  if (name == "gcmi") return Estimator::kGcmi;
  if (name == "mine") return Estimator::kMine;
  if (name == "discrete") return Estimator::kDiscrete;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown estimator ", QuoteInput(name), ": use ksg, ksg2, gcmi, mine or discrete"));
}

const char* EstimatorName(Estimator estimator) {
  switch (estimator) {
    case Estimator::kKsg: return "ksg";
    case Estimator::kKsg2: return "ksg2";
    case Estimator::kGcmi: return "gcmi";
    case Estimator::kMine: return "mine";
    case Estimator::kDiscrete: return "discrete";
  }
  return "?";
}

absl::StatusOr<MiEstimate> EstimateMutualInformation(Estimator estimator, const Samples& x,
                                                     const Samples& y,
                                                     const EstimateOptions& options) {
  // Before any per-variable check: with x and y of different lengths, the
  // mismatch is the problem (a 1-row x would otherwise be reported constant).
  RETURN_IF_ERROR(CheckSameCount(x, "x", y, "y"));
  switch (estimator) {
    case Estimator::kKsg:
      return Wrap(KsgMutualInformation(x, y, ToKsg(options)));
    case Estimator::kKsg2:
      return Wrap(Ksg2MutualInformation(x, y, ToKsg(options)));
    case Estimator::kGcmi:
      return Wrap(GcmiCc(x, y));
    case Estimator::kMine: {
      MineOptions mine = options.mine;
      mine.seed = options.seed;
      ASSIGN_OR_RETURN(const MineResult r, MineMutualInformation(x, y, mine));
      return MiEstimate{r.mi, r.mi_std};
    }
    case Estimator::kDiscrete: {
      RETURN_IF_ERROR(CheckDiscrete(x, "x"));
      RETURN_IF_ERROR(CheckDiscrete(y, "y"));
      return Wrap(DiscreteMutualInformation(SymbolsFromRows(x), SymbolsFromRows(y),
                                            options.miller_madow));
    }
  }
  return absl::InvalidArgumentError("unknown estimator");
}

absl::StatusOr<MiEstimate> EstimateConditionalMutualInformation(Estimator estimator,
                                                                const Samples& x,
                                                                const Samples& y,
                                                                const Samples& z,
                                                                const EstimateOptions& options) {
  RETURN_IF_ERROR(CheckSameCount(x, "x", y, "y"));
  RETURN_IF_ERROR(CheckSameCount(x, "x", z, "z"));
  switch (estimator) {
    case Estimator::kKsg:
      return Wrap(KsgConditionalMutualInformation(x, y, z, ToKsg(options)));
    case Estimator::kGcmi:
      return Wrap(GccmiCcc(x, y, z));
    case Estimator::kDiscrete: {
      RETURN_IF_ERROR(CheckDiscrete(x, "x"));
      RETURN_IF_ERROR(CheckDiscrete(y, "y"));
      RETURN_IF_ERROR(CheckDiscrete(z, "z"));
      return Wrap(DiscreteConditionalMutualInformation(SymbolsFromRows(x), SymbolsFromRows(y),
                                                       SymbolsFromRows(z), options.miller_madow));
    }
    case Estimator::kKsg2:
    case Estimator::kMine:
      return absl::InvalidArgumentError(absl::StrCat(
          "conditional MI (--z) is not implemented for ", EstimatorName(estimator),
          ": use ksg (Frenzel-Pompe), gcmi or discrete"));
  }
  return absl::InvalidArgumentError("unknown estimator");
}

}  // namespace monitor
}  // namespace sparselab
