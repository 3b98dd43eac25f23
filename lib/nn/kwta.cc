#include "lib/nn/kwta.h"

#include <ios>

#include <c10/util/Exception.h>

#include "lib/nn/internal/winners_kernel.h"
#include "lib/nn/winners.h"

namespace sparselab {
namespace {

// (batch, units) view of x, checked against k.
at::Tensor PerSample(const at::Tensor& x, int64_t k, const char* layer) {
  TORCH_CHECK(x.dim() >= 2, layer, ": expected an input of shape (batch, ...), got ", x.sizes());
  const at::Tensor flat = x.reshape({x.size(0), -1});
  TORCH_CHECK(k < flat.size(1), layer, ": k = ", k, " needs at least k + 1 units per sample, "
              "got ", flat.size(1), " (input shape ", x.sizes(), "); choose k < ", flat.size(1));
  return flat;
}

}  // namespace

KWTABinaryImpl::KWTABinaryImpl(KWTABinaryOptions options) : options(options) { reset(); }

void KWTABinaryImpl::reset() {
  TORCH_CHECK(options.k() >= 1, "KWTABinary: k must be >= 1, got ", options.k());
}

void KWTABinaryImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::KWTABinary(k=" << options.k() << ")";
}

at::Tensor KWTABinaryImpl::forward(const at::Tensor& x) {
  const at::Tensor flat = PerSample(x, options.k(), "KWTABinary");
  if (internal::UseFusedWinners(flat)) {
    return internal::KWTACode(flat, options.k(), /*straight_through=*/true).view(x.sizes());
  }
  const at::Tensor threshold = MidpointThreshold(flat.detach(), options.k(), /*dim=*/1);
  const at::Tensor code = flat.detach().gt(threshold).to(x.scalar_type());
  // Straight-through estimator: the value is the code, the gradient identity.
  return (code + (flat - flat.detach())).view(x.sizes());
}

KWTASoftImpl::KWTASoftImpl(KWTASoftOptions options) : options(options) { reset(); }

void KWTASoftImpl::reset() {
  TORCH_CHECK(options.k() >= 1, "KWTASoft: k must be >= 1, got ", options.k());
  TORCH_CHECK(options.hardness() > 0, "KWTASoft: hardness must be > 0, got ",
              options.hardness());
}

void KWTASoftImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "sparselab::KWTASoft(k=" << options.k() << ", hardness=" << options.hardness()
         << ", hard_sigmoid=" << options.hard_sigmoid() << ")";
}

at::Tensor KWTASoftImpl::forward(const at::Tensor& x) {
  const at::Tensor flat = PerSample(x, options.k(), "KWTASoft");
  const bool fused = internal::UseFusedWinners(flat);
  if (fused && !is_training()) {
    return internal::KWTACode(flat, options.k(), /*straight_through=*/false).view(x.sizes());
  }
  const at::Tensor threshold = fused ? internal::MidpointThreshold(flat, options.k())
                                     : MidpointThreshold(flat, options.k(), /*dim=*/1);
  at::Tensor out;
  if (is_training()) {
    const at::Tensor z = options.hardness() * (flat - threshold);
    out = options.hard_sigmoid() ? at::hardsigmoid(z) : at::sigmoid(z);
  } else {
    out = flat.gt(threshold).to(x.scalar_type());
  }
  return out.view(x.sizes());
}

}  // namespace sparselab
