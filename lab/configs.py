"""configs.py - the lab's configurations: what boots, what runs, where the
checkpoints go and how big the measured window is.

A configuration is one boot of one machine (lab/machine.py) that saves one
or more checkpoints (lab/checkpoint.py); each checkpoint is one row of the
report, measured over a fixed window (lab/measure.py).  Every configuration
runs under -icount shift=0,sleep=off, so an instruction count is also a
time: 10^9 instructions are one second of the guest's clock.

  linux       Debian's i386 686 kernel, the real dbench 4.0 with client.txt
              on an ext2 on /dev/ram0, Linux's own RAM disk (brd, made by
              its /init: lab/linux/), 1 client then 2 clients, each with
              markers run by /init (lab/linux/marker.c) at its start, 2 s
              (guest time) into its execute phase, and its end;
              checkpoints linux-1 and linux-2 are at the middle markers.
              No disk, and the RTC runs on the virtual clock from a fixed
              date (LINUX_RTC): its boot repeats to the instruction
  pvlab       pvlab with minios as dom0 (LAB_PV_WORKLOAD=dbench, the
              default), its root ram0, a RAM disk of its boot archive
              (root=ram0).  Nothing is typed: rc=/lab/dom0.rc makes dom0's
              shell run `dbench -c /lab/client.txt -t PV_SECONDS 1`, then
              `... 2`, a traced run, copy the loadfile onto ram1 and
              create a domU whose xvda is ram1 (through blkfront and
              blkback) and whose own rc runs the same two commands, then a
              second domU for the traced run (pvlab_scripts()).
              dbench-lite executes xchg %bx,%bx at the start and the end
              of each execute phase, so markers 1-2, 3-4 (dom0) and 7-8,
              9-10 (domU) enclose the measured phases; checkpoints dom0-1,
              dom0-2, domU-1 and domU-2 are PV_DBENCH_AFTER instructions
              after markers 1, 3, 7 and 9, and a window ends at the next
              marker if that comes first (lab.py).  With no disk I/O and
              no typing, the boot repeats to the instruction (repeat.py).
              LAB_PV_WORKLOAD=blkbench boots the earlier stand-in instead
              (on the IDE disk, so not exact): `blkbench` on the command
              line, dom0 runs `blk bench hda1`, then a domU `blk bench
              xvda`; minios executes no marker there, so the gate counts
              entries into bench_one() (marker_pc; 4 per benchmark) and
              checkpoints dom0 and domU are PV_AFTER instructions after the
              first entry in each
  native      minios alone on the machine, the same image, its root ram0 of
              its own boot archive; rc=/lab/native.rc runs the same two
              dbench-lite runs (markers 1-2, 3-4)
  native-test the native test kernel tests/instrument/native_haps.S: the
              checkpoint test of tests/lab_tests.py (not in the report)

A configuration slots in with one entry in CONFIGS and one row per
checkpoint in ROWS.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine  # noqa: E402

BUILD, ROOT = machine.BUILD, machine.ROOT
# Where the lab's runs, CSVs and report go: build/lab, or PVLAB_LAB_DIR (tests/lab_tests.py
# runs make lab-quick's pipeline in a directory of its own, leaving a real make lab's alone).
LAB = os.environ.get("PVLAB_LAB_DIR") or os.path.join(BUILD, "lab")
RUNS = os.path.join(LAB, "runs")

WINDOW = 300_000_000       # instructions measured from each checkpoint
PV_WINDOW = 100_000_000    # blk bench lasts ~150 M instructions per domain: stay inside it
QUICK_WINDOW = 20_000_000  # make lab-quick
LINUX_SECONDS = 10         # dbench -t: 2 s of warm-up (a fifth), 8 s of execute phase
LINUX_WARMUP = 0.2         # dbench 4.0 warms up for a fifth of -t and counts only what follows
PV_AFTER = 20_000_000
# pvlab's workload: "dbench" (dbench-lite with client.txt, the homework's)
# or "blkbench" (the stand-in used before minios had an ext2 root).  The
# switch: LAB_PV_WORKLOAD=blkbench make lab.
PV_WORKLOAD = os.environ.get("LAB_PV_WORKLOAD", "dbench")
# Every minios mount's buffer cache, given as fscache=KIB to native minios, dom0 and the domU
# alike: FSCACHE_KIB, or LAB_FSCACHE=KIB.  16 MiB holds client.txt's working set, as a page cache
# sized by memory does (the Linux row's), so the rows compare the same cached work with and
# without the hypervisor; minios's own default, 1 MiB (LAB_FSCACHE=1024), misses it more than
# once per operation, each miss a round trip through the split driver in the domU (docs/lab.md:
# "Configuration or virtualization").
FSCACHE_KIB = 16384
FSCACHE = os.environ.get("LAB_FSCACHE") or str(FSCACHE_KIB)


def fscache_word():
    """" fscache=KIB" for a minios command line."""
    return " fscache=%d" % int(FSCACHE)


class Config:
    def __init__(self, name, kernel, checkpoints, initrd="", append="", mem=256, base_disk=None,
                 marker_pcs=(), finish=None, window=WINDOW, cache_args="", extra=(),
                 prepare=None, describe=""):
        self.name, self.kernel, self.initrd, self.append = name, kernel, initrd, append
        self.checkpoints = checkpoints  # [(name, K-th marker, N instructions after it)]
        self.mem, self.base_disk, self.marker_pcs = mem, base_disk, list(marker_pcs)
        self.finish, self.window, self.cache_args = finish, window, cache_args
        self.extra, self._prepare, self.describe = list(extra), prepare, describe
        self.run_dir = os.path.join(RUNS, name)
        self.overlay = os.path.join(self.run_dir, "disk.qcow2")

    def prepare(self):
        """Build or fetch what this configuration boots (before its checkpoint run)."""
        if self._prepare:
            self._prepare(self)


# ---------------------------------------------------------------- native test kernel

def native_test(quick=False):
    return Config("native-test", os.path.join(BUILD, "tests", "instrument", "native_haps.elf"),
                  [("start", 1, 0)], mem=64, window=2_000_000,
                  describe="the native test kernel, from its first marker")


# ---------------------------------------------------------------- pvlab

PVLAB = os.path.join(LAB, "pvlab")


def symbol(elf, name):
    out = subprocess.run(["nm", elf], stdout=subprocess.PIPE, check=True).stdout.decode()
    m = re.search(r"^([0-9a-f]+) [tT] %s$" % name, out, re.M)
    if not m:
        raise RuntimeError("no symbol %s in %s" % (name, elf))
    return int(m.group(1), 16)


def prepare_pvlab(cfg):
    """Copy the build's images (so later rebuilds cannot change a saved machine) and a fresh disk."""
    os.makedirs(PVLAB, exist_ok=True)
    for f in ("hv.elf", "minios.elf", "bootfs.cpio"):
        shutil.copy(os.path.join(BUILD, f), os.path.join(PVLAB, f))
    disk = os.path.join(PVLAB, "disk.img")
    if os.path.exists(disk):
        os.unlink(disk)
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "mkdisk.py"), disk], check=True,
                   stdout=subprocess.DEVNULL)
    cfg.marker_pcs = [symbol(os.path.join(PVLAB, "minios.elf"), "bench_one")]


