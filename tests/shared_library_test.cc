// Loads the shared object the design asks for and looks up symbols of the
// harness, the layers and the SDR math in it.
#include <dlfcn.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace {

TEST(SharedLibraryTest, LoadsAndExportsTheLibrary) {
  const std::string path =
      std::string(std::getenv("TEST_SRCDIR")) + "/sparselab/lib/libsparselab.so";
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  // sparselab::Summarize(std::vector<double> const&)
  EXPECT_NE(dlsym(handle, "_ZN9sparselab9SummarizeERKSt6vectorIdSaIdEE"), nullptr);
  // sparselab::LogBinomial(long, long), called through the shared object.
  using LogBinomialFn = double (*)(long, long);
  auto log_binomial =
      reinterpret_cast<LogBinomialFn>(dlsym(handle, "_ZN9sparselab11LogBinomialEll"));
  ASSERT_NE(log_binomial, nullptr);
  EXPECT_NEAR(log_binomial(10, 3), std::log(120.0), 1e-12);
  // sparselab::KWinnersImpl::forward(at::Tensor const&)
  EXPECT_NE(dlsym(handle, "_ZN9sparselab12KWinnersImpl7forwardERKN2at6TensorE"), nullptr);
  dlclose(handle);
}

}  // namespace
