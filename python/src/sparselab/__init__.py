"""sparselab from Python: the library's sparse layers as torch.nn.Modules and
its mutual-information estimators, backed by the C++ code (sparselab._C).

    import torch, sparselab
    layer = sparselab.KWinners(n=1024, k=102)       # native options (k winners)
    from sparselab import nupic, npeet, gcmi, sparselinear   # peers' signatures

Namespaces:
  sparselab            KWinners, KWinners2d, SparseWeights, SparseWeights2d,
                       KWTABinary, KWTASoft, ActivationSparsity,
                       update_boost_strength, rezero_weights
  sparselab.nupic      nupic.torch's modules and functions, its buffer names
  sparselab.npeet      NPEET's estimators (k=3, base=2)
  sparselab.gcmi       gcmi's estimators (variables in rows, samples in columns)
  sparselab.sparselinear  the SparseLinear package's SparseLinear (CSR, RigL) and
                       ActivationSparsity
"""
# python3-torch's LibTorch is the one _C links: importing torch first loads it
# and registers the tensor types the extension's type casters use.
import torch  # noqa: F401

from . import _C  # noqa: E402
from .layers import (  # noqa: E402,F401
    ActivationSparsity,
    KWTABinary,
    KWTASoft,
    KWinners,
    KWinners2d,
    SparseWeights,
    SparseWeights2d,
    SynapticScaling,
    rezero_weights,
    update_boost_strength,
)

__all__ = [
    "ActivationSparsity",
    "KWTABinary",
    "KWTASoft",
    "KWinners",
    "KWinners2d",
    "SparseWeights",
    "SparseWeights2d",
    "SynapticScaling",
    "rezero_weights",
    "update_boost_strength",
]
