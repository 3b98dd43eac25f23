// A 2-D convolution between plane-sparse feature maps (plane_sparse.h) with a
// plane-sparse weight: only the stored (out, in) planes of the
// (C_out, C_in, kh, kw) kernel exist (a parameter `weight` of shape
// (P, kh, kw) and the pair list as buffers), and only the output planes the
// caller asks for are computed, from the active input planes:
//   y[n, o] = bias[o] + sum_{i active in n, (o, i) stored} conv2d(x[n, i], W[o, i])
// for o in the requested set of sample n (the others are not stored). The
// dense kernels do the work on gathered planes: per sample the active input
// planes and a weight gathered to (active_out, active_in, kh, kw) in one
// at::conv2d (kPerSample), or once for the whole batch over the union of the
// samples' planes (kBatchUnion). Autograd differentiates the gathers, so
// gradients reach the active input planes and the stored weights only. Equal
// to torch::nn::Conv2d with the same zero planes on the requested outputs
// (plane_sparse_conv_test). Which outputs to compute is the caller's choice;
// PlaneKWinners (plane_k_winners.h) keeps a map's planes by energy, and its
// forward_sparse() is a ready input here.
//
//   PlaneSparseConv2d conv(PlaneSparseConv2dOptions(64, 10000, 3).padding(1));
//   PlaneSparseTensor y = conv(x, MakePlaneIndex(wanted, 10000));
#ifndef SPARSELAB_LIB_NN_PLANE_SPARSE_CONV_H_
#define SPARSELAB_LIB_NN_PLANE_SPARSE_CONV_H_

#include <cstdint>
#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/expanding_array.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include "lib/nn/plane_sparse.h"

namespace sparselab {

// How the planes are gathered for at::conv2d.
enum class PlaneGather {
  kPerSample,   // one conv per sample: its active inputs, its requested outputs
  kBatchUnion,  // one conv for the batch over the union of inputs and outputs
};

struct PlaneSparseConv2dOptions {
  PlaneSparseConv2dOptions(int64_t in_channels, int64_t out_channels,
                           torch::ExpandingArray<2> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(torch::ExpandingArray<2>, kernel_size);
  TORCH_ARG(torch::ExpandingArray<2>, stride) = 1;
  TORCH_ARG(torch::ExpandingArray<2>, padding) = 0;
  TORCH_ARG(torch::ExpandingArray<2>, dilation) = 1;
  TORCH_ARG(bool, bias) = false;
  TORCH_ARG(PlaneGather, gather) = PlaneGather::kPerSample;
  // The stored (out, in) planes as a (P, 2) int64 tensor; undefined: all
  // C_out x C_in planes.
  TORCH_ARG(at::Tensor, pairs);
};

class PlaneSparseConv2dImpl : public torch::nn::Cloneable<PlaneSparseConv2dImpl> {
 public:
  explicit PlaneSparseConv2dImpl(PlaneSparseConv2dOptions options);

  // Checks the options and pairs, registers the buffers and draws the stored
  // planes as torch::nn::Conv2d does (uniform in +-1 / sqrt(C_in kh kw)).
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  // Module::to moves and converts every buffer; these keep the pair index
  // int64 on the CPU (where forward() reads it) and convert the rest.
  void to(torch::Device device, torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Device device, bool non_blocking = false) override;

  // (Call forward() directly: the holder's operator() cannot pick between the
  // overloads.) The requested output planes of every sample; `outputs` has the batch of
  // x and out_channels planes.
  PlaneSparseTensor forward(const PlaneSparseTensor& x, const PlaneIndex& outputs);
  // The same for a dense (batch, C_in, H, W) input (its nonzero planes).
  PlaneSparseTensor forward(const at::Tensor& x, const PlaneIndex& outputs);

  // Replaces the stored planes by the nonzero planes of a dense
  // (C_out, C_in, kh, kw) weight (the parameter is a new tensor: rebuild
  // optimizers).
  void set_dense_weight(const at::Tensor& dense);
  // Drops the stored planes that are all zero (e.g. after plane pruning).
  void drop_zero_planes();
  // The (C_out, C_in, kh, kw) weight, absent planes 0 (differentiable).
  at::Tensor dense_weight() const;
  // (P, 2) int64: the stored (out, in) pairs in storage order.
  at::Tensor pairs() const;
  int64_t num_pairs() const { return weight.size(0); }
  // Bytes of the stored planes, their pair index and the bias.
  int64_t bytes() const;

  PlaneSparseConv2dOptions options;
  // Parameter (P, kh, kw): the stored planes, sorted by (out, in).
  at::Tensor weight;
  // Parameter (C_out) when options.bias(), else undefined.
  at::Tensor bias;
  // Buffers: the distinct output planes with a stored pair (R, sorted), where
  // each one's pairs start in `weight` (R + 1), and each pair's input plane (P).
  at::Tensor weight_rows;
  at::Tensor weight_row_offsets;
  at::Tensor weight_inputs;

 private:
  void keep_index_on_cpu();
  // Sets the buffers and the parameter from sorted unique (out, in) pairs.
  void store(const at::Tensor& pairs, at::Tensor values);
};
TORCH_MODULE(PlaneSparseConv2d);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_PLANE_SPARSE_CONV_H_
