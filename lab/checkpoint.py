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
releases the gate, waits for the machine to be stopped and runs `savevm
NAME`.  Then it quits QEMU - the gate's "exit insns=X markers=M" line is
the exact instruction count at the snapshot - and starts the next segment
of the run: a new QEMU that loads NAME (-loadvm) with the remaining
triggers counted from there (take()'s docstring says why a saved machine
is never continued).  The counts are kept in build/lab/runs/CONFIG/
checkpoints.json, every marker's in markers.json.

Nothing is typed: every configuration's workload starts by itself at boot
(minios's rc=FILE, Linux's /init), so no host decides when a guest sees
its input, and under -icount a boot repeats to the instruction: two `make
lab` runs put every checkpoint at the same instruction count (every lab
file system is a RAM disk, lab/configs.py; an IDE disk's completions would
follow the host, as blkbench's still do).
While it waits, a line every 15 s shows the console's last line and, from
dbench's per-second lines, which run and phase the boot is in and the
share of its dbench seconds done (workload_progress()).

After the last checkpoint the machine runs on until the configuration's
`finish` pattern appears on its console (after the workload's own figures,
e.g. dbench's Throughput lines), or is told to quit; its `fail` pattern
(a dbench that failed) stops the run at once.  The console goes to build/lab/runs/CONFIG/checkpoint-console.log.
"""
import json
import os
import re
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


def failed(console, fail):
    """Raise if the workload said it failed (the configuration's `fail` pattern)."""
    bad = re.search(fail, console.text) if fail else None
    if bad:
        raise RuntimeError("the workload failed (%r); the console ends with:\n%s" % (
            bad.group(0), console.text[-1500:]))


def wait_line(path, prefix, proc, console, timeout, progress, nth=0, fail=None):
    """Wait for the nth line of the gate's signal file that starts with `prefix`; return its fields.
    Raises Stalled when neither the console nor the signal file changes for STALL_SECONDS."""
    deadline, last, watch = time.time() + timeout, time.time(), Watch(console, path)
    while True:
        found = [line for line in read_lines(path) if line.startswith(prefix)]
        if len(found) > nth:
            return dict(kv.split("=", 1) for kv in found[nth].split() if "=" in kv)
        watch.check(prefix.strip())
        failed(console, fail)
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


def save(qmp, proc, console, signal, i, name, progress):
    """The gate holds the vCPU at trigger i: stop the machine there and savevm `name` (the
    machine stays stopped: take() quits this process and loads the snapshot in the next)."""
    qmp.send("stop")
    time.sleep(0.3)  # the stop's kick reaches the vCPU while the gate holds it
    open("%s.go%d" % (signal, i), "w").close()
    qmp.reply()
    t0 = time.time()
    qmp.hmp("savevm %s" % name)
    progress("  savevm %s (%.1f s)" % (name, time.time() - t0))


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


def wait_console(console, pattern, proc, timeout, progress, fail=None):
    """Wait for `pattern` on the console (after what expect() has consumed), with wait_line's
    stall, failure and progress reports."""
    rx, deadline, last, watch = re.compile(pattern), time.time() + timeout, time.time(), Watch(console)
    while not rx.search(console.text, console.pos):
        watch.check(repr(pattern))
        failed(console, fail)
        if proc.poll() is not None and not console.thread.is_alive():
            raise RuntimeError("QEMU exited (status %s) before %r; the console ends with:\n%s" %
                               (proc.returncode, pattern, console.text[-1500:]))
        if time.time() > deadline:
            raise TimeoutError("no %r on the console after %d s; it ends with:\n%s" %
                               (pattern, timeout, console.text[-1500:]))
        if time.time() - last > 15:
            last = time.time()
            progress("  ... waiting for the end of the workload")
        time.sleep(0.1)


def workload_progress(cfg, text):
    """Where the boot's dbench runs are, from the console: e.g. ' [pvlab: dbench run 3/6, execute
    1 s; 45 % of the boot's dbench seconds]' (the configuration's run_seconds: each run's -t, in
    order; the warm-up is a fifth of it, as dbench's and dbench-lite's).  A run's report seen
    again (a console replay) is not counted twice."""
    runs = getattr(cfg, "run_seconds", None)
    if not runs:
        return ""
    reports = list(dict.fromkeys(re.findall(r"Throughput [\d.]+ MB/sec.*", text)))
    n = min(len(reports), len(runs))
    tail = text[text.rfind("Throughput"):] if reports else text
    ticks = re.findall(r"MB/sec\s+(warmup|execute)\s+(\d+) sec", tail)
    phase, sec = ticks[-1] if ticks and n < len(runs) else ("", "0")
    now = int(sec) + (runs[n] // 5 if phase == "execute" else 0) if n < len(runs) else 0
    pct = 100 * (sum(runs[:n]) + now) // sum(runs)
    what = "dbench run %d/%d%s" % (min(n + 1, len(runs)), len(runs),
                                   ", %s %s s" % (phase, sec) if phase else "")
    return " [%s: %s; %d %% of the boot's dbench seconds]" % (cfg.name, what, pct)


NEVER = (0, 1 << 62)  # the gate wants a trigger: the last segment's is never reached


class Segment:
    """One QEMU process of a checkpoint run: the boot, or a restart from the last snapshot.
    Its gate counts instructions and markers from its own start; `insns` and `markers` are
    how many the run had done before it, so its counts plus these are the run's."""

    def __init__(self, cfg, triggers, index, insns, markers, loadvm):
        self.insns, self.markers, self.triggers = insns, markers, triggers
        self.signal = os.path.join(cfg.run_dir, "gate-signal" + ("" if index == 0 else ".%d" % index))
        self.sock = os.path.join(cfg.run_dir, "qmp.sock")
        for f in [self.signal, self.sock] + ["%s.go%d" % (self.signal, i) for i in range(len(triggers))]:
            if os.path.exists(f):
                os.unlink(f)
        gate = "action=pause,signal=%s" % self.signal
        gate += "".join(",at=%d:%d" % t for t in triggers or [NEVER])
        gate += "".join(",marker_pc=0x%x" % pc for pc in cfg.marker_pcs)
        args = machine.machine_args(cfg) + [
            "-serial", "stdio", "-qmp", "unix:%s,server=on,wait=off" % self.sock,
            "-plugin", machine.GATE_PLUGIN + "," + gate] + (["-loadvm", loadvm] if loadvm else [])
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=machine.ROOT)
        self.qmp = None

    def connect(self):
        self.qmp = machine.Qmp(self.sock)

    def marks(self):
        """{marker number in the run: its instruction count in the run}, from this segment."""
        return {self.markers + int(m[0][7:]): self.insns + int(m[1][6:])
                for m in (line.split() for line in read_lines(self.signal))
                if m and m[0].startswith("marker=")}

    def end(self, timeout, stopped=True):
        """Quit - a stopped machine at once, a running one unless it has just powered off -
        and return the instructions and markers it executed (the gate's exit line)."""
        if stopped:
            self.qmp.send("quit")
            self.proc.wait(timeout)
        else:
            quit(self.qmp, self.proc)
        for _ in range(int(timeout * 20)):
            ex = [line for line in read_lines(self.signal) if line.startswith("exit ")]
            if ex:
                f = dict(kv.split("=", 1) for kv in ex[0].split()[1:])
                return int(f["insns"]), int(f["markers"])
            time.sleep(0.05)
        raise RuntimeError("the gate wrote no exit line in %s" % self.signal)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def relative(checkpoints, insns, markers, marks):
    """Triggers at=K:N for `checkpoints` in a segment that starts `insns` instructions and
    `markers` markers into the run (marks: {marker: insns} of the run so far)."""
    out = []
    for _, k, n in checkpoints:
        if k > markers:
            out.append((k - markers, n))
        else:  # its marker is behind us: count from the segment's start
            out.append((0, max(1, n - (insns - marks.get(k, 0)))))
    return out


def take(cfg, timeout=1800, progress=print):
    """Boot `cfg`, save its checkpoints; returns [{name, marker, after, insns}] (also in JSON).

    After each savevm the QEMU process quits and a new one loads that snapshot and goes on
    (a Segment): the machine is never continued after a savevm.  (This began as a workaround
    for a domU that stalled after savevm and `cont`; the cause was blkfront's lost wake-up,
    450c255.  Segments stay: a measurement loads the snapshot in just the same way.)  The
    console and its log carry on across the segments, which changes nothing for the guest."""
    os.makedirs(cfg.run_dir, exist_ok=True)
    machine.make_overlay(cfg.base_disk, cfg.overlay)
    for f in os.listdir(cfg.run_dir):
        if f.startswith("gate-signal"):
            os.unlink(os.path.join(cfg.run_dir, f))
    seg = Segment(cfg, [(k, n) for _, k, n in cfg.checkpoints], 0, 0, 0, None)
    console = machine.Console(seg.proc, os.path.join(cfg.run_dir, "checkpoint-console.log"))
    done, marks = [], {}
    fail, where = getattr(cfg, "fail", None), lambda: workload_progress(cfg, console.text)
    try:
        seg.connect()
        for i, (name, k, n) in enumerate(cfg.checkpoints):
            progress("%s: running to checkpoint %s (%d instructions after marker %d)" %
                     (cfg.name, name, n, k))
            j = i - (len(cfg.checkpoints) - len(seg.triggers))
            wait_line(seg.signal, "trigger=%d " % j, seg.proc, console, timeout,
                      lambda msg: progress(msg + where()), fail=fail)
            save(seg.qmp, seg.proc, console, seg.signal, j, name, progress)
            ran, passed = seg.end(60)
            marks.update(seg.marks())
            insns, markers = seg.insns + ran, seg.markers + passed
            done.append({"name": name, "marker": k, "after": n, "insns": insns})
            rest = cfg.checkpoints[i + 1:]
            if not rest and not cfg.finish:
                seg = None
                break
            seg = Segment(cfg, relative(rest, insns, markers, marks), i + 1, insns, markers, name)
            console.follow(seg.proc)
            seg.connect()
        if seg and cfg.finish:
            progress("%s: running on to the end of the workload" % cfg.name)
            wait_console(console, cfg.finish, seg.proc, timeout,
                         lambda msg: progress(msg + where()), fail)
            seg.end(60, stopped=False)
            marks.update(seg.marks())
    finally:
        if seg:
            seg.kill()
        console.close()
    for c in done:  # where the checkpoint's marker and the next one are, for the report
        c["marker_insns"], c["next_marker_insns"] = marks.get(c["marker"]), marks.get(c["marker"] + 1)
    with open(os.path.join(cfg.run_dir, "checkpoints.json"), "w") as f:
        json.dump(done, f, indent=1)
    with open(os.path.join(cfg.run_dir, "markers.json"), "w") as f:
        json.dump(marks, f, indent=1)
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
