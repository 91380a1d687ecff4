#!/usr/bin/env python3
"""dbench_bench.py - dbench-lite natively, in dom0 and in a domU, on RAM disks: the figures
of docs/dbench.md (`make bench`, or `python3 tests/dbench_bench.py`).

The same /bin/dbench runs the same generated loadfile (bench.txt: genload's
body twice without its Sleep, from the boot archive) for the same seconds,
with 1 and then 2 clients, in three machines that differ only in what runs
under minios: nothing (minios.elf by -kernel, with the boot archive as its
multiboot module), the hypervisor with minios as dom0, and the hypervisor
with a minios domU.  The file system is ext2 on a RAM disk of the boot
archive (guests/minios/ramdisk.c): natively and in dom0 `root=ram0`; the
domU's xvda is dom0's ram1 through blkfront, the ring and blkback
(/etc/xm/domU-ram.cfg).  No disk, no Sleep: nothing waits for the host or a
timer, and no keystroke either: minios's `dbenchbench=T` makes the shell
type both runs at boot (in the domU's case dom0's shell starts the domU and
then sits at its prompt, nothing attached to the domU's console).  So under
QEMU -icount shift=0,sleep=off every figure repeats exactly from boot to
boot (the script boots each machine twice and says whether they agree),
and the CPU is busy for the whole phase: throughput measures the software
path, and its ratios are the CPU-bound ratios.

Each machine runs the lab's plugin (build/plugins/pvlab-cache.so, haps only,
which costs no measurable time).  dbench-lite's markers (xchg %bx,%bx) open
and close the plugin's window exactly on the execute phase, so every count
below is of that phase and nothing else, over all of the machine (the
domU's figures include dom0's backend and the hypervisor working for it):

  - throughput: dbench's own Throughput line (guest clock), and operations:
    the sum of dbench's operation table (execute phase only);
  - instructions, per operation, and how they split between the hypervisor,
    the kernels and ring 3;
  - CR3 loads: every mov to CR3 (natively minios's process switches; under
    pvlab also the hypervisor's two per entry, decision 3), and the page-
    directory loads at load_guest_pagetable (process and domain switches);
  - hypervisor entries by cause: executions of each of the hypervisor's
    vector stubs (count_pc=, one per IDT vector: 130 is the hypercall gate,
    14 the page fault, 32 the timer), and hypercalls by handler (its
    do_* function's first instruction);
  - process switches: calls of minios's machine.load_cr3 (pv_load_cr3 or
    native_load_cr3), made only when a different process's page directory
    is loaded;
  - the split block path per operation: blkfront's reads and writes
    (front_read, front_write), its response events (ring_event), blkback's
    grant copies (copy_data) and events (event), event sends of either
    kernel (notify_remote), and the RAM disk's reads and writes (ram_read,
    ram_write: the file system's own requests natively and in dom0).

A machine whose dbench does not finish is killed, counted and booted again
(at most --retries times, default 1).

Options: --seconds T (default 3), --boots N (default 2; the figures of each
boot are printed when they differ), --profile (also list the busiest
translated blocks of each machine's window by function, from the plugin's
profile=on), --only CONFIG.
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
from qemu import BUILD, ROOT, Machine, Timeout  # noqa: E402
import dbench_tests  # noqa: E402
import ramdisk_tests  # noqa: E402
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
RAM_MIB = 64  # each RAM disk: an empty ext2 as large as the IDE disk's partitions
MEM_MIB = 320  # every machine's RAM: dom0 holds two RAM disks, the domU 32 MiB (domU-ram.cfg)
DOM0_MEM = "dom0_mem=200M"
CAUSES = [("hypercall", [130]), ("page fault", [14]), ("other exception", list(range(0, 14)) +
                                                       list(range(15, 20))),
          ("timer IRQ", [32]), ("disk IRQ", [46]), ("other IRQ", list(range(33, 46)) + [47])]
HYPERCALLS = ["do_grant_table_op", "do_event_channel_op", "do_sched_op", "do_set_timer_op",
              "do_mmu_update", "do_mmuext_op", "do_update_va_mapping", "do_console_io"]
BLOCK_PATH = ["front_read", "front_write", "ring_event", "event", "copy_data", "notify_remote",
              "block_until", "ram_read", "ram_write"]


def symbols(elf):
    """{name: address} of an image's text symbols (nm)."""
    out = subprocess.run(["nm", elf], stdout=subprocess.PIPE, check=True).stdout.decode()
    return {p[2]: int(p[0], 16) for p in (line.split() for line in out.splitlines())
            if len(p) == 3 and p[1] in "tT"}


