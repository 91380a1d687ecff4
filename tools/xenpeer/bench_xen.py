#!/usr/bin/env python3
"""bench_xen.py - `make bench-xen`: pvlab's paths side by side with real Xen's.

pvlab follows Xen's ABI, so the natural peer of its figures is Xen itself,
measured the same way: under QEMU's TCG with -icount shift=0,sleep=off,
where an instruction count repeats exactly.  This script

  1. fetches Debian 12's Xen 4.17 hypervisor and a Linux 6.1 amd64 kernel
     with its headers (tools/xenpeer/fetch.sh, into build/xenpeer, never
     committed);
  2. builds the xenpeer kernel module against those headers
     (tools/xenpeer/module/) and the xenpeer user program
     (tools/xenpeer/xenpeer_user.c), and packs an initramfs with them, a
     static busybox, Debian's xen-privcmd.ko and /init
     (tools/xenpeer/init.sh): no disk;
  3. boots Xen with that Linux as its 64-bit PV dom0 on qemu-system-x86_64
     with pvlab's plugin (build/plugins/pvlab-cache.so, haps only), whose
     windows between `xchg %bx,%bx` markers count each path;
  4. boots the same kernel and initramfs without Xen (getppid on bare Linux);
  5. runs pvlab's own path-length bench (tests/bench.py: one_run(), which
     has the same kernel paths: guests/minios/bench.c) and `pbench getpid`
     and `pbench privcmd` at dom0's shell (guests/bin/pbench.c);
  6. prints the table of tools/xenpeer/xenpeer_report.py: path, pvlab, Xen,
     pvlab/Xen, and writes it to build/xenpeer/report.txt.

Each boot holds the QEMU lock (/tmp/pvlab-qemu.lock, or $PVLAB_QEMU_LOCK;
empty for none) and releases it before the next (or, with --hold-lock, the
run holds it from the first boot to the last), so do not wrap this in
flock yourself.  Facts measured on this machine kind: QEMU's multiboot
loader takes the gunzipped xen image as -kernel; Xen's dom0 crashes at its
first iretq unless SMAP is off (-cpu max,-smap: QEMU 7.2 reads the iret
frame with kernel rights); -seed 1 makes RDRAND, and so two boots,
repeat exactly.

usage: tools/xenpeer/bench_xen.py [--from-logs] [--no-pvlab] [--no-bare] [--twice]
                                  [--hold-lock]
  --from-logs  print the table from the logs a previous run left in
               build/xenpeer (no fetch, no boot; pvlab's figures too)
  --no-pvlab, --no-bare  skip that boot
  --twice      boot everything a second time and say whether every figure
               repeats (every Xen and bare-Linux window, every pvlab figure)
  --hold-lock  take the QEMU lock once, after the fetch and the build, and
               hold it until the last boot: one uninterrupted run, for the
               figures of record (make bench-xen XENPEER_ARGS=--hold-lock)
  --record-sample  copy the last run's Xen logs and pvlab's figures from
               build/xenpeer to tests/xenpeer/, the recorded run that
               make test reads (tests/xenpeer_tests.py)
"""
import contextlib
import fcntl
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "build", "xenpeer")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "lab", "linux"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import cpio  # noqa: E402
import xenpeer_report as report  # noqa: E402

PLUGIN = os.path.join(ROOT, "build", "plugins", "pvlab-cache.so")
QEMU = "qemu-system-x86_64"
MACHINE = ["-m", "1024", "-cpu", "max,-smap", "-smp", "1", "-display", "none", "-no-reboot",
           "-monitor", "none", "-icount", "shift=0,sleep=off", "-seed", "1",
           "-rtc", "base=2026-11-29T00:00:00,clock=vm"]
