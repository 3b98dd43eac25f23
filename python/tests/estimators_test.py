"""sparselab.npeet and sparselab.gcmi: closed forms (Gaussian MI, uniform
discrete entropies), brute-force twins of the estimators' formulas written
here in NumPy, the peers' layouts and argument checks."""
import math
import unittest

import numpy as np
from scipy.special import digamma

from sparselab import gcmi, npeet


def max_norm(a, b):
    return np.abs(a[:, None, :] - b[None, :, :]).max(-1)


def brute_ksg_mi(x, y, k):
    """NPEET's mi formula, all pairs: psi(k) + psi(N) - <psi(n_x) + psi(n_y)>,
    n counting marginal points within eps_i - 1e-15 (the point itself included)."""
    n = len(x)
    dxy = np.maximum(max_norm(x, x), max_norm(y, y))
    eps = np.sort(dxy, axis=1)[:, k]
    nx = (max_norm(x, x) <= (eps - 1e-15)[:, None]).sum(1)
    ny = (max_norm(y, y) <= (eps - 1e-15)[:, None]).sum(1)
    return (digamma(k) + digamma(n) - np.mean(digamma(nx) + digamma(ny))) / math.log(2)


def brute_entropy(x, k):
    n, d = x.shape
    eps = np.sort(max_norm(x, x), axis=1)[:, k]
    return (digamma(n) - digamma(k) + d * math.log(2) + d * np.log(eps).mean()) / math.log(2)


def gaussian_mi_bits(x, y, biascorrect=True):
    """gcmi's mi_gg formula (variables in rows) with NumPy's Cholesky."""
    xy = np.vstack([x, y])
    xy = xy - xy.mean(1, keepdims=True)
    ntrl, nx, nxy = xy.shape[1], x.shape[0], xy.shape[0]
    c = xy @ xy.T / (ntrl - 1)

    def h(m):
        return np.log(np.diag(np.linalg.cholesky(m))).sum()

    hx, hy, hxy = h(c[:nx, :nx]), h(c[nx:, nx:]), h(c)
    if biascorrect:
        psi = digamma((ntrl - np.arange(1, nxy + 1)) / 2.0) / 2.0
        dterm = (math.log(2) - math.log(ntrl - 1.0)) / 2.0
        hx -= nx * dterm + psi[:nx].sum()
        hy -= (nxy - nx) * dterm + psi[:nxy - nx].sum()
        hxy -= nxy * dterm + psi.sum()
    return (hx + hy - hxy) / math.log(2)


def correlated(n, rho, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = rho * x + math.sqrt(1 - rho * rho) * rng.standard_normal(n)
    return x, y


class NpeetTest(unittest.TestCase):
    def test_mi_equals_brute_force_twin_and_closed_form(self):
        x, y = correlated(400, 0.8, 0)
        got = npeet.mi(x.reshape(-1, 1).tolist(), y.reshape(-1, 1).tolist())
        self.assertAlmostEqual(got, brute_ksg_mi(x[:, None], y[:, None], 3), places=8)
        x, y = correlated(20000, 0.8, 1)
        exact = -0.5 * math.log2(1 - 0.64)
        self.assertAlmostEqual(npeet.mi(x, y), exact, delta=0.03)
        self.assertAlmostEqual(npeet.mi(x, y, base=math.e), exact * math.log(2), delta=0.03)

    def test_cmi_of_independent_given_common_cause(self):
        rng = np.random.default_rng(2)
        z = rng.standard_normal(5000)
        x = z + 0.5 * rng.standard_normal(5000)
        y = z + 0.5 * rng.standard_normal(5000)
        self.assertAlmostEqual(npeet.cmi(x, y, z), 0.0, delta=0.03)
        self.assertGreater(npeet.mi(x, y), 0.5)

    def test_entropy_and_kldiv(self):
        rng = np.random.default_rng(3)
        x = rng.standard_normal((300, 2))
        self.assertAlmostEqual(npeet.entropy(x), brute_entropy(x, 3), places=6)
        big = rng.standard_normal((20000, 1))
        self.assertAlmostEqual(npeet.entropy(big), 0.5 * math.log2(2 * math.pi * math.e),
                               delta=0.03)
        p = rng.standard_normal((4000, 1))
        q = rng.standard_normal((4000, 1)) * 2.0
        # KL(N(0,1) || N(0,4)) = log 2 - 3/8 nats
        self.assertAlmostEqual(npeet.kldiv(p, q, base=math.e), math.log(2) - 0.375, delta=0.05)
        n, m, d = len(p), len(q), 1
        nn_p = np.sort(max_norm(p, p), 1)[:, 3]
        nn_q = np.sort(max_norm(p, q), 1)[:, 2]
        twin = math.log(m) - math.log(n - 1) + d * (np.log(nn_q).mean() - np.log(nn_p).mean())
        self.assertAlmostEqual(npeet.kldiv(p, q, base=math.e), twin, places=9)

    def test_lnc_correction_equals_a_numpy_twin(self):
        # Gao et al. 2015's rule written here with NumPy: the k nearest
        # neighbours (max-norm) of each joint point, the box along their
        # principal axes against the axis-aligned box.
        rng = np.random.default_rng(9)
        x = rng.standard_normal(400)
        y = x + 0.02 * rng.standard_normal(400)
        k, alpha = 4, 0.3
        p = np.c_[x, y]
        gain = 0.0
        for i in range(len(p)):
            dist = np.abs(p - p[i]).max(1)
            dist[i] = np.inf
            delta = p[np.argsort(dist, kind="stable")[:k]] - p[i]
            _, axes = np.linalg.eigh(delta.T @ delta)
            log_rect = np.log(np.abs(delta @ axes).max(0)).sum()
            log_box = np.log(np.abs(delta).max(0)).sum()
            if log_rect < log_box + math.log(alpha):
                gain += log_box - log_rect
        gain /= len(p)
        self.assertGreater(gain, 0.1)
        np.random.seed(3)  # the same tie-breaking jitter for both calls
        with_lnc = npeet.mi(x, y, k=k, alpha=alpha)
        np.random.seed(3)
        corrected = with_lnc - npeet.mi(x, y, k=k)
        self.assertAlmostEqual(corrected, gain / math.log(2), delta=1e-6)

    def test_discrete(self):
        s = [0, 1, 2, 3] * 25
        self.assertAlmostEqual(npeet.entropyd(s), 2.0, places=12)
        self.assertAlmostEqual(npeet.midd(s, s), 2.0, places=12)
        self.assertAlmostEqual(npeet.midd(s, [0, 0, 1, 1] * 25), 1.0, places=12)
        self.assertAlmostEqual(npeet.cmidd(s, s, [0, 0, 1, 1] * 25), 1.0, places=12)
        self.assertAlmostEqual(npeet.entropyd([["a", "b"], ["a", "c"]] * 5), 1.0, places=12)
        self.assertAlmostEqual(npeet.centropyd(s, [0, 0, 1, 1] * 25), 1.0, places=12)

    def test_micd_separates_classes(self):
        rng = np.random.default_rng(4)
        y = rng.integers(0, 2, 4000)
        x = y + 0.1 * rng.standard_normal(4000)
        self.assertAlmostEqual(npeet.micd(x.reshape(-1, 1), y.reshape(-1, 1)), 1.0, delta=0.05)

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "x has 10 samples but y has 9"):
            npeet.mi(np.random.randn(10), np.random.randn(9))
        with self.assertRaisesRegex(ValueError, "k = 12 neighbours is out of range"):
            npeet.mi(np.random.randn(10), np.random.randn(10), k=12)
        with self.assertRaisesRegex(ValueError, "two variables only"):
            npeet.mi(np.arange(10.0), np.arange(10.0), np.arange(10.0), alpha=0.5)
        with self.assertRaisesRegex(ValueError, "alpha must be in"):
            npeet.mi(np.arange(10.0), np.arange(10.0), alpha=1.5)


