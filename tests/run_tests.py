#!/usr/bin/env python3
"""run_tests.py - run every pvlab test and end with "N passed, N failed".

Three kinds of test, in this order:
  1. host unit tests (cmocka binaries in build/tests/unit/): every test case
     counts on its own;
  2. whole-system tests: boot pvlab in QEMU, drive dom0's shell over the
     serial line, check what the hypervisor and the guests print and QEMU's
     exit status;
  3. hostile-guest tests: XTF-style guests, chained in one boot, each with one
     verdict line, plus checks that the hypervisor carried on after each.

Usage: tests/run_tests.py [-k SUBSTRING] [-s SUITE] [-v]

-k matches test names only; many tests of a suite do not carry its name
(block_tests.py's hostile frontend, for one), so -s block runs every
whole-system test of tests/block_tests.py, and no unit tests.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import BUILD, EXIT_CRASH, EXIT_PANIC, Machine, ROOT  # noqa: E402
import importlib  # noqa: E402

# The suites run in this order, then every other tests/*_tests.py by name: a
# new suite needs no line here, only its file and its ALL list.
FIRST_SUITES = ["build_tests", "system_tests", "domain_tests", "block_tests"]


def discover_suites():
    here = os.path.dirname(os.path.abspath(__file__))
    names = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(here, "*_tests.py")))
    names = [n for n in names if n != "run_tests"]
    ordered = [n for n in FIRST_SUITES if n in names] + [n for n in names if n not in FIRST_SUITES]
    return [importlib.import_module(n) for n in ordered]


results = []  # (name, passed, detail)


def record(name, ok, detail=""):
    results.append((name, ok, detail))
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (": " + detail) if detail and not ok else ""),
          flush=True)


def run_unit_tests(selector):
    binaries = sorted(glob.glob(os.path.join(BUILD, "tests", "unit", "test_*")))
    binaries = [b for b in binaries if os.access(b, os.X_OK) and not b.endswith((".o", ".d"))]
    if not binaries:
        record("unit: no cmocka binaries were built", False)
        return
    for b in binaries:
        name = os.path.basename(b)
        if selector and selector not in name:
            continue
        p = subprocess.run([b], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        out = p.stdout.decode("utf-8", "replace")
        # cmocka prints "[       OK ] name" and "[  FAILED  ] name" per test case.
        # The closing summary repeats each failed name: count every case once.
        cases = re.findall(r"^\[\s+(OK|FAILED|SKIPPED)\s+\] (\S+)$", out, re.M)
        seen = set()
        for status, case in cases:
            if status != "SKIPPED" and case not in seen:
                seen.add(case)
                record("unit/%s/%s" % (name, case), status == "OK")
        if p.returncode != 0 and not any(s == "FAILED" for s, _ in cases):
            record("unit/%s" % name, False, "exited %d\n%s" % (p.returncode, out[-2000:]))


def suite_module(name):
    """-s block, -s block_tests and -s tests/block_tests.py all name block_tests."""
    base = os.path.basename(name)
    base = base[:-3] if base.endswith(".py") else base
    return base if base.endswith("_tests") else base + "_tests"


def run_system_tests(selector, verbose, suite_name=""):
    suites = discover_suites()
    if suite_name:
        wanted = suite_module(suite_name)
        suites = [s for s in suites if s.__name__ == wanted]
        if not suites:
            record("suite %s: no tests/%s.py" % (suite_name, wanted), False)
    tests = [t for suite in suites for t in suite.ALL]
    for name, fn in tests:
        if selector and selector not in name:
            continue
        start = time.time()
        try:
            sub = fn()
            if sub:  # a test may report several named checks
                for subname, ok, detail in sub:
                    record("%s/%s" % (name, subname), ok, detail)
            else:
                record(name, True)
        except AssertionError as e:
            record(name, False, str(e))
        except Exception as e:  # a timeout or a crash of the harness is a failure too
            record(name, False, "%s: %s" % (type(e).__name__, e))
            if verbose:
                traceback.print_exc()
        if verbose:
            print("     (%.1f s)" % (time.time() - start))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="", help="run only tests whose name contains this")
    ap.add_argument("-s", default="", metavar="SUITE",
                    help="run only the whole-system tests of tests/SUITE_tests.py")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    os.chdir(ROOT)
    if not args.s:
        run_unit_tests(args.k)
    run_system_tests(args.k, args.v, args.s)
    failed = [r for r in results if not r[1]]
    if failed:
        print("\nFailures:")
        for name, _, detail in failed:
            print("  %s\n      %s" % (name, detail.replace("\n", "\n      ")))
    print("\n%d passed, %d failed" % (len(results) - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
