"""sparselab's layers (lib/nn) as torch.nn.Modules.

Each module owns its state as buffers (so state_dict, load_state_dict,
torch.save, .to() and .double() work as for any PyTorch module) and runs the
C++ module's forward on them through a kernel of sparselab._C: the numbers are
the C++ library's, and autograd flows through the ATen operations. Options are
checked by the C++ constructors; a bad one raises RuntimeError with the C++
message. Buffer names are the C++ modules' (duty_cycles, learning_iterations,
boost_strength, weight_mask).
"""
import torch
from torch import nn

from . import _C


class BoostedLayer(nn.Module):
    """A layer whose boost strength update_boost_strength() decays."""

    def update_boost_strength(self):
        raise NotImplementedError


class RezeroLayer(nn.Module):
    """A layer whose masked weights rezero_weights() sets to zero again."""

    def rezero_weights(self):
        raise NotImplementedError


def update_boost_strength(m):
    """model.apply(update_boost_strength): decays every k-winners layer's
    boost strength (after each epoch)."""
    if isinstance(m, BoostedLayer):
        m.update_boost_strength()


def rezero_weights(m):
    """model.apply(rezero_weights): zeroes the masked weights of every sparse
    weight layer again (after each optimizer step)."""
    if isinstance(m, RezeroLayer):
        m.rezero_weights()


class KWinners(BoostedLayer):
    """k-winners with boosting over (batch, n) inputs ("How Can We Be So
    Dense?", Ahmad & Scheinkman 2019): each sample keeps its k units with the
    largest boosted value x_j exp(beta (k/n - d_j)), d_j the duty cycle; in eval
    mode min(n, round(k * k_inference_factor)) units win. Ties with the k-th
    value all win unless break_ties; relu also drops non-positive winners.
    """

    def __init__(self, n, k, k_inference_factor=1.5, boost_strength=1.0,
                 boost_strength_factor=0.9, duty_cycle_period=1000, break_ties=False,
                 relu=False):
        super().__init__()
        self._kernel = _C.KWinnersKernel(n, k, k_inference_factor, boost_strength,
                                         boost_strength_factor, duty_cycle_period,
                                         break_ties, relu)
        self.n, self.k = n, k
        self.k_inference_factor = k_inference_factor
        self.boost_strength_factor = boost_strength_factor
        self.duty_cycle_period = duty_cycle_period
        self.break_ties, self.relu = break_ties, relu
        self.register_buffer("duty_cycles", torch.zeros(n))
        self.register_buffer("learning_iterations", torch.zeros((), dtype=torch.long))
        self.register_buffer("boost_strength", torch.tensor(float(boost_strength)))

    @property
    def k_inference(self):
        return self._kernel.k_inference

    def forward(self, x):
        return self._kernel.forward(x, self.duty_cycles, self.learning_iterations,
                                    self.boost_strength, self.training)

    def update_boost_strength(self):
        with torch.no_grad():
            self.boost_strength.mul_(self.boost_strength_factor)

    def entropy(self):
        """Sum of the units' duty-cycle binary entropies, bits."""
        return float(_C.binary_entropy(self.duty_cycles).sum())

    def max_entropy(self):
        return _C.max_entropy(self.n, self.k)

    def extra_repr(self):
        return (f"n={self.n}, k={self.k}, k_inference={self.k_inference}, "
                f"boost_strength_factor={self.boost_strength_factor}, "
                f"duty_cycle_period={self.duty_cycle_period}, break_ties={self.break_ties}, "
                f"relu={self.relu}")


class KWinners2d(BoostedLayer):
    """k-winners over (batch, C, H, W) maps, one duty cycle per channel.
    local=False: k winners over each sample's C*H*W values; local=True: k
    winning channels at every position."""

    def __init__(self, channels, k, k_inference_factor=1.5, boost_strength=1.0,
                 boost_strength_factor=0.9, duty_cycle_period=1000, break_ties=False,
                 relu=False, local=False):
        super().__init__()
        self._kernel = _C.KWinners2dKernel(channels, k, k_inference_factor, boost_strength,
                                           boost_strength_factor, duty_cycle_period,
                                           break_ties, relu, local)
        self.channels, self.k, self.local = channels, k, local
        self.k_inference_factor = k_inference_factor
        self.boost_strength_factor = boost_strength_factor
        self.duty_cycle_period = duty_cycle_period
        self.break_ties, self.relu = break_ties, relu
        self._positions = 0
        self.register_buffer("duty_cycles", torch.zeros(channels))
        self.register_buffer("learning_iterations", torch.zeros((), dtype=torch.long))
        self.register_buffer("boost_strength", torch.tensor(float(boost_strength)))

    def forward(self, x):
        out = self._kernel.forward(x, self.duty_cycles, self.learning_iterations,
                                   self.boost_strength, self.training)
        self._positions = x.shape[2] * x.shape[3]
        return out

    def update_boost_strength(self):
        with torch.no_grad():
            self.boost_strength.mul_(self.boost_strength_factor)

    def _check_positions(self, what):
        if self._positions == 0:
            raise RuntimeError(f"KWinners2d.{what} needs one forward pass first (to know H x W)")

    def entropy(self):
        self._check_positions("entropy")
        return float(_C.binary_entropy(self.duty_cycles).sum()) * self._positions

    def max_entropy(self):
        self._check_positions("max_entropy")
        k = self.k * self._positions if self.local else self.k
        return _C.max_entropy(self.channels * self._positions, k)

    def extra_repr(self):
        return (f"channels={self.channels}, k={self.k}, local={self.local}, "
                f"k_inference_factor={self.k_inference_factor}, "
                f"boost_strength_factor={self.boost_strength_factor}, "
                f"duty_cycle_period={self.duty_cycle_period}, break_ties={self.break_ties}, "
                f"relu={self.relu}")


