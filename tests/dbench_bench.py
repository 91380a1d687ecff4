#!/usr/bin/env python3
"""dbench_bench.py - dbench-lite natively, in dom0 and in a domU: the figures
of docs/dbench.md (`make bench`, or `python3 tests/dbench_bench.py`).

The same /bin/dbench runs the same generated loadfile (load.txt, from the
boot archive) for the same seconds, with 1 and then 2 clients, in three
machines that differ only in what runs under minios: nothing (minios.elf by
-kernel, ext2 on the IDE disk's hda2), the hypervisor with minios as dom0
(hda2), and the hypervisor with a minios domU whose xvda is hda1 through
blkfront, blkback and dom0's IDE driver.  Each machine gets a fresh
mkdisk.py --ext2 disk and runs under QEMU -icount shift=0 with the lab's
plugin (build/plugins/pvlab-cache.so, haps only, which costs no measurable
time).  dbench-lite's markers (xchg %bx,%bx) open and close the plugin's
window exactly on the execute phase, so every count below is of that phase
and nothing else, over all of the machine (the domU's figures include dom0's
backend and the hypervisor working for it):

  - throughput: dbench's own Throughput line (guest clock);
  - instructions, and how they split between the hypervisor, the kernels
    and ring 3; the execute phase lasts SECONDS of guest time, and under
    shift=0 an instruction is a nanosecond, so instructions / SECONDS / 1e9
    is the share of the phase the CPU was busy (the rest it halted, waiting
    for the disk);
  - CR3 loads: every mov to CR3 (natively minios's process switches; under
    pvlab also the hypervisor's two per entry, decision 3), and the page-
    directory loads at load_guest_pagetable (process and domain switches);
  - hypervisor entries by cause: executions of each of the hypervisor's
    vector stubs (count_pc=, one per IDT vector: 130 is the hypercall gate,
    14 the page fault, 32 the timer, 46 the IDE disk), which must add up to
    the plugin's own count of entries into the hypervisor's region;
  - process switches: calls of minios's machine.load_cr3 (pv_load_cr3 or
    native_load_cr3), made only when a different process's page directory
    is loaded.

Host dependence: the CPU's work is counted exactly, but a disk request
completes when QEMU's I/O thread has done the host read or write, which
-icount does not replay.  With sleep=on (the default here, as for the block
figures of docs/benchmarks.md) virtual time runs at the host's pace while
every CPU is halted: "a 1 GHz CPU and a host-speed disk"; so throughput and
how many instructions fit in the phase depend on the host's disk, its load
and its caches, and vary from boot to boot.  --sleep off gives QEMU's
sleep=off instead, where an idle CPU jumps to the next timer deadline: disk
waits then last a whole number of timer periods, which differ between
native minios (100 Hz) and the hypervisor (its own 1 ms tick and dom0's),
so the modes are not compared on equal terms; it is there to show that.

A machine whose dbench does not finish is killed, counted and booted again
(at most --retries times, default 1): under -icount a domU's 2-client run sometimes stops
for good (docs/dbench.md).

Options: --seconds T (default 5), --boots N (default 2; medians and the
range are printed, ratios are taken within each boot triple), --sleep on|off,
--profile (also list the busiest translated blocks of the domU's window by
hypervisor function, from the plugin's profile=on).
Not a test: it asserts nothing except that the runs finished.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import BUILD, ROOT, Machine, Timeout, halt  # noqa: E402
import dbench_tests  # noqa: E402
from instrument_tests import function_at, hv_symbols  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tools", "plugin"))
from pvlab_report import parse_report  # noqa: E402

PLUGIN = os.path.join(BUILD, "plugins", "pvlab-cache.so")
HV = os.path.join(BUILD, "hv.elf")
MINIOS = os.path.join(BUILD, "minios.elf")
CONFIGS = ["native", "dom0", "domU"]
RETRIES = 1  # a machine whose dbench hangs is booted again this many times (--retries)
HANG_AFTER = 60  # seconds of wall time, plus 10 per dbench second, before a run counts as hung
CLIENTS = [1, 2]
PROMPTS = {"native": r"native# ", "dom0": r"dom0# ", "domU": r"domU# "}
CAUSES = [("hypercall", [130]), ("page fault", [14]), ("other exception", list(range(0, 14)) +
                                                       list(range(15, 20))),
          ("timer IRQ", [32]), ("disk IRQ", [46]), ("other IRQ", list(range(33, 46)) + [47])]


def symbols(elf):
    """{name: address} of an image's text symbols (nm)."""
    out = subprocess.run(["nm", elf], stdout=subprocess.PIPE, check=True).stdout.decode()
    return {p[2]: int(p[0], 16) for p in (line.split() for line in out.splitlines())
            if len(p) == 3 and p[1] in "tT"}


