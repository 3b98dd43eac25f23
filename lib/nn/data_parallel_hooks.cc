#include "lib/nn/data_parallel_hooks.h"

namespace sparselab {
namespace {
thread_local const DataParallelHooks* current_hooks = nullptr;
}  // namespace

const DataParallelHooks* CurrentDataParallelHooks() { return current_hooks; }

ScopedDataParallelHooks::ScopedDataParallelHooks(const DataParallelHooks* hooks)
    : previous_(current_hooks) {
  current_hooks = hooks;
}

ScopedDataParallelHooks::~ScopedDataParallelHooks() { current_hooks = previous_; }

}  // namespace sparselab
