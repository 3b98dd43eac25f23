"""nupic.torch's API on sparselab's C++ layers: existing code changes only
its import,

    from sparselab.nupic import KWinners, KWinners2d, SparseWeights, ...

Signatures and defaults are nupic.torch's (numenta/nupic.torch, src/nupic/
torch/modules and functions); so are the state-dict entries (duty_cycle of
shape (n) or (1, C, 1, 1), boost_strength, zero_mask in float16 with 1 =
pinned at zero), so a nupic.torch state dict loads. nupic's asserts are
ValueErrors here.

Where the numbers can differ from nupic.torch's:
  * winners are ranked by x * exp(beta * (k/n - d)) (lib/nn), nupic by
    x * exp(-beta * d): the same order up to float rounding of near-ties;
  * a training batch larger than duty_cycle_period averages the batch alone
    (nupic weights the old duty cycle negatively there);
  * sparse-weight masks are drawn from torch's generator (seed with
    torch.manual_seed), nupic draws them from numpy's.
"""
import math
import warnings

import torch
from torch import nn

from . import _C
from .layers import BoostedLayer, RezeroLayer, rezero_weights, update_boost_strength

__all__ = [
    "Flatten",
    "KWinners",
    "KWinners2d",
    "KWinnersBase",
    "SparseWeights",
    "SparseWeights2d",
    "SparseWeightsBase",
    "binary_entropy",
    "boost_activations",
    "kwinners",
    "kwinners2d",
    "max_entropy",
    "rezero_weights",
    "update_boost_strength",
]


# --- functions (nupic.torch.functions) ------------------------------------

def boost_activations(x, duty_cycles, boost_strength):
    """x * exp(-boost_strength * duty_cycles), detached (x itself if
    boost_strength is 0): the values that rank the units."""
    return _C.boost_activations(x, duty_cycles, float(boost_strength))


def _apply(x, out, inplace):
    if inplace:
        return x.copy_(out)
    return out


def kwinners(x, duty_cycles, k, boost_strength, break_ties=False, relu=False,
             inplace=False):
    """nupic.torch.functions.kwinners: x with all but the k units of largest
    boosted value (per sample, along dim 1) set to 0."""
    return _apply(x, _C.kwinners(x, duty_cycles, int(k), float(boost_strength), break_ties,
                                 relu, False), inplace)


def kwinners2d(x, duty_cycles, k, boost_strength, local=True, break_ties=False,
               relu=False, inplace=False):
    """nupic.torch.functions.kwinners2d: local=True keeps the top k channels
    at every position, local=False the top k of all C*H*W values."""
    return _apply(x, _C.kwinners(x, duty_cycles, int(k), float(boost_strength), break_ties,
                                 relu, not local), inplace)


# --- duty-cycle metrics (nupic.torch.duty_cycle_metrics) --------------------

def max_entropy(n, k):
    """The maximum entropy (bits) of n units with k winners: n * H(k / n)."""
    return _C.max_entropy(int(n), int(k))


def binary_entropy(x):
    """(element-wise binary entropy in bits, its sum) of probabilities x."""
    entropy = _C.binary_entropy(x)
    return entropy, entropy.sum()


# --- modules ----------------------------------------------------------------

class Flatten(nn.Module):
    """Flatten input retaining batch dimension."""

    def forward(self, x):
        return x.view(x.size(0), -1)


class KWinnersBase(BoostedLayer):
    """What KWinners and KWinners2d share: the options' checks, the boost
    strength (buffer plus a Python float copy, _cached_boost_strength) and
    the entropy metrics."""

    def __init__(self, percent_on, k_inference_factor=1.0, boost_strength=1.0,
                 boost_strength_factor=1.0, duty_cycle_period=1000):
        super().__init__()
        if not boost_strength >= 0.0:
            raise ValueError(f"boost_strength must be >= 0 (0 turns boosting off), got "
                             f"{boost_strength}")
        if not 0.0 <= boost_strength_factor <= 1.0:
            raise ValueError(f"boost_strength_factor must be in [0, 1], got "
                             f"{boost_strength_factor}")
        if not 0.0 < percent_on < 1.0:
            raise ValueError(f"percent_on must be in (0, 1), got {percent_on}")
        if not 0.0 < percent_on * k_inference_factor < 1.0:
            raise ValueError(f"percent_on * k_inference_factor must be in (0, 1), got "
                             f"{percent_on} * {k_inference_factor} = "
                             f"{percent_on * k_inference_factor}")
        self.percent_on = percent_on
        self.percent_on_inference = percent_on * k_inference_factor
        self.k_inference_factor = k_inference_factor
        self.boost_strength_factor = boost_strength_factor
        self.duty_cycle_period = duty_cycle_period
        self.n = 0
        self.k = 0
        self.k_inference = 0
        self.register_buffer("boost_strength", torch.tensor(boost_strength, dtype=torch.float))
        self._cached_boost_strength = boost_strength
        # Samples seen in training (nupic keeps a Python int, not saved).
        self.register_buffer("learning_iterations", torch.zeros((), dtype=torch.long),
                             persistent=False)

    def _load_from_state_dict(self, *args, **kwargs):
        super()._load_from_state_dict(*args, **kwargs)
        self._cached_boost_strength = self.boost_strength.item()

    def update_boost_strength(self):
        """boost_strength *= boost_strength_factor (at the start of each epoch)."""
        self._cached_boost_strength *= self.boost_strength_factor
        self.boost_strength.fill_(self._cached_boost_strength)

    def entropy(self):
        """The current total entropy of this layer (a 0-d tensor, bits)."""
        return _C.binary_entropy(self.duty_cycle).sum()

    def max_entropy(self):
        return max_entropy(self.n, int(self.n * self.percent_on))

    def _winners(self, k, what):
        if k < 1:
            raise ValueError(f"{type(self).__name__}: {what} rounds to {k} winners; raise "
                             f"percent_on (or k_inference_factor) so that at least one unit wins")
        return k

    def extra_repr(self):
        return (f"n={self.n}, percent_on={self.percent_on}, "
                f"boost_strength={self._cached_boost_strength}, "
                f"boost_strength_factor={self.boost_strength_factor}, "
                f"k_inference_factor={self.k_inference_factor}, "
                f"duty_cycle_period={self.duty_cycle_period}")


