"""xenpeer_report.py - read a bench-xen boot and print pvlab beside Xen.

A bench-xen boot (tools/xenpeer/bench_xen.py) leaves two texts: the serial
console, where every measured window has one line, in the order the
windows ran,
    xenpeer: window name=NAME n=N check=C
(from the module, tools/xenpeer/module/xenpeer.c, through dmesg, and from
the user program, tools/xenpeer/xenpeer_user.c), and the plugin's log
(build/plugins/pvlab-cache.so, read by tools/plugin/pvlab_report.py), whose
windows 1, 2, ... are the same windows, counted in instructions.
xen_figures() pairs the two and keeps, for each path, the smallest of its
repeated windows divided by N; checks() says what in a run looks wrong
(an upcall missing, a hypercall that failed).  table() sets those figures
beside pvlab's, from tests/bench.py's one_run() and dom0's pbench in the
same bench run (pvlab_checks() says what is missing or failed there), and
format_table() prints them.

Pure functions of text, so make test checks them on a recorded run
(tests/xenpeer_tests.py) without the downloads or a boot.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "plugin"))
from pvlab_report import parse_report  # noqa: E402

# Where a 64-bit PV Xen's instructions run, by code address.  The plugin knows three regions,
# user < kernel_base <= kernel < hv_base <= hv; x86-64 Xen puts itself below its PV guest's
# kernel (Xen owns 0xffff800000000000-0xffff87ffffffffff, Linux's direct map and text are
# above), so bench-xen passes Xen's start as kernel_base and Linux's as hv_base: the
# plugin's "kernel" region is Xen and its "hv" region is dom0's kernel.
XEN_BASE = 0xFFFF800000000000
DOM0_KERNEL_BASE = 0xFFFF880000000000
PLUGIN_ARGS = "icache=off,dcache=off,kernel_base=0x%x,hv_base=0x%x" % (XEN_BASE, DOM0_KERNEL_BASE)
PLACES = [("xen", "kernel"), ("dom0 kernel", "hv"), ("user", "user")]  # (ours, the plugin's)

WINDOW_LINE = re.compile(r"xenpeer: window name=(\w+) n=(\d+) check=(-?\d+)")
ENOSYS = 38
XEN_NOTE = ("Xen here is the 64-bit PV peer of Xen 4.17 (dom0's kernel runs in ring 3 and enters Xen\n"
            "with `syscall`; every system call from its user space passes through Xen first), not\n"
            "Xen's retired 32-bit PV ABI that pvlab follows (a ring-1 kernel, int $0x82, and\n"
            "system calls through a direct gate that never enter the hypervisor).")


class RunError(Exception):
    """A boot's output that cannot be read as a bench-xen run."""


def window_lines(console):
    """[(name, n, check)] for every window line of the console, in order."""
    return [(m.group(1), int(m.group(2)), int(m.group(3)))
            for m in WINDOW_LINE.finditer(console)]


def plugin_windows(log):
    """[{'all': instructions, 'xen': ..., 'dom0 kernel': ..., 'user': ...}] of each complete
    plugin window, window 1 first (PLACES)."""
    report = parse_report(log)
    counts = []
    for key in sorted((k for k in report if k.isdigit()), key=int):
        w = report[key]
        if w.get("end", {}).get("complete") != "1":
            raise RunError("plugin window %s never ended: a marker is missing" % key)
        c = {"all": int(w["insns"]["all"])}
        c.update((ours, int(w["insns"][theirs])) for ours, theirs in PLACES)
        counts.append(c)
    return counts


def xen_figures(console, log):
    """{name: {'insns': smallest window / n, 'places': {place: that window's share / n},
    'n': n, 'windows': [instructions], 'checks': [...]}}.

    Raises RunError when the console's window lines and the plugin's windows differ in number:
    then they cannot be paired."""
    lines, counts = window_lines(console), plugin_windows(log)
    if len(lines) != len(counts):
        raise RunError("%d window lines on the console but %d plugin windows" %
                       (len(lines), len(counts)))
    figures = {}
    for (name, n, check), c in zip(lines, counts):
        f = figures.setdefault(name, {"n": n, "windows": [], "counts": [], "checks": []})
        if f["n"] != n:
            raise RunError("window %s: n=%d, earlier n=%d" % (name, n, f["n"]))
        f["windows"].append(c["all"])
        f["counts"].append(c)
        f["checks"].append(check)
    for f in figures.values():
        smallest = min(f.pop("counts"), key=lambda c: c["all"])
        f["insns"] = smallest["all"] / f["n"]
        f["places"] = {place: smallest[place] / f["n"] for place, _ in PLACES}
    return figures


def checks(figures, want_xen=True):
    """What looks wrong in a run's figures: a list of sentences (empty when all is well)."""
    problems = []
    expect = ["getppid"] + (["empty_loop", "xen_version", "unknown_hypercall", "evtchn_send",
                             "send_upcall", "privcmd_xen_version"] if want_xen else [])
    problems += ["no %s window" % name for name in expect if name not in figures]

    def each(name, ok, what):
        for c in figures.get(name, {}).get("checks", []):
            if not ok(c):
                problems.append("%s: %s (check=%d)" % (name, what, c))
                return

    each("xen_version", lambda c: c > 0, "xen_version failed")
    each("unknown_hypercall", lambda c: c == -ENOSYS, "an unknown hypercall did not say -ENOSYS")
    each("evtchn_send", lambda c: c == 0, "EVTCHNOP_send failed")
    n = figures.get("send_upcall", {}).get("n")
    each("send_upcall", lambda c: c == n, "not one upcall per send")
    version = figures.get("xen_version", {}).get("checks", [None])[0]
    each("privcmd_xen_version", lambda c: c == version,
         "privcmd's xen_version differs from the kernel's")
    return problems


