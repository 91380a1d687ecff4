#!/usr/bin/env python3
"""blk_bench.py - the split block path's figures on a RAM disk, exactly (`make bench`).

dom0 runs the block benchmark (`blk bench`: sequential and random writes and
reads) on ram1, a RAM disk of its boot archive (guests/minios/ramdisk.c),
then a domU runs it on xvda, which is ram1 served by blkback with grant copy,
then another domU with blkback mapping each segment instead (bemode=map).
A RAM disk has no completions from the host, so under -icount the figures
repeat: two boots are run and their spread printed.  What the ratio
domU/dom0 measures is the whole split-driver path (blkfront, the ring, event
channels, grants, blkback) against a memcpy -- on a device this fast the
path is most of the cost, so the ratio is far lower than on a real disk,
where the disk's own time dilutes it.  The IDE figures (tests/bench.py's
block table) follow the host's disk and vary from boot to boot.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ramdisk_tests  # noqa: E402

WORKLOADS = ["seq-write", "seq-read", "rand-write", "rand-read"]
WHO = [("dom0", "dom0 on ram1 directly"), ("copy", "domU, grant copy"),
       ("map", "domU, map/unmap")]


def main():
    with tempfile.TemporaryDirectory(prefix="pvlab-blkbench-") as tmp:
        cpio = ramdisk_tests.ram_bench_archive(tmp)
        counters = {}
        runs = [ramdisk_tests.blkbench_run(cpio, counters), ramdisk_tests.blkbench_run(cpio)]
    a, b = runs
    print("\nsplit block I/O on a 64 MiB RAM disk (ram1), -icount shift=0,sleep=off, two boots")
    print("%-12s %-24s %12s %12s %8s %10s" % ("workload", "who", "MB/s boot 1", "MB/s boot 2",
                                               "spread", "vs dom0"))
    for w in WORKLOADS:
        for who, label in WHO:
            x, y = a[(who, w)][0], b[(who, w)][0]
            print("%-12s %-24s %12.3f %12.3f %7.3f%% %10.3f" % (
                w, label, x, y, 100 * abs(x - y) / x, x / a[("dom0", w)][0]))
    for who, label in WHO[1:]:
        reqs, errors, events, notifies, grants = counters[who]
        print("%-17s per ring request (%d requests, %d errors): backend events %.3f, "
              "notifications to the frontend %.3f, grant operations %.3f" %
              (label, reqs, errors, events / reqs, notifies / reqs, grants / reqs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
