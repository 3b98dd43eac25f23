// Units of information. Estimators compute in nats; results are converted to
// bits only on request (1 bit = log 2 nats).
#ifndef SPARSELAB_MONITOR_UNITS_H_
#define SPARSELAB_MONITOR_UNITS_H_

#include <cmath>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/base/quote.h"

namespace sparselab {
namespace monitor {

enum class Units { kNats, kBits };

inline double FromNats(double nats, Units units) {
  return units == Units::kBits ? nats / std::log(2.0) : nats;
}
inline const char* UnitsName(Units units) { return units == Units::kBits ? "bits" : "nats"; }

inline absl::StatusOr<Units> ParseUnits(absl::string_view text) {
  if (text == "bits") return Units::kBits;
  if (text == "nats") return Units::kNats;
  return absl::InvalidArgumentError(
      "unknown units " + QuoteInput(text) + ": use 'bits' or 'nats'");
}

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_UNITS_H_
