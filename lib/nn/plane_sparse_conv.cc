#include "lib/nn/plane_sparse_conv.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

namespace sparselab {
namespace {

const int64_t* Data(const at::Tensor& t) { return t.data_ptr<int64_t>(); }

// The stored pairs (o, i) with o among outs[0 .. a_out) and in_pos[i] >= 0:
// their indices into the weight and their slots o_pos * a_in + in_pos[i] in a
// gathered (a_out, a_in, kh, kw) kernel.
struct Gathered {
  std::vector<int64_t> pair, slot;
};

void CollectPairs(const PlaneSparseConv2dImpl& conv, const int64_t* outs, int64_t a_out,
                  const std::vector<int64_t>& in_pos, int64_t a_in, Gathered& g) {
  const int64_t* rows = Data(conv.weight_rows);
  const int64_t* starts = Data(conv.weight_row_offsets);
  const int64_t* inputs = Data(conv.weight_inputs);
  const int64_t num_rows = conv.weight_rows.numel();
  const int64_t* row = rows;
  for (int64_t j = 0; j < a_out; ++j) {
    // outs are increasing, so the search continues where the last one ended.
    row = std::lower_bound(row, rows + num_rows, outs[j]);
    if (row == rows + num_rows) break;
    if (*row != outs[j]) continue;
    const int64_t r = row - rows;
    for (int64_t p = starts[r]; p < starts[r + 1]; ++p) {
      const int64_t pos = in_pos[inputs[p]];
      if (pos < 0) continue;
      g.pair.push_back(p);
      g.slot.push_back(j * a_in + pos);
    }
  }
}

at::Tensor LongTensor(const std::vector<int64_t>& v, const at::Device& device) {
  return at::tensor(v, at::kLong).to(device);
}

// The (a_out, a_in, kh, kw) kernel with the gathered weight planes `planes`
// (g.pair.size(), kh, kw) at g.slot, zeros elsewhere; differentiable in them.
at::Tensor KernelFromPlanes(const at::Tensor& planes, const Gathered& g, int64_t a_out,
                            int64_t a_in) {
  const at::Tensor zeros =
      at::zeros({a_out * a_in, planes.size(1), planes.size(2)}, planes.options());
  return zeros.index_put({LongTensor(g.slot, planes.device())}, planes)
      .view({a_out, a_in, planes.size(1), planes.size(2)});
}

// Sorted distinct planes of an index (its union over samples).
std::vector<int64_t> Union(const PlaneIndex& index) {
  std::vector<int64_t> all(Data(index.planes), Data(index.planes) + index.nnz());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

int64_t OutSize(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation) {
  return (in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}

}  // namespace

PlaneSparseConv2dImpl::PlaneSparseConv2dImpl(PlaneSparseConv2dOptions options)
    : options(std::move(options)) {
  reset();
}

void PlaneSparseConv2dImpl::reset() {
  const auto& o = options;
  TORCH_CHECK(o.in_channels() > 0 && o.out_channels() > 0,
              "PlaneSparseConv2d: in_channels and out_channels must be positive, got ",
              o.in_channels(), ", ", o.out_channels());
  for (int d = 0; d < 2; ++d) {
    TORCH_CHECK((*o.kernel_size())[d] > 0 && (*o.stride())[d] > 0 && (*o.dilation())[d] > 0 &&
                    (*o.padding())[d] >= 0,
                "PlaneSparseConv2d: kernel_size, stride and dilation must be positive and "
                "padding >= 0, got kernel ",
                o.kernel_size(), ", stride ", o.stride(), ", dilation ", o.dilation(), ", padding ",
                o.padding());
  }
  const int64_t cin = o.in_channels(), cout = o.out_channels();
  at::Tensor pairs = o.pairs();
  if (!pairs.defined()) {
    pairs = at::stack({at::arange(cout, at::kLong).repeat_interleave(cin),
                       at::arange(cin, at::kLong).repeat({cout})},
                      1);
  }
  TORCH_CHECK(pairs.dim() == 2 && pairs.size(1) == 2 && !at::isFloatingType(pairs.scalar_type()),
              "PlaneSparseConv2d: pairs must be a (P, 2) integer tensor of (out, in) planes, got ",
              pairs.sizes(), " ", pairs.scalar_type());
  pairs = pairs.to(at::kCPU, at::kLong);
  TORCH_CHECK(pairs.numel() == 0 || (pairs.select(1, 0).min().item<int64_t>() >= 0 &&
                                     pairs.select(1, 0).max().item<int64_t>() < cout &&
                                     pairs.select(1, 1).min().item<int64_t>() >= 0 &&
                                     pairs.select(1, 1).max().item<int64_t>() < cin),
              "PlaneSparseConv2d: a pair lies outside [0, ", cout, ") x [0, ", cin,
              "); pairs are (out plane, in plane) with out < out_channels, in < in_channels");
  const at::Tensor key = pairs.select(1, 0) * cin + pairs.select(1, 1);
  const at::Tensor sorted = std::get<0>(key.sort());
  TORCH_CHECK(sorted.numel() < 2 || sorted.diff().gt(0).all().item<bool>(),
              "PlaneSparseConv2d: a pair (out, in) is listed twice; list each stored plane once");
  const at::Tensor sorted_pairs = at::stack({sorted.div(cin, "floor"), sorted.remainder(cin)}, 1);

  const int64_t kh = (*o.kernel_size())[0], kw = (*o.kernel_size())[1];
  const double bound = 1.0 / std::sqrt(static_cast<double>(cin * kh * kw));
  weight = register_parameter("weight",
                              at::empty({sorted_pairs.size(0), kh, kw}).uniform_(-bound, bound));
  weight_rows = register_buffer("weight_rows", at::empty({0}, at::kLong));
  weight_row_offsets = register_buffer("weight_row_offsets", at::zeros({1}, at::kLong));
  weight_inputs = register_buffer("weight_inputs", at::empty({0}, at::kLong));
  store(sorted_pairs, weight.detach().clone());
  if (o.bias()) {
    bias = register_parameter("bias", at::empty({cout}).uniform_(-bound, bound));
  }
}

void PlaneSparseConv2dImpl::store(const at::Tensor& pairs, at::Tensor values) {
  at::NoGradGuard no_grad;
  const at::Tensor outs = pairs.select(1, 0).contiguous();
  std::vector<int64_t> rows, starts = {0};
  const int64_t* o = Data(outs);
  for (int64_t p = 0; p < outs.numel(); ++p) {
    if (rows.empty() || rows.back() != o[p]) {
      if (!rows.empty()) starts.push_back(p);
      rows.push_back(o[p]);
    }
  }
  if (!rows.empty()) starts.push_back(outs.numel());
  weight_rows.set_data(at::tensor(rows, at::kLong));
  weight_row_offsets.set_data(at::tensor(starts, at::kLong));
  weight_inputs.set_data(pairs.select(1, 1).contiguous().clone());
  weight.set_data(values.to(weight.options()));
}

void PlaneSparseConv2dImpl::keep_index_on_cpu() {
  at::NoGradGuard no_grad;
  for (at::Tensor* t : {&weight_rows, &weight_row_offsets, &weight_inputs}) {
    if (t->scalar_type() != at::kLong || !t->is_cpu()) t->set_data(t->to(at::kCPU, at::kLong));
  }
}

void PlaneSparseConv2dImpl::to(torch::Device device, torch::Dtype dtype, bool non_blocking) {
  torch::nn::Module::to(device, dtype, non_blocking);
  keep_index_on_cpu();
}

void PlaneSparseConv2dImpl::to(torch::Dtype dtype, bool non_blocking) {
  torch::nn::Module::to(dtype, non_blocking);
  keep_index_on_cpu();
}

void PlaneSparseConv2dImpl::to(torch::Device device, bool non_blocking) {
  torch::nn::Module::to(device, non_blocking);
  keep_index_on_cpu();
}

void PlaneSparseConv2dImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::PlaneSparseConv2d(" << options.in_channels() << ", "
         << options.out_channels() << ", kernel_size=" << options.kernel_size()
         << ", stride=" << options.stride() << ", padding=" << options.padding()
         << ", stored_planes=" << num_pairs() << ", gather="
         << (options.gather() == PlaneGather::kPerSample ? "per_sample" : "batch_union") << ")";
}

at::Tensor PlaneSparseConv2dImpl::pairs() const {
  std::vector<int64_t> outs(num_pairs());
  const int64_t* rows = Data(weight_rows);
  const int64_t* starts = Data(weight_row_offsets);
  for (int64_t r = 0; r < weight_rows.numel(); ++r) {
    std::fill(outs.begin() + starts[r], outs.begin() + starts[r + 1], rows[r]);
  }
  return at::stack({at::tensor(outs, at::kLong), weight_inputs}, 1);
}

int64_t PlaneSparseConv2dImpl::bytes() const {
  return weight.nbytes() + weight_rows.nbytes() + weight_row_offsets.nbytes() +
         weight_inputs.nbytes() + (bias.defined() ? bias.nbytes() : 0);
}

at::Tensor PlaneSparseConv2dImpl::dense_weight() const {
  const int64_t cin = options.in_channels(), cout = options.out_channels();
  const at::Tensor p = pairs();
  const at::Tensor rows = (p.select(1, 0) * cin + p.select(1, 1)).to(weight.device());
  return at::zeros({cout * cin, weight.size(1), weight.size(2)}, weight.options())
      .index_put({rows}, weight)
      .view({cout, cin, weight.size(1), weight.size(2)});
}

void PlaneSparseConv2dImpl::set_dense_weight(const at::Tensor& dense) {
  const int64_t cin = options.in_channels(), cout = options.out_channels();
  TORCH_CHECK(dense.dim() == 4 && dense.size(0) == cout && dense.size(1) == cin &&
                  dense.size(2) == weight.size(1) && dense.size(3) == weight.size(2),
              "PlaneSparseConv2d::set_dense_weight: expected a (", cout, ", ", cin, ", ",
              weight.size(1), ", ", weight.size(2), ") weight, got ", dense.sizes());
  at::NoGradGuard no_grad;
  const at::Tensor d = dense.detach().to(at::kCPU);
  const at::Tensor pairs = d.ne(0).any(3).any(2).nonzero();  // row-major: sorted
  const at::Tensor values = d.reshape({cout * cin, d.size(2), d.size(3)})
                                .index_select(0, pairs.select(1, 0) * cin + pairs.select(1, 1));
  store(pairs, values.to(weight.device()));
}

void PlaneSparseConv2dImpl::drop_zero_planes() {
  at::NoGradGuard no_grad;
  const at::Tensor keep = weight.detach().ne(0).flatten(1).any(1).to(at::kCPU);
  const at::Tensor kept = keep.nonzero().select(1, 0);
  const at::Tensor p = pairs().index_select(0, kept);
  store(p, weight.detach().index_select(0, kept.to(weight.device())));
}

PlaneSparseTensor PlaneSparseConv2dImpl::forward(const at::Tensor& x, const PlaneIndex& outputs) {
  TORCH_CHECK(x.dim() == 4, "PlaneSparseConv2d: expected a (batch, ", options.in_channels(),
              ", H, W) input, got ", x.sizes());
  return forward(PlaneSparseFromDense(x), outputs);
}

PlaneSparseTensor PlaneSparseConv2dImpl::forward(const PlaneSparseTensor& x,
                                                 const PlaneIndex& outputs) {
  CheckPlaneSparse(x, "PlaneSparseConv2d input");
  CheckPlaneIndex(outputs, "PlaneSparseConv2d outputs");
  const int64_t cin = options.in_channels(), cout = options.out_channels();
  TORCH_CHECK(x.channels() == cin, "PlaneSparseConv2d: the input has ", x.channels(),
              " planes but in_channels = ", cin,
              "; the input's C must equal PlaneSparseConv2dOptions' in_channels");
  TORCH_CHECK(outputs.channels == cout, "PlaneSparseConv2d: the output index is over ",
              outputs.channels, " planes but out_channels = ", cout,
              "; build it with MakePlaneIndex(..., out_channels)");
  TORCH_CHECK(outputs.batch() == x.batch(), "PlaneSparseConv2d: the output index has ",
              outputs.batch(), " samples but the input has ", x.batch(),
              "; give one output set per sample");
  TORCH_CHECK(x.values.scalar_type() == weight.scalar_type(), "PlaneSparseConv2d: the input is ",
              x.values.scalar_type(), " but the weight is ", weight.scalar_type(),
              "; convert one of them (e.g. conv->to(at::kDouble))");
  const auto& k = *options.kernel_size();
  const auto& s = *options.stride();
  const auto& pad = *options.padding();
  const auto& dil = *options.dilation();
  const int64_t ho = OutSize(x.height, k[0], s[0], pad[0], dil[0]);
  const int64_t wo = OutSize(x.width, k[1], s[1], pad[1], dil[1]);
  TORCH_CHECK(ho > 0 && wo > 0, "PlaneSparseConv2d: a ", x.height, " x ", x.width,
              " input is smaller than the ", k[0], " x ", k[1],
              " kernel (with padding and dilation); pad it or use a smaller kernel");
  const at::TensorOptions value_options = x.values.options();
  const at::IntArrayRef stride(s), padding(pad), dilation(dil);
  const int64_t batch = x.batch();
  const int64_t* xo = Data(x.index.offsets);
  const int64_t* xp = Data(x.index.planes);
  const int64_t* oo = Data(outputs.offsets);
  const int64_t* op = Data(outputs.planes);

  at::Tensor values;
  if (options.gather() == PlaneGather::kPerSample) {
    // First every sample's pairs, then one gather of all their weight planes:
    // its backward fills one (P, kh, kw) gradient per batch, not one per
    // sample (which made the backward grow with the stored weight).
    std::vector<Gathered> gathered(batch);
    std::vector<int64_t> all_pairs;
    std::vector<int64_t> in_pos(cin, -1);
    for (int64_t n = 0; n < batch; ++n) {
      const int64_t a_in = xo[n + 1] - xo[n], a_out = oo[n + 1] - oo[n];
      if (a_out == 0) continue;
      for (int64_t j = 0; j < a_in; ++j) in_pos[xp[xo[n] + j]] = j;
      CollectPairs(*this, op + oo[n], a_out, in_pos, a_in, gathered[n]);
      for (int64_t j = 0; j < a_in; ++j) in_pos[xp[xo[n] + j]] = -1;
      all_pairs.insert(all_pairs.end(), gathered[n].pair.begin(), gathered[n].pair.end());
    }
    const at::Tensor planes = all_pairs.empty()
                                  ? at::Tensor()
                                  : weight.index_select(0, LongTensor(all_pairs, weight.device()));
    std::vector<at::Tensor> per_sample;
    int64_t start = 0;
    for (int64_t n = 0; n < batch; ++n) {
      const int64_t a_in = xo[n + 1] - xo[n], a_out = oo[n + 1] - oo[n];
      if (a_out == 0) continue;
      const Gathered& g = gathered[n];
      if (g.pair.empty()) {
        per_sample.push_back(at::zeros({a_out, ho, wo}, value_options));
        continue;
      }
      const int64_t count = static_cast<int64_t>(g.pair.size());
      const at::Tensor kernel = KernelFromPlanes(planes.narrow(0, start, count), g, a_out, a_in);
      start += count;
      const at::Tensor input = x.values.narrow(0, xo[n], a_in).unsqueeze(0);
      per_sample.push_back(at::conv2d(input, kernel, {}, stride, padding, dilation).squeeze(0));
    }
    values = per_sample.empty() ? at::zeros({0, ho, wo}, value_options) : at::cat(per_sample);
  } else {
    const std::vector<int64_t> ins = Union(x.index), outs = Union(outputs);
    const int64_t a_in = ins.size(), a_out = outs.size();
    std::vector<int64_t> in_pos(cin, -1);
    for (int64_t j = 0; j < a_in; ++j) in_pos[ins[j]] = j;
    Gathered g;
    CollectPairs(*this, outs.data(), a_out, in_pos, a_in, g);
    if (g.pair.empty() || outputs.nnz() == 0) {
      values = at::zeros({outputs.nnz(), ho, wo}, value_options);
    } else {
      // The batch's input planes scattered into (batch, a_in, H, W).
      at::Tensor input;
      if (x.nnz() == batch * a_in) {
        input = x.values.view({batch, a_in, x.height, x.width});  // every sample has them all
      } else {
        std::vector<int64_t> rows(x.nnz());
        for (int64_t n = 0; n < batch; ++n) {
          for (int64_t j = xo[n]; j < xo[n + 1]; ++j) rows[j] = n * a_in + in_pos[xp[j]];
        }
        input = at::zeros({batch * a_in, x.height, x.width}, value_options)
                    .index_put({LongTensor(rows, x.values.device())}, x.values)
                    .view({batch, a_in, x.height, x.width});
      }
      const at::Tensor all =
          at::conv2d(input,
                     KernelFromPlanes(weight.index_select(0, LongTensor(g.pair, weight.device())),
                                      g, a_out, a_in),
                     {}, stride, padding, dilation);
      // Each sample's requested planes out of the union's.
      std::vector<int64_t> pick(outputs.nnz());
      for (int64_t n = 0; n < batch; ++n) {
        for (int64_t j = oo[n]; j < oo[n + 1]; ++j) {
          pick[j] = n * a_out + (std::lower_bound(outs.begin(), outs.end(), op[j]) - outs.begin());
        }
      }
      values =
          all.reshape({batch * a_out, ho, wo}).index_select(0, LongTensor(pick, x.values.device()));
    }
  }
  if (at::GradMode::is_enabled() && !values.requires_grad() &&
      (weight.requires_grad() || x.values.requires_grad())) {
    // No stored plane met an active input: the planes are 0, but keep them on
    // the graph so that a loss of them can still call backward().
    values = values + (weight.narrow(0, 0, 0).sum() + x.values.narrow(0, 0, 0).sum());
  }
  if (bias.defined() && outputs.nnz() > 0) {
    values = values + bias.index_select(0, outputs.planes.to(bias.device())).view({-1, 1, 1});
  }
  return MakePlaneSparse(outputs, values);
}

}  // namespace sparselab
