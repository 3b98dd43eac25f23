"""The SparseLinear package's API (rain-neuromorphics/SparseLinear, as its
README documents it) on sparselab's C++ SparseLinear (lib/nn/sparse_linear):

    from sparselab.sparselinear import SparseLinear, ActivationSparsity
    layer = SparseLinear(784, 2000, sparsity=0.9, dynamic=True)

The weights live in CSR form: `values` (parameter, nnz) and `bias`
(parameter), with the pattern in the int32 buffers `row_offsets` and
`col_indices` (the C++ names; the state dict is the C++ module's, not the
package's). `weight` is the weights as a torch.sparse COO tensor. With
dynamic=True the layer rewires itself by RigL (Evci et al. 2020) during
training as the package does: at the start of training forward t it runs
RigL's step t - 1 (every deltaT steps until Tend, dropping the fraction
alpha / 2 (1 + cos(pi t / Tend))), with the gradient recorded in the previous
step's backward. Unlike the C++ Trainer hook, the optimizer's per-weight state
(momentum, Adam moments) is not moved with rewired weights.
The CSR kernels run on the CPU.
"""
import torch
from torch import nn

from . import _C, layers

__all__ = ["ActivationSparsity", "SparseLinear"]


class SparseLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True, sparsity=0.9, connectivity=None,
                 small_world=False, dynamic=False, deltaT=6000, Tend=150000, alpha=0.1,
                 max_size=1e8):
        super().__init__()
        if connectivity is not None:
            connectivity = torch.as_tensor(connectivity, dtype=torch.long)
        self._kernel = _C.SparseLinearKernel(in_features, out_features, bool(bias),
                                             float(sparsity), connectivity, bool(small_world),
                                             bool(dynamic), int(deltaT), int(Tend), float(alpha),
                                             int(max_size))
        self.in_features, self.out_features = in_features, out_features
        self.sparsity, self.small_world, self.dynamic = sparsity, small_world, dynamic
        self.deltaT, self.Tend, self.alpha, self.max_size = deltaT, Tend, alpha, max_size
        self._steps = 0
        values, b, row_offsets, col_indices = self._kernel.initial_state()
        self.values = nn.Parameter(values)
        self.bias = nn.Parameter(b) if b is not None else None
        self.register_buffer("row_offsets", row_offsets)
        self.register_buffer("col_indices", col_indices)

    def _state(self):
        return self.values, self.bias, self.row_offsets, self.col_indices

    def forward(self, x):
        if self.training and self.dynamic:
            if self._steps > 0:
                self._kernel.rigl_step(self._steps, *self._state())
            self._steps += 1
        return self._kernel.forward(x, *self._state(), self.training)

    @property
    def nnz(self):
        return self.values.numel()

    @property
    def weight(self):
        """The (out_features, in_features) weights as a sparse COO tensor."""
        return torch.sparse_coo_tensor(self._kernel.indices(*self._state()), self.values,
                                       (self.out_features, self.in_features))

    def dense_weight(self):
        return self._kernel.dense_weight(*self._state())

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}, nnz={self.nnz}, dynamic={self.dynamic}")


class ActivationSparsity(nn.Module):
    """The package's ActivationSparsity(alpha, beta, act_sparsity): each
    sample keeps its round((1 - act_sparsity) n) units of largest boosted
    value; the unit count n and the batch size (which sets the duty-cycle
    window, batch / alpha samples) are taken from the first training input.
    Its state (winners.duty_cycles, ...) exists after that first call."""

    def __init__(self, alpha=0.1, beta=1.5, act_sparsity=0.65):
        super().__init__()
        self.alpha, self.beta, self.act_sparsity = alpha, beta, act_sparsity
        self.layer = None

    def forward(self, x):
        if self.layer is None:
            if x.dim() < 2:
                raise RuntimeError(f"ActivationSparsity: expected (N, n) input, got "
                                   f"{list(x.shape)}")
            n = x.shape[-1]
            self.layer = layers.ActivationSparsity(n, self.alpha, self.beta, self.act_sparsity,
                                                   x.numel() // n).to(x.device)
        return self.layer(x)

    def extra_repr(self):
        return f"alpha={self.alpha}, beta={self.beta}, act_sparsity={self.act_sparsity}"
