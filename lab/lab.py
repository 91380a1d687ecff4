#!/usr/bin/env python3
"""lab.py - `make lab`: the Xen homework's measurements end to end.

usage: lab/lab.py [--quick] [--reuse] [--only CONFIG,...]

Steps, each also a script of its own:
  1. prepare each configuration (lab/configs.py): for Linux, fetch Debian's
     packages and build the initramfs (lab/linux/); for pvlab and native,
     copy the build's images and make their RAM disks;
  2. boot it to its checkpoints and save them (lab/checkpoint.py); the run
     goes on to the end of the workload, whose own figures (dbench's
     throughput) are kept from its console;
  3. measure a fixed window from each checkpoint with pvlab-cache.so
     (lab/measure.py), REPEATS times: a repeat from the same checkpoint
     shows which figures are exact; and read the hypervisor's trace over
     a window from each of pvlab's trace checkpoints (lab/trace_window.py);
  4. boot a configuration that asks for it (Linux: configs.py's boot_again)
     a second time to one checkpoint and compare every marker and the
     window (lab/repeat.py);
  5. collect the runs into CSVs (lab/collect.py) and write the report
     (lab/report.py): build/lab/report.md, report.html, *.csv, *.svg.

--reuse skips step 2 for a configuration whose checkpoints are already
saved; --quick (make lab-quick) uses short dbench runs and small windows.
Progress goes to stdout as it happens, with the elapsed time and, at each
step done (a checkpoint saved, a window measured or traced), the percentage
of the lab's steps done; while a boot runs, a line every 15 s says which
dbench run and phase it is in (lab/checkpoint.py).  Configurations run
JOBS at a time (two: make lab's two cores), the longest first.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint  # noqa: E402
import collect  # noqa: E402
import configs  # noqa: E402
import machine  # noqa: E402
import measure  # noqa: E402
import repeat  # noqa: E402
import report  # noqa: E402
import trace_window  # noqa: E402

REPEATS = 2
# Configurations run at once, each in its own QEMU processes (threads here only wait for
# them): make lab's 2 cores.  LAB_JOBS=1 runs them one after the other.
JOBS = int(os.environ.get("LAB_JOBS", "2"))
T0 = time.time()
LOCK = threading.Lock()


def say(msg):
    with LOCK:
        print("[lab %5.0f s] %s" % (time.time() - T0, msg), flush=True)


def have_checkpoints(cfg):
    path = os.path.join(cfg.run_dir, "checkpoints.json")
    if not os.path.exists(path) or not os.path.exists(cfg.overlay):
        return False
    saved = machine.snapshots(cfg.overlay)
    return all(name in saved for name, _, _ in cfg.checkpoints)


def window_sizes(cfg):
    """{checkpoint: instructions to measure}: cfg.window, or less for a configuration that
    ends its windows at the next marker (cfg.window_to_marker: pvlab's dbench-lite, whose
    execute phase lasts as many instructions as the host's disk lets it) when that is sooner."""
    sizes = {name: cfg.window for name, _, _ in cfg.checkpoints}
    with open(os.path.join(cfg.run_dir, "checkpoints.json")) as f:
        for c in json.load(f):
            left = (c.get("next_marker_insns") or 0) - c["insns"]
            if c["name"] in sizes and 0 < left < cfg.window:
                if getattr(cfg, "window_to_marker", False):
                    sizes[c["name"]] = left
                else:
                    say("%s: WARNING: the window from %s runs %d instructions past the next "
                        "marker" % (cfg.name, c["name"], cfg.window - left))
            elif c["name"] in sizes and c.get("next_marker_insns") and left <= 0:
                say("%s: WARNING: checkpoint %s is past the next marker: its window measures "
                    "after the phase" % (cfg.name, c["name"]))
    return sizes


class Progress:
    """The lab's steps (checkpoints, windows, trace windows) counted, for a percentage."""

    def __init__(self, total):
        self.total, self.done = total, 0

    def step(self, msg):
        with LOCK:
            self.done += 1
            done = self.done
        say("[%3d %%] %s" % (100 * done // max(self.total, 1), msg))


def steps(cfg, rows):
    return (len(cfg.checkpoints) + REPEATS * len(rows) + len(getattr(cfg, "trace_checkpoints", [])) +
            (1 if getattr(cfg, "boot_again", None) else 0))


def boot_again(cfg, progress, quick):
    """Boot `cfg` again to its boot_again checkpoint and compare (lab/repeat.py; the report's
    Booted again section reads the comparison).  A difference is reported, not fatal."""
    r = repeat.repeat(cfg.name, cfg.boot_again, quick, progress=say)
    progress.step("%s: booted again to %s: %s" % (
        cfg.name, r["checkpoint"], "identical, %d markers, the checkpoint at instruction %d, the "
        "window's report line for line" % (r["markers"], r["insns"]) if r["identical"] else
        "DIFFERS: " + "; ".join(r["differences"][:3])))


BOOTS = 2  # a checkpoint run that stalls is booted again once


def take_checkpoints(cfg):
    """Prepare and boot `cfg` to its checkpoints; a boot whose guest hangs (checkpoint.Stalled:
    seen with the domU's dbench-lite now and then, all domains blocked) is kept as
    checkpoint-console.stalled-N.log and booted again, at most BOOTS times in all."""
    for boot in range(1, BOOTS + 1):
        say("%s: preparing (%s)" % (cfg.name, cfg.describe))
        cfg.prepare()
        try:
            return checkpoint.take(cfg, progress=say)
        except checkpoint.Stalled as e:
            log = os.path.join(cfg.run_dir, "checkpoint-console.log")
            kept = os.path.join(cfg.run_dir, "checkpoint-console.stalled-%d.log" % boot)
            os.replace(log, kept)
            say("%s: WARNING: boot %d stalled (%s); its console is in %s" % (
                cfg.name, boot, str(e).splitlines()[0], kept))
            if boot == BOOTS:
                raise


def run_config(cfg, rows, reuse, progress, quick=False):
    if reuse and have_checkpoints(cfg):
        say("%s: reusing the checkpoints in %s" % (cfg.name, cfg.overlay))
        progress.done += len(cfg.checkpoints)
    else:
        shutil.rmtree(cfg.run_dir + "-again", ignore_errors=True)  # compared with older boots
        for c in take_checkpoints(cfg):
            progress.step("%s: checkpoint %s at instruction %d" % (cfg.name, c["name"], c["insns"]))
    windows = window_sizes(cfg)
    for i, (_, ckpt, label, workload) in enumerate(rows):
        for r in range(REPEATS):
            tag = "" if r == 0 else "-repeat%d" % r
            say("%s: measuring %s, window of %d instructions (row %d/%d, run %d/%d)" % (
                cfg.name, ckpt, windows[ckpt], i + 1, len(rows), r + 1, REPEATS))
            run, seconds, _ = measure.measure(cfg, ckpt, windows[ckpt], tag=tag)
            progress.step("%s: %s done in %.1f s: D16K hit rate %s, CR3 writes %s, mode changes %s"
                          % (cfg.name, ckpt, seconds, run["cache"][("D16K", "all")]["hit_rate"],
                             run["haps"]["cr3_writes"], run["haps"]["mode_changes"]))
    size = trace_window.QUICK_TRACE_WINDOW if quick else trace_window.TRACE_WINDOW
    for ckpt in getattr(cfg, "trace_checkpoints", []):
        say("%s: tracing %s, window of %d instructions" % (cfg.name, ckpt, size))
        _, info, _ = trace_window.trace(cfg, ckpt, size)
        progress.step("%s: %s traced: %d records in %d instructions" % (
            cfg.name, ckpt, info["records"], info["insns"]))
    if getattr(cfg, "boot_again", None):
        boot_again(cfg, progress, quick)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    wanted = [c for c in dict.fromkeys(r[0] for r in configs.ROWS)
              if not args.only or c in args.only.split(",")]
    cfgs = [(configs.get(name, quick=args.quick), [r for r in configs.ROWS if r[0] == name])
            for name in wanted]
    progress = Progress(sum(steps(cfg, rows) for cfg, rows in cfgs))
    longest_first = sorted(cfgs, key=lambda c: -steps(*c))
    with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
        jobs = [pool.submit(run_config, cfg, rows, args.reuse, progress, args.quick)
                for cfg, rows in longest_first]
        for job in jobs:
            job.result()  # a configuration's failure, raised here
    missing = collect.collect()
    for m in missing:
        say("no measurement for %s" % m)
    report.write_report(configs.LAB)
    say("wrote %s/report.md, report.html and the CSVs; make lab took %.0f s" % (
        configs.LAB, time.time() - T0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