class KWinners(KWinnersBase):
    """nupic.torch.modules.KWinners over (batch, n) inputs:
    k = round(n * percent_on) winners in training, int(k * k_inference_factor)
    in eval mode."""

    def __init__(self, n, percent_on, k_inference_factor=1.5, boost_strength=1.0,
                 boost_strength_factor=0.9, duty_cycle_period=1000, break_ties=False,
                 relu=False, inplace=False):
        super().__init__(percent_on=percent_on, k_inference_factor=k_inference_factor,
                         boost_strength=boost_strength,
                         boost_strength_factor=boost_strength_factor,
                         duty_cycle_period=duty_cycle_period)
        self.break_ties, self.relu, self.inplace = break_ties, relu, inplace
        self.n = n
        self.k = self._winners(int(round(n * percent_on)), "n * percent_on")
        self.k_inference = self._winners(int(self.k * self.k_inference_factor),
                                         "k * k_inference_factor")
        # The kernel's inference k, round(k * factor), is exactly k_inference.
        self._kernel = _C.KWinnersKernel(n, self.k, self.k_inference / self.k, boost_strength,
                                         boost_strength_factor, duty_cycle_period, break_ties,
                                         relu)
        self.register_buffer("duty_cycle", torch.zeros(self.n))

    def forward(self, x):
        out = self._kernel.forward(x, self.duty_cycle, self.learning_iterations,
                                   self.boost_strength, self.training)
        return _apply(x, out, self.inplace)

    def extra_repr(self):
        s = super().extra_repr() + f", break_ties={self.break_ties}"
        if self.relu:
            s += ", relu=True"
        if self.inplace:
            s += ", inplace=True"
        return s


class KWinners2d(KWinnersBase):
    """nupic.torch.modules.KWinners2d over (batch, C, H, W) inputs. local=False:
    k = round(C*H*W * percent_on) winners over each sample (n = C*H*W is fixed
    by the first input); local=True: round(C * percent_on) channels win at
    every position."""

    def __init__(self, channels, percent_on=0.1, k_inference_factor=1.5, boost_strength=1.0,
                 boost_strength_factor=0.9, duty_cycle_period=1000, local=False,
                 break_ties=False, relu=False, inplace=False):
        super().__init__(percent_on=percent_on, k_inference_factor=k_inference_factor,
                         boost_strength=boost_strength,
                         boost_strength_factor=boost_strength_factor,
                         duty_cycle_period=duty_cycle_period)
        self.channels = channels
        self.local = local
        self.break_ties, self.relu, self.inplace = break_ties, relu, inplace
        self._boost0 = boost_strength
        self._kernel = None
        if local:
            self.k = self._winners(int(round(self.channels * self.percent_on)),
                                   "channels * percent_on")
            self.k_inference = self._winners(
                int(round(self.channels * self.percent_on_inference)),
                "channels * percent_on * k_inference_factor")
            self._kernel = self._make_kernel()
        self.register_buffer("duty_cycle", torch.zeros((1, channels, 1, 1)))

    def _make_kernel(self):
        return _C.KWinners2dKernel(self.channels, self.k, self.k_inference / self.k,
                                   self._boost0, self.boost_strength_factor,
                                   self.duty_cycle_period, self.break_ties, self.relu,
                                   self.local)

    def forward(self, x):
        if self.n == 0:
            if x.dim() != 4:
                raise RuntimeError(f"KWinners2d: expected an input of shape (batch, "
                                   f"{self.channels}, H, W), got {list(x.shape)}")
            self.n = int(x.shape[1] * x.shape[2] * x.shape[3])
            if not self.local:
                self.k = self._winners(int(round(self.n * self.percent_on)),
                                       "C * H * W * percent_on")
                self.k_inference = self._winners(int(round(self.n * self.percent_on_inference)),
                                                 "C * H * W * percent_on * k_inference_factor")
                self._kernel = self._make_kernel()
        out = self._kernel.forward(x, self.duty_cycle, self.learning_iterations,
                                   self.boost_strength, self.training)
        return _apply(x, out, self.inplace)

    def entropy(self):
        return super().entropy() * self.n / self.channels

    def extra_repr(self):
        s = f"channels={self.channels}, local={self.local}, break_ties={self.break_ties}"
        if self.relu:
            s += ", relu=True"
        if self.inplace:
            s += ", inplace=True"
        return s + ", " + super().extra_repr()


