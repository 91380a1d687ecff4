#!/usr/bin/env python3
"""checkpoint.py - boot a lab configuration and save checkpoints partway
through its workload: the homework's "run for 2,000,000,000, create
checkpoint", with QEMU snapshots on a qcow2 overlay (DESIGN.md decision 12).

usage: lab/checkpoint.py CONFIG [--quick]     (configurations: lab/configs.py)

The configuration boots under -icount shift=0,sleep=off with
lab/plugin/gate.c (build/lab/pvlab-gate.so, action=pause) watching the
instruction stream.  Each of the configuration's checkpoints is a trigger
`at=K:N`: N instructions after the K-th marker (xchg %bx,%bx, or the
configuration's marker_pc).  When the gate reaches one it writes
"trigger=I" to its signal file and holds the vCPU; this script then sends
QMP `stop` (the kick that makes the vCPU stop at the end of its block),
releases the gate, waits for the machine to be stopped, runs `savevm NAME`
and `cont`.  The gate's next line, "resumed insns=X", is the exact
instruction count at the snapshot, kept in build/lab/runs/CONFIG/
checkpoints.json with the trigger.

After the last checkpoint the machine runs on until the configuration's
`finish` pattern appears on its console (the workload's own figures, e.g.
dbench's Throughput lines), or is told to quit.  The console goes to
build/lab/runs/CONFIG/checkpoint-console.log.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine  # noqa: E402


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def wait_line(path, prefix, proc, console, timeout, progress, nth=0):
    """Wait for the nth line of the gate's signal file that starts with `prefix`; return its fields."""
    deadline, last = time.time() + timeout, time.time()
    while True:
        found = [line for line in read_lines(path) if line.startswith(prefix)]
        if len(found) > nth:
            return dict(kv.split("=", 1) for kv in found[nth].split() if "=" in kv)
        if proc.poll() is not None:
            raise RuntimeError("QEMU exited (status %s) before %r; the console ends with:\n%s" %
                               (proc.returncode, prefix, console.text[-1500:]))
        if time.time() > deadline:
            raise TimeoutError("no %r from the gate after %d s; the console ends with:\n%s" %
                               (prefix, timeout, console.text[-1500:]))
        if progress and time.time() - last > 15:
            last = time.time()
            tail = console.text.strip().splitlines()[-1:] or [""]
            progress("  ... waiting for %s (console: %s)" % (prefix.strip(), tail[0][:70]))
        time.sleep(0.05)


def gate_args(cfg, signal):
    args = "action=pause,signal=%s" % signal
    args += "".join(",at=%d:%d" % (k, n) for _, k, n in cfg.checkpoints)
    return args + "".join(",marker_pc=0x%x" % pc for pc in cfg.marker_pcs)


def save(qmp, proc, console, signal, i, name, progress):
    """The gate holds the vCPU at trigger i: stop the machine there and savevm `name`."""
    qmp.send("stop")
    time.sleep(0.3)  # the stop's kick reaches the vCPU while the gate holds it
    open("%s.go%d" % (signal, i), "w").close()
    qmp.reply()
    t0 = time.time()
    qmp.hmp("savevm %s" % name)
    progress("  savevm %s (%.1f s)" % (name, time.time() - t0))
    qmp.command("cont")


def quit(qmp, proc):
    """Quit QEMU, unless the guest has just powered it off."""
    try:
        proc.wait(2)
    except subprocess.TimeoutExpired:
        try:
            qmp.send("quit")
        except OSError:
            pass
        proc.wait(60)


def take(cfg, timeout=1800, progress=print):
    """Boot `cfg`, save its checkpoints; returns [{name, marker, after, insns}] (also in JSON)."""
    os.makedirs(cfg.run_dir, exist_ok=True)
    machine.make_overlay(cfg.base_disk, cfg.overlay)
    signal = os.path.join(cfg.run_dir, "gate-signal")
    sock = os.path.join(cfg.run_dir, "qmp.sock")
    for f in [signal, sock] + ["%s.go%d" % (signal, i) for i in range(8)]:
        if os.path.exists(f):
            os.unlink(f)
    args = machine.machine_args(cfg) + ["-serial", "stdio", "-qmp", "unix:%s,server=on,wait=off" % sock,
                                        "-plugin", machine.GATE_PLUGIN + "," + gate_args(cfg, signal)]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=machine.ROOT)
    console = machine.Console(proc, os.path.join(cfg.run_dir, "checkpoint-console.log"))
    done = []
    try:
        qmp = machine.Qmp(sock)
        for i, (name, k, n) in enumerate(cfg.checkpoints):
            progress("%s: running to checkpoint %s (%d instructions after marker %d)" %
                     (cfg.name, name, n, k))
            wait_line(signal, "trigger=%d " % i, proc, console, timeout, progress)
            save(qmp, proc, console, signal, i, name, progress)
            pos = wait_line(signal, "resumed", proc, console, timeout, progress, nth=i)
            done.append({"name": name, "marker": k, "after": n, "insns": int(pos["insns"])})
        if cfg.finish:
            progress("%s: running on to the end of the workload" % cfg.name)
            console.expect(cfg.finish, timeout)
        quit(qmp, proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        console.close()
    marks = [line.split() for line in read_lines(signal) if line.startswith("marker=")]
    for c in done:  # where the checkpoint's marker and the next one are, for the report
        at = {int(m[0][7:]): int(m[1][6:]) for m in marks}
        c["marker_insns"], c["next_marker_insns"] = at.get(c["marker"]), at.get(c["marker"] + 1)
    with open(os.path.join(cfg.run_dir, "checkpoints.json"), "w") as f:
        json.dump(done, f, indent=1)
    return done


def main():
    import configs
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    cfg = configs.get(sys.argv[1], quick="--quick" in sys.argv)
    cfg.prepare()
    for c in take(cfg):
        print("%s: checkpoint %s at instruction %d" % (cfg.name, c["name"], c["insns"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
