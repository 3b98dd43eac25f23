// Test helpers shared by lib/nn's tests: a path in the test's scratch folder,
// and a check that a call fails with a c10::Error naming what went wrong.
#ifndef SPARSELAB_LIB_NN_TEST_HELPERS_H_
#define SPARSELAB_LIB_NN_TEST_HELPERS_H_

#include <cstdlib>
#include <functional>
#include <string>

#include <c10/util/Exception.h>

#include "gtest/gtest.h"

namespace sparselab::testing {

// $TEST_TMPDIR/<name> (or /tmp/<name> outside Bazel).
inline std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

// `f` must throw a c10::Error whose message contains `part`.
inline void ExpectErrorNaming(const std::function<void()>& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning \"" << part << "\"";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

}  // namespace sparselab::testing

#endif  // SPARSELAB_LIB_NN_TEST_HELPERS_H_
