"""Holds the layering of the design (lib/README.md) against the code.

Two views of every dependency, both checked against RULES:
  1. the BUILD graph, from `bazel query` (a separate batch-mode Bazel with its
     own output base, so it can run inside `bazel test`);
  2. the source graph: every `#include "lib/..."`, `"monitor/..."`, ... of
     every .h/.cc file, mapped to the package that owns the header (a header
     can be included without its target in deps, so (1) alone would miss it).
Fails with every offending edge and the rule it breaks.

  bazel test //tests:layering_test
  python3 tests/layering_test.py --root=.      (by hand)
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

# Package -> packages it may depend on. A package matches the longest rule
# that is equal to it or a parent folder of it; "//experiments/*" stands for
# each experiment on its own (an experiment may use itself, never another).
RULES = {
    "//lib/base": ["//lib/base"],
    "//lib/nn": ["//lib/base", "//lib/nn"],
    "//lib/data": ["//lib/base", "//lib/data"],
    "//lib/sdr": ["//lib/base", "//lib/nn", "//lib/sdr"],
    "//lib/train": ["//lib/base", "//lib/data", "//lib/nn", "//lib/train"],
    "//lib/restoration": ["//lib/base", "//lib/data", "//lib/nn", "//lib/restoration"],
    "//lib/harness": ["//lib"],
    "//lib": ["//lib"],
    "//monitor": ["//lib/base", "//lib/nn", "//monitor"],
    "//experiments/*": ["//lib", "//monitor", "//experiments/*"],
    "//docs": ["//lib", "//docs"],
    "//tests": ["//lib", "//monitor", "//tests"],
    "//python": ["//lib", "//monitor", "//python"],
    "//third_party": ["//third_party"],
}
# Top-level folders that hold the project's packages.
ROOTS = ["lib", "monitor", "experiments", "docs", "tests", "python", "third_party"]


def under(package, prefix):
    return package == prefix or package.startswith(prefix + "/")


def rule_for(package):
    """(rule key, allowed prefixes) for a package, '*' resolved."""
    best = None
    for key in RULES:
        concrete = key
        if key.endswith("/*"):
            parts = package.split("/")
            base = key[:-2]
            if not under(package, base) or package == base:
                continue
            concrete = "/".join(parts[: len(base.split("/")) + 1])
        if under(package, concrete) and (best is None or len(concrete) > len(best[1])):
            best = (key, concrete)
    if best is None:
        return None, None
    key, concrete = best
    allowed = []
    for a in RULES[key]:
        allowed.append(concrete if a.endswith("/*") else a)
    return key, allowed


def check_edge(src_pkg, dst_pkg):
    """None if allowed, else the reason."""
    if src_pkg == dst_pkg:
        return None
    key, allowed = rule_for(src_pkg)
    if key is None:
        return None  # not a project package (e.g. external)
    if any(under(dst_pkg, a) for a in allowed):
        return None
    return "%s may depend on %s only" % (key, ", ".join(RULES[key]))


def build_edges(root):
    """(src label, dst label) of every direct dependency between project targets."""
    patterns = " + ".join("//%s/..." % r for r in ROOTS if os.path.isdir(os.path.join(root, r)))
    out_base = os.path.join(tempfile.gettempdir(), "sparselab-layering-query-%d" % os.getuid())
    cmd = ["bazel", "--batch", "--output_base=" + out_base, "query", "--noimplicit_deps",
           "--notool_deps", "deps(%s, 1)" % patterns, "--output=graph", "--graph:factored=false"]
    proc = subprocess.run(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    if proc.returncode != 0:
        sys.exit("bazel query failed (%d):\n%s" % (proc.returncode, proc.stderr[-3000:]))
    edges = []
    for line in proc.stdout.splitlines():
        m = re.match(r'\s*"(//[^"]*)"\s*->\s*"(//[^"]*)"', line)
        if m:
            edges.append((m.group(1), m.group(2)))
    if not edges:
        sys.exit("bazel query printed no edges: nothing was checked")
    return edges


def package_of_label(label):
    return label.split(":")[0]


def package_dirs(root):
    dirs = set()
    for r in ROOTS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, r)):
            dirnames[:] = [d for d in dirnames if not d.startswith("bazel-")]
            if "BUILD" in filenames or "BUILD.bazel" in filenames:
                dirs.add(os.path.relpath(dirpath, root))
    return dirs


def owning_package(path, packages):
    d = os.path.dirname(path)
    while d and d not in packages:
        d = os.path.dirname(d)
    return "//" + d if d else None


def include_edges(root):
    packages = package_dirs(root)
    edges = []
    include = re.compile(r'^\s*#\s*include\s+"((?:%s)/[^"]+)"' % "|".join(ROOTS))
    for pkg in packages:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, pkg)):
            rel_dir = os.path.relpath(dirpath, root)
            if rel_dir != pkg and rel_dir in packages:
                dirnames[:] = []
                continue
            for name in filenames:
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.join(rel_dir, name)
                with open(os.path.join(root, path), errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = include.match(line)
                        if m:
                            dst = owning_package(m.group(1), packages)
                            if dst is not None:
                                edges.append(("%s:%d" % (path, number), "//" + pkg, dst,
                                              m.group(1)))
    return edges


def source_root():
    if "TEST_SRCDIR" in os.environ:  # bazel test: the runfile links into the tree
        return os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    return os.getcwd()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=None, help="the sparselab checkout")
    parser.add_argument("--no_query", action="store_true", help="only the #include view")
    args = parser.parse_args()
    root = os.path.abspath(args.root or source_root())
    bad = []
    checked = 0
    if not args.no_query:
        for src, dst in build_edges(root):
            checked += 1
            why = check_edge(package_of_label(src), package_of_label(dst))
            if why:
                bad.append("BUILD: %s -> %s (%s)" % (src, dst, why))
    for where, src_pkg, dst_pkg, header in include_edges(root):
        checked += 1
        why = check_edge(src_pkg, dst_pkg)
        if why:
            bad.append('#include: %s includes "%s" of %s (%s)' % (where, header, dst_pkg, why))
    if bad:
        print("%d dependency edge(s) break the layering (lib/README.md):" % len(bad))
        print("\n".join(bad))
        sys.exit(1)
    print("layering holds: %d dependency edges checked" % checked)


if __name__ == "__main__":
    main()
