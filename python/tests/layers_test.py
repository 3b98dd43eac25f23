"""sparselab's native layers from Python: values and gradients against
pure-PyTorch references written here, state (state_dict, torch.save, .to),
train/eval, and C++ errors arriving as Python exceptions."""
import copy
import io
import math
import unittest

import torch
from torch import nn

import sparselab


def reference_kwinners(x, duty, k, beta, target):
    """The paper's k-winners with boosting: the k largest x * exp(beta (target
    - duty)) keep x, every value tying with the k-th also wins."""
    boosted = x.detach() * torch.exp(beta * (target - duty))
    kth = boosted.topk(k, dim=1).values[:, -1:]
    return x * (boosted >= kth).to(x.dtype)


def reference_duty(duty, iterations, active, batch, period):
    iterations += batch
    p = min(period, iterations)
    return (duty * (p - batch) + active) / p, iterations


class KWinnersTest(unittest.TestCase):
    def test_training_steps_match_reference_values_gradients_and_duty_cycles(self):
        torch.manual_seed(0)
        n, k, period = 40, 7, 50
        layer = sparselab.KWinners(n, k, boost_strength=1.5, duty_cycle_period=period)
        duty, iterations, beta = torch.zeros(n), 0, 1.5
        for step in range(6):
            x = torch.randn(16, n, requires_grad=True)
            x_ref = x.detach().clone().requires_grad_(True)
            out = layer(x)
            ref = reference_kwinners(x_ref, duty, k, beta, k / n)
            self.assertTrue(torch.equal(out, ref), f"step {step}")
            upstream = torch.randn(16, n)
            out.backward(upstream)
            ref.backward(upstream)
            self.assertTrue(torch.equal(x.grad, x_ref.grad))
            self.assertEqual(int((x.grad != 0).sum(1).max()), k)
            duty, iterations = reference_duty(duty, iterations, (ref > 0).sum(0).float(), 16,
                                              period)
            torch.testing.assert_close(layer.duty_cycles, duty, rtol=1e-6, atol=1e-7)
            self.assertEqual(int(layer.learning_iterations), iterations)
        self.assertGreater(float(layer.duty_cycles.max()), 0)

    def test_eval_uses_k_inference_and_leaves_state_alone(self):
        layer = sparselab.KWinners(20, 4, k_inference_factor=1.5).eval()
        self.assertEqual(layer.k_inference, 6)
        out = layer(torch.randn(8, 20))
        self.assertTrue(torch.equal((out != 0).sum(1), torch.full((8,), 6)))
        self.assertEqual(int(layer.learning_iterations), 0)
        self.assertTrue(torch.equal(layer.duty_cycles, torch.zeros(20)))

    def test_ties_all_win_unless_break_ties(self):
        x = torch.tensor([[3.0, 1.0, 1.0, 1.0, 0.5]])
        loose = sparselab.KWinners(5, 2, boost_strength=0.0)
        strict = sparselab.KWinners(5, 2, boost_strength=0.0, break_ties=True)
        self.assertEqual(int((loose(x) != 0).sum()), 4)
        self.assertEqual(int((strict(x) != 0).sum()), 2)

    def test_boost_decay_entropy_and_visitor(self):
        model = nn.Sequential(nn.Linear(6, 10), sparselab.KWinners(10, 3, boost_strength=2.0,
                                                                  boost_strength_factor=0.5))
        model.apply(sparselab.update_boost_strength)
        self.assertEqual(float(model[1].boost_strength), 1.0)
        layer = model[1]
        with torch.no_grad():
            layer.duty_cycles.fill_(0.25)
        h = -0.25 * math.log2(0.25) - 0.75 * math.log2(0.75)
        self.assertAlmostEqual(layer.entropy(), 10 * h, places=5)
        self.assertAlmostEqual(layer.max_entropy(), 10 * (-0.3 * math.log2(0.3)
                                                          - 0.7 * math.log2(0.7)), places=12)

    def test_state_dict_torch_save_deepcopy_round_trip(self):
        torch.manual_seed(1)
        layer = sparselab.KWinners(12, 3)
        for _ in range(3):
            layer(torch.randn(5, 12))
        self.assertEqual(set(layer.state_dict()),
                         {"duty_cycles", "learning_iterations", "boost_strength"})
        buffer = io.BytesIO()
        torch.save(layer.state_dict(), buffer)
        buffer.seek(0)
        layer.eval()  # compare outputs without moving the duty cycles
        fresh = sparselab.KWinners(12, 3).eval()
        fresh.load_state_dict(torch.load(buffer))
        x = torch.randn(4, 12)
        self.assertTrue(torch.equal(fresh.duty_cycles, layer.duty_cycles))
        self.assertTrue(torch.equal(fresh(x), layer(x)))
        whole = io.BytesIO()
        torch.save(layer, whole)
        whole.seek(0)
        loaded = torch.load(whole)
        twin = copy.deepcopy(layer)
        self.assertTrue(torch.equal(loaded(x), layer(x)))
        self.assertTrue(torch.equal(twin(x), layer(x)))
        self.assertEqual(int(loaded.learning_iterations), int(layer.learning_iterations))

    def test_double_precision(self):
        layer = sparselab.KWinners(10, 2).double()
        self.assertEqual(layer.duty_cycles.dtype, torch.float64)
        x = torch.randn(3, 10, dtype=torch.float64)
        out = layer(x)
        self.assertEqual(out.dtype, torch.float64)
        self.assertGreater(float(layer.duty_cycles.sum()), 0)

    def test_bad_arguments_raise_with_the_cpp_message(self):
        with self.assertRaisesRegex(RuntimeError, r"k = 11 is outside \[1, n\] with n = 10"):
            sparselab.KWinners(10, 11)
        with self.assertRaisesRegex(RuntimeError, "boost_strength_factor must be in"):
            sparselab.KWinners(10, 2, boost_strength_factor=2.0)
        with self.assertRaisesRegex(RuntimeError, r"expected an input of shape \(batch, 10\)"):
            sparselab.KWinners(10, 2)(torch.randn(3, 9))
        with self.assertRaises(RuntimeError) as raised:
            sparselab.KWinners(10, 2)(torch.randn(3, 9))
        self.assertNotIn("Exception raised from", str(raised.exception))


