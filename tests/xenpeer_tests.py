"""xenpeer_tests.py - the cheap half of `make bench-xen` (tools/xenpeer/), no
downloads and no boot.

The full comparison boots real Xen 4.17 for minutes and needs Debian's
packages, so make test checks what can go wrong without them: the reader
of a Xen run's output (tools/xenpeer/xenpeer_report.py) on a run recorded
by bench_xen.py itself (tests/xenpeer/: the console and the plugin's log of
one Xen boot, and pvlab's figures from the same bench run, copied there by
`tools/xenpeer/bench_xen.py --record-sample` after `make bench-xen`), what it must
refuse, the table it prints, and the user-space program, which builds and
runs on the host too (there is no /dev/xen/privcmd here, so it runs only
its getppid windows and says so).  The shell scripts are checked with
`sh -n`.  The comparison of two runs (--twice) and the lock a whole run may
hold (--hold-lock) are checked on made-up figures and a lock file of the
test's own.

pvlab's side of the table needs no download: one boot checks that dom0's
`bench` runs the kernel paths of bench-xen's rows (guests/minios/bench.c:
the unknown hypercall, EVTCHNOP_send masked and with its upcall) and that
`pbench privcmd` reaches the hypervisor once per call from ring 3.  It
asserts what the paths do (hypervisor entries, hypercalls, no failure
line), never how long they take.
"""
import copy
import fcntl
import json
import os
import re
import subprocess
import sys
import tempfile

from qemu import ROOT, Machine, check, halt

sys.path.insert(0, os.path.join(ROOT, "tools", "xenpeer"))
sys.path.insert(0, os.path.join(ROOT, "tools", "plugin"))
import xenpeer_report as report  # noqa: E402
from pvlab_report import parse_report  # noqa: E402

SAMPLE = os.path.join(ROOT, "tests", "xenpeer")
XEN_PATHS = ["empty_loop", "xen_version", "unknown_hypercall", "evtchn_send", "send_upcall",
             "getppid", "privcmd_xen_version"]

ALL = []


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def sample():
    """(console, plugin log, pvlab figures) of the recorded run."""
    out = []
    for name in ("xen-console.log", "xen-plugin.log"):
        with open(os.path.join(SAMPLE, name)) as f:
            out.append(f.read())
    with open(os.path.join(SAMPLE, "pvlab-figures.json")) as f:
        out.append(json.load(f))
    return out


def bench_xen_module():
    """tools/xenpeer/bench_xen.py, imported (it runs nothing until main())."""
    import bench_xen
    return bench_xen


@test
def xenpeer_report_pairs_the_windows_of_a_recorded_xen_run():
    console, log, _ = sample()
    figures = report.xen_figures(console, log)
    check(sorted(figures) == sorted(XEN_PATHS), "paths read: %s" % sorted(figures))
    plugin = parse_report(log)
    windows = [int(plugin[k]["insns"]["all"]) for k in sorted(filter(str.isdigit, plugin), key=int)]
    order = [name for name, _, _ in report.window_lines(console)]
    for name in XEN_PATHS:
        f = figures[name]
        mine = [w for w, o in zip(windows, order) if o == name]
        check(f["windows"] == mine, "%s: windows %s, the plugin's %s" % (name, f["windows"], mine))
        check(f["insns"] == min(mine) / f["n"], "%s: %s per round trip, not the smallest window"
              " over n" % (name, f["insns"]))
        places = f["places"]
        check(abs(sum(places.values()) - f["insns"]) < 1e-9,
              "%s: places %s do not add up to %s" % (name, places, f["insns"]))
    for name in ("xen_version", "send_upcall", "getppid", "privcmd_xen_version"):
        p = figures[name]["places"]
        check(p["xen"] > 0 and p["dom0 kernel"] > 0, "%s ran nowhere near Xen or dom0's kernel: %s"
              % (name, p))
    check(figures["getppid"]["places"]["user"] > 0, "getppid's loop is not in user space")
    check(report.checks(figures) == [], "a good run has problems: %s" % report.checks(figures))


@test
def xenpeer_report_refuses_a_run_whose_windows_do_not_pair():
    console, log, _ = sample()
    first = console.index("xenpeer: window ")
    cut = console[:first] + console[console.index("\n", first) + 1:]
    try:
        report.xen_figures(cut, log)
    except report.RunError as e:
        check("window lines" in str(e) and "plugin windows" in str(e), "message: %s" % e)
    else:
        check(False, "a console with a window line missing was paired with the plugin's log")
    lines = log.splitlines()
    last_end = max(i for i, ln in enumerate(lines) if "record=end" in ln and "window=run" not in ln)
    unended = "\n".join(lines[:last_end] + lines[last_end + 1:])
    try:
        report.xen_figures(console, unended)
    except report.RunError as e:
        check("never ended" in str(e), "message: %s" % e)
    else:
        check(False, "a plugin window without its end marker was accepted")


