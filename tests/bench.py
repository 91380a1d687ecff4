#!/usr/bin/env python3
"""bench.py - the path-length figures of docs/benchmarks.md (`make bench`).

Boots pvlab under QEMU with -icount shift=0,sleep=off, where the guest's TSC
advances exactly one tick per instruction executed, with `bench` on dom0's
command line: minios runs its benchmarks before its first prompt.  Runs twice to show that the figures repeat
exactly, then prints raw counts and the ratios between paths measured in the
same run.  The same minios.elf also boots natively (-kernel, no hypervisor):
its getpid, process switch, spawn and reset-to-prompt counts are set beside
dom0's and a domU's (`--native` for that table alone).  Not a test: it asserts nothing except that the runs agree.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import BUILD, ROOT, Machine  # noqa: E402


def one_run():
    # `bench` on dom0's command line runs the measurements before the first
    # prompt, so nothing typed (at a host-dependent moment) can shift them.
    m = Machine(append="dom0_mem=64M", icount=True,
                modules=[os.path.join(BUILD, "minios.elf") + " dom0 bench benchdom",
                         os.path.join(BUILD, "bootfs.cpio")])
    try:
        m.expect(r"BENCH domains done", 300)
        out = m.output
        m.expect(r"dom0# ", 60)
        m.send("halt")
        m.wait_exit(30)
    finally:
        m.kill()
    figures = {}
    boot = re.search(r"BENCH boot_to_prompt_tsc=(\d+)", out)
    figures["boot_to_prompt"] = (int(boot.group(1)), None)
    figures["dom0_start"] = (int(re.search(r"BENCH dom0_start_tsc=(\d+)", out).group(1)), None)
    figures["hv_entry"] = (int(re.search(r"TSC at hypervisor entry: (\d+)", m.output).group(1)),
                           None)
    figures["evtping"] = (float(re.search(r"BENCH evtping_round_trip tsc=([\d.]+)", out).group(1)),
                          None)
    c = re.search(r"BENCH create_to_first_console_line tsc=(\d+) ns=(\d+)", out)
    figures["create_to_console"] = (int(c.group(1)), int(c.group(2)))
    hv = re.search(r"hv_mem_per_domain: (\d+) KiB \((\d+) pages\)", out)
    figures["hv_mem_per_domain"] = (int(hv.group(1)), int(hv.group(2)))
    hv = re.search(r"hv_mem_domU_max  : (\d+) KiB \((\d+) pages\)", out)
    figures["hv_mem_domU"] = (int(hv.group(1)), int(hv.group(2)))
    if not figures["hv_mem_domU"][1]:  # the first `xm-lite info` must run while the domU exists
        raise SystemExit("bench: the domU's hypervisor memory was read with no domU running")
    hv = re.search(r"hv_mem_dom0      : (\d+) KiB \((\d+) pages\)", out)
    figures["hv_mem_dom0"] = (int(hv.group(1)), int(hv.group(2)))
    for name, insns, entries in re.findall(
            r"BENCH (\w+) insns_per_op=([\d.]+) hv_entries_per_op=([\d.]+)", out):
        figures[name] = (float(insns), float(entries))
    # a benchmark that saw its path misbehave (an upcall lost, a hypercall that answered)
    figures["failures"] = re.findall(r"BENCH (\w+ failed: .*)", out)
    return figures


WORKLOADS = ["seq-read", "seq-write", "rand-read", "rand-write"]


def block_run():
    """One boot with a fresh disk: dom0 benchmarks hda1 directly, then a domU does through blkfront."""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory(prefix="pvlab-bench-") as d:
        img = os.path.join(d, "disk.img")
        subprocess.run(["python3", os.path.join(ROOT, "scripts", "mkdisk.py"), img], check=True,
                       stdout=subprocess.DEVNULL)
        with open(img, "r+b") as f:  # allocate every block now: no first-touch cost for either side
            f.seek(1 << 20)
            f.write(bytes(63 << 20))
        m = Machine(append="dom0_mem=64M", icount=True, icount_sleep=True,
                    modules=[os.path.join(BUILD, "minios.elf") + " dom0 blkbench",
                             os.path.join(BUILD, "bootfs.cpio")],
                    extra=["-drive", "file=%s,format=raw,if=ide,index=0" % img])
        try:
            m.expect(r"BENCH domains done", 600)
            out = m.output
        finally:
            m.kill()
    # Two domUs run the benchmark on xvda, one after the other: with grant copy, then bemode=map.
    r = {}
    parts = out.split("name=mapper")
    for part, dev in ((parts[0], "copy"), (parts[1], "map")):
        # the per-request figures: a domU whose disk has an I/O pool runs blk bench through it
        # first (buf=pool), then the per-request way (buf=static); blkfront's counts are
        # cumulative, so its last line covers both
        for d, what, mbps, reqps, buf in re.findall(
                r"BENCH blk (\w+) ([\w-]+) MBps=([\d.]+) reqps=(\d+) .* buf=(\w+)", part):
            if buf == "static":
                r[("hda1" if d == "hda1" else dev, what)] = (float(mbps), int(reqps))
        fe = re.findall(r"BENCH blkfront xvda requests=(\d+) notifications_sent=(\d+) "
                        r"events_received=(\d+)", part)[-1]
        be = re.search(r"xvda\s+\d+\s+hda1\s+w\s+\w+\s+\w+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)"
                       r"\s+(\d+)", part)
        r[("front", dev)] = tuple(int(x) for x in fe)
        r[("back", dev)] = tuple(int(x) for x in be.groups())  # requests errors events notifies grants
    return r


def block_report(runs):
    print("\nsplit block I/O: the same partition (hda1) from dom0 directly, then from a domU")
    print("through blkfront/blkback with grant copy (bemode=copy), then from a domU whose backend")
    print("maps the pages instead (bemode=map); all in one boot, %d boots.  Disk completions" %
          len(runs))
    print("follow the host's I/O, which -icount cannot replay, so these vary from run to run:")
    for w in WORKLOADS:
        print("  %s" % w)
        for dev, label in (("hda1", "dom0 direct"), ("copy", "domU, grant copy"),
                           ("map", "domU, map/unmap")):
            cells = ", ".join("%.1f" % r[(dev, w)][0] for r in runs)
            med = sorted(r[(dev, w)][0] for r in runs)[len(runs) // 2]
            ratio = sorted(r[(dev, w)][0] / r[("hda1", w)][0] for r in runs)[len(runs) // 2]
            reqs = sorted(r[(dev, w)][1] for r in runs)[len(runs) // 2]
            print("    %-18s MB/s %-40s median %6.1f MB/s %7d req/s  ratio to dom0 %.3f" %
                  (label, cells, med, reqs, ratio))
    for dev, label in (("copy", "grant copy"), ("map", "map/unmap")):
        reqs, notif, events = runs[0][("front", dev)]
        breqs, errors, bevents, bnotifies, grants = runs[0][("back", dev)]
        print("  %-10s per ring request (first boot, %d requests): notifications frontend->backend "
              "%.3f, backend->frontend %.3f, grant hypercalls %.3f" %
              (label, breqs, notif / reqs, bnotifies / breqs, grants / breqs))


PBENCH = [("getpid", "getpid 1000"), ("process_switch", "switch 1000"), ("spawn", "spawn 100")]


def process_run():
    """minios processes: pbench (guests/bin/pbench.c) at dom0's ring-3 shell, then in a domU's."""
    m = Machine(append="dom0_mem=64M", icount=True, mem=256)
    figures = {}
    rx = (r"BENCH (\w+) n=\d+ insns_per_op=(\d+) hv_entries_per_op=([\d.]+) "
          r"hypercalls_per_op=([\d.]+) cr3_loads_per_op=([\d.]+)")
    try:
        m.expect(r"dom0# ", 60)
        for where, prompt in (("dom0", r"dom0# "), ("domU", r"domU# ")):
            if where == "domU":
                m.command("xm-lite create /etc/xm/nodisk.cfg name=domU", timeout=60)
                m.command("xm-lite console domU", prompt=prompt, timeout=60)
            for key, args in PBENCH:
                out = m.command("pbench " + args, prompt=prompt, timeout=300)
                r = re.search(rx, out)
                figures[(where, key)] = (int(r.group(2)), float(r.group(3)), float(r.group(4)),
                                         float(r.group(5))) if r else None
        if where == "domU":  # minios's own benchmarks in the domU: its kernel #PF round trip
            out = m.command("bench", prompt=prompt, timeout=300)
            r = re.search(r"BENCH page_fault insns_per_op=([\d.]+) hv_entries_per_op=([\d.]+)", out)
            domu_pf = (float(r.group(1)), float(r.group(2))) if r else None
        m.detach()
        m.send("halt")
        m.wait_exit(30)
    finally:
        m.kill()
    return figures, domu_pf


def native_run():
    """minios natively (no hypervisor): reset to the prompt, then pbench at native#."""
    m = Machine(kernel=os.path.join(BUILD, "minios.elf"), append="bench", icount=True, mem=256)
    figures = {}
    rx = r"BENCH (\w+) n=\d+ insns_per_op=(\d+) .*cr3_loads_per_op=([\d.]+)"
    try:
        # each pattern ends at the line's end: expect() may see a line half-read
        r = m.expect(r"BENCH native_start_tsc=(\d+) boot_to_prompt_tsc=(\d+)\n", 60)
        figures["start"], figures["prompt"] = int(r.group(1)), int(r.group(2))
        r = m.expect(r"BENCH page_fault insns_per_op=([\d.]+) ", 60)
        figures["page_fault"] = float(r.group(1))
        m.expect(r"native# ", 60)
        for key, args in PBENCH:
            out = m.command("pbench " + args, prompt=r"native# ", timeout=300)
            r = re.search(rx, out)
            figures[key] = (int(r.group(2)), float(r.group(3))) if r else None
        m.send("halt")
        m.wait_exit(30)
    finally:
        m.kill()
    return figures