class SparseWeightsBase(RezeroLayer):
    """A module (self.module) whose weight keeps a fixed random fraction
    1 - sparsity of each output unit's inputs; the rest are pinned at zero by
    rezero_weights() (call it after each optimizer step, or
    model.apply(rezero_weights))."""

    def __init__(self, module, weight_sparsity=None, sparsity=None):
        super().__init__()
        if weight_sparsity is None and sparsity is None:
            raise ValueError("give sparsity (the fraction of weights that are zero) or the "
                             "deprecated weight_sparsity (the fraction that are not)")
        if weight_sparsity is not None and sparsity is None:
            sparsity = 1.0 - weight_sparsity
            warnings.warn("Parameter `weight_sparsity` is deprecated. Use `sparsity` instead.",
                          DeprecationWarning)
        self.module = module
        self.sparsity = sparsity

    def _install_mask(self, fan_in, allow_extremes):
        lo_ok = 0 <= self.sparsity if allow_extremes else 0 < self.sparsity
        hi_ok = self.sparsity <= 1 if allow_extremes else self.sparsity < 1
        if not (lo_ok and hi_ok):
            interval = "[0, 1]" if allow_extremes else "(0, 1) (allow_extremes=True admits 0 and 1)"
            raise ValueError(f"sparsity must be in {interval}, got {self.sparsity}")
        weight = self.module.weight.detach()
        num_nz = int(round((1 - self.sparsity) * fan_in))
        if num_nz == 0:
            keep = torch.zeros_like(weight)
        elif num_nz == fan_in:
            keep = torch.ones_like(weight)
        else:  # round(density * fan_in) == num_nz exactly
            keep = _C.random_fan_in_mask(weight, num_nz / fan_in)
        # float16 as nupic.torch (NCCL has no bool); 1 = pinned at zero.
        self.register_buffer("zero_mask", (1 - keep).half())
        self.rezero_weights()

    def forward(self, x):
        return self.module(x)

    def rezero_weights(self):
        self.module.weight.data.masked_fill_(self.zero_mask.bool(), 0)

    @property
    def weight_sparsity(self):
        warnings.warn("Parameter `weight_sparsity` is deprecated. Use `sparsity` instead.",
                      DeprecationWarning)
        return 1.0 - self.sparsity

    @property
    def weight(self):
        return self.module.weight

    @property
    def bias(self):
        return self.module.bias

    def extra_repr(self):
        return f"sparsity={self.sparsity}"


def _resolve_sparsity(weight_sparsity, sparsity):
    if sparsity is None and weight_sparsity is not None:
        sparsity = 1 - weight_sparsity
    if weight_sparsity is None and sparsity is not None:
        weight_sparsity = 1 - sparsity
    if sparsity is None:
        raise ValueError("give sparsity (the fraction of weights that are zero) or the "
                         "deprecated weight_sparsity (the fraction that are not)")
    if not math.isclose(1 - sparsity, weight_sparsity, rel_tol=0, abs_tol=1e-12):
        raise ValueError(f"Conflicting sparsity levels defined by the params weight sparsity: "
                         f"{weight_sparsity:.4f} and sparsity: {sparsity:.4f}")
    return weight_sparsity, sparsity


class SparseWeights(SparseWeightsBase):
    """nupic.torch.modules.SparseWeights around a torch.nn.Linear:
    SparseWeights(linear, sparsity=0.4), or the deprecated positional
    weight_sparsity (the fraction kept)."""

    def __init__(self, module, weight_sparsity=None, sparsity=None, allow_extremes=False):
        if getattr(module, "weight", None) is None or module.weight.dim() != 2:
            raise ValueError("SparseWeights: the module should resemble a nn.Linear (2-D weight)")
        weight_sparsity, sparsity = _resolve_sparsity(weight_sparsity, sparsity)
        super().__init__(module, weight_sparsity=weight_sparsity, sparsity=sparsity)
        self._install_mask(self.module.in_features, allow_extremes)


class SparseWeights2d(SparseWeightsBase):
    """nupic.torch.modules.SparseWeights2d around a torch.nn.Conv2d; each output
    channel keeps round((1 - sparsity) * in_channels * kh * kw) inputs."""

    def __init__(self, module, weight_sparsity=None, sparsity=None, allow_extremes=False):
        if getattr(module, "weight", None) is None or module.weight.dim() != 4:
            raise ValueError("SparseWeights2d: the module should resemble a nn.Conv2d "
                             "(4-D weight)")
        super().__init__(module, weight_sparsity=weight_sparsity, sparsity=sparsity)
        w = self.module.weight
        self._install_mask(w.shape[1] * w.shape[2] * w.shape[3], allow_extremes)