class KWinners2dTest(unittest.TestCase):
    def test_global_and_local_match_reference(self):
        torch.manual_seed(2)
        c, h, w = 4, 3, 5
        for local in (False, True):
            k = 2 if local else 9
            layer = sparselab.KWinners2d(c, k, local=local, boost_strength=1.0)
            duty = torch.zeros(c)
            iterations = 0
            for _ in range(3):
                x = torch.randn(6, c, h, w, requires_grad=True)
                out = layer(x)
                units = c if local else c * h * w
                boosted = x.detach() * torch.exp(1.0 * (k / units - duty.view(1, c, 1, 1)))
                if local:
                    kth = boosted.topk(k, dim=1).values[:, -1:]
                else:
                    kth = boosted.reshape(6, -1).topk(k, dim=1).values[:, -1:].view(6, 1, 1, 1)
                mask = (boosted >= kth).float()
                self.assertTrue(torch.equal(out, x * mask), f"local={local}")
                out.sum().backward()
                self.assertTrue(torch.equal(x.grad, mask))
                active = (out > 0).sum((0, 2, 3)).float() / (h * w)
                duty, iterations = reference_duty(duty, iterations, active, 6, 1000)
                torch.testing.assert_close(layer.duty_cycles, duty)
            self.assertGreater(layer.max_entropy(), 0)


class SparseWeightsTest(unittest.TestCase):
    def test_mask_fan_in_gradients_and_rezero(self):
        torch.manual_seed(3)
        layer = sparselab.SparseWeights(nn.Linear(20, 6), density=0.3)
        kept = layer.weight_mask.sum(1)
        self.assertTrue(torch.equal(kept, torch.full((6,), 6.0)))
        self.assertTrue(torch.equal(layer.weight * (1 - layer.weight_mask), torch.zeros(6, 20)))
        x = torch.randn(4, 20)
        torch.testing.assert_close(layer(x), x @ layer.weight.t() + layer.bias)
        opt = torch.optim.SGD(layer.parameters(), lr=0.5)
        layer(x).pow(2).sum().backward()
        opt.step()
        self.assertGreater(float((layer.weight * (1 - layer.weight_mask)).abs().sum()), 0)
        nn.Sequential(layer).apply(sparselab.rezero_weights)
        self.assertEqual(float((layer.weight * (1 - layer.weight_mask)).abs().sum()), 0)

    def test_conv_mask_and_state_dict(self):
        torch.manual_seed(4)
        layer = sparselab.SparseWeights2d(nn.Conv2d(3, 5, 3), density=0.5)
        self.assertTrue(torch.equal(layer.weight_mask.view(5, -1).sum(1), torch.full((5,), 14.0)))
        other = sparselab.SparseWeights2d(nn.Conv2d(3, 5, 3), density=0.5)
        other.load_state_dict(layer.state_dict())
        x = torch.randn(2, 3, 8, 8)
        self.assertTrue(torch.equal(other(x), layer(x)))

    def test_bad_density_and_module(self):
        with self.assertRaisesRegex(RuntimeError, r"density = 1.5 must be in \(0, 1\]"):
            sparselab.SparseWeights(nn.Linear(4, 2), density=1.5)
        with self.assertRaisesRegex(ValueError, "wraps a torch.nn.Linear"):
            sparselab.SparseWeights(nn.Conv2d(1, 1, 1))