def vector_stubs():
    """{address: vector} of the hypervisor's IDT stubs (arch/x86/entry.S: vector_N)."""
    return {a: int(n[len("vector_"):]) for n, a in symbols(HV).items()
            if re.match(r"vector_\d+$", n)}


def plugin_args(profile):
    mos = symbols(MINIOS)
    pcs = [mos["pv_load_cr3"], mos["native_load_cr3"]] + sorted(vector_stubs())
    args = ["icache=off", "dcache=off"] + ["count_pc=0x%x" % a for a in pcs]
    return ",".join(args + (["profile=on"] if profile else []))


def boot(config, disk, log, sleep, profile):
    extra = ["-drive", "file=%s,format=raw,if=ide,index=0" % disk,
             "-plugin", PLUGIN + "," + plugin_args(profile), "-d", "plugin", "-D", log]
    if config == "native":
        m = Machine(kernel=MINIOS, icount=True, icount_sleep=sleep, mem=256, extra=extra)
    else:
        m = Machine(append="dom0_mem=64M", icount=True, icount_sleep=sleep, mem=256, extra=extra)
    m.expect(PROMPTS["native" if config == "native" else "dom0"], 120)
    if config == "domU":
        for cfg in ("/etc/xm/domU.cfg", "/boot/etc/xm/domU.cfg"):
            out = m.command("xm-lite create %s" % cfg, timeout=120)
            if "Started domain domU" in out:
                break
        m.command("xm-lite console domU", prompt=PROMPTS["domU"], timeout=120)
    return m


def throughput(out, nprocs, where):
    """The Throughput figure; a run without an execute line (the clients never all moved bytes
    in time) is reported, not hidden: its window is then the warm-up's end to the stop."""
    m = re.search(r"^Throughput ([\d.]+) MB/sec  %d clients" % nprocs, out, re.M)
    if not m:
        raise AssertionError("%s: no Throughput line:\n%s" % (where, out))
    if not re.search(dbench_tests.PROGRESS % "execute", out, re.M):
        print("%s, %d clients: NO execute line (the clients were still in the warm-up); its "
              "output:\n%s" % (where, nprocs, out), file=sys.stderr, flush=True)
    return float(m.group(1))


def one_machine(config, seconds, sleep, profile):
    """Boot one configuration, run dbench with 1 then 2 clients; {clients: figures}."""
    tmp = tempfile.mkdtemp(prefix="dbench-bench-")
    disk, log = os.path.join(tmp, "disk.img"), os.path.join(tmp, "plugin.log")
    dbench_tests.make_disk(disk)
    m = boot(config, disk, log, sleep, profile)
    prompt = PROMPTS[config]
    tputs = {}
    try:
        loads = dbench_tests.first_dir(m, prompt, ("/etc/dbench", "/boot/etc/dbench"), "load.txt")
        for n in CLIENTS:
            try:
                out = m.command("dbench -c %s/load.txt -t %d %d" % (loads, seconds, n),
                                prompt=prompt, timeout=HANG_AFTER + 10 * seconds)
            except Timeout as e:  # reported as such, not hidden; the machine is given up
                print("%s, %d clients: dbench did not finish: %s" % (config, n, e),
                      file=sys.stderr, flush=True)
                break
            tputs[n] = throughput(out, n, config)
        else:
            if config == "domU":
                m.detach()
                m.command("xm-lite destroy domU", timeout=60)
            halt(m)
    finally:
        m.kill()
    # A finished window is in the log from its end marker on, even if QEMU was killed later.
    windows = parse_report(open(log).read())
    shutil.rmtree(tmp, ignore_errors=True)
    return {n: figures(windows[str(i + 1)], tputs[n], seconds) if n in tputs else None
            for i, n in enumerate(CLIENTS)}


