#include <torch/torch.h>
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
TEST(Smoke, Matmul) {
  auto a = torch::ones({2, 2});
  EXPECT_EQ((a.matmul(a)).sum().item<float>(), 8.0f);
  EXPECT_EQ(absl::StrCat("a", 1), "a1");
}
