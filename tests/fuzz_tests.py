#!/usr/bin/env python3
"""fuzz_tests.py - the hypercall fuzzer (tests/guests/fuzz_hypercalls.c), here
as an unprivileged domU; and `make fuzz`, the long privileged run.

The privileged 100,000-call slice runs chained with the other hostile guests
(system_tests.py: hostile_guests, which checks every frame came back).  Here
xm-lite creates domu_fuzz, the same fuzzer as a domU; after its verdict dom0
must still answer and xm-lite info must show the free memory of before.

Run directly, it is `make fuzz`: one boot, the fuzzer as the only chained
initial domain with `seed=S count=N`, and the figures (calls, calls per
second, wall time) with the free-frame check at the end.  With --stretch
(`make fuzz FUZZ_STRETCH=1`) the run is under -icount with the lab's plugin,
which reports the longest single hypervisor entry between the fuzzer's
markers, that is among the calls, in instructions.
"""
import argparse
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import BUILD, Machine, check, halt  # noqa: E402
from domain_tests import free_pages  # noqa: E402

PLUGIN = os.path.join(BUILD, "plugins", "pvlab-cache.so")

ALL = []


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


@test
def hypercall_fuzzer_as_a_domU():
    """100,000 random hypercalls from a domU: a verdict, dom0 answers, memory returns."""
    m = Machine(append="dom0_mem=64M", mem=512)
    results = []
    try:
        m.expect(r"dom0# ", 60)
        before = free_pages(m)
        out = m.command("xm-lite create /etc/xm/tests/domu_fuzz.cfg -c", timeout=300)
        v = re.search(r"^XTF: domu_fuzz: (SUCCESS|(?:FAILURE|ERROR|SKIP): .*)$", out, re.M)
        results.append(("verdict", bool(v and v.group(1) == "SUCCESS"),
                        v.group(1) if v else "no verdict:\n" + out[-1500:]))
        rate = re.search(r"fuzz: (\d+) calls \((\d+) refused\) in (\d+) ms", out)
        results.append(("completed_the_count", bool(rate and int(rate.group(1)) >= 100000),
                        "fuzzer summary: %s" % (rate.group(0) if rate else None)))
        m.command("xm-lite destroy domu_fuzz")  # if it is still listed; an error otherwise
        time.sleep(0.5)
        info = m.command("info")
        results.append(("dom0_still_answers", "domain id:" in info, info[-500:]))
        after = free_pages(m)
        results.append(("memory_returned", after == before,
                        "free pages %d before, %d after" % (before, after)))
        halt(m)
    finally:
        m.kill()
    return results


def long_run(seed, count, timeout, stretch=False):
    """make fuzz: the privileged fuzzer alone in chain mode; returns 0 on success.
    stretch: under -icount, with the lab's plugin watching (haps only), print the
    longest single stretch of hypervisor instructions between the fuzzer's markers."""
    guest = os.path.join(BUILD, "tests", "guests", "fuzz_hypercalls.elf")
    cmd = "fuzz_hypercalls seed=%d count=%d" % (seed, count)
    tmp = tempfile.TemporaryDirectory(prefix="pvlab-fuzz-")
    log = os.path.join(tmp.name, "plugin.log")
    extra = ["-plugin", PLUGIN + ",icache=off,dcache=off", "-d", "plugin", "-D", log]
    m = Machine(modules=[guest + " " + cmd], append="chain dom0_mem=16M", icount=stretch,
                extra=extra if stretch else None)
    t0 = time.time()
    try:
        rc = m.wait_exit(timeout)
    finally:
        m.kill()
    wall = time.time() - t0
    out = m.output
    if stretch:
        text = open(log).read()
        w = re.search(r"window=1 record=hv_stretch max=(\d+)", text)
        insns = re.search(r"window=1 record=insns all=(\d+) hv=(\d+)", text)
        print("fuzz: longest hypervisor entry among the %d calls: %s instructions "
              "(window: %s instructions, %s in the hypervisor)"
              % (count, w.group(1) if w else "no window reported",
                 insns.group(1) if insns else "?", insns.group(2) if insns else "?"))
    tmp.cleanup()
    for line in re.findall(r"^fuzz: .*$", out, re.M)[-3:]:
        print(line)
    v = re.search(r"^XTF: fuzz_hypercalls.*: (SUCCESS|(?:FAILURE|ERROR|SKIP): .*)$", out, re.M)
    frees = re.search(r"free frames (\d+) \(before first domain: (\d+)\)", out)
    ok = bool(v and v.group(1) == "SUCCESS" and frees and frees.group(1) == frees.group(2)
              and rc == 0)
    print("fuzz: seed %d, %d calls: %s; free frames %s; QEMU exit %d; %.0f s wall, %.0f calls/s"
          % (seed, count, v.group(1) if v else "no verdict", frees.groups() if frees else None,
             rc, wall, count / wall))
    if not ok:
        print(out[-3000:])
    return 0 if ok else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=10000000)
    ap.add_argument("--timeout", type=int, default=7200)
    ap.add_argument("--stretch", action="store_true",
                    help="under -icount with the plugin: the longest hypervisor entry")
    a = ap.parse_args()
    sys.exit(long_run(a.seed, a.count, a.timeout, a.stretch))