@test
def xenpeer_checks_catch_a_lost_upcall_and_a_failed_hypercall():
    console, log, _ = sample()
    n = report.xen_figures(console, log)["send_upcall"]["n"]
    lost = console.replace("name=send_upcall n=%d check=%d" % (n, n),
                           "name=send_upcall n=%d check=%d" % (n, n - 1), 1)
    failed = console.replace("name=evtchn_send n=%d check=0" % n,
                             "name=evtchn_send n=%d check=-22" % n, 1)
    for text, want in ((lost, "send_upcall: not one upcall per send"),
                       (failed, "evtchn_send: EVTCHNOP_send failed")):
        problems = report.checks(report.xen_figures(text, log))
        check(any(want in p for p in problems), "wanted %r, got %s" % (want, problems))


@test
def xenpeer_table_sets_pvlab_beside_xen_with_ratios():
    console, log, pvlab = sample()
    xen = report.xen_figures(console, log)
    rows = {label: (p, x, r) for label, p, x, r in report.table(pvlab, xen)}
    p, x, r = rows["null hypercall from the guest kernel (xen_version)"]
    check(p == pvlab["null_hypercall"][0] and x == xen["xen_version"]["insns"] and r == p / x,
          "null hypercall row: %s" % ((p, x, r),))
    for label, pv, name in report.ROWS:
        p, x, r = rows[label]
        if name is None:
            check(p is not None and x is None and r is None,
                  "%s: a pvlab-only row has pvlab's figure and no Xen or ratio: %s" % (label, (p, x, r)))
        else:
            check(p is not None and x == xen[name]["insns"] and r == p / x,
                  "%s: every Xen row has pvlab's figure beside it and the ratio: %s" % (label, (p, x, r)))
    p, _, _ = rows["privcmd hypercall from dom0 user space (xen_version) (*3)"]
    check(p == pvlab["privcmd_dom0"][0], "the privcmd row is not pbench privcmd's figure: %s" % p)
    text = report.format_table(report.table(pvlab, xen), bare_getppid=123.4)
    line = [ln for ln in text.splitlines() if ln.startswith("null hypercall")][0]
    check(line.split()[-1] == "%.3f" % (pvlab["null_hypercall"][0] / xen["xen_version"]["insns"]),
          "ratio column: %r" % line)
    for want in ("64-bit PV", "not\nXen's retired 32-bit", "without Xen (bare, same QEMU): 123.4"):
        check(want in text, "the table lacks %r:\n%s" % (want, text))
    blank = report.format_table(report.table(None, xen))
    check("null hypercall from the guest kernel (xen_version)" in blank and " - " in blank,
          "without pvlab's figures the Xen column still prints:\n%s" % blank)


@test
def xenpeer_pvlab_checks_name_a_missing_figure_and_a_failed_path():
    _, _, pvlab = sample()
    check(report.pvlab_checks(pvlab) == [], "the recorded run: %s" % report.pvlab_checks(pvlab))
    older = {k: v for k, v in pvlab.items() if k != "send_upcall"}
    failed = dict(pvlab, failures=["send_upcall failed: 999 upcalls for 1000 sends"])
    for figures, want in ((older, "pvlab: no send_upcall figure"),
                          (failed, "pvlab: send_upcall failed: 999 upcalls")):
        problems = report.pvlab_checks(figures)
        check(any(want in p for p in problems), "wanted %r, got %s" % (want, problems))
    row = [r for r in report.table(older, report.xen_figures(*sample()[:2]))
           if r[0].startswith("event send + upcall")][0]
    check(row[1] is None and row[3] is None, "a missing figure printed as %s" % (row,))


@test
def xenpeer_user_program_runs_its_getppid_windows_on_the_host():
    bench_xen = bench_xen_module()
    with tempfile.TemporaryDirectory(prefix="pvlab-xenpeer-") as d:
        exe = os.path.join(d, "xenpeer-user")
        subprocess.run(["gcc"] + bench_xen.USER_CFLAGS + ["-o", exe, os.path.join(
            ROOT, "tools", "xenpeer", "xenpeer_user.c")], check=True, timeout=120)
        p = subprocess.run([exe], stdout=subprocess.PIPE, universal_newlines=True, timeout=60)
    lines = report.window_lines(p.stdout)
    check(p.returncode == 0 and [n for n, _, _ in lines] == ["getppid"] * 3,
          "exit %d, windows %s:\n%s" % (p.returncode, lines, p.stdout))
    check(all(c == os.getpid() for _, _, c in lines), "getppid answered %s, not this process %d"
          % ([c for _, _, c in lines], os.getpid()))
    check("no /dev/xen/privcmd" in p.stdout, "it did not say why it skipped privcmd:\n" + p.stdout)


