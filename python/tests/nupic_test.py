"""sparselab.nupic against nupic.torch's algorithm (re-written here in plain
PyTorch from its documentation: boosted ranking, threshold ties, duty-cycle
running mean), its buffer names and its signatures."""
import io
import math
import unittest
import warnings

import torch
from torch import nn

from sparselab import nupic


def reference_kwinners(x, duty, k, beta, break_ties=False, relu=False, flatten=False):
    boosted = x.detach() * torch.exp(-beta * duty) if beta > 0 else x.detach()
    b = boosted.reshape(x.shape[0], -1) if flatten else boosted
    if break_ties:
        keep = torch.zeros_like(b, dtype=torch.bool).scatter_(1, b.topk(k, dim=1)[1], True)
        if relu:
            keep &= b > 0
    else:
        threshold = b.kthvalue(b.shape[1] - k + 1, dim=1, keepdim=True)[0]
        if relu:
            threshold.clamp_(min=0)
        keep = b >= threshold
    return x.masked_fill(~keep.view(x.shape), 0)


class KWinnersTest(unittest.TestCase):
    def test_signature_k_and_buffers_are_nupics(self):
        layer = nupic.KWinners(n=100, percent_on=0.05)
        self.assertEqual((layer.k, layer.k_inference), (5, 7))  # int(5 * 1.5) = 7
        self.assertEqual(set(layer.state_dict()), {"boost_strength", "duty_cycle"})
        self.assertEqual(layer.duty_cycle.shape, (100,))
        self.assertEqual(layer.boost_strength.dtype, torch.float32)
        self.assertEqual(layer.boost_strength_factor, 0.9)
        self.assertEqual(layer.duty_cycle_period, 1000)

    def test_training_matches_reference_with_duty_cycles_and_gradients(self):
        torch.manual_seed(0)
        n, p = 64, 0.1
        layer = nupic.KWinners(n, p, boost_strength=1.2, duty_cycle_period=40)
        duty, iterations = torch.zeros(n), 0
        for step in range(5):
            x = torch.randn(10, n, requires_grad=True)
            out = layer(x)
            ref = reference_kwinners(x.detach(), duty, layer.k, layer._cached_boost_strength)
            self.assertTrue(torch.equal(out, ref), f"step {step}")
            out.sum().backward()
            self.assertTrue(torch.equal(x.grad, (ref != 0).float()))
            iterations += 10
            period = min(40, iterations)
            duty = (duty * (period - 10) + ref.gt(0).sum(0, dtype=torch.float)) / period
            torch.testing.assert_close(layer.duty_cycle, duty)
        layer.eval()
        x = torch.randn(10, n)
        self.assertTrue(torch.equal(layer(x), reference_kwinners(x, duty, layer.k_inference,
                                                                 layer._cached_boost_strength)))

    def test_break_ties_relu_inplace(self):
        x = torch.tensor([[2.0, 1.0, 1.0, -1.0, -2.0, -3.0]])
        strict = nupic.KWinners(6, 0.34, boost_strength=0.0, break_ties=True)  # k = 2
        self.assertEqual(int((strict(x) != 0).sum()), 2)
        loose = nupic.KWinners(6, 0.34, boost_strength=0.0)
        self.assertEqual(int((loose(x) != 0).sum()), 3)
        negative = torch.tensor([[2.0, -1.0, -2.0, -3.0, -4.0, -5.0]])
        plain = nupic.KWinners(6, 0.5, boost_strength=0.0)  # k = 3
        relu = nupic.KWinners(6, 0.5, boost_strength=0.0, relu=True)
        self.assertTrue(torch.equal(plain(negative), torch.tensor([[2.0, -1, -2, 0, 0, 0]])))
        self.assertTrue(torch.equal(relu(negative), torch.tensor([[2.0, 0, 0, 0, 0, 0]])))
        y = x.clone()
        out = nupic.KWinners(6, 0.34, boost_strength=0.0, inplace=True)(y)
        self.assertIs(out, y)
        self.assertTrue(torch.equal(y, torch.tensor([[2.0, 1.0, 1.0, 0, 0, 0]])))

    def test_loads_a_nupic_state_dict_and_updates_boost(self):
        layer = nupic.KWinners(8, 0.25, boost_strength=1.0)
        state = {"boost_strength": torch.tensor(0.5), "duty_cycle": torch.linspace(0, 0.7, 8)}
        layer.load_state_dict(state)
        self.assertEqual(layer._cached_boost_strength, 0.5)
        model = nn.Sequential(layer)
        model.apply(nupic.update_boost_strength)
        self.assertAlmostEqual(float(layer.boost_strength), 0.45, places=6)
        buffer = io.BytesIO()
        torch.save(model, buffer)
        buffer.seek(0)
        loaded = torch.load(buffer)
        x = torch.randn(3, 8)
        self.assertTrue(torch.equal(loaded(x), layer(x)))

    def test_entropy_metrics(self):
        layer = nupic.KWinners(10, 0.2)
        layer.duty_cycle.fill_(0.2)
        h = -0.2 * math.log2(0.2) - 0.8 * math.log2(0.8)
        self.assertAlmostEqual(float(layer.entropy()), 10 * h, places=5)
        self.assertAlmostEqual(layer.max_entropy(), 10 * h, places=12)
        self.assertEqual(nupic.max_entropy(10, 0), 0)
        entropy, total = nupic.binary_entropy(torch.tensor([0.0, 0.5, 1.0]))
        self.assertTrue(torch.equal(entropy, torch.tensor([0.0, 1.0, 0.0])))
        self.assertEqual(float(total), 1.0)

    def test_bad_arguments_raise_value_error(self):
        with self.assertRaisesRegex(ValueError, "percent_on must be in"):
            nupic.KWinners(10, 1.5)
        with self.assertRaisesRegex(ValueError, "percent_on \\* k_inference_factor"):
            nupic.KWinners(10, 0.5, k_inference_factor=3)
        with self.assertRaisesRegex(ValueError, "rounds to 0 winners"):
            nupic.KWinners(10, 0.01)
        with self.assertRaisesRegex(RuntimeError, "expected an input of shape"):
            nupic.KWinners(10, 0.2)(torch.randn(2, 11))


