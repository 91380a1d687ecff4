#!/usr/bin/env python3
"""blk_bench.py - the split block path's figures on RAM disks, exactly (`make bench`).

dom0 runs the block benchmark (`blk bench`: sequential and random writes and
reads, guests/minios/proc/sysblk.c) on ram1, a RAM disk of its boot archive
(guests/minios/ramdisk.c), then a domU runs it on xvda, which is ram1 served
by blkback with grant copy, then another domU with blkback mapping each
segment instead (bemode=map).  Every run first writes its writes' blocks once,
untimed (preconditioning), so each times the same device state.

Under -icount shift=0,sleep=off a guest nanosecond is an instruction and the
figures repeat from boot to boot: the plain RAM disk is booted twice and the
spread printed.  What domU/dom0 measures there is the whole split-driver
path (blkfront, the ring, event channels, grants, blkback) against a memcpy:
on a device this fast the path is most of the cost.  So the same runs are
made on two deterministic disk models (ram_model=ACCESS_US:MBPS: each device
request takes S = access + bytes / bandwidth, the copy inside it):

  nvme  20 us, 3000 MB/s: a low-latency NVMe SSD's 4 KiB read latency at
        queue depth 1, and about a PCIe 3.0 x4 link's sequential rate
  sata  100 us, 500 MB/s: a SATA SSD's 4 KiB read latency at queue depth 1,
        and near SATA's 6 Gbit/s line rate (600 MB/s after 8b/10b coding)

A domU whose backend offers persistent grants has an I/O pool (blkfront.c) and
runs the benchmark twice: through its pool's pages ("pool": no grant operation
once the backend has mapped the pool), then through its kernel's own buffer,
the per-request way (`blk -n bench`): both are shown, side by side.

Hypervisor entries per transfer, beside the time: each domain's own, from
its counters (XEN_SYSCTL_pvlab_counters: hypercalls, exceptions, interrupts;
blk bench prints them), and every domain's, from the lab plugin's window
over the timed transfers (its mode changes into the hypervisor, from any
kernel or process), so dom0's while its blkback serves the domU are the
difference.  dom0 on its own disk enters for the 1 ms timer tick only.

And, from the plain RAM disk's figures, the device time per transfer at
which each workload's domU/dom0 would reach 0.97.  On the plain disk dom0's
n is almost all the device's work (a memcpy), and the domU's d is that work
plus the split path, d - n.  On a disk the device's work is its time: dom0's
transfer takes T (the service time S, the model's copy inside it as a DMA is,
and dom0's few hundred instructions), the domU's T + (d - n), so domU/dom0 =
T / (T + d - n) >= 0.97 when T >= (d - n) x 0.97 / 0.03.  Beside it, that
ratio at each model's measured T (`predicted`) and the model's (`measured`).
They agree where the domU's transfer asks the device for what dom0's does:
with bemode=map, a transfer's 3 ring requests are one run, one device request
(blkback.c).  With grant copy the domU pays more on a disk than on memory: 3
device requests, each an access time, and a grant copy out of blkback's
bounce buffer that the plain disk's direct copy saves (docs/benchmarks.md).
(Until 2026-11-30 the formula was (S + n) / (S + d), which counts the device's
copy twice, outside S: 0.961 for sata's sequential map read where 0.957 holds.)
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ramdisk_tests  # noqa: E402

WORKLOADS = ["seq-write", "seq-read", "rand-write", "rand-read"]
WHO = [("dom0", "dom0 on ram1"), ("copy", "domU, grant copy"), ("map", "domU, map/unmap"),
       ("copy-pool", "domU, copy, pool"), ("map-pool", "domU, map, pool")]
MODELS = [("nvme", "20:3000"), ("sata", "100:500")]
TARGET = 0.97


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
            if (who, w) not in a:  # no I/O pool: the backend offered no persistent grants
                continue
            f = a[(who, w)]
            spread = "%+d" % (b[(who, w)]["ns"] - f["ns"]) if b else ""
            serving = "" if who == "dom0" else "%9.3f" % ((f["all_entries"] - f["entries"]) /
                                                          f["transfers"])
            print("%-11s %-17s %12.1f %9.3f %7s | %9.3f %9.3f %9s %9.3f" % (
                w, label, per(f, "ns"), a[("dom0", w)]["ns"] / f["ns"], spread,
                per(f, "entries"), per(f, "hypercalls"), serving, per(f, "all_entries")))


def crossover(plain, models):
    """The device time per transfer at which domU/dom0 reaches TARGET, from the plain disk's
    path cost d - n; and at each model's dom0 time T the ratio that path cost predicts,
    T / (T + d - n), beside the measured one (models: {name: runs})."""
    print("\ndevice time per transfer for domU/dom0 = %.2f, from the plain RAM disk: "
          "T = (d - n) x %.2f / %.2f;\nat a model's dom0 time T, predicted T / (T + d - n)"
          % (TARGET, TARGET, 1 - TARGET))
    print("%-11s %-17s %10s %10s %9s %12s | %s" % (
        "workload", "domU", "n ns", "d ns", "d - n", "T for 0.97", "  ".join(
            "%s: T, predicted, measured" % name for name, _ in MODELS)))
    for w in WORKLOADS:
        n = per(plain[("dom0", w)], "ns")
        for who, label in WHO[1:]:
            if (who, w) not in plain:
                continue
            d = per(plain[(who, w)], "ns")
            cols = []
            for name, _ in MODELS:
                t = per(models[name][("dom0", w)], "ns")
                measured = t / per(models[name][(who, w)], "ns")
                cols.append("%s: %8.0f %6.3f %6.3f" % (name, t, t / (t + d - n), measured))
            print("%-11s %-17s %10.1f %10.1f %9.1f %12.0f | %s" % (
                w, label, n, d, d - n, (d - n) * TARGET / (1 - TARGET), "  ".join(cols)))


def main():
    with tempfile.TemporaryDirectory(prefix="pvlab-blkbench-") as tmp:
        cpio = ramdisk_tests.ram_bench_archive(tmp)
        counters, models_runs = {}, {}
        a, b = ramdisk_tests.blkbench_run(cpio, counters), ramdisk_tests.blkbench_run(cpio)
        for name, spec in MODELS:
            models_runs[name] = ramdisk_tests.blkbench_run(cpio, model=spec)
    print("\nsplit block I/O on 64 MiB RAM disks (ram1), -icount shift=0,sleep=off: guest ns "
          "(= instructions)\nper transfer, and hypervisor entries per transfer: the running "
          "domain's own (its counters),\ndom0's while it serves the domU, and every domain's "
          "(the plugin's window)")
    show_disk("plain RAM disk, two boots", a, b)
    for name, spec in MODELS:
        show_disk("modelled disk %s: ram_model=%s (ACCESS_US:MBPS)" % (name, spec),
                  models_runs[name])
    crossover(a, models_runs)
    for who, label in WHO[1:3]:
        reqs, errors, events, notifies, grants = counters[who]
        front = counters.get(who + "-front") or [(0, 0)]
        pool = front[-1][1]
        print("%-17s per ring request (%d requests, %d errors): backend events %.3f, "
              "notifications to the frontend %.3f, grant operations %.3f" %
              (label, reqs, errors, events / reqs, notifies / reqs, grants / reqs))
        if pool:
            print("%-17s of them %d of pool pages alone (blkfront), %d the others': grant "
                  "operations %.3f per other request" % ("", pool, reqs - pool,
                                                        grants / max(reqs - pool, 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
