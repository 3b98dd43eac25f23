"""gcmi's Gaussian-copula estimators (robince/gcmi, python/gcmi.py) on
sparselab's C++ implementation (monitor/gcmi.h): the same names, arguments,
array layout (variables in rows, samples/trials in columns; 1-D for one
variable), bias-correction defaults and units (bits).

    from sparselab import gcmi
    gcmi.gcmi_cc(x, y)                 # x: (n_features, n_trials)
    gcmi.mi_gg(x, y, biascorrect=True, demeaned=False)

Differences: ties in the copula transform are broken by sample order (a
stable sort, like gcmi's argsort on distinct data); gccmi_ccd weights each
class's MI by the class's share of the trials.
"""
import warnings

import numpy as np

from . import _C

__all__ = [
    "cmi_ggg", "copnorm", "ctransform", "ent_g", "gccmi_ccc", "gccmi_ccd", "gcmi_cc",
    "gcmi_mixture_cd", "gcmi_model_cd", "mi_gg", "mi_mixture_gd", "mi_model_gd",
]

_LN2 = np.log(2.0)


def _rows(x, name):
    """x as (variables, trials) float64."""
    a = np.atleast_2d(np.asarray(x, dtype=np.float64))
    if a.ndim > 2:
        raise ValueError(f"{name} must be at most 2d (variables, trials), got {a.ndim} dims")
    return a


def _trials(x):
    """(trials, variables): monitor's layout."""
    return np.ascontiguousarray(x.T)


def _same_trials(a, b, names):
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"number of trials do not match: {names[0]} has {a.shape[1]}, "
                         f"{names[1]} has {b.shape[1]}")


def _warn_repeats(a, name):
    for row in a:
        if np.unique(row).size / float(a.shape[1]) < 0.9:
            warnings.warn(f"Input {name} has more than 10% repeated values")
            break


def _discrete(y, ym, name, trials):
    y = np.squeeze(np.asarray(y))
    if y.ndim > 1:
        raise ValueError("only univariate discrete variables supported")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name} should be an integer array")
    if not isinstance(ym, (int, np.integer)):
        raise ValueError(f"{name}m should be an integer")
    if y.size != trials:
        raise ValueError(f"number of trials do not match: {trials} continuous, {y.size} discrete")
    if y.min() != 0 or y.max() != ym - 1:
        raise ValueError(f"values of discrete variable {name} are out of bounds: need 0 .. "
                         f"{ym - 1}, got {y.min()} .. {y.max()}")
    return y.astype(np.int64).reshape(-1), int(ym)


def ctransform(x):
    """Empirical CDF value rank / (trials + 1) of each element along the last axis."""
    x = np.asarray(x)
    ranks = np.argsort(np.argsort(x, axis=-1, kind="stable"), axis=-1, kind="stable")
    return (ranks + 1).astype(np.float64) / (ranks.shape[-1] + 1)


