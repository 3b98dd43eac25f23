// Visiting the layers of a model that implement a small interface (HasBoost,
// HasRezero), as nupic.torch's model.apply(update_boost_strength) and
// model.apply(rezero_weights) do: one walker instead of a dynamic_cast per
// layer type.
#ifndef SPARSELAB_LIB_NN_MODULE_VISITOR_H_
#define SPARSELAB_LIB_NN_MODULE_VISITOR_H_

#include <torch/nn/module.h>

namespace sparselab {

// Calls `visit(Interface&)` on `model` and on every module inside it that
// implements `Interface`, in torch::nn::Module::modules() order.
template <typename Interface, typename Visit>
void ForEachModule(torch::nn::Module& model, Visit&& visit) {
  if (auto* self = dynamic_cast<Interface*>(&model)) visit(*self);
  for (const auto& child : model.modules(/*include_self=*/false)) {
    if (auto* layer = dynamic_cast<Interface*>(child.get())) visit(*layer);
  }
}

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_MODULE_VISITOR_H_
