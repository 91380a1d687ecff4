#!/usr/bin/env python3
"""blk_bench.py - the split block path's figures on a RAM disk, exactly (`make bench`).

dom0 runs the block benchmark (`blk bench`: sequential and random writes and
reads, guests/minios/proc/sysblk.c) on ram1, a RAM disk of its boot archive
(guests/minios/ramdisk.c), then a domU runs it on xvda, which is ram1 served
by blkback with grant copy, then another domU with blkback mapping each
segment instead (bemode=map).  Every run first writes its writes' blocks once,
untimed (preconditioning), so each times the same device state.

Under -icount shift=0,sleep=off a guest nanosecond is an instruction and the
figures repeat from boot to boot: two boots are run and the difference
printed.  What domU/dom0 measures is the whole split-driver path (blkfront,
the ring, event channels, grants, blkback) against a memcpy: on a device this
fast the path is most of the cost, so the ratio is far lower than on a real
disk, where the disk's own time dilutes it.  The IDE figures (tests/bench.py's
block table) follow the host's disk and vary from boot to boot.

Hypervisor entries per transfer, beside the time: each domain's own, from
its counters (XEN_SYSCTL_pvlab_counters: hypercalls, exceptions, interrupts;
blk bench prints them), and every domain's, from the lab plugin's window
over the timed transfers (its mode changes into the hypervisor, from any
kernel or process), so dom0's while its blkback serves the domU are the
difference.  dom0 on its own disk enters for the 1 ms timer tick only.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ramdisk_tests  # noqa: E402

WORKLOADS = ["seq-write", "seq-read", "rand-write", "rand-read"]
WHO = [("dom0", "dom0 on ram1"), ("copy", "domU, grant copy"), ("map", "domU, map/unmap")]


def per(f, key):
    return f[key] / f["transfers"]


def show_disk(title, a, b=None):
    """One disk's table: guest ns per transfer, domU/dom0 (throughput: dom0's time over the
    domU's), boot 2's total ns less boot 1's, and the hypervisor entries per transfer."""
    print("\n%s" % title)
    print("%-11s %-17s %12s %9s %7s | %9s %9s %9s %9s" % (
        "workload", "who", "ns/transfer", "domU/dom0", "boot2-1", "own entr", "own hcall",
        "dom0 serv", "all entr"))
    for w in WORKLOADS:
        for who, label in WHO:
            f = a[(who, w)]
            spread = "%+d" % (b[(who, w)]["ns"] - f["ns"]) if b else ""
            serving = "" if who == "dom0" else "%9.3f" % ((f["all_entries"] - f["entries"]) /
                                                          f["transfers"])
            print("%-11s %-17s %12.1f %9.3f %7s | %9.3f %9.3f %9s %9.3f" % (
                w, label, per(f, "ns"), a[("dom0", w)]["ns"] / f["ns"], spread,
                per(f, "entries"), per(f, "hypercalls"), serving, per(f, "all_entries")))


def main():
    with tempfile.TemporaryDirectory(prefix="pvlab-blkbench-") as tmp:
        cpio = ramdisk_tests.ram_bench_archive(tmp)
        counters = {}
        a, b = ramdisk_tests.blkbench_run(cpio, counters), ramdisk_tests.blkbench_run(cpio)
    print("\nsplit block I/O on 64 MiB RAM disks (ram1), -icount shift=0,sleep=off: guest ns "
          "(= instructions)\nper transfer, and hypervisor entries per transfer: the running "
          "domain's own (its counters),\ndom0's while it serves the domU, and every domain's "
          "(the plugin's window)")
    show_disk("plain RAM disk, two boots", a, b)
    for who, label in WHO[1:]:
        reqs, errors, events, notifies, grants = counters[who]
        print("%-17s per ring request (%d requests, %d errors): backend events %.3f, "
              "notifications to the frontend %.3f, grant operations %.3f" %
              (label, reqs, errors, events / reqs, notifies / reqs, grants / reqs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
