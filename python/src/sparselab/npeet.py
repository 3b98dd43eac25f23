"""NPEET's estimators (gregversteeg/NPEET, npeet/entropy_estimators.py) on
sparselab's C++ k-NN estimators (monitor/ksg.h): the same arguments and
defaults (lists of vectors or arrays, k=3, base=2), so existing code changes
only its import.

    from sparselab import npeet as ee
    ee.mi(x, y)            # KSG algorithm 1, bits
    ee.mi(x, y, z)         # conditional MI
    ee.entropy(x), ee.kldiv(x, xp), ee.entropyd(s), ee.midd(a, b), ee.micd(x, y)

Differences from NPEET: the tie-breaking noise is 1e-10 * U[0,1) times each
column's standard deviation (NPEET: 1e-10 * U[0,1) absolute), drawn from a
seed taken from NumPy's global generator; the k-NN searches run on
torch.get_num_threads() threads. mi(x, y, alpha=a) with a > 0 adds the local
non-uniformity correction (Gao et al. 2015; C++ in monitor/lnc.h) as NPEET
does, for two variables only: with z it raises ValueError (NPEET ignores
alpha there). Bad arguments raise ValueError where NPEET asserts.
"""
import warnings

import numpy as np

from . import _C
from ._arrays import jitter_seed, samples, symbols, threads, to_base

__all__ = [
    "centropy", "centropycd", "centropyd", "centropydc", "cmi", "cmidd", "corex", "corexcd",
    "corexd", "corexdc", "ctc", "ctccd", "ctcd", "ctcdc", "entropy", "entropyd", "kldiv",
    "mi", "micd", "midc", "midd", "shuffle_test", "tc", "tcd",
]


# CONTINUOUS ESTIMATORS

def entropy(x, k=3, base=2):
    """Kozachenko-Leonenko k-NN entropy of x (samples in rows)."""
    return to_base(_C.kl_entropy(samples(x), int(k), jitter_seed(), True, threads()), base)


def centropy(x, y, k=3, base=2):
    """H(x | y) = H(x, y) - H(y)."""
    xy = np.c_[samples(x), samples(y, "y")]
    return entropy(xy, k=k, base=base) - entropy(y, k=k, base=base)


def _columns(xs):
    a = samples(xs, "xs")
    return [a[:, [j]] for j in range(a.shape[1])]


def tc(xs, k=3, base=2):
    """Total correlation: sum of the columns' entropies minus the joint one."""
    return np.sum([entropy(c, k=k, base=base) for c in _columns(xs)]) - entropy(xs, k, base)


def ctc(xs, y, k=3, base=2):
    return (np.sum([centropy(c, y, k=k, base=base) for c in _columns(xs)])
            - centropy(xs, y, k, base))


def corex(xs, ys, k=3, base=2):
    return np.sum([mi(c, ys, k=k, base=base) for c in _columns(xs)]) - mi(xs, ys, k=k, base=base)


def mi(x, y, z=None, k=3, base=2, alpha=0):
    """KSG (algorithm 1) I(x; y), or I(x; y | z) if z is given; alpha > 0 adds
    the local non-uniformity correction (two variables only)."""
    if not 0 <= alpha <= 1:
        raise ValueError(f"mi: alpha must be in [0, 1] (0: no correction), got {alpha}")
    x, y = samples(x, "x"), samples(y, "y")
    if z is None:
        nats = _C.ksg_mi(x, y, int(k), jitter_seed(), True, threads(), float(alpha))
    elif alpha > 0:
        raise ValueError("mi: alpha > 0 (the local non-uniformity correction) applies to "
                         "two variables only; use alpha=0 with z")
    else:
        nats = _C.ksg_cmi(x, y, samples(z, "z"), int(k), jitter_seed(), True, threads())
    return to_base(nats, base)


def cmi(x, y, z, k=3, base=2):
    """I(x; y | z) (NPEET's legacy name for mi(x, y, z))."""
    return mi(x, y, z=z, k=k, base=base)