def copnorm(x):
    """Copula normalisation along the last axis: standard normal values with the
    same ranks (gcmi copnorm)."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 1:
        return _C.copnorm(a.reshape(-1, 1)).reshape(-1)
    if a.ndim != 2:
        raise ValueError(f"copnorm takes 1-D or 2-D (variables, trials) arrays, got {a.ndim} dims")
    return np.ascontiguousarray(_C.copnorm(_trials(a)).T)


def ent_g(x, biascorrect=True):
    """Entropy (bits) of a Gaussian fitted to x (variables, trials)."""
    return _C.gaussian_entropy(_trials(_rows(x, "x")), bool(biascorrect)) / _LN2


def mi_gg(x, y, biascorrect=True, demeaned=False):
    """MI (bits) between two Gaussian variables."""
    x, y = _rows(x, "x"), _rows(y, "y")
    _same_trials(x, y, ("x", "y"))
    return _C.gaussian_mi(_trials(x), _trials(y), bool(biascorrect), bool(demeaned)) / _LN2


def cmi_ggg(x, y, z, biascorrect=True, demeaned=False):
    """I(x; y | z) (bits) of Gaussian variables."""
    x, y, z = _rows(x, "x"), _rows(y, "y"), _rows(z, "z")
    _same_trials(x, y, ("x", "y"))
    _same_trials(x, z, ("x", "z"))
    return _C.gaussian_cmi(_trials(x), _trials(y), _trials(z), bool(biascorrect),
                           bool(demeaned)) / _LN2


def mi_model_gd(x, y, Ym, biascorrect=True, demeaned=False):
    """MI (bits) between a Gaussian x and a discrete y in [0, Ym) (ANOVA-style
    model comparison)."""
    x = _rows(x, "x")
    y, ym = _discrete(y, Ym, "y", x.shape[1])
    return _C.gaussian_model_discrete_mi(_trials(x), y, ym, bool(biascorrect),
                                         bool(demeaned)) / _LN2


def mi_mixture_gd(x, y, Ym):
    """MI (bits) between a Gaussian x and a discrete y via a Gaussian mixture."""
    x = _rows(x, "x")
    y, ym = _discrete(y, Ym, "y", x.shape[1])
    return _C.gaussian_mixture_discrete_mi(_trials(x), y, ym) / _LN2


def gcmi_cc(x, y):
    """Gaussian-copula MI (bits) between two continuous variables."""
    x, y = _rows(x, "x"), _rows(y, "y")
    _same_trials(x, y, ("x", "y"))
    _warn_repeats(x, "x")
    _warn_repeats(y, "y")
    return _C.gcmi_cc(_trials(x), _trials(y)) / _LN2


def gcmi_model_cd(x, y, Ym):
    """GCMI (bits) between a continuous x and a discrete y in [0, Ym), model."""
    x = _rows(x, "x")
    y, ym = _discrete(y, Ym, "y", x.shape[1])
    _warn_repeats(x, "x")
    return _C.gcmi_model_cd(_trials(x), y, ym) / _LN2


def gcmi_mixture_cd(x, y, Ym):
    """GCMI (bits) between a continuous x and a discrete y, Gaussian mixture."""
    x = _rows(x, "x")
    y, ym = _discrete(y, Ym, "y", x.shape[1])
    _warn_repeats(x, "x")
    return _C.gcmi_mixture_cd(_trials(x), y, ym) / _LN2


def gccmi_ccc(x, y, z):
    """Gaussian-copula I(x; y | z) (bits) of three continuous variables."""
    x, y, z = _rows(x, "x"), _rows(y, "y"), _rows(z, "z")
    _same_trials(x, y, ("x", "y"))
    _same_trials(x, z, ("x", "z"))
    for a, name in ((x, "x"), (y, "y"), (z, "z")):
        _warn_repeats(a, name)
    return _C.gccmi_ccc(_trials(x), _trials(y), _trials(z)) / _LN2


def gccmi_ccd(x, y, z, Zm):
    """(I(x; y | z), I(x; y)) in bits for continuous x, y and a discrete z in
    [0, Zm): copula-normalised within each class of z."""
    x, y = _rows(x, "x"), _rows(y, "y")
    _same_trials(x, y, ("x", "y"))
    z, zm = _discrete(z, Zm, "z", x.shape[1])
    _warn_repeats(x, "x")
    _warn_repeats(y, "y")
    icond = np.zeros(zm)
    pz = np.zeros(zm)
    cx, cy = [], []
    for zi in range(zm):
        idx = z == zi
        thsx, thsy = copnorm(x[:, idx]), copnorm(y[:, idx])
        pz[zi] = idx.sum()
        cx.append(thsx)
        cy.append(thsy)
        icond[zi] = mi_gg(thsx, thsy, True, True)
    pz /= float(x.shape[1])
    return np.sum(pz * icond), mi_gg(np.hstack(cx), np.hstack(cy), True, False)
