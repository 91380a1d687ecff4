#!/usr/bin/env python3
"""repeat.py - does a configuration's boot repeat to the instruction?

usage: lab/repeat.py CONFIG CHECKPOINT [--quick]

Under -icount shift=0,sleep=off a guest is a function of its machine, its
images and its inputs.  The lab's configurations have no input that a
host times: their file systems are RAM disks (no disk completion; Linux's
is an ext2 on brd's /dev/ram0), their workloads start by themselves
(minios's rc files, Linux's /init: nothing typed), the qcow2 that holds
the snapshots is a drive the guest cannot see, and Linux's RTC runs on
the virtual clock from a fixed date (lab/configs.py, lab/machine.py).  So
a second boot must pass every marker at the same instruction as the first
and measure the same window (make lab checks Linux's linux-1; make test
pvlab's quick domU-1).  This script checks that, after a run of CONFIG
(make lab or make lab-quick):

  1. it boots CONFIG again, from the images the run used (LAB/CONFIG/, not
     prepared again), in runs/CONFIG-again/, to CHECKPOINT only;
  2. it measures CHECKPOINT's window there (lab/measure.py), as long as
     the run's own measurement of it;
  3. it compares: every marker up to CHECKPOINT's, the checkpoint's own
     instruction count, the console up to it (a prefix of the run's), and
     pvlab-cache.so's report of the window, line for line.

It prints one verdict line, writes runs/CONFIG-again/compare.json (the
report's Repeatability section reads it) and exits 1 if anything differs.
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint  # noqa: E402
import configs  # noqa: E402
import measure  # noqa: E402


def plugin_lines(run_dir, ckpt):
    """pvlab-cache.so's report lines (its per-site records come in address order, so two
    runs of the same window print the same lines)."""
    with open(os.path.join(run_dir, ckpt, "plugin.log")) as f:
        return [line for line in f.read().splitlines() if line.startswith("pvlab-cache:")]


def load(run_dir, name):
    with open(os.path.join(run_dir, name)) as f:
        return json.load(f) if name.endswith(".json") else f.read()


def differences(first, again, ckpt):
    """What differs between the run in `first` and the boot again in `again` (a list of lines)."""
    out = []
    c1 = [c for c in load(first, "checkpoints.json") if c["name"] == ckpt][0]
    c2 = load(again, "checkpoints.json")[0]
    if c1["insns"] != c2["insns"]:
        out.append("checkpoint %s at instruction %d, again at %d" % (ckpt, c1["insns"], c2["insns"]))
    m1, m2 = load(first, "markers.json"), load(again, "markers.json")
    for k in sorted(m2, key=int):
        if m1.get(k) != m2[k]:
            out.append("marker %s at instruction %s, again at %s" % (k, m1.get(k), m2[k]))
    if len(m2) < c1["marker"]:
        out.append("the boot again passed %d markers before %s, not %d" % (len(m2), ckpt, c1["marker"]))
    text1, text2 = load(first, "checkpoint-console.log"), load(again, "checkpoint-console.log")
    if not text1.startswith(text2):
        at = next(i for i, (a, b) in enumerate(zip(text1, text2)) if a != b) \
            if any(a != b for a, b in zip(text1, text2)) else min(len(text1), len(text2))
        out.append("the consoles differ from character %d: %r against %r" % (
            at, text1[at:at + 60], text2[at:at + 60]))
    p1, p2 = plugin_lines(first, ckpt), plugin_lines(again, ckpt)
    out += ["window: %s\n   again: %s" % (a, b) for a, b in zip(p1, p2) if a != b]
    if len(p1) != len(p2) or not p1:
        out.append("window reports of %d and %d lines" % (len(p1), len(p2)))
    return out


def repeat(name, ckpt, quick=False, progress=print):
    """Boot `name` again to `ckpt`, measure it, compare; returns the comparison (also in JSON)."""
    cfg = configs.get(name, quick)
    first = cfg.run_dir
    wanted = [c for c in cfg.checkpoints if c[0] == ckpt]
    if not wanted or not os.path.exists(os.path.join(first, ckpt, "measure.json")):
        raise SystemExit("repeat.py: no measured checkpoint %s in %s (run the lab first)" % (ckpt, first))
    window = load(os.path.join(first, ckpt), "measure.json")["window"]
    cfg.run_dir = first + "-again"
    shutil.rmtree(cfg.run_dir, ignore_errors=True)
    cfg.overlay = os.path.join(cfg.run_dir, "disk.qcow2")
    cfg.checkpoints, cfg.finish = wanted, None
    progress("%s: booting again to %s" % (name, ckpt))
    checkpoint.take(cfg, progress=progress)
    progress("%s: measuring %s again (%d instructions)" % (name, ckpt, window))
    measure.measure(cfg, ckpt, window)
    diff = differences(first, cfg.run_dir, ckpt)
    c = load(cfg.run_dir, "checkpoints.json")[0]
    result = {"config": name, "checkpoint": ckpt, "insns": c["insns"], "window": window,
              "markers": len(load(cfg.run_dir, "markers.json")), "identical": not diff,
              "differences": diff}
    with open(os.path.join(cfg.run_dir, "compare.json"), "w") as f:
        json.dump(result, f, indent=1)
    return result


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__)
        return 2
    r = repeat(args[0], args[1], quick="--quick" in sys.argv)
    if r["identical"]:
        print("%s/%s: the boot again is identical: %d markers, the checkpoint at instruction %d, "
              "the %d-instruction window's report line for line" % (
                  r["config"], r["checkpoint"], r["markers"], r["insns"], r["window"]))
        return 0
    print("%s/%s: the boot again DIFFERS:\n  %s" % (r["config"], r["checkpoint"],
                                                  "\n  ".join(r["differences"])))
    return 1


if __name__ == "__main__":
    sys.exit(main())