def pvlab(quick=False):
    return pvlab_dbench(quick) if PV_WORKLOAD == "dbench" else pvlab_blkbench(quick)


def pvlab_blkbench(quick=False):
    return Config("pvlab", os.path.join(PVLAB, "hv.elf"),
                  [("dom0", 1, PV_AFTER), ("domU", 5, PV_AFTER)],
                  initrd="%s dom0 blkbench,%s" % (os.path.join(PVLAB, "minios.elf"),
                                                  os.path.join(PVLAB, "bootfs.cpio")),
                  append="dom0_mem=64M", base_disk=os.path.join(PVLAB, "disk.img"),
                  finish=r"BENCH domains done", window=QUICK_WINDOW if quick else PV_WINDOW,
                  prepare=prepare_pvlab,
                  describe="pvlab, minios as dom0 and as a domU, `blk bench` (stand-in)")


CLIENT_TXT = "/usr/share/dbench/client.txt"  # Debian's dbench package (never committed)
MKSIMG = os.path.join(ROOT, "scripts", "mksimg.py")
MKBOOTFS = os.path.join(ROOT, "scripts", "mkbootfs.py")

# Memory.  client.txt is 26 MB and each domain's root holds a copy.  The boot archive is a
# module, and the hypervisor wants its modules in the first 48 MiB of RAM, so only ram0
# (dom0's root) carries client.txt in the archive: dom0's rc copies it onto ram1 before
# creating the domU (pvlab_scripts()).  dom0 then holds it three times (~80 MB: the archive,
# ram0's pages, ram1's pages), and dbench's files take RAM-disk pages as they are first
# written (ext2 reuses freed blocks: the runs' peak, not their sum).  dom0 gets DOM0_MEM and
# the native machine the same (the same minios, the same budget; native holds it twice); the
# domU gets 32 MiB (its cfg) and reaches its disk through blkfront.  The pvlab machine is
# PV_MACHINE_MEM: dom0, a domU, the hypervisor.
RAM_DISK_MIB = 192    # each ext2 RAM disk (sparse: only the pages written cost memory)
DOM0_MEM = 320        # MiB: dom0_mem=, and the native machine's -m
PV_MACHINE_MEM = 512  # MiB: QEMU's -m for pvlab
APT_TIMEOUT = 600     # s: one Debian package (dbench) installed, on a slow mirror
APT_GRACE = 2         # s: a timed-out install's processes, told to stop, before they are killed


