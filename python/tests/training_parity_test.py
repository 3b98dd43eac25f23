"""A model trained for a few steps in Python with sparselab's modules equals
the same model trained in C++ (train_twin.cc) bit for bit, at one thread."""
import os
import subprocess
import tempfile
import unittest

import torch
from torch import nn

import sparselab


class TrainingParityTest(unittest.TestCase):
    def test_python_training_equals_cpp_training(self):
        torch.set_num_threads(1)
        binary = os.path.join(os.environ["TEST_SRCDIR"], "sparselab", "python", "train_twin")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "twin.pt")
            subprocess.run([binary, path], check=True)
            saved = list(torch.load(path))
        x, y = saved[0], saved[1]
        initial, final = saved[2:6], saved[6:10]
        duty_cycles, learning_iterations = saved[10], saved[11]

        model = nn.Sequential(nn.Linear(20, 30), sparselab.KWinners(30, 5, duty_cycle_period=64),
                              nn.Linear(30, 3))
        with torch.no_grad():
            for p, value in zip(model.parameters(), initial):
                p.copy_(value)
        sgd = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(5):
            sgd.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            sgd.step()
        for i, (p, value) in enumerate(zip(model.parameters(), final)):
            self.assertTrue(torch.equal(p.detach(), value), f"parameter {i}")
        self.assertFalse(torch.equal(final[0], initial[0]))
        self.assertTrue(torch.equal(model[1].duty_cycles, duty_cycles))
        self.assertEqual(int(model[1].learning_iterations), int(learning_iterations))


if __name__ == "__main__":
    unittest.main()
