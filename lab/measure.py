#!/usr/bin/env python3
"""measure.py - measure a fixed window of instructions from a checkpoint:
the homework's "run your checkpoints using watch.simics".

usage: lab/measure.py CONFIG CHECKPOINT [--quick]

QEMU starts with `-loadvm CHECKPOINT` (the same machine and -icount as the
run that saved it, lab/machine.py) and two plugins: pvlab-cache.so
(tools/plugin/, docs/instruments.md) counts caches and haps, and the lab's
gate (lab/plugin/gate.c, action=exit) ends QEMU after exactly WINDOW
instructions, at which point pvlab-cache.so reports the whole run, from the
snapshot to the gate, as its `run` record.  flush=off: a marker that falls
inside the window must not empty the caches midway (they start empty at
the snapshot anyway, as g-cache's after a reset).  QEMU's log (-d plugin)
and the console are kept in build/lab/runs/CONFIG/CHECKPOINT/.

Loading a snapshot restores the overlay's disk as it was saved, so every
measurement from a checkpoint starts from the same machine and disk.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "plugin"))
import machine  # noqa: E402
from pvlab_report import fields, parse_report  # noqa: E402,F401

CACHE_ARGS = "flush=off"


def measure(cfg, checkpoint, window, cache_args=CACHE_ARGS, tag="", timeout=3600):
    """One measurement run; returns (the `run` record, seconds, the directory of its logs)."""
    out = os.path.join(cfg.run_dir, checkpoint + tag)
    os.makedirs(out, exist_ok=True)
    log, signal = os.path.join(out, "plugin.log"), os.path.join(out, "gate-signal")
    for f in (log, signal):
        if os.path.exists(f):
            os.unlink(f)
    cache = machine.CACHE_PLUGIN + ("," + cache_args if cache_args else "")
    gate = machine.GATE_PLUGIN + ",action=exit,signal=%s,at=0:%d" % (signal, window)
    args = machine.machine_args(cfg) + ["-loadvm", checkpoint, "-serial",
                                        "file:" + os.path.join(out, "console.log"),
                                        "-plugin", cache, "-plugin", gate, "-d", "plugin", "-D", log]
    t0 = time.time()
    p = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, cwd=machine.ROOT, timeout=timeout)
    seconds = time.time() - t0
    text = open(log).read() if os.path.exists(log) else ""
    run = parse_report(text).get("run")
    if p.returncode != 0 or not run or "done" not in run:
        raise RuntimeError("measurement of %s/%s failed (exit %d): %s\n%s" % (
            cfg.name, checkpoint, p.returncode, p.stdout.decode(errors="replace")[-800:], text[-800:]))
    with open(os.path.join(out, "measure.json"), "w") as f:
        json.dump({"config": cfg.name, "checkpoint": checkpoint, "window": window,
                   "cache_args": cache_args, "seconds": round(seconds, 1)}, f, indent=1)
    return run, seconds, out


def main():
    import configs
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    cfg = configs.get(sys.argv[1], quick="--quick" in sys.argv)
    run, seconds, out = measure(cfg, sys.argv[2], cfg.window)
    print("%s/%s: %s instructions in %.1f s; haps %s; log in %s" % (
        cfg.name, sys.argv[2], run["insns"]["all"], seconds, run["haps"], out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
