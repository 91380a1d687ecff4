"""qemu.py - drive a pvlab machine in QEMU from a test.

A Machine starts QEMU with the serial console on a pipe, lets a test wait for
text (expect), type lines (send) and collect the exit status.  Under
isa-debug-exit a guest or the hypervisor can end QEMU with a chosen status:
0 is a clean ACPI power-off, 3 means "the initial domain crashed", 255 a
hypervisor panic.
"""
import os
import re
import select
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
QEMU = "qemu-system-i386"
EXIT_CRASH = 3   # isa-debug-exit value 1: the initial domain crashed
EXIT_PANIC = 255  # isa-debug-exit value 0x7f: hypervisor panic


class Timeout(Exception):
    pass


def check(cond, msg):
    """A test's assertion: fails the test with `msg` (AssertionError)."""
    if not cond:
        raise AssertionError(msg)


def halt(m, status=0):
    """Type halt at dom0's prompt and check QEMU's exit status."""
    m.send("halt")
    m.expect(r"shut down: poweroff", 30)
    rc = m.wait_exit(30)
    check(rc == status, "QEMU exit status %d, expected %d" % (rc, status))


class Machine:
    def __init__(self, modules=None, append="", mem=256, icount=False, iso=None, extra=None,
                 icount_sleep=False, kernel=None):
        """kernel: boot this multiboot image alone, no hypervisor (minios natively); modules are
        then its own multiboot modules (its boot archive), if given."""
        args = [QEMU, "-m", str(mem), "-display", "none", "-no-reboot", "-serial", "stdio",
                "-monitor", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        if icount:
            args += ["-icount", "shift=0,sleep=%s" % ("on" if icount_sleep else "off")]
        if iso:
            args += ["-cdrom", iso, "-boot", "d"]
        elif kernel:
            args += ["-kernel", kernel, "-append", append] + (
                ["-initrd", ",".join(modules)] if modules else [])
        else:
            args += ["-kernel", os.path.join(BUILD, "hv.elf"), "-append", append,
                     "-initrd", ",".join(modules or [os.path.join(BUILD, "minios.elf") + " dom0",
                                                     os.path.join(BUILD, "bootfs.cpio")])]
        args += extra or []
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=ROOT)
        self.output = ""
        self.pos = 0  # expect() searches from here

    def _read(self, timeout):
        fd = self.proc.stdout.fileno()
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return False
        data = os.read(fd, 65536)
        if not data:
            return None
        self.output += data.decode("utf-8", "replace").replace("\r", "")
        return True

    def expect(self, pattern, timeout=30):
        """Wait until `pattern` (a regex) appears after the last match; return the match."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        while True:
            m = rx.search(self.output, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.time()
            if left <= 0:
                raise Timeout("timed out waiting for %r; the console ends with:\n%s" %
                              (pattern, self.output[-1500:]))
            if self._read(min(left, 0.5)) is None:
                m = rx.search(self.output, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                raise Timeout("QEMU exited while waiting for %r" % pattern)

    def send(self, line):
        self.send_raw(line + "\r")

    def send_raw(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def detach(self, prompt=r"dom0# "):
        """Ctrl-] leaves a domU's console (xm-lite console) and returns to dom0's prompt."""
        self.send_raw("\x1d")
        self.expect(prompt)

    def command(self, line, prompt=r"dom0# ", timeout=30):
        """Type a command at the prompt and return everything it printed up to the next prompt."""
        start = len(self.output)
        self.send(line)
        self.expect(prompt, timeout)
        return self.output[start:self.pos]

    def wait_exit(self, timeout=30):
        deadline = time.time() + timeout
        while self.proc.poll() is None:
            if time.time() > deadline:
                self.kill()
                raise Timeout("QEMU did not exit")
            self._read(0.2)
        while self._read(0):
            pass
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
