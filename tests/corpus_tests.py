"""corpus_tests.py - every host fuzz target's seed corpus, replayed (issue 14).

The host fuzzers of tests/fuzz/ run with libFuzzer only in `make fuzz-host`
(clang); here each target is linked instead with tests/fuzz/replay.c under
gcc's AddressSanitizer and UndefinedBehaviorSanitizer (`make
fuzz-replay-build`), and every file of tests/fuzz/corpus/NAME/ goes through
it once: the seeds, and any input a fuzzer found that once crashed the
target (kept as crash-*), so a fixed bug stays fixed.  No new inputs are
made, so this takes seconds.  One check per target: it passes if the replay
ran every file of the corpus and exited 0; a failure shows the sanitizer's
or the target's first report.  A target without a corpus fails too.
"""
import os
import re
import subprocess

from qemu import BUILD, ROOT

ALL = []
FUZZ_SRC = os.path.join(ROOT, "tests", "fuzz")
_built = {}


def targets():
    names = sorted(f[len("fuzz_"):-2] for f in os.listdir(FUZZ_SRC)
                   if f.startswith("fuzz_") and f.endswith(".c"))
    return names


def build():
    """make fuzz-replay-build once per run: None, or the build's output if it failed."""
    if "result" not in _built:
        b = subprocess.run(["make", "-s", "fuzz-replay-build"], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=600)
        _built["result"] = None if b.returncode == 0 else b.stdout.decode("utf-8", "replace")
    return _built["result"]


def first_report(out):
    m = re.search(r"^.*(runtime error|ERROR: \w+Sanitizer|fuzz check failed).*$(\n.*){0,8}", out,
                  re.M)
    return m.group(0) if m else out[-1500:]


def replay(name):
    def run():
        failed = build()
        assert failed is None, "make fuzz-replay-build failed:\n" + failed[-2000:]
        corpus = os.path.join(FUZZ_SRC, "corpus", name)
        assert os.path.isdir(corpus), "no seed corpus in tests/fuzz/corpus/%s" % name
        files = [f for f in os.listdir(corpus) if os.path.isfile(os.path.join(corpus, f))]
        assert files, "the corpus tests/fuzz/corpus/%s is empty" % name
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", UBSAN_OPTIONS="print_stacktrace=1")
        p = subprocess.run([os.path.join(BUILD, "fuzz", "replay", name), corpus], cwd=ROOT,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = p.stdout.decode("utf-8", "replace")
        running = re.findall(r"^replay: running (\S+)", out, re.M)
        assert p.returncode == 0, "exited %d on %s: %s" % (
            p.returncode, running[-1] if running else "?", first_report(out))
        ran = re.search(r"^replay: (\d+) inputs$", out, re.M)
        assert ran and int(ran.group(1)) == len(files), \
            "ran %s of the %d inputs" % (ran.group(1) if ran else "none", len(files))
    run.__name__ = "fuzz_corpus_replays_cleanly_" + name
    return run


for _name in targets():
    _fn = replay(_name)
    ALL.append((_fn.__name__, _fn))
