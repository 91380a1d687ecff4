"""sanitizer_tests.py - the cmocka unit tests again, under AddressSanitizer and
UndefinedBehaviorSanitizer (issue 14).

`make asan-build` compiles every host test and the code it tests a second time
into build/asan/ with -fsanitize=address,undefined and -fno-sanitize-recover,
so the first out-of-bounds access, use after free, leak, misaligned load or
null pointer passed to memcpy ends the binary with a report.  Each binary is
one check here: it passes if it exits 0, and a failure shows the sanitizer's
first report.  The plain build's test cases are counted by run_tests.py.
"""
import glob
import os
import re
import subprocess

from qemu import BUILD, ROOT

ALL = []


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def first_report(out):
    """The sanitizer's first line and the frame it points at, or the end of the output."""
    m = re.search(r"^.*(runtime error|ERROR: \w+Sanitizer).*$(\n.*){0,6}", out, re.M)
    return m.group(0) if m else out[-1500:]


@test
def unit_tests_under_asan_and_ubsan():
    b = subprocess.run(["make", "-s", "asan-build"], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=900)
    if b.returncode != 0:
        return [("build", False, b.stdout.decode("utf-8", "replace")[-2000:])]
    binaries = sorted(p for p in glob.glob(os.path.join(BUILD, "asan", "test_*"))
                      if os.access(p, os.X_OK) and not p.endswith((".o", ".d", ".log")))
    results = [("binaries_built", len(binaries) > 0, "no binary in build/asan")]
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", UBSAN_OPTIONS="print_stacktrace=1")
    for b in binaries:
        p = subprocess.run([b], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                           timeout=300, cwd=ROOT)
        out = p.stdout.decode("utf-8", "replace")
        results.append((os.path.basename(b), p.returncode == 0,
                        "exited %d: %s" % (p.returncode, first_report(out))))
    return results