def vector_stubs():
    """{address: vector} of the hypervisor's IDT stubs (arch/x86/entry.S: vector_N, and
    tramp_entry, where the hypercall gate, 130, enters)."""
    syms = symbols(HV)
    stubs = {a: int(n[len("vector_"):]) for n, a in syms.items() if re.match(r"vector_\d+$", n)}
    stubs[syms["tramp_entry"]] = 130
    return stubs


def counted_pcs():
    """{address: name} of every instruction counted besides the vector stubs: minios's process
    switch and block path (names shared by dom0 and the domU: the same image), and the
    hypervisor's hypercall handlers."""
    mos, hv = symbols(MINIOS), symbols(HV)
    pcs = {mos[n]: n for n in ["pv_load_cr3", "native_load_cr3"] + BLOCK_PATH}
    pcs.update({hv[n]: n for n in HYPERCALLS})
    return pcs


def plugin_args(profile):
    pcs = sorted(counted_pcs()) + sorted(vector_stubs())
    args = ["icache=off", "dcache=off"] + ["count_pc=0x%x" % a for a in pcs]
    return ",".join(args + (["profile=on"] if profile else []))


def ram_archive(tmp):
    """build/bootfs.cpio plus two empty ext2 RAM disks: ram0 the root natively and in dom0,
    ram1 the domU's xvda (domU-ram.cfg)."""
    disks = {n: ramdisk_tests.simg(os.path.join(tmp, n + ".simg"), RAM_MIB) for n in ("ram0", "ram1")}
    return ramdisk_tests.archive(tmp, disks)


def boot(config, cpio, log, profile, seconds):
    """The machine, started on its way: minios's dbenchbench= makes its shell (the domU's, for
    the domU) type both dbench runs at boot, so no keystroke's timing enters them."""
    extra = ["-plugin", PLUGIN + "," + plugin_args(profile), "-d", "plugin", "-D", log]
    words = "root=ram0 dbenchbench=%s%d" % ("domU:" if config == "domU" else "", seconds)
    if config == "native":
        return Machine(kernel=MINIOS, append=words, modules=[cpio], icount=True, mem=MEM_MIB,
                       extra=extra)
    return Machine(modules=[MINIOS + " dom0 " + words, cpio], append=DOM0_MEM, icount=True,
                   mem=MEM_MIB, extra=extra)


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


def operations(out):
    """The sum of dbench's operation table (the execute phase's operations)."""
    table = out[out.index(" Operation"):] if " Operation" in out else ""
    return sum(int(c) for c in re.findall(r"^ \w+\s+(\d+)\s+[\d.]+\s+[\d.]+$", table, re.M))


def one_machine(config, seconds, profile):
    """Boot one configuration, which runs dbench with 1 then 2 clients; {clients: figures}."""
    tmp = tempfile.mkdtemp(prefix="dbench-bench-")
    log = os.path.join(tmp, "plugin.log")
    m = boot(config, ram_archive(tmp), log, profile, seconds)
    try:
        m.expect(r"BENCH domains done", 120 + len(CLIENTS) * (HANG_AFTER + 10 * seconds))
    except Timeout as e:  # reported as such, not hidden: the runs that finished still count
        print("%s: dbench did not finish: %s" % (config, e), file=sys.stderr, flush=True)
    finally:
        m.kill()
    out = re.sub(r"^\(d\d+\) ", "", m.output, flags=re.M)  # the domU's lines, as it wrote them
    runs = {}
    for n, part in zip(CLIENTS, out.split("dbench-lite (pvlab)")[1:]):
        if "Throughput" in part:
            runs[n] = (throughput(part, n, config), operations(part))
    # A finished window is in the log from its end marker on, even if QEMU was killed later.
    windows = parse_report(open(log).read())
    shutil.rmtree(tmp, ignore_errors=True)
    return {n: figures(windows[str(i + 1)], runs[n], seconds) if n in runs else None
            for i, n in enumerate(CLIENTS)}