XEN_ARGS = "console=com1 com1=115200,8n1 dom0_mem=512M,max:512M no-bootscrub noreboot"
DOM0_ARGS = "console=hvc0 quiet"
BARE_ARGS = "console=ttyS0 quiet"
BOOT_TIMEOUT = 900
BUSYBOX_APPLETS = ["sh", "mount", "insmod", "cat", "echo", "grep", "dmesg", "uname", "poweroff"]
USER_CFLAGS = ["-O2", "-static", "-nostdlib", "-ffreestanding", "-fno-builtin",
               "-fno-tree-loop-distribute-patterns", "-fno-pie", "-no-pie", "-fno-stack-protector",
               "-fno-asynchronous-unwind-tables", "-Wall", "-Wextra", "-Wno-unused-parameter",
               "-Werror"]


def say(msg):
    print("bench-xen: %s" % msg, flush=True)


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, **kw)
    if p.returncode:
        sys.stdout.write(p.stdout)
        raise SystemExit("bench-xen: %s exited %d" % (" ".join(cmd[:3]), p.returncode))
    return p.stdout


def fetch():
    run([os.path.join(HERE, "fetch.sh"), OUT])
    with open(os.path.join(OUT, "kernel-release")) as f:
        return f.read().strip()


def build_module(release):
    """build/xenpeer/module/xenpeer.ko: Kbuild builds in the module's own folder, so in a copy."""
    mod = os.path.join(OUT, "module")
    os.makedirs(mod, exist_ok=True)
    for path in ("module/xenpeer.c", "module/Kbuild", "xenpeer.h"):
        shutil.copy(os.path.join(HERE, path), mod)
    headers = os.path.join(OUT, "root", "usr", "src", "linux-headers-" + release)
    run(["make", "-C", headers, "M=" + mod, "modules"])
    return os.path.join(mod, "xenpeer.ko")


def build_user():
    exe = os.path.join(OUT, "xenpeer-user")
    run(["gcc"] + USER_CFLAGS + ["-o", exe, os.path.join(HERE, "xenpeer_user.c")])
    return exe


def initramfs(release, module, user):
    """build/xenpeer/initrd.gz: busybox, privcmd, the module, the program and /init."""
    tree = os.path.join(OUT, "initramfs")
    shutil.rmtree(tree, ignore_errors=True)
    for d in ("bin", "dev", "proc", "sys"):
        os.makedirs(os.path.join(tree, d))
    shutil.copy(os.path.join(OUT, "root", "bin", "busybox"), os.path.join(tree, "bin"))
    for applet in BUSYBOX_APPLETS:
        os.symlink("busybox", os.path.join(tree, "bin", applet))
    privcmd = os.path.join(OUT, "root", "lib", "modules", release, "kernel", "drivers", "xen",
                           "xen-privcmd.ko")
    for src, name in ((privcmd, "xen-privcmd.ko"), (module, "xenpeer.ko"),
                      (user, "xenpeer-user"), (os.path.join(HERE, "init.sh"), "init")):
        shutil.copy(src, os.path.join(tree, name))
    os.chmod(os.path.join(tree, "init"), 0o755)
    path = os.path.join(OUT, "initrd.gz")
    console = ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1))
    cpio.write(path, cpio.pack_tree(tree, [console]))
    return path


class QemuLock:
    """The lock every pvlab QEMU boot takes, held for one boot, or for every boot of the run
    within one QemuLock(whole_run=True); `waited` adds up the waits."""
    waited = 0.0
    held = False  # inside a whole run's lock: a boot's own QemuLock takes nothing

    def __init__(self, whole_run=False):
        self.whole_run = whole_run

    def __enter__(self):
        path = os.environ.get("PVLAB_QEMU_LOCK", "/tmp/pvlab-qemu.lock")
        self.f = open(path, "a") if path and not QemuLock.held else None
        if self.f:
            say("waiting for the QEMU lock %s%s" % (path, " for the whole run" if self.whole_run
                                                    else ""))
            start = time.time()
            fcntl.flock(self.f, fcntl.LOCK_EX)
            QemuLock.waited += time.time() - start
            QemuLock.held = self.whole_run
        return self

    def __exit__(self, *exc):
        if self.f:
            QemuLock.held = False
            self.f.close()