def plugin_accepts(arg):
    """Start qemu-system-x86_64 with no machine and the plugin given `arg`, then quit: (ok, stderr)."""
    plugin = os.path.join(ROOT, "build", "plugins", "pvlab-cache.so")
    p = subprocess.run(["qemu-system-x86_64", "-machine", "none", "-display", "none", "-monitor",
                        "stdio", "-plugin", "%s,%s" % (plugin, arg)], input="quit\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                       timeout=60)
    return p.returncode == 0, p.stderr


@test
def plugin_takes_the_64_bit_region_bases_bench_xen_gives_it():
    ok, err = plugin_accepts(report.PLUGIN_ARGS)
    check(ok and "not a number" not in err, "the plugin refused %s:\n%s" % (report.PLUGIN_ARGS, err))
    ok, err = plugin_accepts("hv_base=0xffff88000000000g")
    check(not ok and "hv_base=0xffff88000000000g: not a number" in err,
          "a bad base was accepted (exit ok=%s):\n%s" % (ok, err))


@test
def xenpeer_shell_scripts_parse():
    for name in ("fetch.sh", "init.sh"):
        p = subprocess.run(["sh", "-n", os.path.join(ROOT, "tools", "xenpeer", name)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        check(p.returncode == 0, "%s: %s" % (name, p.stdout))


@test
def xenpeer_two_runs_are_compared_figure_by_figure():
    bench_xen = bench_xen_module()
    console, log, pvlab = sample()
    run = {"xen": (report.window_lines(console), report.plugin_windows(log)), "pvlab": pvlab}
    check(bench_xen.differences(run, copy.deepcopy(run)) == [], "a run differs from its copy")
    again = copy.deepcopy(run)
    again["xen"][1][4]["all"] += 1
    again["pvlab"]["send_upcall"] = [again["pvlab"]["send_upcall"][0] + 1, 1.0]
    diff = bench_xen.differences(run, again)
    check(len(diff) == 2 and diff[0].startswith("pvlab send_upcall: ") and
          diff[1].startswith("xen window 5: "), "the differences named: %s" % diff)


@test
def xenpeer_hold_lock_keeps_the_qemu_lock_from_the_first_boot_to_the_last():
    bench_xen = bench_xen_module()
    with tempfile.NamedTemporaryFile(prefix="pvlab-xenpeer-lock-") as f:
        os.environ["PVLAB_QEMU_LOCK"] = f.name
        try:
            def taken():
                with open(f.name, "a") as other:
                    try:
                        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        return True
                    return False
            with bench_xen.QemuLock(whole_run=True):
                with bench_xen.QemuLock():  # a boot's own: must not wait for the run's
                    check(taken(), "the lock is free during a boot")
                check(taken(), "the run let the lock go between two boots")
            check(not taken(), "the lock is still held after the run")
            with bench_xen.QemuLock():
                check(taken(), "a boot outside a whole run does not take the lock")
            check(not taken(), "a boot's lock outlived the boot")
        finally:
            del os.environ["PVLAB_QEMU_LOCK"]


def per_op(out, name, field):
    r = re.search(r"BENCH %s .*?\b%s=([\d.]+)" % (name, field), out)
    check(r, "no BENCH %s line with %s:\n%s" % (name, field, out))
    return float(r.group(1))


@test
def pvlab_runs_the_paths_of_bench_xens_rows():
    m = Machine(append="dom0_mem=64M", icount=True)
    try:
        m.expect(r"dom0# ", 60)
        out = m.command("bench", timeout=120)
        check(" failed" not in out, "a benchmark saw its path misbehave:\n" + out)
        for name in ("unknown_hypercall", "evtchn_send", "send_upcall"):
            entries = per_op(out, name, "hv_entries_per_op")
            check(1.0 <= entries < 1.1, "%s: %.3f hypervisor entries per round trip, not one "
                  "hypercall (the upcall and its return enter nothing)" % (name, entries))
        out = m.command("pbench privcmd 100", timeout=60)
        calls = per_op(out, "privcmd", "hypercalls_per_op")
        check(1.0 <= calls < 1.1, "pbench privcmd: %.3f hypercalls per call, not one" % calls)
        out = m.command("pbench getpid 100", timeout=60)
        check(per_op(out, "getpid", "hypercalls_per_op") == 0, "getpid made hypercalls:\n" + out)
        out = m.command("pbench privcmnd 100")
        check("pbench: usage: pbench getpid|privcmd|switch|spawn N" in out and "BENCH" not in out
              and "exit status 1" in out, "an unknown operation was not refused:\n" + out)
        halt(m)
    finally:
        m.kill()
