"""sparselab.sparselinear: the CSR layer against the dense product of its own
weights (values and gradients), RigL rewiring during training, state and
the package's ActivationSparsity."""
import io
import unittest

import torch
from torch import nn

from sparselab import sparselinear


class SparseLinearTest(unittest.TestCase):
    def test_values_and_gradients_match_the_dense_layer(self):
        torch.manual_seed(0)
        layer = sparselinear.SparseLinear(30, 12, sparsity=0.8)
        self.assertEqual(layer.nnz, 72)  # 0.2 * 360
        dense = layer.dense_weight()
        self.assertEqual(int((dense != 0).sum()), 72)
        self.assertTrue(torch.equal(layer.weight.to_dense(), dense))
        x = torch.randn(5, 30, dtype=torch.float64, requires_grad=True)
        layer = layer.double()
        w = layer.dense_weight().clone().requires_grad_(True)
        b = layer.bias.detach().clone().requires_grad_(True)
        out = layer(x)
        ref = x @ w.t() + b
        torch.testing.assert_close(out, ref)
        g = torch.randn(5, 12, dtype=torch.float64)
        out.backward(g)
        x_grad = x.grad.clone()
        x.grad = None
        ref.backward(g)
        torch.testing.assert_close(x_grad, x.grad)
        torch.testing.assert_close(layer.bias.grad, b.grad)
        rows, cols = layer.weight._indices()
        torch.testing.assert_close(layer.values.grad, w.grad[rows, cols])

    def test_connectivity_and_state_dict(self):
        connectivity = torch.tensor([[0, 0, 1, 2], [0, 3, 1, 2]])
        layer = sparselinear.SparseLinear(4, 3, connectivity=connectivity)
        self.assertEqual(layer.nnz, 4)
        self.assertTrue(torch.equal(layer.dense_weight() != 0, torch.tensor(
            [[True, False, False, True], [False, True, False, False], [False, False, True, False]])))
        buffer = io.BytesIO()
        torch.save(layer, buffer)
        buffer.seek(0)
        loaded = torch.load(buffer)
        x = torch.randn(2, 4)
        self.assertTrue(torch.equal(loaded(x), layer(x)))
        self.assertEqual(set(layer.state_dict()), {"values", "bias", "row_offsets", "col_indices"})

    def test_rigl_rewires_during_training(self):
        torch.manual_seed(1)
        layer = sparselinear.SparseLinear(20, 10, sparsity=0.7, dynamic=True, deltaT=2, Tend=10,
                                          alpha=0.5)
        before = layer.weight._indices().clone()
        opt = torch.optim.SGD(layer.parameters(), lr=0.1)
        x = torch.randn(16, 20)
        for _ in range(4):
            opt.zero_grad()
            layer(x).pow(2).sum().backward()
            opt.step()
        after = layer.weight._indices()
        self.assertEqual(after.shape, before.shape)
        self.assertFalse(torch.equal(after, before))
        self.assertEqual(int((layer.dense_weight() != 0).sum()), layer.nnz)

    def test_bad_arguments(self):
        with self.assertRaisesRegex(RuntimeError, "either a connectivity or small_world"):
            sparselinear.SparseLinear(4, 3, connectivity=torch.tensor([[0], [0]]),
                                      small_world=True)
        with self.assertRaisesRegex(RuntimeError, "expected an input of shape"):
            sparselinear.SparseLinear(4, 3)(torch.randn(2, 5))


class ActivationSparsityTest(unittest.TestCase):
    def test_keeps_one_minus_act_sparsity(self):
        layer = sparselinear.ActivationSparsity(act_sparsity=0.75)
        out = layer(torch.randn(8, 40))
        self.assertTrue(torch.equal((out != 0).sum(1), torch.full((8,), 10)))
        self.assertEqual(layer.layer.winners.duty_cycle_period, 80)


if __name__ == "__main__":
    unittest.main()
