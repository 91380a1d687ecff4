"""configs.py - the lab's configurations: what boots, what runs, where the
checkpoints go and how big the measured window is.

A configuration is one boot of one machine (lab/machine.py) that saves one
or more checkpoints (lab/checkpoint.py); each checkpoint is one row of the
report, measured over a fixed window (lab/measure.py).  Every configuration
runs under -icount shift=0,sleep=off, so an instruction count is also a
time: 10^9 instructions are one second of the guest's clock.

  linux       Debian's i386 686 kernel, the real dbench 4.0 with client.txt
              on an ext2 disk (lab/linux/), 1 client then 2 clients, each
              with markers run by /init (lab/linux/marker.c) at its start,
              2 s (guest time) into its execute phase, and its end;
              checkpoints linux-1 and linux-2 are at the middle markers
  pvlab       pvlab with minios as dom0 (LAB_PV_WORKLOAD=dbench, the
              default): the console script types at dom0's shell
              `dbench -c /lab/client.txt -t PV_SECONDS 1`, then `... 2`
              (dbench-lite, /bin/dbench, on the ext2 root on hda2), creates
              a domU (/etc/xm/domU.cfg: its ext2 root is xvda, dom0's hda1,
              through blkfront/blkback) and types the same two commands at
              its shell.  dbench-lite executes xchg %bx,%bx at the start
              and the end of each execute phase, so markers 1-2, 3-4, 5-6
              and 7-8 enclose the four execute phases; checkpoints dom0-1,
              dom0-2, domU-1 and domU-2 are PV_DBENCH_AFTER instructions
              after markers 1, 3, 5 and 7, and each window ends at
              the next marker if that comes first (lab.py: an execute
              phase lasts as many instructions as the host's disk lets
              it).  Both ext2 file systems get client.txt at
              /lab/client.txt (and the generated load.txt make lab-quick
              uses) from lab_disk().
              LAB_PV_WORKLOAD=blkbench boots the earlier stand-in instead:
              `blkbench` on the command line, dom0 runs `blk bench hda1`,
              then a domU `blk bench xvda`; minios executes no marker
              there, so the gate counts entries into bench_one()
              (marker_pc; 4 per benchmark) and checkpoints dom0 and domU
              are PV_AFTER instructions after the first entry in each
  native-test the native test kernel tests/instrument/native_haps.S: the
              checkpoint test of tests/lab_tests.py (not in the report)

Later configurations slot in with one entry each in CONFIGS (minios
native) and one row each in ROWS.
"""
import os
import re
import shutil
import subprocess
import sys

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
# dbench -t in dom0 and the domU: the homework's 30 s.  minios waits for its
# disk with the domain blocked, and under -icount sleep=off an idle vCPU's
# clock jumps ahead, so a guest second of dbench-lite is only ~10 M
# instructions (Linux's page cache keeps its dbench busy: ~1 G): 30 s give
# an execute phase of a few hundred million, room for the window after
# PV_DBENCH_AFTER.
PV_SECONDS = 30
PV_DBENCH_AFTER = 20_000_000        # into each execute phase: past its start
QUICK_PV_DBENCH_AFTER = 2_000_000   # a 3 s phase on load.txt can be under 20 M instructions
QUICK_PV_SECONDS = 3                # make lab-quick: the generated loadfile, 3 s (no warm-up)
QUICK_LOADFILE = "/lab/load.txt"    # guests/dbench-lite/genload.py --repeat 2, put there by lab_disk


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


def lab_disk(path):
    """pvlab's disk for the dbench rows (scripts/mkdisk.py --ext2, 512 MiB): ext2 on hda1 (the
    domU's xvda) and hda2 (dom0's root), each with /lab/client.txt."""
    if not os.path.exists(CLIENT_TXT):
        subprocess.run([os.path.join(ROOT, "scripts", "ensure-deps.sh"), "dbench"], check=True)
    specs = ["/lab/client.txt=" + CLIENT_TXT,
             "/lab/load.txt=" + os.path.join(BUILD, "guests", "dbench-lite", "load.txt")]
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "mkdisk.py"), "--ext2", path,
                    "--hda1"] + specs + ["--hda2"] + specs, check=True, stdout=subprocess.DEVNULL)


