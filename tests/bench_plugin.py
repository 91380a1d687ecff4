#!/usr/bin/env python3
"""bench_plugin.py - the figures of the lab's QEMU plugin (`make bench-plugin`).

Not a test: it measures and prints, asserting only that runs finished.

1. Overhead.  Boots pvlab to dom0's prompt (a fixed window: under
   -icount shift=0,sleep=off the same ~41 M instructions every time) three
   ways: without the plugin, with the plugin counting haps only
   (icache=off,dcache=off), and with the default six caches.  Wall time from
   QEMU's start to the prompt, best of RUNS boots each, and the slowdowns.

2. dom0's window, two instruments side by side.  In the full-plugin boot the
   plugin treats the first instruction of dom0's `stats` command as a marker
   (marker_pc=cmd_stats, found with nm), so typing `stats`, `bench`, `stats`
   makes one window around minios's path-length benchmarks (hypercalls,
   int $0x80 from ring 3, #GP bounces).  The two `stats` lines give the
   hypervisor's own counters for nearly the same window (they are read a few
   instructions after each marker).  Printed: CR3 writes and mode changes as
   the plugin counts them, split by hypervisor function, against the
   hypervisor's counters, and the D-cache hit rates.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import BUILD, Machine  # noqa: E402
from instrument_tests import PLUGIN, function_at, hv_symbols, n, parse_report  # noqa: E402

RUNS = 3
CONFIGS = [("no plugin", None), ("plugin, haps only", "icache=off,dcache=off"),
           ("plugin, 3 I + 3 D caches", "")]


def symbol(elf, name):
    out = subprocess.run(["nm", elf], stdout=subprocess.PIPE).stdout.decode()
    m = re.search(r"^([0-9a-f]+) [tT] %s$" % name, out, re.M)
    if not m:
        sys.exit("bench_plugin: no symbol %s in %s" % (name, elf))
    return int(m.group(1), 16)


def stats_counters(text):
    m = re.search(r"hypervisor entries (\d+): hypercalls (\d+) \((\d+) refused\), exceptions (\d+) "
                  r"\((\d+) bounced\), interrupts (\d+)\s+event upcalls (\d+), cr3 loads (\d+)", text)
    keys = ["hv_entries", "hypercalls", "refused", "exceptions", "bounced", "interrupts", "upcalls",
            "cr3_loads"]
    return dict(zip(keys, map(int, m.groups())))


def boot(plugin_args, log, window=False):
    """One boot to the prompt; returns (seconds to the prompt, dom0 counter deltas or None)."""
    extra = []
    if plugin_args is not None:
        extra = ["-plugin", PLUGIN + ("," + plugin_args if plugin_args else ""), "-d", "plugin",
                 "-D", log]
    t0 = time.time()
    m = Machine(append="dom0_mem=64M", icount=True, extra=extra)
    try:
        m.expect(r"dom0# ", 300)
        seconds = time.time() - t0
        deltas = None
        if window:
            first = stats_counters(m.command("stats"))
            m.command("bench", timeout=300)
            second = stats_counters(m.command("stats"))
            deltas = {k: second[k] - first[k] for k in first}
        m.send("halt")
        m.wait_exit(60)
    finally:
        m.kill()
    return seconds, deltas


def overhead():
    best = {}
    with tempfile.TemporaryDirectory(prefix="pvlab-bench-") as d:
        for name, args in CONFIGS:
            best[name] = min(boot(args, os.path.join(d, "q.log"))[0] for _ in range(RUNS))
    base = best[CONFIGS[0][0]]
    print("plugin overhead: reset to dom0's prompt (~41 M instructions, -icount shift=0), "
          "best of %d boots" % RUNS)
    for name, _ in CONFIGS:
        print("  %-28s %7.2f s   x%.2f" % (name, best[name], best[name] / base))


def dom0_window():
    marker = symbol(os.path.join(BUILD, "minios.elf"), "cmd_stats")
    with tempfile.TemporaryDirectory(prefix="pvlab-bench-") as d:
        log = os.path.join(d, "q.log")
        _, hv = boot("marker_pc=0x%x" % marker, log, window=True)
        win = parse_report(open(log).read())["1"]
    syms = hv_symbols()
    by_fn = {}
    for s in win["cr3_sites"]:
        fn = function_at(syms, int(s["pc"], 16))
        by_fn[fn] = by_fn.get(fn, 0) + n(s, "count")
    modes, haps = win["modes"], win["haps"]
    entries = n(modes, "kernel_hv") + n(modes, "user_hv")
    print("\ndom0 window: `stats` ... `bench` ... `stats` (marker_pc=cmd_stats)")
    print("  %-44s %12s %12s" % ("", "plugin", "hypervisor"))
    rows = [("CR3 loads (load_guest_pagetable)", by_fn.get("load_guest_pagetable", 0),
             hv["cr3_loads"]),
            ("hypervisor entries (mode changes into hv)", entries, hv["hv_entries"]),
            ("  of which int $0x82 hypercalls", n(haps, "int82"), hv["hypercalls"]),
            ("CR3 writes, all sites", n(haps, "cr3_writes"), "-"),
            ("  at the entries / the exits", "%d / %d" % (
                by_fn.get("tramp_entry", 0) + by_fn.get("tramp_trap_entry", 0),
                by_fn.get("tramp_exit", 0) + by_fn.get("tramp_hypercall_exit", 0)), "-"),
            ("mode changes, all", n(haps, "mode_changes"), "-"),
            ("  guest kernel <-> user", "%d / %d" % (n(modes, "kernel_user"),
                                                     n(modes, "user_kernel")), "-"),
            ("int $0x80 / iret", "%d / %d" % (n(haps, "int80"), n(haps, "iret")), "-"),
            ("exceptions / bounced", "-", "%d / %d" % (hv["exceptions"], hv["bounced"])),
            ("interrupts / upcalls", "-", "%d / %d" % (hv["interrupts"], hv["upcalls"])),
            ("instructions (hv / kernel / user)", "%s / %s / %s" % (
                win["insns"]["hv"], win["insns"]["kernel"], win["insns"]["user"]), "-")]
    for label, a, b in rows:
        print("  %-44s %12s %12s" % (label, a, b))
    print("  D-cache hit rates (all regions):", ", ".join(
        "%s %.4f" % (name, float(win["cache"][(name, "all")]["hit_rate"]))
        for name in ("D16K", "D128K", "D1024K")))
    print("  I-cache hit rates (all regions):", ", ".join(
        "%s %.4f" % (name, float(win["cache"][(name, "all")]["hit_rate"]))
        for name in ("I16K", "I128K", "I1024K")))


def main():
    if not os.path.exists(PLUGIN):
        sys.exit("bench_plugin: %s is missing (make)" % PLUGIN)
    overhead()
    dom0_window()
    return 0


if __name__ == "__main__":
    sys.exit(main())
