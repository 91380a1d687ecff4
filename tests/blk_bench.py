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

Hypervisor entries per transfer, beside the time: each domain's own, from
its counters (XEN_SYSCTL_pvlab_counters: hypercalls, exceptions, interrupts;
blk bench prints them), and every domain's, from the lab plugin's window
over the timed transfers (its mode changes into the hypervisor, from any
kernel or process), so dom0's while its blkback serves the domU are the
difference.  dom0 on its own disk enters for the 1 ms timer tick only.

And, from the plain RAM disk's figures, the device service time per transfer
at which each workload's domU/dom0 would reach 0.97: with n and d the dom0 and
domU guest time per transfer, a device adding S to both gives (S + n) / (S + d)
>= 0.97 when S >= (0.97 d - n) / 0.03 = (d - n) x 0.97 / 0.03 - n.  Beside it,
that formula's ratio at each model's S of one dom0 transfer, and the model's
measured ratio: they differ where the model's requests differ from dom0's
(a 132 KiB transfer is 3 ring requests, so 3 device requests, in the domU and
33 with bemode=map; a modelled disk is served through blkback's bounce
buffer, a copy the plain RAM disk's direct path saves).
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ramdisk_tests  # noqa: E402

WORKLOADS = ["seq-write", "seq-read", "rand-write", "rand-read"]
WHO = [("dom0", "dom0 on ram1"), ("copy", "domU, grant copy"), ("map", "domU, map/unmap")]
MODELS = [("nvme", "20:3000"), ("sata", "100:500")]
TARGET = 0.97
BYTES = {"seq": 132 * 1024, "rand": 4096}  # one transfer (sysblk.c: workloads[])


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


def crossover(plain, models):
    """The service time per transfer at which domU/dom0 reaches TARGET, from the plain disk;
    and each model's S of one dom0 transfer, the formula's ratio there and the measured one
    (models: {name: runs})."""
    print("\nservice time per transfer for domU/dom0 = %.2f, from the plain RAM disk: "
          "S = (d - n) x %.2f / %.2f - n" % (TARGET, TARGET, 1 - TARGET))
    print("%-11s %-17s %10s %10s %12s | %s" % (
        "workload", "domU", "n ns", "d ns", "S for 0.97", "  ".join(
            "%s: S, predicted, measured" % name for name, _ in MODELS)))
    for w in WORKLOADS:
        n = per(plain[("dom0", w)], "ns")
        for who, label in WHO[1:]:
            d = per(plain[(who, w)], "ns")
            s_min = (d - n) * TARGET / (1 - TARGET) - n
            cols = []
            for name, spec in MODELS:
                s = ramdisk_tests.service_ns(spec, BYTES[w.split("-")[0]])
                measured = models[name][("dom0", w)]["ns"] / models[name][(who, w)]["ns"]
                cols.append("%s: %8d %6.3f %6.3f" % (name, s, (s + n) / (s + d), measured))
            print("%-11s %-17s %10.1f %10.1f %12.0f | %s" % (w, label, n, d, s_min,
                                                               "  ".join(cols)))



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
    for who, label in WHO[1:]:
        reqs, errors, events, notifies, grants = counters[who]
        print("%-17s per ring request (%d requests, %d errors): backend events %.3f, "
              "notifications to the frontend %.3f, grant operations %.3f" %
              (label, reqs, errors, events / reqs, notifies / reqs, grants / reqs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