def prepare_pvlab_dbench(cfg):
    """The build's images, and a disk whose two file systems hold client.txt."""
    os.makedirs(PVLAB, exist_ok=True)
    for f in ("hv.elf", "minios.elf", "bootfs.cpio"):
        shutil.copy(os.path.join(BUILD, f), os.path.join(PVLAB, f))
    disk = os.path.join(PVLAB, "disk.img")
    if os.path.exists(disk):
        os.unlink(disk)
    lab_disk(disk)


def dbench_script(prompt, loadfile, seconds):
    """Type dbench with 1 and then 2 clients at `prompt`; each waits for the previous prompt."""
    cmd = "dbench -c %s -t %d %%d" % (loadfile, seconds)
    return [(prompt, cmd % 1), (r"Throughput .*\n(.*\n)*?" + prompt, cmd % 2),
            (r"Throughput .*\n(.*\n)*?" + prompt, None)]


TRACE_RECORDS = 262144     # xm-lite trace start's ring (PVLAB_TRACE_MAX_RECORDS): holds a window
TRACE_SECONDS = 20         # the traced dbench-lite runs' -t (unlike the measured runs': its echo
QUICK_TRACE_SECONDS = 2    # tells the new run's Throughput line from the replayed console log's)
TRACE_AFTER = (20_000_000, 60_000_000, 100_000_000)  # trace checkpoints into the traced phase
QUICK_TRACE_AFTER = (1_000_000, 2_000_000, 3_000_000)
DONE = r"Throughput .*\n(.*\n)*?"  # a dbench run's report, up to the prompt after it


def dbench_cmd(load, seconds, clients):
    return "dbench -c %s -t %d %d" % (load, seconds, clients)


def pvlab_script(load, seconds, trace_seconds):
    """What checkpoint.py types in the pvlab boot; the markers each dbench run executes:

      dom0#  xm-lite list                              the domains at the first prompt
      dom0#  dbench ... 1, dbench ... 2                markers 1-2, 3-4 (rows dom0-1, dom0-2)
      dom0#  xm-lite trace start; dbench -t T 1; xm-lite trace stop   markers 5-6 (traced)
      dom0#  xm-lite create; xm-lite list              the domains after create
      domU#  dbench ... 1, dbench ... 2                markers 7-8, 9-10 (rows domU-1, domU-2)
      Ctrl-]; dom0# xm-lite trace start; attach again
      domU#  dbench -t T 1                             markers 11-12 (traced)
      Ctrl-]; dom0# xm-lite trace stop

    The measured rows run with the trace off; each traced run comes after them, so the
    trace's cost (about 30 instructions a record) is only in the trace windows.  On
    attaching again xm-lite console replays the domU's log, old prompts and Throughput
    lines included: the traced run's end is matched after its own command line."""
    from checkpoint import DETACH
    traced = dbench_cmd(load, trace_seconds, 1)
    start = "xm-lite trace start %d" % TRACE_RECORDS
    return [("dom0# ", "xm-lite list"),
            ("dom0# ", dbench_cmd(load, seconds, 1)), (DONE + "dom0# ", dbench_cmd(load, seconds, 2)),
            (DONE + "dom0# ", start), ("dom0# ", traced),
            (re.escape(traced) + r"\n(.*\n)*?" + DONE + "dom0# ", "xm-lite trace stop"),
            ("dom0# ", "xm-lite create /etc/xm/domU.cfg"), ("dom0# ", "xm-lite list"),
            ("dom0# ", "xm-lite console domU"),
            ("domU# ", dbench_cmd(load, seconds, 1)), (DONE + "domU# ", dbench_cmd(load, seconds, 2)),
            (DONE + "domU# ", DETACH), ("dom0# ", start), ("dom0# ", "xm-lite console domU"),
            (r"attached to domU's console(.*\n)*?.*domU# ", traced),
            (re.escape(traced) + r"\n(.*\n)*?" + DONE + "domU# ", DETACH),
            ("dom0# ", "xm-lite trace stop"), ("dom0# ", None)]