def figures(w, run, seconds):
    """One execute window's figures: totals, and per operation where it is a count."""
    tput, ops = run
    stubs, hv, named = vector_stubs(), hv_symbols(), counted_pcs()
    insns = {k: int(v) for k, v in w["insns"].items()}
    by_vector = {stubs[a]: c for a, c in w["pcs"].items() if a in stubs}
    entries = int(w["modes"]["kernel_hv"]) + int(w["modes"]["user_hv"])
    cr3_pgd = sum(int(s["count"]) for s in w["cr3_sites"]
                  if function_at(hv, int(s["pc"], 16)) == "load_guest_pagetable")
    per_op = max(ops, 1)
    f = {"tput": tput, "ops": ops, "secs": seconds, "insns": insns["all"], "hv": insns["hv"],
         "kernel": insns["kernel"], "user": insns["user"], "busy": insns["all"] / (seconds * 1e9),
         "cr3": int(w["haps"]["cr3_writes"]) / per_op, "cr3_pgd": cr3_pgd / per_op,
         "entries": entries / per_op, "stub_sum": sum(by_vector.values()),
         "entries_total": entries, "syscalls": int(w["haps"]["int80"]) / per_op,
         "switches": sum(c for a, c in w["pcs"].items()
                         if named.get(a) in ("pv_load_cr3", "native_load_cr3")) / per_op,
         "profile": w["profile"]}
    for name, vecs in CAUSES:
        f[name] = sum(by_vector.get(v, 0) for v in vecs) / per_op
    for a, name in named.items():
        f[name] = w["pcs"].get(a, 0) / per_op
    return f


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


def insns_per_op(f):
    return f["insns"] / max(f["ops"], 1)


def ratio(boots, c, n, fn):
    """c's figure over native's, within each boot round."""
    return [fn(b[c][n]) / fn(b["native"][n]) if b[c][n] and b["native"][n] else None
            for b in boots]


ROWS = [("operations in the phase", lambda f: f["ops"], "%.0f"),
        ("instructions in the phase (M)", lambda f: f["insns"] / 1e6, "%.3f"),
        ("  share in the hypervisor", lambda f: f["hv"] / max(f["insns"], 1), "%.3f"),
        ("  share in minios kernels", lambda f: f["kernel"] / max(f["insns"], 1), "%.3f"),
        ("  share in ring 3", lambda f: f["user"] / max(f["insns"], 1), "%.3f"),
        ("CPU busy (instructions / phase ns)", lambda f: f["busy"], "%.3f"),
        ("per operation:", None, None),
        ("  instructions", insns_per_op, "%.0f"),
        ("    in the hypervisor", lambda f: f["hv"] / max(f["ops"], 1), "%.0f"),
        ("    in minios kernels", lambda f: f["kernel"] / max(f["ops"], 1), "%.0f"),
        ("    in ring 3", lambda f: f["user"] / max(f["ops"], 1), "%.0f"),
        ("  system calls (int $0x80)", lambda f: f["syscalls"], "%.3f"),
        ("  process switches (load_cr3)", lambda f: f["switches"], "%.4f"),
        ("  CR3 loads, all", lambda f: f["cr3"], "%.3f"),
        ("  CR3 loads, page directories", lambda f: f["cr3_pgd"], "%.3f"),
        ("  hypervisor entries", lambda f: f["entries"], "%.3f")] + [
    ("    " + name, (lambda name: lambda f: f[name])(name), "%.3f") for name, _ in CAUSES] + [
    ("  hypercalls by handler:", None, None)] + [
    ("    " + name, (lambda name: lambda f: f[name])(name), "%.3f") for name in HYPERCALLS] + [
    ("  block path (minios functions' calls):", None, None)] + [
    ("    " + name, (lambda name: lambda f: f[name])(name), "%.3f") for name in BLOCK_PATH]


