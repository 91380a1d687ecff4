"""instrument_tests.py - the lab's QEMU plugin (build/plugins/pvlab-cache.so)
against guests whose windows hold known events.

Two guests, each run to completion under -icount shift=0,sleep=off with the
plugin loaded and QEMU's log (-d plugin,mmu,int) in a file:

  - tests/instrument/native_haps.S, a native ring-0 kernel without the
    hypervisor, prints the parameters of its three marker windows (K CR3
    writes, C int $0x30, A int $0x80, S sysenter round trips; two strided
    sweeps).  Every count the plugin reports is predicted from those
    parameters; the CR3 writes are also counted in QEMU's own `-d mmu` log
    ("CR3 update" lines) between the plugin's start and end lines, and the
    software interrupts in its `-d int` log (vector and CPL).
  - tests/guests/plugin_window.c runs as dom0 on pvlab and makes SWITCHES
    page-directory switches between markers, reading the hypervisor's own
    counters around the window: the plugin, the hypervisor and QEMU's log
    must agree.

parse_report() reads the plugin's key=value lines; tests/bench_plugin.py uses
it too.
"""
import os
import re
import subprocess
import sys
import tempfile

from qemu import BUILD, QEMU, ROOT, check

sys.path.insert(0, os.path.join(ROOT, "tools", "plugin"))
from pvlab_report import fields, parse_report  # noqa: E402,F401

ALL = []

PLUGIN = os.path.join(BUILD, "plugins", "pvlab-cache.so")
NATIVE = os.path.join(BUILD, "tests", "instrument", "native_haps.elf")
DEBUG_EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def run_with_plugin(kernel, initrd=None, append="", plugin_args="", mem=256, timeout=120):
    """Boot `kernel` to power-off with the plugin; return (exit status, serial output, QEMU log)."""
    with tempfile.TemporaryDirectory(prefix="pvlab-plugin-") as d:
        log = os.path.join(d, "qemu.log")
        plugin = PLUGIN + ("," + plugin_args if plugin_args else "")
        args = [QEMU, "-m", str(mem), "-display", "none", "-no-reboot", "-serial", "stdio",
                "-monitor", "none", "-icount", "shift=0,sleep=off", "-kernel", kernel,
                "-plugin", plugin, "-d", "plugin,mmu,int", "-D", log] + DEBUG_EXIT
        if initrd:
            args += ["-initrd", initrd]
        if append:
            args += ["-append", append]
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT,
                           timeout=timeout)
        text = open(log).read() if os.path.exists(log) else ""
    return p.returncode, p.stdout.decode("utf-8", "replace"), text


def n(d, key):
    return int(d[key])


def mmu_cr3_updates(log, window):
    """'CR3 update' lines of QEMU's -d mmu log between a window's start and end lines."""
    m = re.search(r"pvlab-cache: window=%s record=start.*?pvlab-cache: window=%s record=end" %
                  (window, window), log, re.S)
    check(m, "window %s has no start and end lines in QEMU's log" % window)
    return m.group(0).count("CR3 update: ")


def qemu_interrupts(log, window):
    """QEMU's -d int lines in a window, counted by (vector, CPL it came from)."""
    m = re.search(r"pvlab-cache: window=%s record=start.*?pvlab-cache: window=%s record=end" %
                  (window, window), log, re.S)
    counts = {}
    for vec, cpl in re.findall(r"^\s*\d+: v=([0-9a-f]+) .*? cpl=(\d)", m.group(0), re.M):
        counts[(int(vec, 16), int(cpl))] = counts.get((int(vec, 16), int(cpl)), 0) + 1
    return counts


def native_run(plugin_args=""):
    rc, serial, log = run_with_plugin(NATIVE, plugin_args=plugin_args, mem=64, timeout=60)
    check(rc == 0 and "native_haps: done" in serial,
          "the native kernel did not finish (exit status %d):\n%s" % (rc, serial[-800:]))
    params = {w: fields(rest) for w, rest in
              re.findall(r"^native_haps: window=(\d+) (.*)$", serial, re.M)}
    return params, parse_report(log), log