def figures(w, tput, seconds):
    """One execute window's figures, per execute-second where it is a count."""
    mos, stubs, hv = symbols(MINIOS), vector_stubs(), hv_symbols()
    insns = {k: int(v) for k, v in w["insns"].items()}
    by_vector = {stubs[a]: c for a, c in w["pcs"].items() if a in stubs}
    entries = int(w["modes"]["kernel_hv"]) + int(w["modes"]["user_hv"])
    cr3_pgd = sum(int(s["count"]) for s in w["cr3_sites"]
                  if function_at(hv, int(s["pc"], 16)) == "load_guest_pagetable")
    f = {"tput": tput, "secs": seconds, "insns": insns["all"], "hv": insns["hv"], "kernel": insns["kernel"],
         "user": insns["user"], "busy": insns["all"] / (seconds * 1e9),
         "cr3": int(w["haps"]["cr3_writes"]) / seconds, "cr3_pgd": cr3_pgd / seconds,
         "entries": entries / seconds, "stub_sum": sum(by_vector.values()),
         "entries_total": entries, "syscalls": int(w["haps"]["int80"]) / seconds,
         "switches": (w["pcs"].get(mos["pv_load_cr3"], 0) +
                      w["pcs"].get(mos["native_load_cr3"], 0)) / seconds,
         "profile": w["profile"]}
    for name, vecs in CAUSES:
        f[name] = sum(by_vector.get(v, 0) for v in vecs) / seconds
    return f


def ipm(f):
    """Instructions per MB moved in the execute phase."""
    return f["insns"] / (f["tput"] * f["secs"])


def median(xs):
    xs, k = sorted(xs), len(xs) // 2
    return xs[k] if len(xs) % 2 else (xs[k - 1] + xs[k]) / 2


def show(fmt, xs):
    """The median, and the range when boots differ; runs that hung are counted apart."""
    hung = len([x for x in xs if x is None])
    xs = [x for x in xs if x is not None]
    if not xs:
        return "hung"
    if hung:
        return show(fmt, xs) + " +%d hung" % hung
    lo, hi = min(xs), max(xs)
    return (fmt % median(xs)) + ("" if lo == hi else " (%s-%s)" % (fmt % lo, fmt % hi))


def report(boots, seconds, sleep):
    print("dbench-lite, `dbench -c load.txt -t %d N` (the generated loadfile), -icount shift=0,"
          "sleep=%s, %d boot(s) of each machine; medians (range)" %
          (seconds, "on" if sleep else "off", len(boots)))
    print("\nthroughput (MB/s, dbench's Throughput line) and the ratios to native of the same boot "
          "round;\nthen native's instructions per MB moved over this machine's: the ratio if the CPU "
          "were\nthe bottleneck (it depends far less on the host's disk):")
    for n in CLIENTS:
        for c in CONFIGS:
            xs = [b[c][n] and b[c][n]["tput"] for b in boots]
            line = "  %d client%s  %-7s %s" % (n, "s" if n > 1 else " ", c, show("%.3f MB/s", xs))
            if c != "native":
                line += "   %s/native %s" % (c, show("%.3f", [
                    b[c][n]["tput"] / b["native"][n]["tput"] if b[c][n] and b["native"][n] else None
                    for b in boots]))
            print(line)
        for c in CONFIGS[1:]:
            print("  %d client%s  %-7s CPU-bound ratio %s/native %s" % (
                n, "s" if n > 1 else " ", c, c, show("%.3f", [
                    ipm(b["native"][n]) / ipm(b[c][n]) if b[c][n] and b["native"][n] else None
                    for b in boots])))
    rows = [("instructions in the phase (M)", lambda f: f["insns"] / 1e6, "%.1f"),
            ("  share in the hypervisor", lambda f: f["hv"] / max(f["insns"], 1), "%.3f"),
            ("  share in minios kernels", lambda f: f["kernel"] / max(f["insns"], 1), "%.3f"),
            ("  share in ring 3", lambda f: f["user"] / max(f["insns"], 1), "%.3f"),
            ("CPU busy (instructions / phase ns)", lambda f: f["busy"], "%.3f"),
            ("instructions per MB moved (M)", lambda f: f["insns"] / 1e6 / (f["tput"] * f["secs"]),
             "%.2f"),
            ("per execute-second:", None, None),
            ("  system calls (int $0x80)", lambda f: f["syscalls"], "%.0f"),
            ("  process switches (load_cr3)", lambda f: f["switches"], "%.0f"),
            ("  CR3 loads, all", lambda f: f["cr3"], "%.0f"),
            ("  CR3 loads, page directories", lambda f: f["cr3_pgd"], "%.0f"),
            ("  hypervisor entries", lambda f: f["entries"], "%.0f")] + [
        ("    " + name, (lambda name: lambda f: f[name])(name), "%.0f") for name, _ in CAUSES]
    for n in CLIENTS:
        print("\n%d client%s, the execute phase (plugin window between dbench's markers):" %
              (n, "s" if n > 1 else ""))
        print("  %-36s %22s %22s %22s" % ("", "native", "dom0", "domU"))
        for label, fn, fmt in rows:
            if fn is None:
                print("  " + label)
                continue
            cells = []
            for c in CONFIGS:
                xs = [fn(b[c][n]) if b[c][n] else None for b in boots]
                cells.append("-" if c == "native" and (label.startswith("    ") or
                                                       "directories" in label)
                             else show(fmt, xs))
            print("  %-36s %22s %22s %22s" % (label, cells[0], cells[1], cells[2]))
    bad = [(c, n) for b in boots for c in CONFIGS[1:] for n in CLIENTS
           if b[c][n] and b[c][n]["stub_sum"] < b[c][n]["entries_total"]]
    print("\n  (entries by cause count every pass through a vector stub, including interrupts "
          "taken\n   while the hypervisor idled; the plugin's entries from a guest are never more: "
          "%s)" % ("so in every window" if not bad else "NOT SO in %s" % bad))


