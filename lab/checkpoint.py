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


DETACH = "\x1d"  # Ctrl-]: leaves `xm-lite console` for dom0's prompt (tools/xm-lite/consoled.c)


class Typist:
    """Types cfg.script on the console from a thread: each line once its pattern has appeared."""

    def __init__(self, proc, console, script, timeout, progress, fail=None):
        self.proc, self.console, self.script = proc, console, list(script)
        self.fail = re.compile(fail) if fail else None
        self.timeout, self.progress, self.error, self.pos = timeout, progress, None, 0
        self.switching = False  # take() is replacing the QEMU process (a new Segment)
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
            if time.time() > deadline or (self.proc.poll() is not None and not self.switching):
                raise TimeoutError("no %r on the console before typing" % pattern)
            time.sleep(0.1)

    def _type(self):
        try:
            for pattern, line in self.script:
                self._wait(pattern)
                while self.switching:  # no QEMU to type at until the next segment runs
                    time.sleep(0.05)
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


NEVER = (0, 1 << 62)  # the gate wants a trigger: the last segment's is never reached


class Segment:
    """One QEMU process of a checkpoint run: the boot, or a restart from the last snapshot.
    Its gate counts instructions and markers from its own start; `insns` and `markers` are
    how many the run had done before it, so its counts plus these are the run's."""

    def __init__(self, cfg, triggers, index, insns, markers, loadvm, stdin):
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
        self.proc = subprocess.Popen(args, stdin=stdin, stdout=subprocess.PIPE,
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
    (a Segment): the machine is never continued after a savevm.  A domU's dbench-lite now and
    then stopped making progress after a savevm and `cont` in its run (dom0 spinning, nothing
    printed, for minutes), while runs loaded from the same snapshots never did; the
    measurements load the snapshots in any case.  The console, its log and the console script
    carry on across the segments, which changes nothing for the guest."""
    os.makedirs(cfg.run_dir, exist_ok=True)
    machine.make_overlay(cfg.base_disk, cfg.overlay)
    for f in os.listdir(cfg.run_dir):
        if f.startswith("gate-signal"):
            os.unlink(os.path.join(cfg.run_dir, f))
    script = getattr(cfg, "script", None)
    stdin = subprocess.PIPE if script else subprocess.DEVNULL
    seg = Segment(cfg, [(k, n) for _, k, n in cfg.checkpoints], 0, 0, 0, None, stdin)
    console = machine.Console(seg.proc, os.path.join(cfg.run_dir, "checkpoint-console.log"))
    done, marks, typist = [], {}, None
    try:
        seg.connect()
        typist = Typist(seg.proc, console, script, timeout, progress,
                        getattr(cfg, "script_fail", None)) if script else None
        for i, (name, k, n) in enumerate(cfg.checkpoints):
            progress("%s: running to checkpoint %s (%d instructions after marker %d)" %
                     (cfg.name, name, n, k))
            j = i - (len(cfg.checkpoints) - len(seg.triggers))
            wait_line(seg.signal, "trigger=%d " % j, seg.proc, console, timeout, progress,
                      typist=typist)
            save(seg.qmp, seg.proc, console, seg.signal, j, name, progress)
            if typist:
                typist.switching = True
            ran, passed = seg.end(60)
            marks.update(seg.marks())
            insns, markers = seg.insns + ran, seg.markers + passed
            done.append({"name": name, "marker": k, "after": n, "insns": insns})
            rest = cfg.checkpoints[i + 1:]
            if not rest and not typist and not cfg.finish:
                seg = None
                break
            seg = Segment(cfg, relative(rest, insns, markers, marks), i + 1, insns, markers, name,
                          stdin)
            console.follow(seg.proc)
            seg.connect()
            if typist:
                typist.proc, typist.switching = seg.proc, False
        if seg and (typist or cfg.finish):
            progress("%s: running on to the end of the workload" % cfg.name)
            if typist:
                typist.join(timeout)
            if cfg.finish:
                console.expect(cfg.finish, timeout)
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
