"""libFuzzer targets: build and run with the fuzz configuration (clang 14,
-fsanitize=fuzzer,address,undefined), e.g.

    bazel build --config=fuzz //monitor:sample_io_fuzzer
    bazel-bin/monitor/sample_io_fuzzer -max_total_time=60 /tmp/corpus monitor/testdata/fuzz/sample_io

Tagged manual: `bazel build //...` and `bazel test //...` (GCC) skip them;
tests/fuzz_smoke.sh builds and runs every one for a few seconds.
"""

def sparselab_fuzzer(name, srcs, deps = [], corpus = None, smoke = True):
    """A cc_binary defining LLVMFuzzerTestOneInput, with its seed corpus.

    Args:
      name: the target, conventionally <reader>_fuzzer.
      srcs: the fuzz entry point.
      deps: the reader under test.
      corpus: folder of seed inputs (small files, committed), default
        testdata/fuzz/<name without _fuzzer>.
      smoke: whether tests/fuzz_smoke.sh runs it (tag "fuzz"); False for a
        target with a known crash outside this repository, tagged
        "fuzz_by_hand" instead.
    """
    tags = ["manual", "fuzz" if smoke else "fuzz_by_hand"]
    native.cc_binary(
        name = name,
        srcs = srcs,
        deps = deps,
        linkopts = ["-fsanitize=fuzzer"],
        testonly = True,
        tags = tags,
    )
    native.filegroup(
        name = name + "_corpus",
        srcs = native.glob([(corpus or "testdata/fuzz/" + name[:-len("_fuzzer")]) + "/*"]),
        testonly = True,
        tags = tags,
    )