class KWTATest(unittest.TestCase):
    def test_binary_code_and_straight_through_gradient(self):
        torch.manual_seed(5)
        x = torch.randn(7, 12, requires_grad=True)
        out = sparselab.KWTABinary(4)(x)
        top = x.detach().topk(5, dim=1).values
        threshold = 0.5 * (top[:, 3:4] + top[:, 4:5])
        self.assertTrue(torch.equal(out, (x.detach() > threshold).float()))
        self.assertTrue(torch.equal(out.sum(1), torch.full((7,), 4.0)))
        g = torch.randn(7, 12)
        out.backward(g)
        self.assertTrue(torch.equal(x.grad, g))

    def test_soft_gradient_matches_reference(self):
        torch.manual_seed(6)
        x = torch.randn(5, 9, dtype=torch.float64, requires_grad=True)
        x_ref = x.detach().clone().requires_grad_(True)
        out = sparselab.KWTASoft(3, hardness=2.0)(x)
        top = x_ref.topk(4, dim=1).values
        threshold = 0.5 * (top[:, 2:3] + top[:, 3:4])
        ref = torch.sigmoid(2.0 * (x_ref - threshold))
        torch.testing.assert_close(out, ref)
        out.pow(2).sum().backward()
        ref.pow(2).sum().backward()
        torch.testing.assert_close(x.grad, x_ref.grad)
        layer = sparselab.KWTASoft(3).eval()
        self.assertTrue(torch.equal(layer(x.detach()).sum(1), torch.full((5,), 3.0,
                                                                        dtype=torch.float64)))

    def test_k_too_large(self):
        with self.assertRaisesRegex(RuntimeError, "needs at least k \\+ 1 units"):
            sparselab.KWTABinary(5)(torch.randn(2, 5))


class SynapticScalingTest(unittest.TestCase):
    def test_training_steps_match_embedder_sdr_reference(self):
        # EmbedderSDR's rule by hand: scale exp(b (s - rate)), binary top-k of
        # the scaled input, rate the running mean of the output over `period`.
        torch.manual_seed(8)
        n, k, period, boost = 10, 3, 16, 2.0
        layer = sparselab.SynapticScaling(sparselab.KWTABinary(k), n, k / n, boost, period)
        rate, iterations = torch.zeros(n), 0
        for _ in range(5):
            x = torch.randn(6, n, requires_grad=True)
            out = layer(x)
            scale = torch.exp(boost * (k / n - rate))
            scaled = x.detach() * scale
            top = scaled.topk(k + 1, dim=1).values
            expected = (scaled > 0.5 * (top[:, k - 1:k] + top[:, k:k + 1])).float()
            self.assertTrue(torch.equal(out, expected))
            rate, iterations = reference_duty(rate, iterations, expected.sum(0), 6, period)
            torch.testing.assert_close(layer.firing_rate, rate)
            self.assertEqual(int(layer.learning_iterations), iterations)
            # KWTABinary's straight-through gradient, times the scale.
            out.sum().backward()
            torch.testing.assert_close(x.grad, scale.expand(6, n))
        self.assertGreater(float((layer.firing_rate - k / n).abs().max()), 0.0)

    def test_eval_is_unscaled_and_state_round_trips(self):
        layer = sparselab.SynapticScaling(sparselab.KWTABinary(2), 6, 1 / 3, period=4)
        layer(torch.randn(4, 6))
        rate = layer.firing_rate.clone()
        layer.eval()
        x = torch.randn(3, 6)
        self.assertTrue(torch.equal(layer(x), sparselab.KWTABinary(2)(x)))
        self.assertTrue(torch.equal(layer.firing_rate, rate))
        self.assertEqual(set(layer.state_dict()), {"firing_rate", "learning_iterations"})
        buffer = io.BytesIO()
        torch.save(layer.state_dict(), buffer)
        buffer.seek(0)
        fresh = sparselab.SynapticScaling(sparselab.KWTABinary(2), 6, 1 / 3, period=4)
        fresh.load_state_dict(torch.load(buffer))
        self.assertTrue(torch.equal(fresh.firing_rate, rate))

    def test_bad_shape_raises(self):
        with self.assertRaisesRegex(RuntimeError, "expected an input of shape \\(batch, 6\\)"):
            sparselab.SynapticScaling(sparselab.KWTABinary(2), 6, 1 / 3)(torch.randn(4, 5))
        with self.assertRaisesRegex(ValueError, "period >= 1"):
            sparselab.SynapticScaling(sparselab.KWTABinary(2), 6, 1 / 3, period=0)


class ActivationSparsityTest(unittest.TestCase):
    def test_keeps_round_one_minus_sparsity_n(self):
        layer = sparselab.ActivationSparsity(20, alpha=0.1, beta=1.5, act_sparsity=0.65,
                                             batch_size=8)
        self.assertEqual(layer.k, 7)
        self.assertEqual(layer.winners.duty_cycle_period, 80)
        out = layer(torch.randn(8, 20))
        self.assertTrue(torch.equal((out != 0).sum(1), torch.full((8,), 7)))
        self.assertIn("winners.duty_cycles", layer.state_dict())


if __name__ == "__main__":
    unittest.main()