def native_report(pv_and_pf):
    """The same kernel and programs natively, in dom0 and in a domU, side by side."""
    pv, domu_pf = pv_and_pf
    a, b = native_run(), native_run()
    d0 = one_run()
    print("\nminios natively vs as dom0 and as a domU (instructions per operation; native runs %s)" %
          ("identical" if a == b else "DIFFERENT"))
    print("%-18s %12s %12s %12s %10s %10s" % ("operation", "native", "dom0", "domU",
                                              "dom0/nat", "domU/nat"))
    labels = {"getpid": "getpid", "process_switch": "process switch", "spawn": "spawn+exit+wait"}
    for key, _ in PBENCH:
        n = a[key][0] if a.get(key) else None
        row = [pv.get((w, key)) and pv[(w, key)][0] for w in ("dom0", "domU")]
        if n is None or None in row:
            print("%-18s (no figure)" % labels[key])
            continue
        print("%-18s %12d %12d %12d %10.2f %10.2f" % (labels[key], n, row[0], row[1],
                                                    row[0] / n, row[1] / n))
    print("  (CR3 loads per process switch natively: %.3f, each a plain mov %%cr3)" %
          a["process_switch"][1])
    pf = d0["page_fault"][0]
    if domu_pf:
        print("%-18s %12.3f %12.3f %12.3f %10.2f %10.2f" % (
            "kernel #PF trip", a["page_fault"], pf, domu_pf[0], pf / a["page_fault"],
            domu_pf[0] / a["page_fault"]))
    else:
        print("%-18s %12.3f %12.3f %12s %10.2f" % ("kernel #PF trip", a["page_fault"], pf,
                                                   "(none)", pf / a["page_fault"]))
    print("%-18s %12d %12d %12s %10.2f" % ("reset to prompt", a["prompt"], d0["boot_to_prompt"][0],
                                           "-", d0["boot_to_prompt"][0] / a["prompt"]))
    print("%-18s %12d %12d %12s" % ("  kernel's share", a["prompt"] - a["start"],
                                    d0["boot_to_prompt"][0] - d0["dom0_start"][0], "-"))


