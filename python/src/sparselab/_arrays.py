"""Argument handling shared by the estimator namespaces."""
import math

import numpy as np
import torch


def samples(x, name="x"):
    """x (list of vectors, list of scalars, array, tensor) as a float64 array
    of shape (samples, dims)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        raise ValueError(f"{name} is a scalar; give one value or vector per sample")
    return a.reshape(a.shape[0], -1)


def symbols(x):
    """One integer symbol per distinct sample (row) of x."""
    a = np.asarray(x)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    elif a.ndim > 2:
        a = a.reshape(a.shape[0], -1)
    if np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_:
        from . import _C
        return _C.symbols_from_rows(a.astype(np.float64))
    return np.unique(a, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def jitter_seed():
    """A seed for the tie-breaking jitter, drawn from NumPy's global generator
    (np.random.seed makes estimates repeatable, as with NPEET's noise)."""
    return int(np.random.randint(0, 2**62, dtype=np.int64))


def threads():
    """Threads for the k-NN estimators: torch's intra-op thread count."""
    return torch.get_num_threads()


def to_base(nats, base):
    if base <= 0 or base == 1:
        raise ValueError(f"base must be positive and not 1, got {base}")
    return nats / math.log(base)
