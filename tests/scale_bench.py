#!/usr/bin/env python3
"""scale_bench.py - many domains at once, for `make bench` (issue 15, goals 3 and 5).

One boot under -icount shift=0,sleep=off (1 TSC tick = 1 instruction) creates
minimal domUs (tests/guests/domu_tiny.c: 1 MiB, no disk) until it has
SCALE_BENCH_DOMAINS of them or a create is refused, and reports:
  - `xm-lite bench-create` of one more tiny domU (create to its first console
    line, in instructions) with 0 domUs running, and after every 100: the
    goal is that the last is no slower than 1.2x the first;
  - `xm-lite bench-list` with all of them running (guest time; goal < 1 s);
  - whether every domain got the CPU (`xm-lite sched`: each woken by its timer);
  - destroying them all (`xm-lite bench-destroy`: the hypercall and dom0's CPU
    for each, shown with 1,000, 500 and 1 running), and whether every frame
    came back;
  - `xm-lite bench-lookup` (what every command naming a domain pays to find
    it) by name and by id, with one domU running and with all of them;
  - where it stopped, with the error that names the limit, and the wall time.
Usage: tests/scale_bench.py [N]   (default 1000)
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import Machine  # noqa: E402
from scale_tests import TINY_CFG, free_pages, wakeups  # noqa: E402

MACHINE_MIB = 1536  # a thousand 1 MiB domUs, dom0 and the hypervisor, with room to spare
DOM0_MEM = "128M"   # consoled's log (16 KiB) and xenstored's nodes for each domU


def bench_create(m):
    out = m.command("xm-lite bench-create %s" % TINY_CFG, timeout=120)
    c = re.search(r"BENCH create_to_first_console_line tsc=(\d+) ns=(\d+)", out)
    return int(c.group(1)) if c else None


def bench_lookups(m, running, name):
    """`xm-lite bench-lookup` of one domU by name, then by its id: (running, by name, by id)."""
    out = m.command("xm-lite bench-lookup %s" % name, timeout=120)
    c = re.search(r"BENCH lookup \S+ id=(\d+) tsc=(\d+)", out)
    if not c:
        return None
    by_id = re.search(r"tsc=(\d+)", m.command("xm-lite bench-lookup %s" % c.group(1), timeout=120))
    return (running, int(c.group(2)), int(by_id.group(1)) if by_id else None)


def print_destroys(destroys):
    """The destroy hypercall and dom0's CPU around it, as `xm-lite bench-destroy` reports."""
    got = [d for d in destroys if d]
    if not got:
        print("xm-lite bench-destroy: no figures")
        return
    print("xm-lite bench-destroy of one tiny domU (instructions: the hypercall; dom0's CPU "
          "until its services let go):")
    for running, tsc, cpu in [got[0], got[len(got) // 2], got[-1]]:
        print("  with %4d domUs running: %10d  %10d" % (running, tsc, cpu))
    print("  mean over %d: %10d  %10d" % (len(got), sum(d[1] for d in got) // len(got),
                                          sum(d[2] for d in got) // len(got)))


def main():
    want = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    start = time.time()
    m = Machine(append="dom0_mem=" + DOM0_MEM, mem=MACHINE_MIB, icount=True)
    try:
        m.expect(r"dom0# ", 120)
        before = free_pages(m)
        creates = [(0, bench_create(m))]
        made, refused, lookups = 0, "", []
        while made < want:
            out = m.command("xm-lite create %s name=t%d" % (TINY_CFG, made + 1), timeout=120)
            if "Started domain" not in out:
                refused = out.strip()
                break
            made += 1
            if made == 1:
                lookups.append(bench_lookups(m, made, "t1"))
            if made % 100 == 0:
                creates.append((made, bench_create(m)))
        if made:
            lookups.append(bench_lookups(m, made, "t%d" % made))
        lst = m.command("xm-lite bench-list", timeout=120)
        listed = len(re.findall(r"^t\d+ ", lst, re.M))
        lt = re.search(r"BENCH list tsc=(\d+) ns=(\d+)", lst)
        time.sleep(2)
        woken = wakeups(m)
        idle = [n for n in ("t%d" % i for i in range(1, made + 1)) if woken.get(n, 0) < 1]
        t_destroy = time.time()
        destroys = []
        for i in range(1, made + 1):
            out = m.command("xm-lite bench-destroy t%d" % i, timeout=120)
            d = re.search(r"BENCH destroy tsc=(\d+) dom0_cpu_ns=(\d+)", out)
            destroys.append((made - i + 1, int(d.group(1)), int(d.group(2))) if d else None)
        t_destroy = time.time() - t_destroy
        after = free_pages(m)
        m.send("halt")
        m.wait_exit(60)
    finally:
        m.kill()
    print("pvlab scale under QEMU -icount shift=0,sleep=off, %d MiB machine, dom0 %siB, "
          "domUs of 1 MiB (domu_tiny)" % (MACHINE_MIB, DOM0_MEM))
    print("domUs created: %d of %d wanted" % (made, want))
    if refused:
        print("stopped by:\n    " + refused.replace("\n", "\n    "))
    print("xm-lite create to the first console line of one more tiny domU (instructions):")
    for n, insns in creates:
        print("  with %4d domUs running: %10s" % (n, insns))
    if creates[-1][1] and creates[0][1]:
        print("  last / first = %.3f (goal <= 1.2)" % (creates[-1][1] / creates[0][1]))
    if lt:
        print("xm-lite list of %d domUs: %d instructions, %.3f s of guest time (goal < 1 s)" % (
            listed, int(lt.group(1)), int(lt.group(2)) / 1e9))
    print("xm-lite bench-lookup of the newest domU (instructions to find it, as every command "
          "naming a domain does), by name and by id:")
    for got in lookups:
        if got:
            print("  with %4d domUs running: %10s  %10s" % got)
    print("domUs never given the CPU back after 2 s: %d %s" % (len(idle), idle[:8]))
    print_destroys(destroys)
    print("destroying all: %.1f s wall; free pages %d before, %d after (%s)" % (
        t_destroy, before, after, "every frame back" if after == before else "FRAMES MISSING"))
    print("wall time of the run: %.1f s" % (time.time() - start))
    return 0 if after == before and not idle else 1


if __name__ == "__main__":
    sys.exit(main())
