#!/usr/bin/env python3
"""run_fuzzers.py - `make fuzz-host`: run each libFuzzer target for a set time.

For each target NAME (built by tests/fuzz/fuzz.mk into build/fuzz/libfuzzer/),
libFuzzer starts from build/fuzz/corpus/NAME, a working copy that keeps what
earlier runs found, plus the seeds of tests/fuzz/corpus/NAME (read only: the
tree's corpus changes only by hand), for --seconds of wall time, one process.
A crash, a leak, a sanitizer report or a hang (over 10 s on one input) stops
that target and leaves the input in build/fuzz/crashes/NAME-*; the others
still run.  At the end a table gives each target's executions, executions
per second, coverage (libFuzzer's `cov:`, edges, and `ft:`, features) and
corpus size, from libFuzzer's final stats; the exit status is 1 if any
target failed.  Each target's full log is build/fuzz/logs/NAME.log.

Usage: tests/fuzz/run_fuzzers.py [--seconds N] NAME...
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FUZZ = os.path.join(ROOT, "build", "fuzz")


def last(pattern, text, default="?"):
    found = re.findall(pattern, text, re.M)
    return found[-1] if found else default


def run_one(name, seconds):
    work = os.path.join(FUZZ, "corpus", name)
    seeds = os.path.join(HERE, "corpus", name)
    crashes = os.path.join(FUZZ, "crashes")
    logs = os.path.join(FUZZ, "logs")
    for d in (work, crashes, logs):
        os.makedirs(d, exist_ok=True)
    cmd = [os.path.join(FUZZ, "libfuzzer", name), "-max_total_time=%d" % seconds,
           "-timeout=10", "-print_final_stats=1", "-artifact_prefix=%s/%s-" % (crashes, name),
           work, seeds]
    print("fuzz-host: %s for %d s" % (name, seconds), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    out = p.stdout.decode("utf-8", "replace")
    with open(os.path.join(logs, name + ".log"), "w") as f:
        f.write(out)
    row = {
        "name": name,
        "ok": p.returncode == 0,
        "execs": last(r"^stat::number_of_executed_units:\s+(\d+)", out),
        "rate": last(r"^stat::average_exec_per_sec:\s+(\d+)", out),
        "cov": last(r"\bcov: (\d+)", out),
        "ft": last(r"\bft: (\d+)", out),
        "corp": last(r"\bcorp: (\d+)/", out),
    }
    if not row["ok"]:
        print("fuzz-host: %s FAILED (exit %d); see %s" % (name, p.returncode,
                                                          os.path.join(logs, name + ".log")))
        print("\n".join(l for l in out.splitlines()
                        if re.search(r"ERROR|SUMMARY|runtime error|fuzz check|Test unit written", l)))
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("targets", nargs="+")
    a = ap.parse_args()
    rows = [run_one(t, a.seconds) for t in a.targets]
    print("\n%-10s %12s %8s %6s %6s %6s  %s" % ("target", "executions", "exec/s", "cov", "ft",
                                                "corpus", "result"))
    for r in rows:
        print("%-10s %12s %8s %6s %6s %6s  %s" % (r["name"], r["execs"], r["rate"], r["cov"],
                                                   r["ft"], r["corp"],
                                                   "ok" if r["ok"] else "FAILED"))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
