"""Fault tests of resumable experiments (their kill_resume_test targets).

kill_and_resume: an experiment run is killed with SIGKILL 20 times at random
moments (to the whole process group, parent and workers, as a crash or a power
cut would) and restarted; the run finally let through must write a result
equal to an uninterrupted run's, timing fields aside. After every kill every
JSON file in the output parses (none is half-written); a restart that ends
before its kill must succeed; at the end no temporary file is left, including a
garbage temporary planted for a dead writer (never read as a result). The
delays are drawn from a fixed seed, as fractions of the uninterrupted run's time.
"""
import fnmatch
import json
import os
import random
import signal
import subprocess
import sys
import time

KILLS = 20
RUNFILES = os.path.join(os.environ.get("TEST_SRCDIR", "."), "sparselab")
TMP = os.environ.get("TEST_TMPDIR", "/tmp")


def binary(name):
    return os.path.join(RUNFILES, "experiments", name, name)


def start(name, args, out, log):
    # A session of its own: the kill reaches the parent and its workers.
    with open(log, "ab") as err:
        return subprocess.Popen([binary(name), "--out=" + out] + args,
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)


def run(name, args, out, log):
    return start(name, args, out, log).wait()


def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def tail(log, chars=3000):
    with open(log) as fh:
        text = fh.read()
    return text if chars is None else text[-chars:]


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


def wait_for_write(proc, folder, file_name, since, timeout):
    """Waits until a file under `folder` matching `file_name` (a base name such
    as checkpoint.pt, or a glob of the path below `folder` such as
    runs/*/*/result.json) is written after `since`, `proc` ends or `timeout`
    passes; whether such a write came."""
    end = time.time() + timeout
    while time.time() < end and proc.poll() is None:
        for f in files_under(folder):
            try:
                matches = (os.path.basename(f) == file_name or
                           fnmatch.fnmatch(os.path.relpath(f, folder), file_name))
                if matches and os.path.getmtime(f) > since:
                    return True
            except OSError:
                pass  # renamed or removed meanwhile
        time.sleep(0.02)
    return False


def kill_and_resume(test, name, args, result_file, window, after_write_of=None):
    """Runs experiment `name` with `args` uninterrupted, then kills a second run
    20 times, each after a delay drawn uniformly from `window` (fractions of the
    uninterrupted run's time), lets it finish and checks it (unittest `test`);
    With `after_write_of` (a file name such as checkpoint.pt, or a path glob
    as wait_for_write takes), every other kill instead comes at a random moment
    within 0.3 s after this restart wrote such a file, i.e. in the next epoch or
    in the writes that follow a checkpoint or a finished task. The wait for that
    write is up to three times the expected duration, so that a loaded machine
    (a slower restart) still reaches it.
    Returns the restarts' stderr."""
    base = os.path.join(TMP, name)
    ref_out, out = base + "-reference", base + "-killed"
    ref_log, log = base + "-reference.log", base + "-killed.log"
    started = time.time()
    test.assertEqual(run(name, args, ref_out, ref_log), 0, tail(ref_log))
    reference_seconds = time.time() - started
    rng = random.Random(19)
    finished_early = 0
    temporaries_seen = 0
    # The time the rest of the run takes: once a restart finishes before its
    # kill (less work is left), later delays are drawn from its duration.
    expected_seconds = reference_seconds
    kills, shortest, longest = 0, float("inf"), 0.0
    for i in range(5 * KILLS):
        if kills == KILLS:
            break
        delay = rng.uniform(*window) * expected_seconds
        proc = start(name, args, out, log)
        began = time.time()
        if after_write_of and i % 2 == 1:
            wrote = wait_for_write(proc, out, after_write_of, began, 3 * expected_seconds)
            delay = time.time() - began + (rng.uniform(0, 0.3) if wrote else 0)
        try:
            code = proc.wait(timeout=max(0.0, delay - (time.time() - began)))
            test.assertEqual(code, 0, "restart %d failed:\n%s" % (i, tail(log)))
            finished_early += 1
            expected_seconds = time.time() - began
        except subprocess.TimeoutExpired:
            kill_group(proc)
            kills += 1
            shortest, longest = min(shortest, delay), max(longest, delay)
        test.assertEqual(unreadable_json(out), [], "half-written JSON after restart %d" % i)
        temporaries_seen += len(temporaries(out))
    test.assertEqual(kills, KILLS, "only %d kills landed before the runs ended" % kills)
    # A garbage temporary of a dead writer must be neither read nor kept.
    if os.path.isdir(out):
        with open(os.path.join(out, result_file + ".999999999.tmp"), "w") as fh:
            fh.write("{half")
    test.assertEqual(run(name, args, out, log), 0, tail(log))
    test.assertEqual(temporaries(out), [])
    test.assertEqual(unreadable_json(out), [])
    reference = read_json(os.path.join(ref_out, result_file))
    resumed = read_json(os.path.join(out, result_file))
    test.assertEqual(without_timing(resumed["rows"]), without_timing(reference["rows"]))
    test.assertEqual(without_timing(resumed), without_timing(reference))
    text = tail(log, None)
    print("%s: %d kills after %.1f to %.1f s (%d restarts finished before their kill), "
          "%d temporaries seen after kills (all removed), %d finished tasks skipped on "
          "restart, %d tasks continued from a checkpoint; uninterrupted run %.1f s" %
          (name, kills, shortest, longest, finished_early, temporaries_seen,
           text.count("already done"), text.count("continuing from"), reference_seconds),
          file=sys.stderr)
    return text