def process_report():
    (a, pf_a), (b, pf_b) = process_run(), process_run()
    print("minios processes under -icount shift=0,sleep=off (per operation; two runs %s)" %
          ("identical" if a == b else "DIFFERENT"))
    print("%-8s %-16s %12s %12s %12s %10s" % ("domain", "operation", "instructions",
                                             "hv entries", "hypercalls", "cr3 loads"))
    labels = {"getpid": "getpid", "process_switch": "process switch", "spawn": "spawn+exit+wait"}
    for (where, key), v in sorted(a.items()):
        if v is None:
            print("%-8s %-16s (no figure)" % (where, labels[key]))
        else:
            print("%-8s %-16s %12d %12.3f %12.3f %10.3f" % ((where, labels[key]) + v))
            if b.get((where, key)) != v:
                print("%-8s %-16s %12s %12s %12s %10s  (second run)" %
                      (("", "") + tuple(b.get((where, key)) or ("-",) * 4)))
    print("domU   kernel #PF round trip %s instructions, %s hypervisor entries%s" % (
        pf_a[0] if pf_a else "-", pf_a[1] if pf_a else "-",
        "" if pf_a == pf_b else " (second run: %s)" % (pf_b,)))
    return a, pf_a


def main():
    if "--processes" in sys.argv:
        process_report()
        return 0
    if "--native" in sys.argv:
        native_report(process_report())
        return 0
    if "--block-only" not in sys.argv:
        path_lengths()
        native_report(process_report())
    block_report([block_run() for _ in range(5)])
    return 0


