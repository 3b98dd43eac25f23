#include "lib/nn/sparse_linear/internal/kernels.h"

#include <algorithm>
#include <limits>
#include <vector>

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>

namespace sparselab {
namespace {

// Work (multiply-adds) below which a parallel chunk is not worth a thread.
constexpr int64_t kMinWorkPerChunk = 1 << 15;

void CheckOperands(const CsrPattern& pattern, const at::Tensor& dense, int64_t rows,
                   const char* what) {
  TORCH_CHECK(pattern.row_offsets.scalar_type() == at::kInt &&
                  pattern.col_indices.scalar_type() == at::kInt,
              "SparseLinear kernels: the CSR pattern must hold int32 indices");
  TORCH_CHECK(dense.dim() == 2 && dense.is_contiguous() && dense.size(0) == rows, what,
              ": expected a contiguous (", rows, ", batch) tensor, got ", dense.sizes());
}

// The kernels' gathers and scatters hit rows of the (features, batch) operands
// at random columns, which no hardware prefetcher predicts; for wide layers
// those rows live in L3 or DRAM. Prefetching the row kPrefetchDistance
// non-zeros ahead overlaps those misses (arithmetic and results unchanged).
constexpr int64_t kPrefetchDistance = 8;
constexpr int64_t kCacheLine = 64;

template <typename scalar_t, int kWrite>
inline void PrefetchRow(const scalar_t* row, int64_t batch) {
  const char* bytes = reinterpret_cast<const char*>(row);
  const int64_t size = batch * static_cast<int64_t>(sizeof(scalar_t));
  for (int64_t offset = 0; offset < size; offset += kCacheLine) {
    __builtin_prefetch(bytes + offset, kWrite, 3);
  }
}

// Rows per parallel chunk so that a chunk holds about kMinWorkPerChunk work.
int64_t RowGrain(int64_t rows, int64_t nnz, int64_t batch) {
  const int64_t work_per_row = std::max<int64_t>(1, nnz * batch / std::max<int64_t>(1, rows));
  return std::max<int64_t>(1, kMinWorkPerChunk / work_per_row);
}

// The typed loops (outside the dispatch macro, which cannot hold pragmas).
template <typename scalar_t>
void CsrMatmulLoop(const CsrPattern& pattern, const at::Tensor& values, const at::Tensor& x_t,
                   at::Tensor& y_t) {
  const int64_t out_features = y_t.size(0);
  const int64_t batch = x_t.size(1);
  const int64_t nnz = pattern.nnz();
  const int32_t* offsets = pattern.row_offsets.data_ptr<int32_t>();
  const int32_t* cols = pattern.col_indices.data_ptr<int32_t>();
  const scalar_t* w = values.data_ptr<scalar_t>();
  const scalar_t* x = x_t.data_ptr<scalar_t>();
  scalar_t* y = y_t.data_ptr<scalar_t>();
  at::parallel_for(0, out_features, RowGrain(out_features, pattern.nnz(), batch),
                   [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      scalar_t* acc = y + r * batch;
      if (batch == 1) {  // a gathered dot product
        scalar_t sum = 0;
        for (int64_t k = offsets[r]; k < offsets[r + 1]; ++k) sum += w[k] * x[cols[k]];
        acc[0] = sum;
        continue;
      }
      std::fill(acc, acc + batch, scalar_t(0));
      for (int64_t k = offsets[r]; k < offsets[r + 1]; ++k) {
        if (k + kPrefetchDistance < nnz) {
          PrefetchRow<scalar_t, 0>(x + static_cast<int64_t>(cols[k + kPrefetchDistance]) * batch, batch);
        }
        const scalar_t weight = w[k];
        const scalar_t* xc = x + static_cast<int64_t>(cols[k]) * batch;
#pragma omp simd
        for (int64_t j = 0; j < batch; ++j) acc[j] += weight * xc[j];
      }
    }
  });
}

template <typename scalar_t>
void CsrTransposedMatmulLoop(const CsrPattern& pattern, const at::Tensor& values,
                             const at::Tensor& g_t, at::Tensor& partial) {
  const int64_t out_features = pattern.row_offsets.numel() - 1;
  const int64_t blocks = partial.size(0);
  const int64_t in_features = partial.size(1);
  const int64_t batch = g_t.size(1);
  const int64_t nnz = pattern.nnz();
  const int32_t* offsets = pattern.row_offsets.data_ptr<int32_t>();
  const int32_t* cols = pattern.col_indices.data_ptr<int32_t>();
  const scalar_t* w = values.data_ptr<scalar_t>();
  const scalar_t* g = g_t.data_ptr<scalar_t>();
  scalar_t* partial_data = partial.data_ptr<scalar_t>();
  // First row of each block: the row holding the block's first non-zero.
  std::vector<int64_t> first_row(blocks + 1, out_features);
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t target = nnz * b / blocks;
    first_row[b] = std::upper_bound(offsets, offsets + out_features + 1, target) - offsets - 1;
  }
  first_row[0] = 0;
  at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      scalar_t* acc = partial_data + b * in_features * batch;
      for (int64_t r = first_row[b]; r < first_row[b + 1]; ++r) {
        const scalar_t* gr = g + r * batch;
        for (int64_t k = offsets[r]; k < offsets[r + 1]; ++k) {
          if (k + kPrefetchDistance < nnz) {
            PrefetchRow<scalar_t, 1>(acc + static_cast<int64_t>(cols[k + kPrefetchDistance]) * batch,
                                     batch);
          }
          const scalar_t weight = w[k];
          scalar_t* ac = acc + static_cast<int64_t>(cols[k]) * batch;
#pragma omp simd
          for (int64_t j = 0; j < batch; ++j) ac[j] += weight * gr[j];
        }
      }
    }
  });
}