class GcmiTest(unittest.TestCase):
    def test_mi_gg_equals_formula_and_closed_form(self):
        rng = np.random.default_rng(5)
        x = rng.standard_normal((2, 3000))
        y = 0.6 * x[:1] + 0.8 * rng.standard_normal((1, 3000))
        for bias in (True, False):
            self.assertAlmostEqual(gcmi.mi_gg(x, y, bias), gaussian_mi_bits(x, y, bias), places=10)
        x1, y1 = correlated(50000, 0.6, 6)
        self.assertAlmostEqual(gcmi.mi_gg(x1, y1), -0.5 * math.log2(1 - 0.36), delta=0.01)

    def test_gcmi_cc_is_invariant_to_monotone_transforms(self):
        x, y = correlated(5000, 0.7, 7)
        base = gcmi.gcmi_cc(x, y)
        self.assertAlmostEqual(gcmi.gcmi_cc(np.exp(x), y ** 3), base, places=10)
        self.assertAlmostEqual(base, gaussian_mi_bits(gcmi.copnorm(x)[None], gcmi.copnorm(y)[None]),
                               places=10)
        self.assertAlmostEqual(base, -0.5 * math.log2(1 - 0.49), delta=0.03)

    def test_copnorm_layout_and_ctransform(self):
        x = np.array([[3.0, 1.0, 2.0], [10.0, 30.0, 20.0]])
        np.testing.assert_allclose(gcmi.ctransform(x), [[0.75, 0.25, 0.5], [0.25, 0.75, 0.5]])
        c = gcmi.copnorm(x)
        self.assertEqual(c.shape, (2, 3))
        np.testing.assert_allclose(c[0], [0.6744897501960817, -0.6744897501960817, 0.0],
                                   atol=1e-12)

    def test_ent_g_closed_form(self):
        rng = np.random.default_rng(8)
        x = rng.standard_normal((1, 100000)) * 3.0
        self.assertAlmostEqual(gcmi.ent_g(x), 0.5 * math.log2(2 * math.pi * math.e * 9.0),
                               delta=0.01)

    def test_discrete_and_conditional(self):
        rng = np.random.default_rng(9)
        y = rng.integers(0, 3, 3000)
        x = y + 0.5 * rng.standard_normal(3000)
        model = gcmi.gcmi_model_cd(x, y, 3)
        mixture = gcmi.gcmi_mixture_cd(x, y, 3)
        self.assertGreater(model, 0.5)
        self.assertGreater(mixture, 0.5)
        z = rng.standard_normal(3000)
        a = z + rng.standard_normal(3000)
        b = z + rng.standard_normal(3000)
        self.assertAlmostEqual(gcmi.gccmi_ccc(a, b, z), 0.0, delta=0.01)
        self.assertAlmostEqual(gcmi.cmi_ggg(a, b, z), 0.0, delta=0.01)
        cmi, mi = gcmi.gccmi_ccd(a, b, y, 3)
        self.assertAlmostEqual(cmi, mi, delta=0.05)  # y is independent of (a, b)

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "number of trials do not match"):
            gcmi.mi_gg(np.zeros((1, 10)), np.zeros((1, 9)))
        with self.assertRaisesRegex(ValueError, "out of bounds"):
            gcmi.gcmi_model_cd(np.random.randn(10), np.arange(10) % 2, 3)
        with self.assertRaisesRegex(ValueError, "integer array"):
            gcmi.mi_model_gd(np.random.randn(10), np.zeros(10), 1)


if __name__ == "__main__":
    unittest.main()
