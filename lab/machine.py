"""machine.py - one QEMU for the lab: its command line, its QMP socket and
its console, shared by lab/checkpoint.py and lab/measure.py.

A checkpoint taken with `savevm` can only be loaded by a QEMU with the same
machine (DESIGN.md decision 12: and the same -icount), so both steps build
their command line here, from one Config: the kernel and its modules, the
memory, the disk (a qcow2 overlay that holds the snapshots), and always
`-icount shift=0,sleep=off`.  The disk is cache=unsafe: a guest's flush
is not an fsync on the host, whose time (real, not virtual) would otherwise
show up in the guest's clock as seconds of I/O wait.  (Only blkbench's
stand-in still gives its guest a disk; every other configuration's file
systems are RAM disks, and its qcow2 only holds the snapshots.)  Only what is not machine state differs between
them: the plugins, -loadvm, the logs.

Lab QEMUs are driven through QMP (`-qmp unix:...`), the machine-readable
monitor: `stop`, `cont`, `quit`, and `savevm` through
`human-monitor-command`.  QMP also sends events (STOP, RESUME, ...) at any
time; Qmp.command() skips them and returns the answer to its command.

The console (the serial line) is copied by a thread into a log file under
build/lab/runs/, and kept in memory for expect().
"""
import json
import os
import re
import socket
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
QEMU = "qemu-system-i386"
CACHE_PLUGIN = os.path.join(BUILD, "plugins", "pvlab-cache.so")
GATE_PLUGIN = os.path.join(BUILD, "lab", "pvlab-gate.so")


def machine_args(cfg):
    """The machine: identical for the checkpoint run and every measurement run."""
    args = [QEMU, "-m", str(cfg.mem), "-display", "none", "-no-reboot", "-monitor", "none",
            "-icount", "shift=0,sleep=off", "-kernel", cfg.kernel]
    if cfg.initrd:
        args += ["-initrd", cfg.initrd]
    if cfg.append:
        args += ["-append", cfg.append]
    # A configuration with no base disk (its file systems are RAM disks) still needs a qcow2
    # for savevm to keep its snapshots in: a drive the guest cannot see (if=none), so no IDE
    # probe or partition read - a disk completion at a host-chosen moment - enters its boot.
    bus = "if=ide,index=0" if cfg.base_disk else "if=none,id=snapshots"
    args += ["-drive", "file=%s,format=qcow2,%s,cache=unsafe" % (cfg.overlay, bus)]
    return args + list(cfg.extra)


def make_overlay(base, overlay):
    """A fresh qcow2 overlay on `base` (raw), or a small empty qcow2 when there is no base."""
    if os.path.exists(overlay):
        os.unlink(overlay)
    os.makedirs(os.path.dirname(overlay), exist_ok=True)
    if base:
        cmd = ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", os.path.abspath(base),
               overlay]
    else:
        cmd = ["qemu-img", "create", "-q", "-f", "qcow2", overlay, "1M"]
    subprocess.run(cmd, check=True)


def snapshots(overlay):
    """Names of the internal snapshots in a qcow2 image."""
    out = subprocess.run(["qemu-img", "snapshot", "-l", overlay], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode()
    return re.findall(r"^\d+\s+(\S+)\s", out, re.M)


class Qmp:
    def __init__(self, path, timeout=30):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""
        self._message()  # the greeting
        self.command("qmp_capabilities")

    def _message(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("QMP closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def send(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")

    def reply(self):
        """The next answer to a command (events are skipped)."""
        while True:
            m = self._message()
            if "return" in m:
                return m["return"]
            if "error" in m:
                raise RuntimeError("QMP: %s" % m["error"].get("desc"))

    def command(self, name, **arguments):
        self.send(name, **arguments)
        return self.reply()

    def hmp(self, line):
        """A human monitor command (savevm has no QMP command in 7.2); returns its output."""
        out = self.command("human-monitor-command", **{"command-line": line})
        if out.strip():
            raise RuntimeError("monitor: %s: %s" % (line, out.strip()))
        return out


class Console:
    """QEMU's stdout (the serial line) copied to a file and kept for expect()."""

    def __init__(self, proc, path):
        self.text, self.pos = "", 0
        self.file = open(path, "w")
        self.follow(proc)

    def follow(self, proc):
        """Copy `proc`'s output from now on (the next QEMU of a checkpoint run: the text and
        the log go on where the last one's ended)."""
        if getattr(self, "thread", None):
            self.thread.join(5)
        self.proc = proc
        self.thread = threading.Thread(target=self._copy, args=(proc,), daemon=True)
        self.thread.start()

    def _copy(self, proc):
        for chunk in iter(lambda: os.read(proc.stdout.fileno(), 65536), b""):
            s = chunk.decode("utf-8", "replace").replace("\r", "")
            self.text += s
            self.file.write(s)
            self.file.flush()

    def expect(self, pattern, timeout):
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        while True:
            m = rx.search(self.text, self.pos)
            if m:
                self.pos = m.end()
                return m
            if time.time() > deadline or (self.proc.poll() is not None and not self.thread.is_alive()):
                raise TimeoutError("no %r on the console; it ends with:\n%s" %
                                   (pattern, self.text[-1200:]))
            time.sleep(0.1)

    def close(self):
        self.thread.join(5)
        self.file.close()