def predicted_sweep_misses(size, line, assoc, nbytes, passes):
    """LRU on a contiguous buffer: only compulsory misses if every set holds its share, else all."""
    lines = nbytes // line
    ways = assoc if assoc else size // line
    sets = size // line // ways
    per_set = -(-lines // sets)
    if per_set <= ways:
        return lines
    check(lines % sets == 0, "sweep of %d lines does not cover %d sets evenly" % (lines, sets))
    return passes * lines


def check_sweep(params, win, sizes, line, assoc):
    nbytes, stride, passes = (n(params, k) for k in ("bytes", "stride", "passes"))
    loads = passes * nbytes // stride
    # sweep: marker, lea, then per pass mov, 4 insns per load, dec, jnz.
    insns = 2 + passes * (3 + 4 * (nbytes // stride))
    check(n(win["insns"], "all") == insns and n(win["insns"], "kernel") == insns,
          "sweep window: %s instructions, expected %d" % (win["insns"], insns))
    check(n(win["data"]["kernel"], "loads") == loads and n(win["data"]["kernel"], "stores") == 0,
          "sweep window: %s, expected %d loads" % (win["data"]["kernel"], loads))
    for size in sizes:
        name = "D%dK" % (size // 1024)
        c = win["cache"].get((name, "all"))
        check(c, "no %s cache in the report" % name)
        check((n(c, "size"), n(c, "line"), n(c, "assoc")) == (size, line, assoc),
              "%s is %s/%s/%s, expected %d/%d/%d" % (name, c["size"], c["line"], c["assoc"],
                                                     size, line, assoc))
        want = predicted_sweep_misses(size, line, assoc, nbytes, passes)
        check(n(c, "accesses") == loads and n(c, "misses") == want,
              "%s on a %d-byte sweep, stride %d, %d passes: %s accesses %s misses (hit rate %s), "
              "expected %d and %d (%.6f)" % (name, nbytes, stride, passes, c["accesses"],
                                             c["misses"], c["hit_rate"], loads, want,
                                             1 - want / loads))
        ic = win["cache"][("I%dK" % (size // 1024), "all")]
        check(n(ic, "accesses") == insns and n(ic, "misses") == 1,
              "the sweep loop is one cold line: I-cache %s" % ic)


@test
def plugin_native_haps_exact():
    """Window 1 of the native kernel: CR3 writes, ints, sysenter/sysexit, irets and mode changes exactly."""
    params, windows, log = native_run()
    p = params["1"]
    K, C, A, S = (n(p, k) for k in ("cr3_writes", "int_other", "int80", "sysenter"))
    haps, modes = windows["1"]["haps"], windows["1"]["modes"]
    want = {"cr3_writes": K, "int_other": C, "int80": A, "int82": 1, "sysenter": S,
            "sysexit": S, "iret": C + 1 + A, "int3": 0, "mode_changes": 2 + 2 * A + 2 * S}
    got = {k: n(haps, k) for k in want}
    check(got == want, "window 1 haps %s, expected %s" % (got, want))
    check(n(modes, "kernel_user") == 1 + A + S and n(modes, "user_kernel") == A + S + 1,
          "window 1 mode changes by direction: %s" % modes)
    check(n(windows["1"]["insns"], "hv") == 0 and n(windows["1"]["insns"], "user") > 0,
          "window 1 regions: %s" % windows["1"]["insns"])
    mmu = mmu_cr3_updates(log, "1")
    check(mmu == K, "QEMU's -d mmu log has %d CR3 updates in window 1, the plugin %d" % (mmu, K))
    ints = qemu_interrupts(log, "1")
    check(ints == {(0x30, 0): C, (0x80, 3): A, (0x82, 3): 1},
          "QEMU's -d int log in window 1: %s (vector, cpl): count" % ints)
    # The kernel runs at 0xC0000000 + physical: host and guest-physical addresses of
    # its code agree in their low 21 bits (the I-cache's physical indexing).
    for s in windows["1"]["cr3_sites"]:
        check(int(s["pc"], 16) & 0x1fffff == int(s["haddr_low21"], 16),
              "CR3 site %s: host address not 2 MiB-aligned with guest-physical" % s)
    check(windows["run"]["done"]["windows"] == "3", "the plugin saw %s windows, the kernel has 3" %
          windows["run"]["done"]["windows"])


@test
def plugin_native_cache_hit_rates():
    """Windows 2 and 3: D-cache accesses, misses and hit rates of strided sweeps as predicted."""
    params, windows, _ = native_run()
    for w in ("2", "3"):
        check_sweep(params[w], windows[w], [16384, 131072, 1048576], 64, 8)


@test
def plugin_arguments_configure_the_caches():
    """sizes=, line=, assoc=full give the caches asked for; haps-only counts the same; bad args are refused."""
    params, windows, _ = native_run("sizes=8K:256K,line=32,assoc=full")
    for w in ("2", "3"):
        check_sweep(params[w], windows[w], [8192, 262144], 32, 0)
        check(("D16K", "all") not in windows[w]["cache"], "a default cache is still simulated")
    # Haps only (no cache callbacks at all): the same haps, mode changes and instructions.
    _, full, _ = native_run()
    _, bare, _ = native_run("icache=off,dcache=off")
    for rec in ("haps", "modes", "insns"):
        check(bare["1"][rec] == full["1"][rec], "haps-only window 1 %s: %s, with caches %s" %
              (rec, bare["1"][rec], full["1"][rec]))
    check(not bare["2"]["cache"], "icache=off,dcache=off still reports caches")
    rc, serial, _ = run_with_plugin(NATIVE, plugin_args="assoc=3", mem=64, timeout=30)
    check(rc != 0 and "assoc must be a power of two" in serial,
          "assoc=3 was not refused with a reason (exit status %d):\n%s" % (rc, serial[-500:]))


def native_symbol(name):
    out = subprocess.run(["nm", NATIVE], stdout=subprocess.PIPE).stdout.decode()
    m = re.search(r"^([0-9a-f]+) [tT] %s$" % name, out, re.M)
    check(m, "no %s in %s" % (name, NATIVE))
    return int(m.group(1), 16)


@test
def plugin_count_pc_and_profile():
    """count_pc= counts one instruction's executions per window; profile=on accounts for every
    instruction of a window by block (the sweep windows hold a handful of blocks)."""
    sweep, int80 = native_symbol("sweep"), native_symbol("int80_entry")
    params, windows, _ = native_run("count_pc=0x%x,count_pc=0x%x,profile=on" % (sweep, int80))
    A = n(params["1"], "int80")
    check(windows["1"]["pcs"] == {sweep: 0, int80: A},
          "window 1 counted %s, expected sweep 0 and int80_entry %d" % (windows["1"]["pcs"], A))
    for w in ("2", "3"):
        win = windows[w]
        check(win["pcs"] == {sweep: 1, int80: 0}, "window %s counted %s" % (w, win["pcs"]))
        blocks = sum(int(p["insns"]) for p in win["profile"])
        check(blocks == n(win["insns"], "all") and win["profile_lost"]["insns"] == "0",
              "window %s: the profile's blocks hold %d instructions, the window %s" %
              (w, blocks, win["insns"]["all"]))
        top = int(win["profile"][0]["pc"], 16)
        check(sweep <= top < int80, "window %s's busiest block at %x is not in the sweep" % (w, top))
    rc, serial, _ = run_with_plugin(NATIVE, plugin_args="profile=maybe", mem=64, timeout=30)
    check(rc != 0 and "profile=maybe: expected on or off" in serial,
          "profile=maybe was not refused (exit status %d):\n%s" % (rc, serial[-500:]))


@test
def plugin_dom0_cr3_agrees_with_hypervisor_and_mmu_log():
    """dom0's window: plugin, hypervisor counters and QEMU's -d mmu/-d int logs agree on CR3 and entries."""
    guest = os.path.join(BUILD, "tests", "guests", "plugin_window.elf")
    rc, serial, log = run_with_plugin(os.path.join(BUILD, "hv.elf"), append="dom0_mem=16M",
                                      initrd=guest + " plugin_window")
    check(rc == 0 and "XTF: plugin_window: SUCCESS" in serial,
          "plugin_window did not succeed (exit status %d):\n%s" % (rc, serial[-1000:]))
    hv = fields(re.search(r"PLUGIN_WINDOW (.*)", serial).group(1))
    win = parse_report(log)["1"]
    syms = hv_symbols()
    by_fn = {}
    for s in win["cr3_sites"]:
        fn = function_at(syms, int(s["pc"], 16))
        by_fn[fn] = by_fn.get(fn, 0) + n(s, "count")
    check(by_fn.get("load_guest_pagetable") == n(hv, "cr3_loads") == n(hv, "switches"),
          "CR3 writes by hypervisor function %s; hypervisor counters %s" % (by_fn, hv))
    total = n(win["haps"], "cr3_writes")
    mmu = mmu_cr3_updates(log, "1")
    check(total == mmu, "the plugin counted %d CR3 writes in dom0's window, -d mmu %d" % (total, mmu))
    # Every hypervisor entry from the guest loads the full page directory once: at tramp_entry
    # (the hypercall gate) or tramp_trap_entry (every other vector).
    entries = n(win["modes"], "kernel_hv") + n(win["modes"], "user_hv")
    at_entry = by_fn.get("tramp_entry", 0) + by_fn.get("tramp_trap_entry", 0)
    check(entries == at_entry == n(hv, "hv_entries") - 1,
          "entries: plugin mode changes %d, entry CR3 writes %s, hypervisor counter %d "
          "(which includes the sysctl after the window)" % (entries, by_fn, n(hv, "hv_entries")))
    from_guest = sum(c for (vec, cpl), c in qemu_interrupts(log, "1").items() if cpl != 0)
    check(from_guest == entries, "QEMU's -d int log has %d interrupts from the guest in the window, "
          "the plugin %d entries" % (from_guest, entries))
    at_exit = by_fn.get("tramp_exit", 0) + by_fn.get("tramp_hypercall_exit", 0)
    check(total == at_entry + at_exit + n(hv, "cr3_loads"),
          "CR3 writes %d are not entries + exits + page-directory loads: %s" % (total, by_fn))


@test
def plugin_make_run_loads_it():
    """`make run PLUGIN=cache` passes the plugin and -d plugin to QEMU."""
    out = subprocess.run(["make", "-n", "run", "PLUGIN=cache", "PLUGIN_ARGS=sizes=16K",
                          "PLUGIN_LOG=x.log"], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT).stdout.decode()
    check(re.search(r"-plugin build/plugins/pvlab-cache\.so,sizes=16K -d plugin -D x\.log", out),
          "make -n run PLUGIN=cache:\n" + out[-800:])
    out = subprocess.run(["make", "-n", "run"], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT).stdout.decode()
    check("-plugin" not in out, "make run loads a plugin without PLUGIN=")


def hv_symbols():
    """(address, size, name) of the hypervisor's functions, from nm."""
    out = subprocess.run(["nm", "-S", "-n", os.path.join(BUILD, "hv.elf")],
                         stdout=subprocess.PIPE).stdout.decode()
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tT":
            syms.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
        elif len(parts) == 3 and parts[1] in "tT":  # assembly labels have no size
            syms.append((int(parts[0], 16), 0, parts[2]))
    return syms


def function_at(syms, pc):
    """The function holding pc: the last symbol at or below it (sized ones must contain it)."""
    best = None
    for addr, size, name in syms:
        if addr <= pc and (size == 0 or pc < addr + size):
            if best is None or addr >= best[0]:
                best = (addr, name)
    return best[1] if best else "?"
