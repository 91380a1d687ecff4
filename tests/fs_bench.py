#!/usr/bin/env python3
"""fs_bench.py - the file-system figures of docs/filesystem.md (`make fs-bench`, also run by `make bench`).

Boots pvlab with two empty 64 MiB ext2 RAM disks in the boot archive
(guests/minios/ramdisk.c): dom0's root is ram0 (`root=ram0`) and the domU's
xvda is ram1 through blkfront and blkback (/etc/xm/domU-ram.cfg).  Runs
/bin/fsbench: 1,000 files of 1 KiB created and written, read back and
deleted, then one 8 MiB file written (with fsync), read back and deleted;
first in dom0, then in the domU.  Prints every phase's operations per second
and MB/s in guest time, the domU/dom0 ratio, and the buffer cache each mount
had.  Not a test: it asserts only that every phase ran.

Everything runs under -icount shift=0,sleep=off, and nothing waits for a
disk: a RAM disk completes at once, so the figures are the software path's
(system calls, ext2, the buffer cache, and for the domU the split block
driver) and repeat from boot to boot; RUNS boots are made and the spread is
printed (the commands are typed, so a boot may start a phase at another
phase of the timer tick: a spread of a few in a million).  --ide runs the
old configuration instead (a fresh 128 MiB IDE disk: hda2 for dom0, hda1
through blkback for the domU) on the host's clock, where waits for the host's
disk dominate and the figures vary with the host's load.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import BUILD, Machine  # noqa: E402
from fs_tests import Ext2Disk  # noqa: E402
import ramdisk_tests  # noqa: E402

SMALL, BIG_MIB, RUNS = 1000, 8, 2
LINE = re.compile(r"fsbench: (\S+) (\d+) ops in (\d+) us: (\d+) ops/s(?:, ([\d.]+) MB/s)?")


def session(m, prompt):
    """Both workloads at `prompt`: {(workload, phase): (ops/s, MB/s or None)}."""
    figures = {}
    for name, cmd in (("1000 files", "fsbench small %d /tmp" % SMALL),
                      ("8 MiB file", "fsbench big %d /tmp/big" % BIG_MIB)):
        out = m.command(cmd, prompt=prompt, timeout=900)
        rows = LINE.findall(out)
        if len(rows) != 3:
            raise SystemExit("fs_bench: %s in %s did not finish:\n%s" % (cmd, prompt, out))
        for phase, ops, us, rate, mbs in rows:
            figures[(name, phase)] = (int(rate), float(mbs) if mbs else None)
    return figures


def ram_machine(tmp):
    """dom0 on ram0, ram1 for the domU; each an empty 64 MiB ext2 with /tmp."""
    top = os.path.join(tmp, "files")
    os.makedirs(os.path.join(top, "tmp"))
    disks = {n: ramdisk_tests.simg(os.path.join(tmp, n + ".simg"), 64, top)
             for n in ("ram0", "ram1")}
    cpio = ramdisk_tests.archive(tmp, disks)
    return Machine(modules=[os.path.join(BUILD, "minios.elf") + " dom0 root=ram0", cpio],
                   append="dom0_mem=200M", mem=320, icount=True)


def one_boot(ide):
    """dom0's and the domU's figures from one boot, and the buffer caches' log lines."""
    with tempfile.TemporaryDirectory(prefix="pvlab-fsbench-") as tmp:
        disk = Ext2Disk(size_mib=128) if ide else None
        m = Machine(append="dom0_mem=64M", mem=256,
                    extra=["-drive", "file=%s,format=raw,if=ide,index=0" % disk.path]) \
            if ide else ram_machine(tmp)
        try:
            m.expect(r"dom0# ", 120)
            dom0 = session(m, r"dom0# ")
            cfg = "/etc/xm/domU.cfg" if ide else "/boot/etc/xm/domU-ram.cfg"
            m.command("xm-lite create %s -c" % cfg, prompt=r"domU# ", timeout=120)
            domu = session(m, r"domU# ")
            m.detach()
            m.send("halt")
            m.wait_exit(120)
        finally:
            m.kill()
            if disk:
                disk.cleanup()
    caches = re.findall(r"ext2: (\w+) mounted at / .*buffer cache (\d+) blocks = (\d+) KiB",
                        m.output)
    return dom0, domu, caches


def median(values):
    return sorted(values)[len(values) // 2]


def cell(runs, key, which):
    """'median (min-max)' of ops/s, the median MB/s of one phase over the runs, and the
    spread of its ops/s (max - min over the median)."""
    rates = [r[which][key][0] for r in runs]
    mbs = [r[which][key][1] for r in runs if r[which][key][1] is not None]
    text = "%d" % median(rates) if min(rates) == max(rates) else \
        "%d (%d-%d)" % (median(rates), min(rates), max(rates))
    return median(rates), text, "%.2f" % median(mbs) if mbs else "-", \
        (max(rates) - min(rates)) / max(median(rates), 1)


def main():
    ide = "--ide" in sys.argv[1:]
    runs = []
    for i in range(RUNS):
        dom0, domu, caches = one_boot(ide)
        runs.append({"dom0": dom0, "domU": domu})
    print("\nfile system: ext2, 4 KiB blocks, %s; figures in guest time (%s), median of %d "
          "boots (range)" % ("IDE disk (hda2; hda1 through blkback)" if ide else
                             "RAM disks (dom0 ram0; ram1 through blkback)",
                             "the host's clock" if ide else "-icount shift=0,sleep=off", RUNS))
    for dev, blocks, kib in caches:
        print("  %s: buffer cache %s blocks = %s KiB (write-back)" % (dev, blocks, kib))
    print("\n%-11s %-12s %22s %7s %22s %7s %6s" % ("workload", "phase", "dom0 ops/s", "MB/s",
                                                  "domU ops/s", "MB/s", "ratio"))
    spread = 0
    for key in runs[0]["dom0"]:
        r0, t0, mb0, s0 = cell(runs, key, "dom0")
        r1, t1, mb1, s1 = cell(runs, key, "domU")
        spread = max(spread, s0, s1)
        print("%-11s %-12s %22s %7s %22s %7s %6.3f" % (key[0], key[1], t0, mb0, t1, mb1, r1 / r0))
    print("\nlargest spread between boots: %.4f %% of a phase's ops/s" % (100 * spread))
    return 0


if __name__ == "__main__":
    sys.exit(main())