def boot(name, args):
    """One boot with the plugin: (console, plugin log, wall seconds); logs in build/xenpeer."""
    console, log = (os.path.join(OUT, "%s-%s.log" % (name, what)) for what in ("console", "plugin"))
    for p in (console, log):
        if os.path.exists(p):
            os.unlink(p)
    cmd = [QEMU] + MACHINE + ["-serial", "file:" + console,
                              "-plugin", PLUGIN + "," + report.PLUGIN_ARGS,
                              "-d", "plugin", "-D", log] + args
    with QemuLock():
        say("booting %s (%s)" % (name, " ".join(args[:2])))
        start = time.time()
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=BOOT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise SystemExit("bench-xen: %s did not power off within %d s; see %s" %
                             (name, BOOT_TIMEOUT, console))
        wall = time.time() - start
    texts = []
    for p_ in (console, log):
        with open(p_, errors="replace") as f:
            texts.append(f.read())
    if p.returncode or "xenpeer: done" not in texts[0]:
        raise SystemExit("bench-xen: %s: QEMU exited %d%s; see %s\n%s" % (
            name, p.returncode, "" if "xenpeer: done" in texts[0] else " before /init finished",
            console, p.stdout[-2000:]))
    say("%s: %.0f s wall" % (name, wall))
    return texts[0], texts[1], wall


# pbench's operations at dom0's shell (guests/bin/pbench.c), as tests/bench.py's process table,
# and their keys among pvlab's figures: the paths that start in dom0's user space.
PBENCH = [("getpid", "getpid_dom0"), ("privcmd", "privcmd_dom0")]


def pvlab_user():
    """{key: [instructions, hypervisor entries] per operation} of dom0's `pbench OP 1000`: getpid
    through minios's system-call dispatch, xen_version through the privcmd system call."""
    from qemu import Machine
    m = Machine(append="dom0_mem=64M", icount=True, mem=256)
    figures = {}
    try:
        m.expect(r"dom0# ", 60)
        for op, key in PBENCH:
            out = m.command("pbench %s 1000" % op, timeout=300)
            r = re.search(r"BENCH %s n=\d+ insns_per_op=(\d+) hv_entries_per_op=([\d.]+)" % op,
                          out)
            if not r:
                raise SystemExit("bench-xen: pvlab's pbench %s printed no figure:\n%s" % (op, out))
            figures[key] = [int(r.group(1)), float(r.group(2))]
        m.send("halt")
        m.wait_exit(30)
    finally:
        m.kill()
    return figures


def pvlab_figures():
    """tests/bench.py's one_run() (the path-length table) and dom0's pbench, two boots."""
    import bench
    with QemuLock():
        say("pvlab: tests/bench.py one_run()")
        figures = bench.one_run()
    with QemuLock():
        say("pvlab: pbench %s at dom0's shell" % " and ".join(op for op, _ in PBENCH))
        figures.update(pvlab_user())
    with open(os.path.join(OUT, "pvlab-figures.json"), "w") as f:
        json.dump(figures, f, indent=1, sort_keys=True)
    return figures


def saved(name):
    out = []
    for what in ("console", "plugin"):
        with open(os.path.join(OUT, "%s-%s.log" % (name, what)), errors="replace") as f:
            out.append(f.read())
    return out


def boots(args, xen, bare):
    """Boot Xen, bare Linux and pvlab (as args ask): what a second run must repeat exactly,
    {boot: its window lines and the plugin's windows, or pvlab's figures}."""
    got = {}
    for name, qemu_args in (("xen", xen), ("bare", bare)):
        if name == "xen" or "--no-" + name not in args:
            boot(name, qemu_args)
            console, log = saved(name)
            got[name] = (report.window_lines(console), report.plugin_windows(log))
    if "--no-pvlab" not in args:
        got["pvlab"] = pvlab_figures()
    return got