template <typename scalar_t>
void CsrSampledProductLoop(const CsrPattern& pattern, const at::Tensor& g_t,
                           const at::Tensor& x_t, at::Tensor& grad) {
  const int64_t out_features = pattern.row_offsets.numel() - 1;
  const int64_t batch = g_t.size(1);
  const int64_t nnz = pattern.nnz();
  const int32_t* offsets = pattern.row_offsets.data_ptr<int32_t>();
  const int32_t* cols = pattern.col_indices.data_ptr<int32_t>();
  const scalar_t* g = g_t.data_ptr<scalar_t>();
  const scalar_t* x = x_t.data_ptr<scalar_t>();
  scalar_t* out = grad.data_ptr<scalar_t>();
  at::parallel_for(0, out_features, RowGrain(out_features, pattern.nnz(), batch),
                   [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const scalar_t* gr = g + r * batch;
      for (int64_t k = offsets[r]; k < offsets[r + 1]; ++k) {
        if (k + kPrefetchDistance < nnz) {
          PrefetchRow<scalar_t, 0>(x + static_cast<int64_t>(cols[k + kPrefetchDistance]) * batch, batch);
        }
        const scalar_t* xc = x + static_cast<int64_t>(cols[k]) * batch;
        scalar_t sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < batch; ++j) sum += gr[j] * xc[j];
        out[k] = sum;
      }
    }
  });
}

void CheckValues(const CsrPattern& pattern, const at::Tensor& values, const at::Tensor& dense) {
  TORCH_CHECK(values.dim() == 1 && values.numel() == pattern.nnz() && values.is_contiguous(),
              "SparseLinear kernels: values must be contiguous (nnz = ", pattern.nnz(), ")");
  TORCH_CHECK(values.scalar_type() == dense.scalar_type(), "SparseLinear kernels: values are ",
              values.scalar_type(), " but the activations are ", dense.scalar_type());
}

}  // namespace

CsrPattern CsrFromPositions(const at::Tensor& positions, int64_t out_features,
                            int64_t in_features) {
  TORCH_CHECK(positions.dim() == 1 && positions.scalar_type() == at::kLong,
              "CsrFromPositions: expected 1-D int64 flat positions, got ", positions.sizes());
  TORCH_CHECK(positions.numel() <= std::numeric_limits<int32_t>::max() &&
                  in_features <= std::numeric_limits<int32_t>::max(),
              "SparseLinear: nnz = ", positions.numel(), " or in_features = ", in_features,
              " does not fit 32-bit indices; use a sparser or narrower layer");
  const at::Tensor flat = positions.contiguous().cpu();
  const int64_t nnz = flat.numel();
  CsrPattern pattern;
  pattern.row_offsets = at::zeros({out_features + 1}, at::kInt);
  pattern.col_indices = at::empty({nnz}, at::kInt);
  const int64_t* p = flat.data_ptr<int64_t>();
  int32_t* offsets = pattern.row_offsets.data_ptr<int32_t>();
  int32_t* cols = pattern.col_indices.data_ptr<int32_t>();
  const int64_t total = out_features * in_features;
  for (int64_t k = 0; k < nnz; ++k) {
    TORCH_CHECK(p[k] >= 0 && p[k] < total, "CsrFromPositions: position ", p[k],
                " outside the ", out_features, " x ", in_features, " matrix");
    TORCH_CHECK(k == 0 || p[k] > p[k - 1],
                "CsrFromPositions: positions must be sorted and distinct (at ", k, ")");
    ++offsets[p[k] / in_features + 1];
    cols[k] = static_cast<int32_t>(p[k] % in_features);
  }
  for (int64_t r = 0; r < out_features; ++r) offsets[r + 1] += offsets[r];
  return pattern;
}