def kldiv(x, xp, k=3, base=2):
    """k-NN KL divergence D(p || q) for x ~ p, xp ~ q."""
    return to_base(_C.kl_divergence(samples(x), samples(xp, "xp"), int(k)), base)


# DISCRETE ESTIMATORS (plug-in, no bias correction, as NPEET)

def entropyd(sx, base=2):
    return to_base(_C.discrete_entropy(symbols(sx), False), base)


def midd(x, y, base=2):
    return to_base(_C.discrete_mi(symbols(x), symbols(y), False), base)


def cmidd(x, y, z, base=2):
    return to_base(_C.discrete_cmi(symbols(x), symbols(y), symbols(z), False), base)


def centropyd(x, y, base=2):
    return entropyd(np.c_[x, y], base) - entropyd(y, base)


def tcd(xs, base=2):
    return np.sum([entropyd(c, base=base) for c in np.asarray(xs).T]) - entropyd(xs, base)


def ctcd(xs, y, base=2):
    return (np.sum([centropyd(c, y, base=base) for c in np.asarray(xs).T])
            - centropyd(xs, y, base))


def corexd(xs, ys, base=2):
    return np.sum([midd(c, ys, base=base) for c in np.asarray(xs).T]) - midd(xs, ys, base)


# MIXED ESTIMATORS

def micd(x, y, k=3, base=2, warning=True):
    """I(x; y) for continuous x and discrete y: H(x) - sum_y p(y) H(x | y)."""
    x = samples(x, "x")
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} samples but y has {len(y)}: give both the same number")
    labels = symbols(y)
    entropy_x = entropy(x, k, base)
    entropy_x_given_y = 0.0
    for label in np.unique(labels):
        rows = labels == label
        p = rows.mean()
        if k <= rows.sum() - 1:
            entropy_x_given_y += p * entropy(x[rows], k, base)
        else:
            if warning:
                warnings.warn(f"Warning, after conditioning, on y={y[np.argmax(rows)]} "
                              "insufficient data. Assuming maximal entropy in this case.")
            entropy_x_given_y += p * entropy_x
    return abs(entropy_x - entropy_x_given_y)


def midc(x, y, k=3, base=2, warning=True):
    return micd(y, x, k, base, warning)


def centropycd(x, y, k=3, base=2, warning=True):
    return entropy(x, k=k, base=base) - micd(x, y, k, base, warning)


def centropydc(x, y, k=3, base=2, warning=True):
    return centropycd(y, x, k=k, base=base, warning=warning)


def ctcdc(xs, y, k=3, base=2, warning=True):
    return (np.sum([centropydc(c, y, k=k, base=base, warning=warning)
                    for c in np.asarray(xs).T])
            - centropydc(xs, y, k, base, warning))


def ctccd(xs, y, k=3, base=2, warning=True):
    return ctcdc(y, xs, k=k, base=base, warning=warning)


def corexcd(xs, ys, k=3, base=2, warning=True):
    return corexdc(ys, xs, k=k, base=base, warning=warning)


def corexdc(xs, ys, k=3, base=2, warning=True):
    return tcd(xs, base) - ctcdc(xs, ys, k, base, warning)


# TESTS

def shuffle_test(measure, x, y, z=False, ns=200, ci=0.95, **kwargs):
    """Mean and confidence interval of measure(shuffled x, y[, z]) over ns
    shuffles (near 0 for MI and CMI)."""
    x_clone = np.copy(x)
    outputs = []
    for _ in range(ns):
        np.random.shuffle(x_clone)
        if z is not False and z is not None:
            outputs.append(measure(x_clone, y, z, **kwargs))
        else:
            outputs.append(measure(x_clone, y, **kwargs))
    outputs.sort()
    return np.mean(outputs), (outputs[int((1.0 - ci) / 2 * ns)], outputs[int((1.0 + ci) / 2 * ns)])