def run_bounded(argv, timeout):
    """Run argv; its exit status.  Past `timeout` seconds every process it started is ended, not
    only argv's own (subprocess.run()'s timeout kills that one alone, and ensure-deps.sh's
    apt-get went on, holding the package lock), and subprocess.TimeoutExpired is raised.  A
    session of its own makes them one process group: SIGTERM to the group, then SIGKILL to
    what is left after APT_GRACE seconds."""
    p = subprocess.Popen(argv, start_new_session=True)
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        signal_group(p.pid, signal.SIGTERM)
        time.sleep(APT_GRACE)
        signal_group(p.pid, signal.SIGKILL)
        p.wait()
        raise


def signal_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:  # every one has ended already
        pass


def ensure_dbench():
    """scripts/ensure-deps.sh dbench (the lab's client.txt and the dbench comparison test need
    Debian's dbench), bounded by APT_TIMEOUT: its exit status, or subprocess.TimeoutExpired."""
    return run_bounded([os.path.join(ROOT, "scripts", "ensure-deps.sh"), "dbench"], APT_TIMEOUT)


def loadfiles():
    """The loadfiles every lab file system carries: /lab/client.txt and the generated
    /lab/load.txt (make lab-quick's)."""
    if not os.path.exists(CLIENT_TXT):
        # a failed or hung apt-get stops make lab with the command named
        rc = ensure_dbench()
        if rc:
            raise subprocess.CalledProcessError(rc, "scripts/ensure-deps.sh dbench")
    return {"lab/client.txt": CLIENT_TXT,
            "lab/load.txt": os.path.join(BUILD, "guests", "dbench-lite", "load.txt")}


FILE_TIME = 1764374400  # every file's times on a lab RAM disk: 2025-11-29 00:00 UTC