at::Tensor PositionsFromCsr(const CsrPattern& pattern, int64_t in_features) {
  at::Tensor indices = IndicesFromCsr(pattern);
  return indices[0] * in_features + indices[1];
}

at::Tensor IndicesFromCsr(const CsrPattern& pattern) {
  const int64_t out = pattern.row_offsets.numel() - 1;
  const int64_t nnz = pattern.nnz();
  at::Tensor indices = at::empty({2, nnz}, at::kLong);
  const int32_t* offsets = pattern.row_offsets.data_ptr<int32_t>();
  const int32_t* cols = pattern.col_indices.data_ptr<int32_t>();
  int64_t* rows_out = indices.data_ptr<int64_t>();
  int64_t* cols_out = rows_out + nnz;
  for (int64_t r = 0; r < out; ++r) {
    for (int64_t k = offsets[r]; k < offsets[r + 1]; ++k) {
      rows_out[k] = r;
      cols_out[k] = cols[k];
    }
  }
  return indices;
}

at::Tensor CsrMatmul(const CsrPattern& pattern, const at::Tensor& values,
                     const at::Tensor& x_t, int64_t out_features) {
  CheckOperands(pattern, x_t, x_t.size(0), "CsrMatmul (x^T)");
  CheckValues(pattern, values, x_t);
  TORCH_CHECK(pattern.row_offsets.numel() == out_features + 1, "CsrMatmul: pattern has ",
              pattern.row_offsets.numel() - 1, " rows, expected ", out_features);
  at::Tensor y_t = at::empty({out_features, x_t.size(1)}, x_t.options());
  AT_DISPATCH_FLOATING_TYPES(x_t.scalar_type(), "CsrMatmul",
                             [&] { CsrMatmulLoop<scalar_t>(pattern, values, x_t, y_t); });
  return y_t;
}

at::Tensor CsrTransposedMatmul(const CsrPattern& pattern, const at::Tensor& values,
                               const at::Tensor& g_t, int64_t in_features) {
  const int64_t out_features = pattern.row_offsets.numel() - 1;
  CheckOperands(pattern, g_t, out_features, "CsrTransposedMatmul (g^T)");
  CheckValues(pattern, values, g_t);
  const int64_t batch = g_t.size(1);
  // Rows scatter into shared input columns, so each block of rows (balanced by
  // nnz) accumulates into its own (in, batch) buffer and the buffers are summed.
  const int64_t threads = at::in_parallel_region() ? 1 : at::get_num_threads();
  const int64_t blocks =
      std::max<int64_t>(1, std::min<int64_t>(threads, pattern.nnz() * batch / kMinWorkPerChunk));
  at::Tensor partial = at::zeros({blocks, in_features, batch}, g_t.options());
  AT_DISPATCH_FLOATING_TYPES(g_t.scalar_type(), "CsrTransposedMatmul", [&] {
    CsrTransposedMatmulLoop<scalar_t>(pattern, values, g_t, partial);
  });
  return blocks == 1 ? partial[0] : partial.sum(0);
}

at::Tensor CsrSampledProduct(const CsrPattern& pattern, const at::Tensor& g_t,
                             const at::Tensor& x_t) {
  const int64_t out_features = pattern.row_offsets.numel() - 1;
  CheckOperands(pattern, g_t, out_features, "CsrSampledProduct (g^T)");
  CheckOperands(pattern, x_t, x_t.size(0), "CsrSampledProduct (x^T)");
  TORCH_CHECK(g_t.size(1) == x_t.size(1), "CsrSampledProduct: batch sizes differ (",
              g_t.size(1), " vs ", x_t.size(1), ")");
  TORCH_CHECK(g_t.scalar_type() == x_t.scalar_type(), "CsrSampledProduct: dtypes differ");
  at::Tensor grad = at::empty({pattern.nnz()}, g_t.options());
  AT_DISPATCH_FLOATING_TYPES(g_t.scalar_type(), "CsrSampledProduct",
                             [&] { CsrSampledProductLoop<scalar_t>(pattern, g_t, x_t, grad); });
  return grad;
}

}  // namespace sparselab
