#include "lib/nn/plane_sparse.h"

#include <algorithm>
#include <string>

#include <c10/util/Exception.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

namespace sparselab {
namespace {

PlaneIndex FromLists(const std::vector<std::vector<int64_t>>& lists, int64_t channels) {
  TORCH_CHECK(channels > 0, "MakePlaneIndex: channels must be positive, got ", channels);
  std::vector<int64_t> offsets = {0}, planes;
  for (size_t n = 0; n < lists.size(); ++n) {
    std::vector<int64_t> sample = lists[n];
    std::sort(sample.begin(), sample.end());
    for (size_t j = 0; j < sample.size(); ++j) {
      TORCH_CHECK(sample[j] >= 0 && sample[j] < channels, "MakePlaneIndex: sample ", n,
                  " names plane ", sample[j], ", outside [0, ", channels,
                  "); plane indices must be channel numbers 0 .. C - 1");
      TORCH_CHECK(j == 0 || sample[j] != sample[j - 1], "MakePlaneIndex: sample ", n,
                  " names plane ", sample[j], " twice; list each active plane once");
      planes.push_back(sample[j]);
    }
    offsets.push_back(static_cast<int64_t>(planes.size()));
  }
  PlaneIndex index;
  index.channels = channels;
  index.offsets = at::tensor(offsets, at::kLong);
  index.planes = at::tensor(planes, at::kLong);
  return index;
}

}  // namespace

int64_t PlaneIndex::bytes() const {
  return (offsets.defined() ? offsets.nbytes() : 0) + (planes.defined() ? planes.nbytes() : 0);
}

void CheckPlaneIndex(const PlaneIndex& index, const char* what) {
  TORCH_CHECK(index.channels > 0, what, ": channels must be positive, got ", index.channels);
  TORCH_CHECK(index.offsets.defined() && index.planes.defined(), what,
              ": offsets and planes must be defined; build the index with MakePlaneIndex");
  TORCH_CHECK(index.offsets.dim() == 1 && index.offsets.numel() >= 1 &&
                  index.offsets.scalar_type() == at::kLong && index.offsets.is_cpu(),
              what, ": offsets must be a 1-D int64 CPU tensor of batch + 1 entries, got ",
              index.offsets.sizes(), " ", index.offsets.scalar_type());
  TORCH_CHECK(
      index.planes.dim() == 1 && index.planes.scalar_type() == at::kLong && index.planes.is_cpu(),
      what, ": planes must be a 1-D int64 CPU tensor, got ", index.planes.sizes(), " ",
      index.planes.scalar_type());
  const at::Tensor offsets = index.offsets.contiguous(), planes = index.planes.contiguous();
  const int64_t* o = offsets.data_ptr<int64_t>();
  const int64_t* p = planes.data_ptr<int64_t>();
  const int64_t batch = offsets.numel() - 1;
  TORCH_CHECK(o[0] == 0 && o[batch] == planes.numel(), what,
              ": offsets must run from 0 to nnz = ", planes.numel(), ", got ", o[0], " .. ",
              o[batch]);
  for (int64_t n = 0; n < batch; ++n) {
    TORCH_CHECK(o[n + 1] >= o[n], what, ": offsets decrease at sample ", n,
                "; they must be cumulative plane counts");
    for (int64_t j = o[n]; j < o[n + 1]; ++j) {
      TORCH_CHECK(p[j] >= 0 && p[j] < index.channels, what, ": sample ", n, " has plane ", p[j],
                  ", outside [0, ", index.channels, "); plane indices must be 0 .. C - 1");
      TORCH_CHECK(j == o[n] || p[j] > p[j - 1], what, ": planes of sample ", n,
                  " are not strictly increasing (", p[j - 1], " then ", p[j],
                  "); sort them and drop duplicates (MakePlaneIndex does)");
    }
  }
}

PlaneIndex MakePlaneIndex(const std::vector<std::vector<int64_t>>& planes, int64_t channels) {
  return FromLists(planes, channels);
}

PlaneIndex PlaneIndexFromIndices(const at::Tensor& planes_per_sample, int64_t channels) {
  TORCH_CHECK(planes_per_sample.dim() == 2,
              "PlaneIndexFromIndices: expected (batch, k) plane indices, got ",
              planes_per_sample.sizes());
  TORCH_CHECK(!at::isFloatingType(planes_per_sample.scalar_type()),
              "PlaneIndexFromIndices: plane indices must be integers, got ",
              planes_per_sample.scalar_type());
  const at::Tensor p = planes_per_sample.to(at::kCPU, at::kLong).contiguous();
  std::vector<std::vector<int64_t>> lists(p.size(0));
  const int64_t* data = p.data_ptr<int64_t>();
  for (int64_t n = 0; n < p.size(0); ++n) {
    lists[n].assign(data + n * p.size(1), data + (n + 1) * p.size(1));
  }
  return FromLists(lists, channels);
}

PlaneIndex PlaneIndexFromMask(const at::Tensor& mask) {
  TORCH_CHECK(mask.dim() == 2, "PlaneIndexFromMask: expected a (batch, C) mask, got ",
              mask.sizes());
  const at::Tensor m = mask.to(at::kCPU).ne(0);
  PlaneIndex index;
  index.channels = m.size(1);
  index.offsets = at::zeros({m.size(0) + 1}, at::kLong);
  index.offsets.narrow(0, 1, m.size(0)).copy_(m.sum(1).cumsum(0));
  index.planes = m.nonzero().select(1, 1).contiguous();  // row-major: sorted per sample
  return index;
}

PlaneIndex FullPlaneIndex(int64_t batch, int64_t channels) {
  TORCH_CHECK(batch >= 0 && channels > 0, "FullPlaneIndex: need batch >= 0 and channels > 0, got ",
              batch, ", ", channels);
  PlaneIndex index;
  index.channels = channels;
  index.offsets = at::arange(0, (batch + 1) * channels, channels, at::kLong);
  index.planes = at::arange(channels, at::kLong).repeat({batch});
  return index;
}

int64_t PlaneSparseTensor::bytes() const {
  return index.bytes() + (values.defined() ? values.nbytes() : 0);
}

void CheckPlaneSparse(const PlaneSparseTensor& x, const char* what) {
  CheckPlaneIndex(x.index, what);
  TORCH_CHECK(x.values.defined() && x.values.dim() == 3, what, ": values must be (nnz, H, W), got ",
              x.values.defined() ? x.values.sizes() : at::IntArrayRef{});
  TORCH_CHECK(x.values.size(0) == x.nnz(), what, ": values hold ", x.values.size(0),
              " planes but the index names ", x.nnz(), "; give one H x W plane per index entry");
  TORCH_CHECK(x.values.size(1) == x.height && x.values.size(2) == x.width, what, ": values are ",
              x.values.size(1), " x ", x.values.size(2), " but height x width is ", x.height, " x ",
              x.width);
}

PlaneSparseTensor MakePlaneSparse(PlaneIndex index, at::Tensor values) {
  TORCH_CHECK(values.defined() && values.dim() == 3,
              "MakePlaneSparse: values must be (nnz, H, W), got ",
              values.defined() ? values.sizes() : at::IntArrayRef{});
  PlaneSparseTensor x;
  x.height = values.size(1);
  x.width = values.size(2);
  x.index = std::move(index);
  x.values = std::move(values);
  CheckPlaneSparse(x, "MakePlaneSparse");
  return x;
}

at::Tensor FlatPlaneRows(const PlaneIndex& index) {
  const at::Tensor offsets = index.offsets.contiguous();
  const int64_t* o = offsets.data_ptr<int64_t>();
  at::Tensor sample = at::empty({index.nnz()}, at::kLong);
  int64_t* s = sample.data_ptr<int64_t>();
  for (int64_t n = 0; n < index.batch(); ++n) {
    std::fill(s + o[n], s + o[n + 1], n * index.channels);
  }
  return sample + index.planes;
}

at::Tensor PlaneSparseTensor::to_dense() const {
  CheckPlaneSparse(*this, "PlaneSparseTensor::to_dense");
  const at::Tensor rows = FlatPlaneRows(index).to(values.device());
  const at::Tensor flat = at::zeros({batch() * channels(), height, width}, values.options());
  return flat.index_put({rows}, values).view({batch(), channels(), height, width});
}

PlaneSparseTensor PlaneSparseFromDense(const at::Tensor& dense) {
  TORCH_CHECK(dense.dim() == 4, "PlaneSparseFromDense: expected (batch, C, H, W), got ",
              dense.sizes());
  return PlaneSparseFromDense(dense, PlaneIndexFromMask(dense.detach().ne(0).any(3).any(2)));
}

PlaneSparseTensor PlaneSparseFromDense(const at::Tensor& dense, const PlaneIndex& index) {
  TORCH_CHECK(dense.dim() == 4, "PlaneSparseFromDense: expected (batch, C, H, W), got ",
              dense.sizes());
  CheckPlaneIndex(index, "PlaneSparseFromDense");
  TORCH_CHECK(index.batch() == dense.size(0) && index.channels == dense.size(1),
              "PlaneSparseFromDense: the index is for ", index.batch(), " samples of ",
              index.channels, " planes but the tensor is ", dense.sizes(),
              "; build the index for (batch, C) of the tensor");
  const at::Tensor rows = FlatPlaneRows(index).to(dense.device());
  const at::Tensor values =
      dense.reshape({dense.size(0) * dense.size(1), dense.size(2), dense.size(3)})
          .index_select(0, rows);
  return MakePlaneSparse(index, values);
}

torch::serialize::OutputArchive& operator<<(torch::serialize::OutputArchive& archive,
                                            const PlaneSparseTensor& x) {
  CheckPlaneSparse(x, "saving a PlaneSparseTensor");
  archive.write("channels", at::tensor(x.channels(), at::kLong), /*is_buffer=*/true);
  archive.write("height", at::tensor(x.height, at::kLong), /*is_buffer=*/true);
  archive.write("width", at::tensor(x.width, at::kLong), /*is_buffer=*/true);
  archive.write("offsets", x.index.offsets, /*is_buffer=*/true);
  archive.write("planes", x.index.planes, /*is_buffer=*/true);
  archive.write("values", x.values.detach(), /*is_buffer=*/true);
  return archive;
}

torch::serialize::InputArchive& operator>>(torch::serialize::InputArchive& archive,
                                           PlaneSparseTensor& x) {
  at::Tensor channels, height, width;
  PlaneSparseTensor loaded;
  archive.read("channels", channels, /*is_buffer=*/true);
  archive.read("height", height, /*is_buffer=*/true);
  archive.read("width", width, /*is_buffer=*/true);
  archive.read("offsets", loaded.index.offsets, /*is_buffer=*/true);
  archive.read("planes", loaded.index.planes, /*is_buffer=*/true);
  archive.read("values", loaded.values, /*is_buffer=*/true);
  loaded.index.channels = channels.item<int64_t>();
  loaded.height = height.item<int64_t>();
  loaded.width = width.item<int64_t>();
  CheckPlaneSparse(loaded, "loading a PlaneSparseTensor");
  x = std::move(loaded);
  return archive;
}

}  // namespace sparselab