def ram_disk(out, files, texts):
    """An ext2 RAM-disk image (scripts/mksimg.py, RAM_DISK_MIB) holding `files` ({path in the
    file system: host file}) and `texts` ({path: contents}; a path ending in / is an empty
    directory), written to `out`."""
    stage = out + ".d"
    shutil.rmtree(stage, ignore_errors=True)
    for path, src in list(files.items()) + list(texts.items()):
        dst = os.path.join(stage, path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if path.endswith("/"):  # an empty directory
            continue
        if path in files:
            shutil.copy(src, dst)
        else:
            with open(dst, "w") as f:
                f.write(src)
    for d, _, names in os.walk(stage):  # the same times, so the same image each time (mksimg.py)
        for p in [d] + [os.path.join(d, n) for n in names]:
            os.utime(p, (FILE_TIME, FILE_TIME))
    subprocess.run([sys.executable, MKSIMG, "--ext2", str(RAM_DISK_MIB), "--dir", stage, out],
                   check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(stage)
    return out


def lab_archive(out, disks):
    """build/bootfs.cpio plus ram/NAME.simg for each NAME: image in `disks`: every one becomes
    block device NAME at boot (guests/minios/ramdisk.c)."""
    subprocess.run([sys.executable, MKBOOTFS, out, "--base", os.path.join(BUILD, "bootfs.cpio")] +
                   ["/ram/%s.simg=%s" % kv for kv in sorted(disks.items())], check=True)
    return out


def rc(lines):
    """A boot script (rc=PATH on minios's command line: its lines are typed by /bin/sh at the
    first prompt, guests/minios/shell.c: rc_script())."""
    return "".join(line + "\n" for line in lines)


def dbench_cmd(load, seconds, clients):
    return "dbench -c %s -t %d %d" % (load, seconds, clients)


def domu_cfg(script):
    """xm-lite's config for the lab's domU: dom0's ram1 is its xvda (through blkback), and its
    shell types `script` (a file on that xvda) at boot."""
    return ('kernel = "/boot/minios.elf"\nname = "domU"\nmemory = 32\nvcpus = 1\n'
            'extra = "domU rc=%s%s"\ndisk = [ \'phy:ram1,xvda,w\' ]\non_crash = "destroy"\n' % (
                script, fscache_word()))


TRACE_RECORDS = 262144     # xm-lite trace start's ring (PVLAB_TRACE_MAX_RECORDS): holds a window
TRACE_AFTER = (20_000_000, 60_000_000, 100_000_000)  # trace checkpoints into the traced phase
QUICK_TRACE_AFTER = (1_000_000, 2_000_000, 3_000_000)


def pvlab_scripts(load, seconds, trace_seconds):
    """The pvlab boot's rc files, {path on its disk: text}, and the markers each dbench run
    executes (dbench-lite: its execute phase's two edges):

      dom0   xm-lite list                              the domains at the first prompt
      dom0   dbench ... 1, dbench ... 2                markers 1-2, 3-4 (rows dom0-1, dom0-2)
      dom0   xm-lite trace start; dbench -t T 1; xm-lite trace stop   markers 5-6 (traced)
      dom0   mount ram1 /mnt; cp LOADFILE /mnt/LOADFILE; umount /mnt    the domU's loadfile
      dom0   xm-lite create /lab/domU.cfg; xm-lite list; xm-lite console domU
      domU   dbench ... 1, dbench ... 2; halt          markers 7-8, 9-10 (rows domU-1, domU-2)
      dom0   xm-lite trace start; xm-lite create /lab/domU-traced.cfg; xm-lite list;
             xm-lite console domU
      domU   dbench -t T 1; halt                       markers 11-12 (traced)
      dom0   xm-lite trace stop; halt

    dom0's `xm-lite console domU` returns when the domU halts, so the next line waits for it.
    The measured rows run with the trace off; the traced runs come after them, so the trace's
    cost (about 30 instructions a record) is only in the trace windows.  The traced domU is a
    second boot of the same kernel on the same xvda (the first halted, its file system clean):
    a running domU cannot be told by dom0 when the trace has started, a new one needs no telling."""
    traced, start = dbench_cmd(load, trace_seconds, 1), "xm-lite trace start %d" % TRACE_RECORDS
    dom0 = ["xm-lite list", dbench_cmd(load, seconds, 1), dbench_cmd(load, seconds, 2), start,
            traced, "xm-lite trace stop", "mount ram1 /mnt", "cp %s /mnt%s" % (load, load),
            "umount /mnt", "xm-lite create /lab/domU.cfg", "xm-lite list",
            "xm-lite console domU", start, "xm-lite create /lab/domU-traced.cfg", "xm-lite list",
            "xm-lite console domU", "xm-lite trace stop", "halt"]
    domu = [dbench_cmd(load, seconds, 1), dbench_cmd(load, seconds, 2), "halt"]
    return ({"lab/dom0.rc": rc(dom0), "lab/domU.cfg": domu_cfg("/lab/domU.rc"),
             "lab/domU-traced.cfg": domu_cfg("/lab/domU-traced.rc"), "mnt/": ""},
            {"lab/domU.rc": rc(domu), "lab/domU-traced.rc": rc([traced, "halt"])})


def prepare_pvlab_dbench(cfg):
    """The build's images, and a boot archive with two RAM disks: ram0, dom0's root (the
    loadfiles, dom0's rc and the domU configs), and ram1, the domU's xvda (the domU's rc
    files; dom0 copies the loadfile onto it)."""
    os.makedirs(PVLAB, exist_ok=True)
    for f in ("hv.elf", "minios.elf"):
        shutil.copy(os.path.join(BUILD, f), os.path.join(PVLAB, f))
    dom0, domu = cfg.rc_files
    lab_archive(os.path.join(PVLAB, "bootfs.cpio"),
                {"ram0": ram_disk(os.path.join(PVLAB, "ram0.simg"), loadfiles(), dom0),
                 "ram1": ram_disk(os.path.join(PVLAB, "ram1.simg"), {}, domu)})


# The lab's dbench-lite runs: the real client.txt for -t PV_SECONDS, its first fifth (whole
# seconds) warm-up.  On a RAM disk nothing waits, so a guest second is 10^9 instructions: 5 s
# are 1 G of warm-up and 4 G of execute phase, room for a window PV_DBENCH_AFTER into it.
PV_SECONDS = 5
PV_DBENCH_AFTER = 20_000_000        # into each execute phase: past its start
TRACE_SECONDS = 2                   # the traced runs (no warm-up)
QUICK_PV_SECONDS = 2                # make lab-quick: load.txt, 2 s (no warm-up; -t 1 ends
                                    # before its first execute line: no throughput)
QUICK_PV_DBENCH_AFTER = 2_000_000
QUICK_TRACE_SECONDS = 2
QUICK_LOADFILE = "/lab/load.txt"    # guests/dbench-lite/genload.py --repeat 2, from loadfiles()


def pv_workload(quick):
    """(checkpoint offset into a phase, dbench -t, loadfile, traced -t, trace offsets)."""
    if quick:
        return (QUICK_PV_DBENCH_AFTER, QUICK_PV_SECONDS, QUICK_LOADFILE, QUICK_TRACE_SECONDS,
                QUICK_TRACE_AFTER)
    return PV_DBENCH_AFTER, PV_SECONDS, "/lab/client.txt", TRACE_SECONDS, TRACE_AFTER


def pvlab_dbench(quick=False):
    """dbench-lite in dom0, then in a domU, each with 1 and 2 clients (see pvlab_scripts())."""
    after, seconds, load, trace_seconds, trace_after = pv_workload(quick)
    cfg = Config("pvlab", os.path.join(PVLAB, "hv.elf"),
                 [("dom0-1", 1, after), ("dom0-2", 3, after)] +
                 [("dom0-t%d" % (i + 1), 5, n) for i, n in enumerate(trace_after)] +
                 [("domU-1", 7, after), ("domU-2", 9, after)] +
                 [("domU-t%d" % (i + 1), 11, n) for i, n in enumerate(trace_after)],
                 initrd="%s dom0 root=ram0 rc=/lab/dom0.rc%s,%s" % (
                     os.path.join(PVLAB, "minios.elf"), fscache_word(),
                     os.path.join(PVLAB, "bootfs.cpio")),
                 append="dom0_mem=%dM" % DOM0_MEM, mem=PV_MACHINE_MEM, finish=HALTED,
                 window=QUICK_WINDOW if quick else WINDOW, prepare=prepare_pvlab_dbench,
                 describe="pvlab, dbench-lite with %s in dom0 (on ram0) and in a domU (xvda: "
                          "dom0's ram1)" % load)
    cfg.rc_files = pvlab_scripts(load, seconds, trace_seconds)
    cfg.run_seconds = [seconds, seconds, trace_seconds] * 2  # checkpoint.py's progress lines
    cfg.fail = FAILED
    cfg.window_to_marker = True  # lab.py: a window ends at the execute phase's end at the latest
    run = lambda dom, n: (dom, "dbench-lite %s" % os.path.basename(load))  # noqa: E731
    cfg.runs = [run("dom0", 1), run("dom0", 2), ("dom0 (traced)", "dbench-lite traced"),
                run("domU", 1), run("domU", 2), ("domU (traced)", "dbench-lite traced")]
    cfg.trace_checkpoints = [c[0] for c in cfg.checkpoints if "-t" in c[0]]
    cfg.markers_per_run = 2  # dbench-lite: the execute phase's two edges
    return cfg


# A dbench run that fails (sh's report of it) ends the lab's boot with the console's end, and
# `halt` (the last line of every lab rc file) is how a boot says it is done: the machine's
# power-off line, natively or dom0's (a domU's halt is only its own).
FAILED = r"sh: dbench: exit status \d+|sh: dbench: killed"
HALTED = r"minios: shut down: poweroff|\(XEN\) domain 0 \(Domain-0\) shut down: poweroff"


# ---------------------------------------------------------------- minios native

NATIVE = os.path.join(LAB, "native")


def prepare_native(cfg):
    """The build's minios.elf (the very image pvlab boots as dom0 and domU) and a boot archive
    whose ram0 is its root: the loadfiles and native.rc."""
    os.makedirs(NATIVE, exist_ok=True)
    shutil.copy(os.path.join(BUILD, "minios.elf"), os.path.join(NATIVE, "minios.elf"))
    lab_archive(os.path.join(NATIVE, "bootfs.cpio"),
                {"ram0": ram_disk(os.path.join(NATIVE, "ram0.simg"), loadfiles(), cfg.rc_files)})


def native(quick=False):
    """minios alone on the machine (docs/native.md): its root is ram0, a RAM disk of its boot
    archive, as dom0's, and its rc runs the same two dbench-lite runs; markers 1-2 and 3-4."""
    after, seconds, load, _, _ = pv_workload(quick)
    cfg = Config("native", os.path.join(NATIVE, "minios.elf"),
                 [("native-1", 1, after), ("native-2", 3, after)], mem=DOM0_MEM,
                 initrd=os.path.join(NATIVE, "bootfs.cpio"), append="root=ram0 rc=/lab/native.rc" + fscache_word(),
                 finish=HALTED, window=QUICK_WINDOW if quick else WINDOW, prepare=prepare_native,
                 describe="minios natively (no hypervisor), dbench-lite with %s on ram0" % load)
    cfg.rc_files = {"lab/native.rc": rc([dbench_cmd(load, seconds, 1),
                                         dbench_cmd(load, seconds, 2), "halt"])}
    cfg.run_seconds, cfg.fail = [seconds, seconds], FAILED
    cfg.window_to_marker = True
    cfg.runs = [("native", "dbench-lite " + os.path.basename(load))] * 2
    cfg.markers_per_run = 2
    return cfg


# ---------------------------------------------------------------- Linux

LINUX = os.path.join(LAB, "linux")


# Linux's wall clock: QEMU's RTC starts at this date (FILE_TIME's) and runs on the virtual
# clock, not the host's (whose date and pace would otherwise enter the boot: the kernel reads
# the RTC at boot, and its time of day is dbench's files' times).
LINUX_RTC = "base=%s,clock=vm" % time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(FILE_TIME))


def prepare_linux(cfg):
    sys.path.insert(0, os.path.join(ROOT, "lab", "linux"))
    import mkinitramfs
    mkinitramfs.build(LINUX, cfg.dbench_seconds, RAM_DISK_MIB)


def linux(quick=False):
    seconds = 5 if quick else LINUX_SECONDS
    cfg = Config("linux", os.path.join(LINUX, "vmlinuz"),
                 [("linux-1", 2, 0), ("linux-2", 5, 0)],
                 initrd=os.path.join(LINUX, "initrd.gz"),
                 append="console=ttyS0 quiet panic=-1", mem=512, extra=["-rtc", LINUX_RTC],
                 finish=r"lab: dbench done", window=QUICK_WINDOW if quick else WINDOW,
                 prepare=prepare_linux,
                 describe="Debian 686 kernel, real dbench 4.0 with client.txt on an ext2 on "
                          "brd's ram0 (%d MiB)" % RAM_DISK_MIB)
    cfg.dbench_seconds = seconds
    cfg.run_seconds = [seconds, seconds]  # checkpoint.py's progress lines
    # make lab boots Linux a second time to this checkpoint and compares (lab/repeat.py): its
    # exactness is checked in every lab run, not only claimed (make test boots no Linux: it
    # needs Debian's packages, and a boot to linux-1 is 11.5 G instructions).
    cfg.boot_again = "linux-1"
    cfg.markers_per_run = 3  # lab/linux/init.sh: dbench's start, its midpoint, its end
    cfg.counted_share = 1 - LINUX_WARMUP  # the operations counted: the execute phase only
    return cfg


CONFIGS = {"native-test": native_test, "pvlab": pvlab, "native": native, "linux": linux}

# The report's rows: (configuration, checkpoint, label, workload).
ROWS = [
    ("linux", "linux-1", "Linux", "dbench 4.0 client.txt, 1 client"),
    ("linux", "linux-2", "Linux", "dbench 4.0 client.txt, 2 clients"),
    ("native", "native-1", "native", "dbench-lite client.txt, 1 client"),
    ("native", "native-2", "native", "dbench-lite client.txt, 2 clients"),
] + ([
    ("pvlab", "dom0-1", "dom0", "dbench-lite client.txt, 1 client"),
    ("pvlab", "dom0-2", "dom0", "dbench-lite client.txt, 2 clients"),
    ("pvlab", "domU-1", "domU", "dbench-lite client.txt, 1 client (xvda)"),
    ("pvlab", "domU-2", "domU", "dbench-lite client.txt, 2 clients (xvda)"),
] if PV_WORKLOAD == "dbench" else [
    ("pvlab", "dom0", "dom0", "blk bench hda1 (stand-in for dbench-lite)"),
    ("pvlab", "domU", "domU", "blk bench xvda (stand-in for dbench-lite)"),
])


def get(name, quick=False):
    if name not in CONFIGS:
        raise SystemExit("lab: no configuration %r (known: %s)" % (name, " ".join(CONFIGS)))
    return CONFIGS[name](quick)