class KWinners2dTest(unittest.TestCase):
    def test_global_and_local_match_reference(self):
        torch.manual_seed(1)
        for local in (False, True):
            layer = nupic.KWinners2d(8, percent_on=0.25, local=local, boost_strength=1.0)
            self.assertEqual(layer.duty_cycle.shape, (1, 8, 1, 1))
            duty, iterations = torch.zeros(1, 8, 1, 1), 0
            for _ in range(3):
                x = torch.randn(4, 8, 3, 3)
                out = layer(x)
                ref = reference_kwinners(x, duty, layer.k, layer._cached_boost_strength,
                                         flatten=not local)
                self.assertTrue(torch.equal(out, ref), f"local={local}")
                iterations += 4
                period = min(1000, iterations)
                s = ref.gt(0).sum(dim=(0, 2, 3), dtype=torch.float) / 9.0
                duty = (duty * (period - 4) + s.view(1, 8, 1, 1)) / period
                torch.testing.assert_close(layer.duty_cycle, duty)
            self.assertEqual(layer.n, 72)
            self.assertEqual(layer.k, 2 if local else 18)
            self.assertEqual(layer.k_inference, 3 if local else 27)
            layer.eval()
            x = torch.randn(4, 8, 3, 3)
            self.assertTrue(torch.equal(layer(x), reference_kwinners(
                x, duty, layer.k_inference, layer._cached_boost_strength, flatten=not local)))

    def test_functions(self):
        torch.manual_seed(2)
        x = torch.randn(5, 6, 4, 4)
        duty = torch.rand(1, 6, 1, 1)
        for local in (True, False):
            for break_ties in (False, True):
                for relu in (False, True):
                    got = nupic.kwinners2d(x, duty, 3 if local else 20, 1.0, local, break_ties,
                                           relu)
                    ref = reference_kwinners(x, duty, 3 if local else 20, 1.0, break_ties, relu,
                                             flatten=not local)
                    self.assertTrue(torch.equal(got, ref), (local, break_ties, relu))
        x2 = torch.randn(5, 30)
        d2 = torch.rand(30)
        self.assertTrue(torch.equal(nupic.kwinners(x2, d2, 4, 2.0),
                                    reference_kwinners(x2, d2, 4, 2.0)))
        torch.testing.assert_close(nupic.boost_activations(x2, d2, 2.0), x2 * torch.exp(-2.0 * d2))


class SparseWeightsTest(unittest.TestCase):
    def test_zero_mask_counts_and_rezero(self):
        torch.manual_seed(3)
        layer = nupic.SparseWeights(nn.Linear(50, 7), sparsity=0.7)
        self.assertEqual(set(layer.state_dict()), {"module.weight", "module.bias", "zero_mask"})
        self.assertEqual(layer.zero_mask.dtype, torch.float16)
        nonzero = (1 - layer.zero_mask.float()).sum(1)
        self.assertTrue(torch.equal(nonzero, torch.full((7,), 15.0)))
        self.assertEqual(float(layer.weight[layer.zero_mask.bool()].abs().sum()), 0)
        with torch.no_grad():
            layer.module.weight.add_(1.0)
        nn.Sequential(layer).apply(nupic.rezero_weights)
        self.assertEqual(float(layer.weight[layer.zero_mask.bool()].abs().sum()), 0)

    def test_weight_sparsity_spelling_and_conv(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            layer = nupic.SparseWeights(nn.Linear(10, 3), 0.3)  # positional: fraction kept
        self.assertAlmostEqual(layer.sparsity, 0.7)
        self.assertTrue(torch.equal((1 - layer.zero_mask.float()).sum(1), torch.full((3,), 3.0)))
        conv = nupic.SparseWeights2d(nn.Conv2d(2, 4, 3), sparsity=0.5)
        self.assertEqual(conv.zero_mask.shape, (4, 2, 3, 3))
        self.assertTrue(torch.equal((1 - conv.zero_mask.float()).view(4, -1).sum(1),
                                    torch.full((4,), 9.0)))

    def test_bad_sparsity(self):
        with self.assertRaisesRegex(ValueError, "sparsity must be in"):
            nupic.SparseWeights(nn.Linear(4, 2), sparsity=1.0)
        with self.assertRaisesRegex(ValueError, "Conflicting sparsity"):
            nupic.SparseWeights(nn.Linear(4, 2), weight_sparsity=0.5, sparsity=0.2)
        layer = nupic.SparseWeights(nn.Linear(4, 2), sparsity=1.0, allow_extremes=True)
        self.assertEqual(float(layer.weight.abs().sum()), 0)

    def test_flatten(self):
        self.assertEqual(nupic.Flatten()(torch.zeros(3, 2, 4)).shape, (3, 8))


if __name__ == "__main__":
    unittest.main()
