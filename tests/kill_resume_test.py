"""Resumable runs survive kill -9 at random moments, and two runs share a store.

1. how_can_we_be_so_dense (--jobs=2: a parent and two worker processes) and
   sparse_linear with per-epoch checkpoints are each killed 20 times (SIGKILL to
   the whole process group, as a crash or a power cut would) at random moments
   and restarted; the run that is finally let through must write a result equal
   to an uninterrupted run's, timing fields aside. After every kill every JSON
   file in the output parses (none is half-written), and at the end no
   temporary file is left.
2. Two sparse_linear processes started at once on one output folder: every
   model is trained exactly once and result.json holds each row once.

Both use the quick preset shrunk by --set (fewer images) so that 40 restarts
stay within a few minutes; the delays are drawn from a fixed seed.
"""
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import unittest

KILLS = 20
RUNFILES = os.path.join(os.environ.get("TEST_SRCDIR", "."), "sparselab")
TMP = os.environ.get("TEST_TMPDIR", "/tmp")


def binary(name):
    return os.path.join(RUNFILES, "experiments", name, name)


def start(name, args, out, log):
    # A session of its own: the kill reaches the parent and its workers.
    return subprocess.Popen([binary(name), "--out=" + out] + args, stdout=subprocess.DEVNULL,
                            stderr=open(log, "ab"), start_new_session=True)


def run(name, args, out, log):
    return start(name, args, out, log).wait()


def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def without_timing(value):
    """The document without wall-clock fields (provenance, *seconds*)."""
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items()
                if k != "provenance" and "seconds" not in k}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def files_under(folder):
    for root, _, names in os.walk(folder):
        for name in names:
            yield os.path.join(root, name)


def temporaries(folder):
    return [f for f in files_under(folder) if f.endswith(".tmp")]


def unreadable_json(folder):
    bad = []
    for f in files_under(folder):
        if f.endswith(".json"):
            try:
                with open(f) as fh:
                    json.load(fh)
            except ValueError:
                bad.append(f)
    return bad


def read_json(path):
    with open(path) as fh:
        return json.load(fh)


class KillResumeTest(unittest.TestCase):

    def kill_and_resume(self, name, args, result_file):
        base = os.path.join(TMP, name)
        ref_out, out = base + "-reference", base + "-killed"
        log = base + ".log"
        started = time.time()
        self.assertEqual(run(name, args, ref_out, log), 0, open(log).read()[-3000:])
        reference_seconds = time.time() - started
        rng = random.Random(19)
        finished_early = 0
        temporaries_seen = 0
        for i in range(KILLS):
            # Early kills hit start-up and the first epochs; later ones land
            # while records, checkpoints and result.json are being written.
            delay = rng.uniform(0.05, 0.6 * reference_seconds)
            proc = start(name, args, out, log)
            try:
                proc.wait(timeout=delay)
                finished_early += 1
            except subprocess.TimeoutExpired:
                kill_group(proc)
            self.assertEqual(unreadable_json(out), [], "half-written JSON after kill %d" % i)
            temporaries_seen += len(temporaries(out))
        # A garbage temporary of a dead writer must be neither read nor kept.
        planted = os.path.join(out, result_file + ".999999999.tmp")
        if os.path.isdir(out):
            with open(planted, "w") as fh:
                fh.write("{half")
        self.assertEqual(run(name, args, out, log), 0, open(log).read()[-3000:])
        self.assertEqual(temporaries(out), [])
        self.assertEqual(unreadable_json(out), [])
        reference = read_json(os.path.join(ref_out, result_file))
        resumed = read_json(os.path.join(out, result_file))
        self.assertEqual(without_timing(resumed["rows"]), without_timing(reference["rows"]))
        self.assertEqual(without_timing(resumed), without_timing(reference))
        print("%s: %d kills (%d runs finished before their kill), %d temporaries seen after "
              "kills and removed, uninterrupted run %.1f s, reference %s" %
              (name, KILLS - finished_early, finished_early, temporaries_seen, reference_seconds,
               result_file), file=sys.stderr)

    def test_how_can_we_be_so_dense_with_two_workers(self):
        self.kill_and_resume("how_can_we_be_so_dense",
                             ["--preset=quick", "--jobs=2",
                              "--set=train_subset=600,test_subset=300,activation_count_images=50"],
                             "result-quick.json")

    def test_sparse_linear_with_checkpoints(self):
        self.kill_and_resume("sparse_linear",
                             ["--preset=quick", "--threads=1",
                              "--set=resume=true,epochs=3,train_samples=600,test_samples=300",
                              '--set=models=["sparse","dynamic","dense"]'],
                             "result-quick.json")

    def test_two_processes_on_one_store(self):
        out = os.path.join(TMP, "shared-store")
        models = ["sparse", "dense", "dynamic", "small_world"]
        args = ["--preset=quick", "--threads=1", "--set=train_samples=600,test_samples=300",
                "--set=models=" + json.dumps(models).replace(" ", "")]
        logs = [os.path.join(TMP, "shared-%d.log" % i) for i in range(2)]
        procs = [start("sparse_linear", args, out, log) for log in logs]
        codes = [p.wait() for p in procs]
        text = "".join(open(log).read() for log in logs)
        self.assertEqual(codes, [0, 0], text[-3000:])
        for model in models:  # trained once: its last epoch reported once in both logs
            self.assertEqual(len(re.findall(r"\[%s\] epoch 2 test accuracy" % model, text)), 1,
                             model + "\n" + text[-3000:])
        result = read_json(os.path.join(out, "result-quick.json"))
        names = [row["name"] for row in result["rows"]]
        self.assertEqual(sorted(names), sorted(models))
        for row in result["rows"]:
            self.assertEqual(row["metrics"]["test_accuracy"]["n"], 1, row["name"])
        self.assertEqual(temporaries(out), [])


if __name__ == "__main__":
    unittest.main()
