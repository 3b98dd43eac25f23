"""how_can_we_be_so_dense --jobs=2 (a parent and two worker processes) killed
with SIGKILL 20 times at random moments and restarted ends with the result of an
uninterrupted run and no temporary file. The quick preset on fewer images (a few
minutes for the 20 restarts); no mid-task checkpoints: a killed task runs again
from its start, a finished one is kept. Every other kill comes just after a
task's record was written (so that the kept-task path is exercised however
loaded the machine is); the others at random moments.
"""
import unittest

from lib.harness.kill_resume_testing import kill_and_resume


class KillResumeTest(unittest.TestCase):

    def test_two_workers_killed_twenty_times(self):
        text = kill_and_resume(
            self, "how_can_we_be_so_dense",
            ["--preset=quick", "--jobs=2",
             "--set=train_subset=400,test_subset=200,activation_count_images=50"],
            "result-quick.json", (0.2, 0.9),
            after_write_of="runs/quick/*/result-quick.json")
        self.assertIn("already done", text)  # some kill came after a finished task


if __name__ == "__main__":
    unittest.main()