def profile_report(boots):
    """The domU's busiest translated blocks, by the function (nm) they are in."""
    hv = hv_symbols()
    mos = []
    out = subprocess.run(["nm", "-S", "-n", MINIOS], stdout=subprocess.PIPE).stdout.decode()
    for line in out.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in "tT":
            mos.append((int(p[0], 16), int(p[1], 16), p[3]))
    for n in CLIENTS:
        f = boots[0]["domU"][n]
        if not f:
            continue
        print("\ndomU, %d client%s: the busiest blocks of the window by function "
              "(instructions, first boot)" % (n, "s" if n > 1 else ""))
        by_fn = {}
        for p in f["profile"]:
            pc = int(p["pc"], 16)
            fn = function_at(hv if p["region"] == "hv" else mos, pc)
            key = (p["region"], fn)
            by_fn[key] = by_fn.get(key, 0) + int(p["insns"])
        for (region, fn), k in sorted(by_fn.items(), key=lambda kv: -kv[1])[:25]:
            print("  %-7s %-32s %14d  %.3f" % (region, fn, k, k / max(f["insns"], 1)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--boots", type=int, default=2)
    ap.add_argument("--sleep", choices=["on", "off"], default="on")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--retries", type=int, default=RETRIES)
    ap.add_argument("--only", choices=CONFIGS, action="append")
    a = ap.parse_args()
    configs = a.only or CONFIGS
    boots, hangs = [], {c: 0 for c in configs}
    for i in range(a.boots):
        round_ = {}
        for c in configs:
            for attempt in range(a.retries + 1):
                round_[c] = one_machine(c, a.seconds, a.sleep == "on", a.profile)
                print("round %d, %s: %s" % (i + 1, c, {n: f and {k: v for k, v in f.items()
                                                                   if k != "profile"}
                                                       for n, f in round_[c].items()}),
                      file=sys.stderr, flush=True)
                if None not in round_[c].values():
                    break
                hangs[c] += 1  # counted and printed: a hang is a finding, not noise
        boots.append(round_)
        print("boot round %d of %d done" % (i + 1, a.boots), file=sys.stderr, flush=True)
    if a.only:
        for b in boots:
            for c in configs:
                for n in CLIENTS:
                    f = dict(b[c][n] or {"hung": True, "profile": None})
                    f.pop("profile")
                    print(c, n, f)
    else:
        report(boots, a.seconds, a.sleep == "on")
    print("\nmachines whose dbench did not finish within %d s of wall time (booted again, up to "
          "%d times): %s" % (HANG_AFTER + 10 * a.seconds, a.retries,
                             ", ".join("%s %d" % (c, k) for c, k in hangs.items())))
    if a.profile and "domU" in configs:
        profile_report(boots)
    return 0


if __name__ == "__main__":
    sys.exit(main())