def path_lengths():
    a, b = one_run(), one_run()
    repeat = "identical" if a == b else "DIFFERENT (icount should make them identical)"
    f = a
    print("pvlab path lengths under QEMU -icount shift=0,sleep=off (1 TSC tick = 1 instruction)")
    print("two runs: %s\n" % repeat)
    print("%-44s %14s %18s" % ("path (round trip, averaged over 1000)", "instructions",
                               "hypervisor entries"))
    rows = [("null hypercall from ring 1 (xen_version)", "null_hypercall"),
            ("int $0x80 from ring 3 to ring 1 and back", "int80_ring3"),
            ("#GP in ring 1 bounced to the guest and back", "gp_bounce"),
            ("#PF in ring 1 bounced to the guest and back", "page_fault"),
            ("unknown hypercall number (-ENOSYS)", "unknown_hypercall"),
            ("EVTCHNOP_send on a loopback pair, masked", "evtchn_send"),
            ("  the same, unmasked: + upcall and dispatch", "send_upcall"),
            ("empty loop iteration (measurement floor)", "empty_loop")]
    for label, key in rows:
        insns, entries = f[key]
        print("%-44s %14.3f %18.3f" % (label, insns, entries))
    for failure in f["failures"]:
        print("FAILED: %s" % failure)
    hv, d0, pr = f["hv_entry"][0], f["dom0_start"][0], f["boot_to_prompt"][0]
    print("\nboot, instructions from reset:")
    print("  %-42s %14d" % ("firmware and multiboot loader", hv))
    print("  %-42s %14d" % ("hypervisor: entry to dom0's first insn", d0 - hv))
    print("  %-42s %14d" % ("dom0 start of day to the dom0# prompt", pr - d0))
    print("  %-42s %14d" % ("total: reset to the dom0# prompt", pr))
    print("  (the hypervisor's share includes its 10 ms TSC calibration against the PIT and")
    print("   scrubbing dom0's 64 MiB before handing it over)")
    print("\nmany domains (dom0 with one 32 MiB minios domU):")
    print("  %-52s %10.3f instructions" % ("event-channel ping-pong round trip dom0 <-> domU",
                                          f["evtping"][0]))
    print("  %-52s %10.3f instructions, %.0f hypervisor entries" % (
        "grant map + unmap of a page (dom0, its own grant)", f["grant_map_unmap"][0],
        f["grant_map_unmap"][1]))
    print("  %-52s %10.3f instructions, %.3f hypervisor entries" % (
        "  the same per page, 32 pages a map and an unmap call", f["grant_batch32_map_unmap"][0],
        f["grant_batch32_map_unmap"][1]))
    print("  %-52s %10d instructions = %d guest ns" % (
        "xm-lite create to the domU's first console output", f["create_to_console"][0],
        f["create_to_console"][1]))
    print("  %-52s %10d KiB (%d pages)" % ("hypervisor memory per domain (average with dom0)",
                                         f["hv_mem_per_domain"][0], f["hv_mem_per_domain"][1]))
    print("  %-52s %10d KiB (%d pages)" % ("hypervisor memory of the domU", f["hv_mem_domU"][0],
                                         f["hv_mem_domU"][1]))
    print("  %-52s %10d KiB (%d pages)" % ("hypervisor memory of dom0", f["hv_mem_dom0"][0],
                                         f["hv_mem_dom0"][1]))
    print("  %-52s %10.1f" % ("ping-pong / null hypercall", f["evtping"][0] / f["null_hypercall"][0]))
    hc, sc, gp = f["null_hypercall"][0], f["int80_ring3"][0], f["gp_bounce"][0]
    print("\nratios (same run):")
    print("  null hypercall / int $0x80 system call = %.1f" % (hc / sc))
    print("  #GP bounce / int $0x80 system call     = %.1f" % (gp / sc))
    print("  #GP bounce / null hypercall            = %.2f" % (gp / hc))
    print("  hypervisor entries per int $0x80       = %.3f (expected 0: the gate goes straight "
          "to ring 1)" % f["int80_ring3"][1])


if __name__ == "__main__":
    sys.exit(main())