def differences(first, again):
    """What two runs' figures do not share: a list of sentences (empty when identical)."""
    out = []
    for name in sorted(first):
        if name == "pvlab":
            out += ["pvlab %s: %s, then %s" % (k, first[name].get(k), again[name].get(k))
                    for k in sorted(set(first[name]) | set(again[name]))
                    if first[name].get(k) != again[name].get(k)]
        elif first[name] != again[name]:
            out += ["%s window %d: %s, then %s" % (name, i + 1, a, b) for i, (a, b) in
                    enumerate(zip(first[name][1], again[name][1])) if a != b]
            if first[name][0] != again[name][0]:
                out.append("%s: the window lines differ" % name)
    return out


def measure(args):
    """Fetch, build, boot (twice with --twice): the logs of the last run in build/xenpeer."""
    release = fetch()
    say("Linux %s; building the module and the program" % release)
    rd = initramfs(release, build_module(release), build_user())
    kernel = os.path.join(OUT, "root", "boot", "vmlinuz-" + release)
    xen = ["-kernel", os.path.join(OUT, "xen"), "-append", XEN_ARGS,
           "-initrd", "%s %s,%s" % (kernel, DOM0_ARGS, rd)]
    bare = ["-kernel", kernel, "-append", BARE_ARGS, "-initrd", rd]
    hold = "--hold-lock" in args
    with QemuLock(whole_run=True) if hold else contextlib.nullcontext():
        start = time.time()
        first = boots(args, xen, bare)
        if "--twice" in args:
            again = boots(args, xen, bare)
            diff = differences(first, again)
            say("two runs (%s): %s" % (", ".join(sorted(first)),
                                       "every figure identical" if not diff else
                                       "figures DIFFER:\n  " + "\n  ".join(diff)))
        say("the boots: %.0f s wall%s" % (time.time() - start,
                                          " with the QEMU lock held throughout" if hold else ""))


def print_report(args):
    xen = report.xen_figures(*saved("xen"))
    problems = report.checks(xen)
    bare = None
    if os.path.exists(os.path.join(OUT, "bare-console.log")) and "--no-bare" not in args:
        b = report.xen_figures(*saved("bare"))
        problems += ["bare Linux: " + p for p in report.checks(b, want_xen=False)]
        bare = b["getppid"]["insns"] if "getppid" in b else None
    pv = None
    pvpath = os.path.join(OUT, "pvlab-figures.json")
    if os.path.exists(pvpath) and "--no-pvlab" not in args:
        with open(pvpath) as f:
            pv = json.load(f)
        problems += report.pvlab_checks(pv)
    text = report.format_table(report.table(pv, xen), bare) + "\n\n" + report.format_places(xen)
    text = ("pvlab and Xen 4.17 under QEMU -icount shift=0,sleep=off (%s; each Xen figure the\n"
            "smallest of %d windows of %d round trips, per round trip; pvlab's from tests/bench.py)\n\n"
            % (QEMU, len(xen["xen_version"]["windows"]) if "xen_version" in xen else 0,
               xen.get("xen_version", {}).get("n", 0)) + text)
    print(text)
    with open(os.path.join(OUT, "report.txt"), "w") as f:
        f.write(text + "\n")
    for p in problems:
        print("bench-xen: warning: %s" % p)
    return 1 if problems else 0


SAMPLE = ["xen-console.log", "xen-plugin.log", "pvlab-figures.json"]


def record_sample():
    dest = os.path.join(ROOT, "tests", "xenpeer")
    os.makedirs(dest, exist_ok=True)
    for name in SAMPLE:
        shutil.copy(os.path.join(OUT, name), dest)
    say("recorded %s in %s" % (", ".join(SAMPLE), dest))


def main():
    args = sys.argv[1:]
    os.makedirs(OUT, exist_ok=True)
    if "--record-sample" in args:
        record_sample()
        return 0
    start = time.time()
    if "--from-logs" not in args:
        measure(args)
    try:
        rc = print_report(args)
    except report.RunError as e:
        raise SystemExit("bench-xen: %s (logs in %s)" % (e, OUT))
    if "--from-logs" not in args:
        print("\nbench-xen: %.0f s wall in all, %.0f s of it waiting for the QEMU lock" %
              (time.time() - start, QemuLock.waited))
    return rc


if __name__ == "__main__":
    sys.exit(main())