def half_ping_pong(pvlab):
    return pvlab["evtping"][0] / 2


# (label, pvlab's figure, Xen's window) in print order.  pvlab's figure is a key of
# tests/bench.py's one_run() figures (guests/minios/bench.c's BENCH lines) or of bench_xen.py's
# pbench figures (getpid_dom0, privcmd_dom0), or a function of them; Xen's window a name of the
# module's or the user program's windows, or None where Xen's bench has no such path.
ROWS = [
    ("null hypercall from the guest kernel (xen_version)", "null_hypercall", "xen_version"),
    ("unknown hypercall number (-ENOSYS)", "unknown_hypercall", "unknown_hypercall"),
    ("EVTCHNOP_send alone (receiver masked)", "evtchn_send", "evtchn_send"),
    ("event send + upcall + dispatch + iret (*1)", "send_upcall", "send_upcall"),
    ("system call getpid/getppid from dom0 user space (*2)", "getpid_dom0", "getppid"),
    ("privcmd hypercall from dom0 user space (xen_version) (*3)", "privcmd_dom0",
     "privcmd_xen_version"),
    ("empty loop iteration (measurement floor)", "empty_loop", "empty_loop"),
    ("half a dom0<->domU event ping-pong round trip (*4)", half_ping_pong, None),
]
FOOTNOTES = [
    "(*1) both: a send on a loopback pair of ports in dom0 (no domain switch), the upcall,\n"
    "     the kernel's event dispatch to a handler that counts one upcall per send, and the\n"
    "     return: Linux's iret hypercall; minios's own iret from ring 1, no hypervisor entry.",
    "(*2) pvlab: minios's getpid from ring 3 (pbench), int $0x80 straight to the ring-1 kernel's\n"
    "     dispatch and back, no hypervisor entry; Xen: getppid, syscall into Xen, bounced to\n"
    "     dom0's kernel, back through Xen.",
    "(*3) pvlab: pbench privcmd, xen_version through the privcmd system call (int $0x80 to\n"
    "     dom0's kernel, which checks the caller's right and makes the hypercall); Xen: an\n"
    "     ioctl on /dev/xen/privcmd, syscall into Xen, bounced to dom0's kernel, its hypercall.",
    "(*4) pvlab only (Xen's bench has no second domain): one send, one upcall and a switch to\n"
    "     the other domain, half of `xm-lite evtping`'s round trip.",
]


def pvlab_figure(pvlab, pv):
    """pvlab's figure for a row: None when the run has no such figure (an older recording)."""
    if pvlab is None:
        return None
    if callable(pv):
        try:
            return pv(pvlab)
        except KeyError:
            return None
    return pvlab[pv][0] if pv in pvlab else None


def pvlab_checks(pvlab):
    """What looks wrong in pvlab's figures: a row's figure missing, a benchmark that failed."""
    problems = ["pvlab: no %s figure" % pv for _, pv, _ in ROWS
                if not callable(pv) and pv not in pvlab]
    return problems + ["pvlab: %s" % f for f in pvlab.get("failures", [])]


def table(pvlab, xen):
    """[(label, pvlab count or None, Xen count or None, pvlab/Xen or None)]."""
    rows = []
    for label, pv, name in ROWS:
        p = pvlab_figure(pvlab, pv)
        x = xen[name]["insns"] if name in xen else None
        rows.append((label, p, x, p / x if p is not None and x else None))
    return rows


def cell(v, fmt):
    return "-" if v is None else fmt % v


def format_table(rows, bare_getppid=None):
    """The table as text: path, pvlab count, Xen count, pvlab/Xen, then the notes."""
    out = ["%-58s %10s %10s %10s" % ("path (instructions per round trip)", "pvlab", "Xen",
                                     "pvlab/Xen")]
    for label, p, x, r in rows:
        out.append("%-58s %10s %10s %10s" % (label, cell(p, "%.1f"), cell(x, "%.1f"),
                                            cell(r, "%.3f")))
    out.append("")
    out += FOOTNOTES
    if bare_getppid is not None:
        dom0 = [x for label, _, x, _ in rows if label.startswith("system call")][0]
        out.append("getppid on the same Linux kernel without Xen (bare, same QEMU): %.1f%s" % (
            bare_getppid, "" if dom0 is None else "; Xen's dom0 / bare = %.2f" % (dom0 / bare_getppid)))
    out.append("")
    out.append(XEN_NOTE)
    return "\n".join(out)


def format_places(xen):
    """Where Xen's round trips ran, by code address: in Xen, in dom0's kernel, in user space."""
    out = ["%-58s %10s %12s %10s" % ("Xen: where each round trip runs", "in Xen", "dom0 kernel",
                                     "user")]
    for label, _, name in ROWS:
        if name in xen:
            p = xen[name]["places"]
            out.append("%-58s %10.1f %12.1f %10.1f" % (label, p["xen"], p["dom0 kernel"],
                                                       p["user"]))
    return "\n".join(out)