class _MaskedWeights(RezeroLayer):
    def __init__(self, module, density, kind, dims):
        super().__init__()
        if not isinstance(module, kind):
            raise ValueError(f"{type(self).__name__} wraps a torch.nn.{kind.__name__}, "
                             f"got {type(module).__name__}")
        if module.weight.dim() != dims:
            raise ValueError(f"{type(self).__name__}: weight must have {dims} dimensions, "
                             f"got shape {tuple(module.weight.shape)}")
        self.module = module
        self.density = density
        self.register_buffer("weight_mask", _C.random_fan_in_mask(module.weight.detach(), density))
        self.rezero_weights()

    def forward(self, x):
        return self.module(x)

    def rezero_weights(self):
        with torch.no_grad():
            self.module.weight.mul_(self.weight_mask)

    @property
    def weight(self):
        return self.module.weight

    @property
    def bias(self):
        return self.module.bias

    def extra_repr(self):
        return f"density={self.density}"


class SparseWeights(_MaskedWeights):
    """A torch.nn.Linear with a fixed random fraction `density` of each output
    unit's weights kept (round(density * in_features)); the rest stay zero
    (call rezero_weights after each optimizer step)."""

    def __init__(self, module, density=0.5):
        super().__init__(module, density, nn.Linear, 2)


class SparseWeights2d(_MaskedWeights):
    """A torch.nn.Conv2d with a fixed random fan-in mask (fan_in =
    in_channels / groups * kh * kw)."""

    def __init__(self, module, density=0.5):
        super().__init__(module, density, nn.Conv2d, 4)


class KWTABinary(nn.Module):
    """Binary k-winners-take-all codes (EmbedderSDR): the top k of each
    sample's values become 1, the rest 0; gradients pass straight through."""

    def __init__(self, k):
        super().__init__()
        self._kernel = _C.KWTABinaryKernel(k)
        self.k = k

    def forward(self, x):
        return self._kernel.forward(x, self.training)

    def extra_repr(self):
        return f"k={self.k}"


class KWTASoft(nn.Module):
    """kWTA with a (hard) sigmoid of hardness * (x - threshold) in training and
    the binary code in eval mode."""

    def __init__(self, k, hardness=1.0, hard_sigmoid=False):
        super().__init__()
        self._kernel = _C.KWTASoftKernel(k, hardness, hard_sigmoid)
        self.k, self.hardness, self.hard_sigmoid = k, hardness, hard_sigmoid

    def forward(self, x):
        return self._kernel.forward(x, self.training)

    def extra_repr(self):
        return f"k={self.k}, hardness={self.hardness}, hard_sigmoid={self.hard_sigmoid}"


class SynapticScaling(nn.Module):
    """EmbedderSDR's synaptic scaling in front of a kWTA module (any module
    mapping (batch, n) to (batch, n), e.g. KWTABinary): in training the input
    of unit j is scaled by exp(boost_factor * (target_sparsity - firing_rate_j)),
    and firing_rate is the running mean of the module's output over `period`
    samples; in eval mode the input passes unscaled (lib/nn SynapticScaling)."""

    def __init__(self, kwta, n, target_sparsity, boost_factor=1.0, period=1000):
        super().__init__()
        if n < 1 or period < 1:
            raise ValueError(f"SynapticScaling: need n >= 1 and period >= 1, got n={n}, "
                             f"period={period}")
        self.kwta = kwta
        self.n, self.target_sparsity = n, target_sparsity
        self.boost_factor, self.period = boost_factor, period
        self.register_buffer("firing_rate", torch.zeros(n))
        self.register_buffer("learning_iterations", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        if x.dim() != 2 or x.shape[1] != self.n:
            raise RuntimeError(f"SynapticScaling: expected an input of shape (batch, {self.n}), "
                               f"got {list(x.shape)}")
        if not self.training:
            return self.kwta(x)
        scale = _C.synaptic_scale(self.firing_rate, self.target_sparsity, self.boost_factor)
        out = self.kwta(x * scale.to(x.dtype))
        _C.update_duty_cycles(self.firing_rate, self.learning_iterations,
                              out.detach().sum(0).to(self.firing_rate.dtype), x.shape[0],
                              self.period)
        return out

    def extra_repr(self):
        return (f"n={self.n}, target_sparsity={self.target_sparsity}, "
                f"boost_factor={self.boost_factor}, period={self.period}")


class ActivationSparsity(nn.Module):
    """The SparseLinear seed's dynamic activation sparsity over (..., n)
    inputs: k-winners keeping round((1 - act_sparsity) n) units, boost
    strength beta, duty cycles averaged with rate alpha per batch of
    batch_size (lib/nn ActivationSparsity)."""

    def __init__(self, n, alpha=0.1, beta=1.5, act_sparsity=0.65, batch_size=64):
        super().__init__()
        self.n, self.alpha, self.beta = n, alpha, beta
        self.act_sparsity, self.batch_size = act_sparsity, batch_size
        self.winners = KWinners(*_C.activation_sparsity_kwinners(n, alpha, beta, act_sparsity,
                                                                 batch_size))

    @property
    def k(self):
        return self.winners.k

    def forward(self, x):
        if x.dim() < 2 or x.shape[-1] != self.n:
            raise RuntimeError(f"ActivationSparsity: expected (N, {self.n}) input, got "
                               f"{list(x.shape)}")
        return self.winners(x.reshape(-1, self.n)).view(x.shape)

    def extra_repr(self):
        return (f"n={self.n}, k={self.k}, alpha={self.alpha}, beta={self.beta}, "
                f"act_sparsity={self.act_sparsity}")