def pvlab_dbench(quick=False):
    """dbench-lite in dom0, then in a domU, each with 1 and 2 clients (see the header)."""
    after = QUICK_PV_DBENCH_AFTER if quick else PV_DBENCH_AFTER
    seconds = QUICK_PV_SECONDS if quick else PV_SECONDS
    load = QUICK_LOADFILE if quick else "/lab/client.txt"
    trace_after = QUICK_TRACE_AFTER if quick else TRACE_AFTER
    cfg = Config("pvlab", os.path.join(PVLAB, "hv.elf"),
                 [("dom0-1", 1, after), ("dom0-2", 3, after)] +
                 [("dom0-t%d" % (i + 1), 5, n) for i, n in enumerate(trace_after)] +
                 [("domU-1", 7, after), ("domU-2", 9, after)] +
                 [("domU-t%d" % (i + 1), 11, n) for i, n in enumerate(trace_after)],
                 initrd="%s dom0,%s" % (os.path.join(PVLAB, "minios.elf"),
                                        os.path.join(PVLAB, "bootfs.cpio")),
                 append="dom0_mem=64M", base_disk=os.path.join(PVLAB, "disk.img"),
                 window=QUICK_WINDOW if quick else PV_WINDOW, prepare=prepare_pvlab_dbench,
                 describe="pvlab, dbench-lite with %s in dom0 and in a domU" % load)
    cfg.script = pvlab_script(load, seconds, QUICK_TRACE_SECONDS if quick else TRACE_SECONDS)
    cfg.window_to_marker = True  # lab.py: a window ends at the execute phase's end at the latest
    cfg.script_fail = r"sh: dbench: exit status \d+|sh: dbench: killed"
    run = lambda dom, n: (dom, "dbench-lite %s" % os.path.basename(load))  # noqa: E731
    cfg.runs = [run("dom0", 1), run("dom0", 2), ("dom0 (traced)", "dbench-lite traced"),
                run("domU", 1), run("domU", 2), ("domU (traced)", "dbench-lite traced")]
    cfg.trace_checkpoints = [c[0] for c in cfg.checkpoints if "-t" in c[0]]
    cfg.markers_per_run = 2  # dbench-lite: the execute phase's two edges
    return cfg


# ---------------------------------------------------------------- minios native

NATIVE = os.path.join(LAB, "native")
NATIVE_MEM = 64  # MiB: the machine native minios gets, as dom0 gets dom0_mem=64M


def prepare_native(cfg):
    """The build's minios.elf (the very image pvlab boots as dom0 and domU) and a lab disk."""
    os.makedirs(NATIVE, exist_ok=True)
    shutil.copy(os.path.join(BUILD, "minios.elf"), os.path.join(NATIVE, "minios.elf"))
    disk = os.path.join(NATIVE, "disk.img")
    if os.path.exists(disk):
        os.unlink(disk)
    lab_disk(disk)


def native(quick=False):
    """minios alone on the machine (docs/native.md): its root is the ext2 on hda2, as dom0's,
    and the same two dbench-lite runs are typed at native#; markers 1-2 and 3-4."""
    after = QUICK_PV_DBENCH_AFTER if quick else PV_DBENCH_AFTER
    seconds = QUICK_PV_SECONDS if quick else PV_SECONDS
    load = QUICK_LOADFILE if quick else "/lab/client.txt"
    cfg = Config("native", os.path.join(NATIVE, "minios.elf"),
                 [("native-1", 1, after), ("native-2", 3, after)], mem=NATIVE_MEM,
                 base_disk=os.path.join(NATIVE, "disk.img"),
                 window=QUICK_WINDOW if quick else PV_WINDOW, prepare=prepare_native,
                 describe="minios natively (no hypervisor), dbench-lite with %s" % load)
    cfg.script = dbench_script("native# ", load, seconds)
    cfg.window_to_marker = True
    cfg.script_fail = r"sh: dbench: exit status \d+|sh: dbench: killed"
    cfg.runs = [("native", "dbench-lite " + os.path.basename(load))] * 2
    cfg.markers_per_run = 2
    return cfg


# ---------------------------------------------------------------- Linux

LINUX = os.path.join(LAB, "linux")


def prepare_linux(cfg):
    sys.path.insert(0, os.path.join(ROOT, "lab", "linux"))
    import mkinitramfs
    mkinitramfs.build(LINUX, seconds=cfg.dbench_seconds)


def linux(quick=False):
    seconds = 5 if quick else LINUX_SECONDS
    cfg = Config("linux", os.path.join(LINUX, "vmlinuz"),
                 [("linux-1", 2, 0), ("linux-2", 5, 0)],
                 initrd=os.path.join(LINUX, "initrd.gz"),
                 append="console=ttyS0 quiet panic=-1", mem=512,
                 base_disk=os.path.join(LINUX, "ext2.img"), finish=r"lab: dbench done",
                 window=QUICK_WINDOW if quick else WINDOW, prepare=prepare_linux,
                 describe="Debian 686 kernel, real dbench 4.0 with client.txt on ext2")
    cfg.dbench_seconds = seconds
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
