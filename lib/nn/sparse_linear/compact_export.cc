#include "lib/nn/sparse_linear/compact_export.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <ATen/core/grad_mode.h>
#include <torch/nn/modules/conv.h>
#include <torch/serialize.h>

#include "absl/strings/str_cat.h"

namespace sparselab {

SparseLinear SparseLinearFromDense(const at::Tensor& weight, const at::Tensor& bias) {
  TORCH_CHECK(weight.dim() == 2, "SparseLinearFromDense: weight must be (out, in), got ",
              weight.sizes());
  at::NoGradGuard no_grad;
  const at::Tensor w = weight.detach().cpu();
  at::Tensor pairs = w.ne(0).nonzero().t().contiguous();  // (2, nnz), row-major order
  if (pairs.size(1) == 0) pairs = at::zeros({2, 1}, at::kLong);
  SparseLinear layer(
      SparseLinearOptions(w.size(1), w.size(0)).bias(bias.defined()).connectivity(pairs));
  layer->to(w.scalar_type());
  const at::Tensor index = layer->indices();  // CSR order, the order of values
  layer->values.copy_(w.index({index[0], index[1]}));
  if (bias.defined()) layer->bias.copy_(bias.detach().cpu());
  return layer;
}

torch::nn::Sequential CompactSequential(const torch::nn::Sequential& model, bool sparse_linear) {
  at::NoGradGuard no_grad;
  torch::nn::Sequential out;
  const std::vector<std::string> names = model->named_children().keys();
  for (size_t i = 0; i < model->size(); ++i) {
    const torch::nn::AnyModule& any = *(model->begin() + static_cast<std::ptrdiff_t>(i));
    torch::nn::Module* m = any.ptr().get();
    if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(m)) {
      if (sparse_linear) {
        out->push_back(std::string(names[i]), SparseLinearFromDense(linear->weight, linear->bias));
      } else {
        torch::nn::Linear copy(linear->options);
        copy->weight.copy_(linear->weight);
        if (linear->bias.defined()) copy->bias.copy_(linear->bias);
        out->push_back(std::string(names[i]), copy);
      }
    } else if (auto* conv = dynamic_cast<torch::nn::Conv2dImpl*>(m)) {
      const auto& o = conv->options;  // a fresh layer: no weight_mask buffer
      torch::nn::Conv2d copy(
          torch::nn::Conv2dOptions(o.in_channels(), o.out_channels(), o.kernel_size())
              .stride(o.stride())
              .padding(o.padding())
              .dilation(o.dilation())
              .groups(o.groups())
              .bias(o.bias())
              .padding_mode(o.padding_mode()));
      copy->weight.copy_(conv->weight);
      if (conv->bias.defined()) copy->bias.copy_(conv->bias);
      out->push_back(std::string(names[i]), copy);
    } else {
      out->push_back(std::string(names[i]),
                     any.clone());  // a deep copy (pooling, activations, ...)
    }
  }
  return out;
}

absl::Status SaveModule(torch::nn::Module& module, const std::string& path) {
  const std::string tmp = absl::StrCat(path, ".tmp.", ::getpid());
  try {
    torch::serialize::OutputArchive archive;
    module.save(archive);
    archive.save_to(tmp);
  } catch (const c10::Error& e) {
    std::remove(tmp.c_str());
    return absl::InternalError(
        absl::StrCat("cannot write ", path, ": ", e.what_without_backtrace()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat("cannot write ", path, ": ", ec.message()));
  }
  return absl::OkStatus();
}

absl::Status LoadModule(torch::nn::Module& module, const std::string& path) {
  if (::access(path.c_str(), R_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("no model file at ", path));
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    module.load(archive);
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " is not a saved model of this architecture (corrupt, or another model): ",
        e.what_without_backtrace()));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SavedBytes(torch::nn::Module& module) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            absl::StrCat("sparselab-saved-bytes-", ::getpid(), ".pt"))
                               .string();
  if (absl::Status s = SaveModule(module, path); !s.ok()) return s;
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  std::remove(path.c_str());
  if (ec) return absl::InternalError(absl::StrCat("cannot stat ", path, ": ", ec.message()));
  return static_cast<int64_t>(bytes);
}

}  // namespace sparselab
