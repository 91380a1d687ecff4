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

A configuration whose workload is typed at a shell (pvlab's dbench-lite
rows) has a `script`: (pattern, line) pairs that a thread types on the
serial line, each once `pattern` has appeared on the console after the
previous one (a prompt).  Only the checkpoint run types: a measurement
starts from a snapshot taken after the line was typed.  The guest time at
which a line arrives follows the host, so the instruction count of a
checkpoint can differ between two `make lab` runs; everything measured from
one snapshot cannot.

After the last checkpoint the machine runs on until the script is done and
the configuration's `finish` pattern appears on its console (the
workload's own figures, e.g. dbench's Throughput lines), or is told to
quit.  The console goes to build/lab/runs/CONFIG/checkpoint-console.log.
"""
import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine  # noqa: E402


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


STALL_SECONDS = 90  # a workload that prints nothing, and passes no marker, for this long has hung


class Stalled(RuntimeError):
    """The guest stopped making visible progress (lab.py boots the configuration again)."""


class Watch:
    """When the console or the gate's signal file last changed."""

    def __init__(self, console, path=None):
        self.console, self.path, self.seen, self.since = console, path, None, time.time()

    def check(self, what):
        now = (len(self.console.text), len(read_lines(self.path)) if self.path else 0)
        if now != self.seen:
            self.seen, self.since = now, time.time()
        elif time.time() - self.since > STALL_SECONDS:
            raise Stalled("no console output and no marker for %d s while waiting for %s; the "
                          "console ends with:\n%s" % (STALL_SECONDS, what, self.console.text[-1500:]))


def wait_line(path, prefix, proc, console, timeout, progress, nth=0, typist=None):
    """Wait for the nth line of the gate's signal file that starts with `prefix`; return its fields.
    Raises Stalled when neither the console nor the signal file changes for STALL_SECONDS."""
    deadline, last, watch = time.time() + timeout, time.time(), Watch(console, path)
    while True:
        found = [line for line in read_lines(path) if line.startswith(prefix)]
        if len(found) > nth:
            return dict(kv.split("=", 1) for kv in found[nth].split() if "=" in kv)
        watch.check(prefix.strip())
        if typist and typist.error:
            typist.join(0)  # raises, with the console's end
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


DETACH = "\x1d"  # Ctrl-]: leaves `xm-lite console` for dom0's prompt (tools/xm-lite/consoled.c)


class Typist:
    """Types cfg.script on the console from a thread: each line once its pattern has appeared."""

    def __init__(self, proc, console, script, timeout, progress, fail=None):
        self.proc, self.console, self.script = proc, console, list(script)
        self.fail = re.compile(fail) if fail else None
        self.timeout, self.progress, self.error, self.pos = timeout, progress, None, 0
        self.thread = threading.Thread(target=self._type, daemon=True)
        self.thread.start()

    def _wait(self, pattern):
        rx, deadline = re.compile(pattern), time.time() + self.timeout
        watch = Watch(self.console)
        while True:
            watch.check("%r before typing" % pattern)
            m = rx.search(self.console.text, self.pos)
            if m:
                self.pos = m.end()
                return
            bad = self.fail.search(self.console.text, self.pos) if self.fail else None
            if bad:
                raise RuntimeError("the workload failed (%r)" % bad.group(0))
            if time.time() > deadline or self.proc.poll() is not None:
                raise TimeoutError("no %r on the console before typing" % pattern)
            time.sleep(0.1)

    def _type(self):
        try:
            for pattern, line in self.script:
                self._wait(pattern)
                if line is not None:  # Ctrl-] (dom0's detach key) is sent alone, as typed
                    self.progress("  typing: %s" % line.replace(DETACH, "Ctrl-]"))
                    self.proc.stdin.write((line if line == DETACH else line + "\r").encode())
                    self.proc.stdin.flush()
        except (OSError, RuntimeError, TimeoutError) as e:
            self.error = e

    def join(self, timeout):
        self.thread.join(timeout)
        if isinstance(self.error, Stalled):
            raise self.error
        if self.error or self.thread.is_alive():
            raise RuntimeError("the console script stopped: %s; the console ends with:\n%s" % (
                self.error or "timeout", self.console.text[-1500:]))


def take(cfg, timeout=1800, progress=print):
    """Boot `cfg`, save its checkpoints; returns [{name, marker, after, insns}] (also in JSON)."""
    os.makedirs(cfg.run_dir, exist_ok=True)
    machine.make_overlay(cfg.base_disk, cfg.overlay)
    signal = os.path.join(cfg.run_dir, "gate-signal")
    sock = os.path.join(cfg.run_dir, "qmp.sock")
    for f in [signal, sock] + ["%s.go%d" % (signal, i) for i in range(len(cfg.checkpoints))]:
        if os.path.exists(f):
            os.unlink(f)
    args = machine.machine_args(cfg) + ["-serial", "stdio", "-qmp", "unix:%s,server=on,wait=off" % sock,
                                        "-plugin", machine.GATE_PLUGIN + "," + gate_args(cfg, signal)]
    script = getattr(cfg, "script", None)
    proc = subprocess.Popen(args, stdin=subprocess.PIPE if script else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=machine.ROOT)
    console = machine.Console(proc, os.path.join(cfg.run_dir, "checkpoint-console.log"))
    done = []
    try:
        qmp = machine.Qmp(sock)
        typist = Typist(proc, console, script, timeout, progress,
                        getattr(cfg, "script_fail", None)) if script else None
        for i, (name, k, n) in enumerate(cfg.checkpoints):
            progress("%s: running to checkpoint %s (%d instructions after marker %d)" %
                     (cfg.name, name, n, k))
            wait_line(signal, "trigger=%d " % i, proc, console, timeout, progress, typist=typist)
            save(qmp, proc, console, signal, i, name, progress)
            pos = wait_line(signal, "resumed", proc, console, timeout, progress, nth=i)
            done.append({"name": name, "marker": k, "after": n, "insns": int(pos["insns"])})
        if typist or cfg.finish:
            progress("%s: running on to the end of the workload" % cfg.name)
        if typist:
            typist.join(timeout)
        if cfg.finish:
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
