#include "lib/nn/tap.h"

#include <c10/util/Exception.h>

#include "lib/nn/module_visitor.h"

namespace sparselab {

void TapRecorder::Record(const std::string& name, const at::Tensor& x) {
  if (!enabled_) return;
  const at::Tensor kept = detach_ ? x.detach() : x;
  for (auto& entry : entries_) {
    if (entry.first == name) {
      entry.second = kept;
      return;
    }
  }
  entries_.emplace_back(name, kept);
}

bool TapRecorder::Has(const std::string& name) const {
  for (const auto& entry : entries_) {
    if (entry.first == name) return true;
  }
  return false;
}

const at::Tensor& TapRecorder::Get(const std::string& name) const {
  for (const auto& entry : entries_) {
    if (entry.first == name) return entry.second;
  }
  std::string recorded;
  for (const auto& entry : entries_) recorded += (recorded.empty() ? "" : ", ") + entry.first;
  TORCH_CHECK(false, "TapRecorder: nothing recorded under '", name, "' (recorded: ",
              recorded.empty() ? "none; is the recorder enabled and the tap attached?" : recorded,
              ")");
}

TapScope::TapScope(TapRecorder& recorder, bool detach)
    : recorder_(recorder), was_enabled_(recorder.enabled()), was_detached_(recorder.detach()) {
  recorder_.Clear();
  recorder_.set_enabled(true);
  recorder_.set_detach(detach);
}

TapScope::~TapScope() {
  recorder_.set_enabled(was_enabled_);
  recorder_.set_detach(was_detached_);
}

TapImpl::TapImpl(TapOptions options_, std::shared_ptr<TapRecorder> recorder)
    : options(std::move(options_)), recorder_(std::move(recorder)) {
  TORCH_CHECK(!options.name().empty(), "Tap: the name must not be empty");
}

void TapImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::Tap(name=" << options.name()
         << ", recorder=" << (recorder_ ? "attached" : "none") << ")";
}

int AttachRecorder(torch::nn::Module& model, const std::shared_ptr<TapRecorder>& recorder) {
  int count = 0;
  ForEachModule<TapImpl>(model, [&](TapImpl& tap) {
    tap.set_recorder(recorder);
    ++count;
  });
  return count;
}

std::vector<std::string> TapNames(torch::nn::Module& model) {
  std::vector<std::string> names;
  ForEachModule<TapImpl>(model, [&](TapImpl& tap) { names.push_back(tap.options.name()); });
  return names;
}

}  // namespace sparselab
