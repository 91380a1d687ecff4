#!/usr/bin/env python3
"""fs_bench.py - the file-system figures of docs/filesystem.md (`make fs-bench`, also run by `make bench`).

Boots pvlab on a fresh ext2 disk (tests/fs_tests.py's Ext2Disk, 128 MiB)
under -icount shift=0,sleep=off, so the guest's clock counts instructions and
a figure repeats run to run.  /bin/fsbench creates, writes, reads back and
deletes 1,000 files of 1 KiB, then writes (with fsync), reads back and
deletes one 8 MiB file: first in dom0 on hda2 (IDE), then in a domU on xvda
(blkfront -> blkback -> IDE, on hda1).  Prints every phase's operations per
second and MB/s in guest time, the domU/dom0 ratio, and the buffer cache each
mount had.  Not a test: it asserts only that every phase ran.

--realtime runs without -icount: the guest's clock is then the host's, and a
domain waiting for the disk costs what QEMU's disk really takes, where under
-icount sleep=off an idle guest's clock jumps to its next timer event.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import Machine  # noqa: E402
from fs_tests import Ext2Disk  # noqa: E402

SMALL, BIG_MIB = 1000, 8
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


def main():
    realtime = "--realtime" in sys.argv[1:]
    disk = Ext2Disk(size_mib=128)
    m = Machine(append="dom0_mem=64M", mem=256, icount=not realtime,
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
    print("\nfile system: ext2, 4 KiB blocks; figures in guest time (%s)" %
          ("no -icount: the host's clock" if realtime else "-icount shift=0: 1 ns per instruction"))
    for dev, blocks, kib in caches:
        print("  %s: buffer cache %s blocks = %s KiB (write-back)" % (dev, blocks, kib))
    print("\n%-12s %-13s %12s %10s %12s %10s %8s" % ("workload", "phase", "dom0 ops/s", "MB/s",
                                                    "domU ops/s", "MB/s", "domU/dom0"))
    for key in dom0:
        (r0, mb0), (r1, mb1) = dom0[key], domu[key]
        print("%-12s %-13s %12d %10s %12d %10s %8.2f" % (key[0], key[1], r0,
                                                         "%.2f" % mb0 if mb0 else "-", r1,
                                                         "%.2f" % mb1 if mb1 else "-", r1 / r0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
