#!/usr/bin/env python3
"""fs_bench.py - the file-system figures of docs/filesystem.md (`make fs-bench`, also run by `make bench`).

Boots pvlab on a fresh ext2 disk (tests/fs_tests.py's Ext2Disk, 128 MiB) and
runs /bin/fsbench: 1,000 files of 1 KiB created and written, read back and
deleted, then one 8 MiB file written (with fsync), read back and deleted;
first in dom0 on hda2 (IDE), then in a domU on xvda (blkfront -> blkback ->
IDE, on hda1).  Prints every phase's operations per second and MB/s in guest
time (the median of RUNS boots, and the range), the domU/dom0 ratio of the
medians, and the buffer cache each mount had.  Not a test: it asserts only
that every phase ran.

The guest's clock is the host's here: a phase that waits for the disk waits
as long as QEMU's disk takes, so the figures move with the host's load (hence
the median).  --icount runs under -icount shift=0,sleep=off instead; do not
take those figures for exact: an idle guest's clock jumps to its next timer
event while QEMU finishes a disk request in real time, so a wait costs
anything from nothing to a timer period, and disk-bound phases vary run to
run by an order of magnitude (measured).
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import Machine  # noqa: E402
from fs_tests import Ext2Disk  # noqa: E402

SMALL, BIG_MIB, RUNS = 1000, 8, 3
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


def one_boot(icount):
    """dom0's and the domU's figures from one boot, and the buffer caches' log lines."""
    disk = Ext2Disk(size_mib=128)
    m = Machine(append="dom0_mem=64M", mem=256, icount=icount,
                extra=["-drive", "file=%s,format=raw,if=ide,index=0" % disk.path])
    try:
        m.expect(r"dom0# ", 120)
        dom0 = session(m, r"dom0# ")
        m.command("xm-lite create /etc/xm/domU.cfg -c", prompt=r"domU# ", timeout=120)
        domu = session(m, r"domU# ")
        m.detach()
        m.send("halt")
        m.wait_exit(120)
    finally:
        m.kill()
        disk.cleanup()
    caches = re.findall(r"ext2: (\w+) mounted at / .*buffer cache (\d+) blocks = (\d+) KiB",
                        m.output)
    return dom0, domu, caches


def median(values):
    return sorted(values)[len(values) // 2]


def cell(runs, key, which):
    """'median (min-max)' of ops/s and the median MB/s of one phase over the runs."""
    rates = [r[which][key][0] for r in runs]
    mbs = [r[which][key][1] for r in runs if r[which][key][1] is not None]
    text = "%d (%d-%d)" % (median(rates), min(rates), max(rates))
    return median(rates), text, "%.2f" % median(mbs) if mbs else "-"


def main():
    icount = "--icount" in sys.argv[1:]
    runs = []
    for i in range(RUNS):
        dom0, domu, caches = one_boot(icount)
        runs.append({"dom0": dom0, "domU": domu})
    print("\nfile system: ext2, 4 KiB blocks; figures in guest time (%s), median of %d boots "
          "(range)" % ("-icount shift=0,sleep=off" if icount else "the host's clock", RUNS))
    for dev, blocks, kib in caches:
        print("  %s: buffer cache %s blocks = %s KiB (write-back)" % (dev, blocks, kib))
    print("\n%-11s %-12s %22s %7s %22s %7s %6s" % ("workload", "phase", "dom0 ops/s", "MB/s",
                                                  "domU ops/s", "MB/s", "ratio"))
    for key in runs[0]["dom0"]:
        r0, t0, mb0 = cell(runs, key, "dom0")
        r1, t1, mb1 = cell(runs, key, "domU")
        print("%-11s %-12s %22s %7s %22s %7s %6.2f" % (key[0], key[1], t0, mb0, t1, mb1, r1 / r0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