def report(boots, seconds):
    configs = [c for c in CONFIGS if c in boots[0]]  # --only runs fewer
    print("dbench-lite on RAM disks, `dbench -c bench.txt -t %d N` (the generated loadfile without "
          "Sleep),\n-icount shift=0,sleep=off, %d boot(s) of each machine; a range is shown where "
          "boots differ" % (seconds, len(boots)))
    print("\nthroughput (dbench's Throughput line) and instructions per operation, raw and as "
          "ratios to native\n(native's instructions per operation over the machine's: above 1 is "
          "cheaper than native):")
    print("  %-10s %-7s %16s %14s %18s %16s" % ("clients", "machine", "MB/s", "/native",
                                              "instructions/op", "native's/this"))
    for n in CLIENTS:
        for c in configs:
            tput = show("%.3f", [b[c][n] and b[c][n]["tput"] for b in boots])
            ipo = show("%.0f", [b[c][n] and insns_per_op(b[c][n]) for b in boots])
            r1 = r2 = "-"
            if c != "native" and "native" in configs:
                r1 = show("%.4f", ratio(boots, c, n, lambda f: f["tput"]))
                r2 = show("%.4f", [1 / x if x else None for x in
                                   ratio(boots, c, n, insns_per_op)])
            print("  %-10d %-7s %16s %14s %18s %16s" % (n, c, tput, r1, ipo, r2))
    for n in CLIENTS:
        print("\n%d client%s, the execute phase (plugin window between dbench's markers):" %
              (n, "s" if n > 1 else ""))
        print("  %-40s" % "" + "".join(" %20s" % c for c in configs))
        for label, fn, fmt in ROWS:
            if fn is None:
                print("  " + label)
                continue
            cells = [show(fmt, [fn(b[c][n]) if b[c][n] else None for b in boots]) for c in configs]
            print("  %-40s" % label + "".join(" %20s" % x for x in cells))
    bad = [(c, n) for b in boots for c in configs if c != "native" for n in CLIENTS
           if b[c][n] and b[c][n]["stub_sum"] < b[c][n]["entries_total"]]
    print("\n  (entries by cause count every pass through a vector stub, including interrupts "
          "taken\n   while the hypervisor idled; the plugin's entries from a guest are never more: "
          "%s)" % ("so in every window" if not bad else "NOT SO in %s" % bad))
    print("  boots agree: %s" % agreement(boots))


def agreement(boots):
    """Whether every figure of every window is the same in each boot."""
    if len(boots) < 2:
        return "one boot only"
    differ = []
    for c in boots[0]:
        for n in CLIENTS:
            fs = [b[c][n] for b in boots]
            if None in fs:
                differ.append("%s/%d hung" % (c, n))
                continue
            keys = [k for k in fs[0] if k != "profile"]
            differ += ["%s/%d %s" % (c, n, k) for k in keys if len({f[k] for f in fs}) > 1]
    return "exactly, every figure" if not differ else "NO: " + ", ".join(differ)


def profile_report(boots, configs):
    """Each machine's busiest translated blocks in the window, by function (nm)."""
    hv, mos = hv_symbols(), []
    out = subprocess.run(["nm", "-S", "-n", MINIOS], stdout=subprocess.PIPE).stdout.decode()
    for line in out.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in "tT":
            mos.append((int(p[0], 16), int(p[1], 16), p[3]))
    for c in configs:
        for n in CLIENTS:
            f = boots[0][c][n]
            if not f:
                continue
            print("\n%s, %d client%s: the busiest blocks of the window by function "
                  "(instructions per operation, share; first boot)" % (c, n, "s" if n > 1 else ""))
            by_fn = {}
            for p in f["profile"]:
                fn = function_at(hv if p["region"] == "hv" else mos, int(p["pc"], 16))
                by_fn[(p["region"], fn)] = by_fn.get((p["region"], fn), 0) + int(p["insns"])
            for (region, fn), k in sorted(by_fn.items(), key=lambda kv: -kv[1])[:30]:
                print("  %-7s %-32s %10.0f  %.3f" % (region, fn, k / max(f["ops"], 1),
                                                      k / max(f["insns"], 1)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--boots", type=int, default=2)
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
                round_[c] = one_machine(c, a.seconds, a.profile)
                print("round %d, %s: %s" % (i + 1, c, {n: f and {k: v for k, v in f.items()
                                                                   if k != "profile"}
                                                       for n, f in round_[c].items()}),
                      file=sys.stderr, flush=True)
                if None not in round_[c].values():
                    break
                hangs[c] += 1  # counted and printed: a hang is a finding, not noise
        boots.append(round_)
        print("boot round %d of %d done" % (i + 1, a.boots), file=sys.stderr, flush=True)
    report(boots, a.seconds)
    print("\nmachines whose dbench did not finish within %d s of wall time (booted again, up to "
          "%d times): %s" % (HANG_AFTER + 10 * a.seconds, a.retries,
                             ", ".join("%s %d" % (c, k) for c, k in hangs.items())))
    if a.profile:
        profile_report(boots, configs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
