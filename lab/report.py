#!/usr/bin/env python3
"""report.py - the lab's report from its CSV tables: build/lab/report.md,
build/lab/report.html (one self-contained page, plots inline as SVG) and
the plots themselves (build/lab/*.svg, drawn by gnuplot's svg terminal).

usage: lab/report.py [DIR]        (DIR holds the CSVs; build/lab by default)

The report is built as a list of sections, each a title, some sentences, a
table and perhaps a plot; render_md() and render_html() write the same
sections two ways.  Every number printed comes from the CSVs that
lab/collect.py wrote from the runs: the report computes ratios and picks
columns, it never types a figure in.  Without gnuplot the plots are left
out and the report says so.
"""
import csv
import html
import os
import json
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plots  # noqa: E402

SIZES = plots.SIZES


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def row_name(r):
    return "%s (%s)" % (r["label"], r["checkpoint"])


class Section:
    def __init__(self, title, text="", header=None, rows=None, plot=None):
        self.title, self.text, self.header, self.rows, self.plot = title, text, header, rows or [], plot


# ---------------------------------------------------------------- sections

STALLED = (" The %s boot stalled %s time(s) (its guest printed nothing and passed no marker "
           "for 90 s) and was booted again; its console: runs/%s/%s.")


def windows_section(wins, boots=()):
    rows = [[row_name(w), w["workload"], w["start_insns"],
             "marker %s + %s" % (w["marker"], w["after_marker"]), w["next_marker_insns"],
             w["window_insns"], w["measure_seconds"]] for w in wins]
    return Section("Windows", "Each row is measured from a checkpoint (QEMU `savevm` on a qcow2 overlay) "
                   "over a fixed window of instructions, under `-icount shift=0,sleep=off`. "
                   "*Start* is the instruction count since boot at the snapshot; *where* says how "
                   "the checkpoint was placed: N instructions after the K-th marker; the next marker "
                   "(for Linux, the end of dbench) is where the workload moves on." +
                   "".join(STALLED % (b["config"], b["stalled_boots"], b["config"],
                                      b["stalled_consoles"])
                           for b in boots if int(b["stalled_boots"])),
                   ["row", "workload", "start (insns since boot)", "where", "next marker at",
                    "window (insns)",
                    "measurement wall time (s)"], rows)


def domains_section(doms):
    rows = [[d["when"], d["prompt"], d["domains"], d["names"], d["running_xm_lite"]] for d in doms]
    return Section("Domains: how many run, and whose prompt", "The homework's \"when Xen boots how "
                   "many VMs are running, which domain presents the first prompt, how many after "
                   "we create the domU\": each line is an `xm-lite list` typed in the pvlab boot "
                   "(build/lab/runs/pvlab/checkpoint-console.log), read back here. The domain in "
                   "state `r` is the one running when the list was taken: the one running "
                   "xm-lite, which owns the prompt it was typed at.",
                   ["when", "prompt", "domains", "names (id)", "running (owns the prompt)"], rows)


def throughput_section(tput):
    rows = [[t["label"], t["workload"], t["clients"], t["what"], t["MBps"], t.get("operations", ""),
             t["max_latency_ms"]] for t in tput]
    return Section("Workload figures", "What each workload printed in the checkpoint run (the whole "
                   "run, not the window): throughput, the operations it counted (the sum of its "
                   "operation table) and its worst latency. MB/s are per second of the guest's "
                   "virtual clock: under -icount shift=0 an instruction is 1 ns of it, and idle "
                   "time is skipped. The runs marked *traced* ran with the hypervisor's trace on "
                   "and are not measured rows.",
                   ["configuration", "workload", "clients", "figure", "MB/s", "operations",
                    "max latency (ms)"], rows)


def ratio_section(tput, haps):
    """dbench's throughput by configuration and clients, with dom0/native and domU/native, and the
    instructions per operation (haps.csv) beside it, with the same ratios."""
    by, ipo = {}, {}
    for t in tput:
        if t["what"] == "throughput" and "traced" not in t["label"]:
            by.setdefault(int(t["clients"]), {})[t["label"]] = float(t["MBps"])
    for h in haps:
        clients = h["checkpoint"].rsplit("-", 1)[-1]
        if clients.isdigit() and h.get("insns_per_op"):
            ipo.setdefault(int(clients), {})[h["label"]] = float(h["insns_per_op"])
    rows = []
    for clients in sorted(set(by) | set(ipo)):
        m, i = by.get(clients, {}), ipo.get(clients, {})
        cell = lambda d, k: ("%g" % d[k]) if k in d else "-"  # noqa: E731
        ratio = lambda d, k: "%.3f" % (d[k] / d["native"]) \
            if k in d and d.get("native") else "-"  # noqa: E731
        rows.append([clients] + [cell(m, k) for k in ("Linux", "native", "dom0", "domU")] +
                    [ratio(m, "dom0"), ratio(m, "domU")] +
                    [cell(i, k) for k in ("native", "dom0", "domU")] +
                    [ratio(i, "dom0"), ratio(i, "domU")])
    return Section("Throughput: native, dom0 and domU", "dbench's MB/s (the Linux column: dbench "
                   "4.0; the others: dbench-lite on the same minios.elf natively, as dom0 and as "
                   "a domU) and the paravirtualized runs' relative to native; then the "
                   "instructions each run executed per dbench operation (Haps: marker to marker "
                   "over the operations counted) and their ratios. The minios runs are on RAM "
                   "disks and start by themselves, so their MB/s are exact (the guest's clock is "
                   "the instruction count) and the ratios compare the same file system with and "
                   "without the hypervisor (dom0) and through the split driver (domU): nothing "
                   "waits, so a run is as fast as its instructions per operation allow. Linux's "
                   "dbench is on an ext2 on its own RAM disk (brd), so its MB/s are exact too, "
                   "and CPU-bound like minios's. Instructions per operation are the CPU cost of "
                   "the same work in the three modes.",
                   ["clients", "Linux MB/s", "native MB/s", "dom0 MB/s", "domU MB/s",
                    "dom0/native", "domU/native", "native insns/op", "dom0 insns/op",
                    "domU insns/op", "dom0/native", "domU/native"], rows)


def hit_rate(caches, r, kind, size, region="all"):
    for c in caches:
        if (c["label"], c["checkpoint"], c["kind"], int(c["size_kb"]), c["region"]) == \
                (r["label"], r["checkpoint"], kind, size, region):
            return c
    return None


def cache_section(wins, caches, kind, plot):
    rows = []
    for w in wins:
        cells = [hit_rate(caches, w, kind, s) for s in SIZES]
        rows.append([row_name(w)] + ["%.4f" % float(c["hit_rate"]) if c else "-" for c in cells])
    name = "D-cache" if kind == "D" else "I-cache"
    return Section("%s hit rates" % name, "Simulated by pvlab-cache.so: physically indexed, 64-byte "
                   "lines, 8-way, LRU, empty at the snapshot; all regions together.",
                   ["row"] + ["%s %d KB" % (kind, s) for s in SIZES], rows, plot)


def misses_section(wins, caches):
    rows = []
    for w in wins:
        for s in SIZES:
            per = {reg: hit_rate(caches, w, "D", s, reg) for reg in ("all", "hv", "kernel", "user")}
            if not per["all"]:
                continue
            total = int(per["all"]["misses"]) or 1
            rows.append([row_name(w), "D %d KB" % s, per["all"]["misses"]] +
                        ["%.1f %%" % (100.0 * int(per[reg]["misses"]) / total) if per[reg] else "-"
                         for reg in ("hv", "kernel", "user")])
    return Section("D-cache misses by privilege region", "By the address of the executing code: "
                   "hypervisor (>= 0xFC000000), guest kernel (>= 0xC0000000), user.",
                   ["row", "cache", "misses", "hypervisor", "guest kernel", "user"], rows)


def haps_section(haps, plot):
    rows = [[row_name(h), h["window_insns"], h["cr3_writes"], h["cr3_per_M"], h.get("cr3_per_op", ""),
             h["mode_changes"], h["modes_per_M"], h.get("modes_per_op", ""),
             h.get("insns_per_op", ""), h["int80"], h["int82"], h["sysenter"], h["iret"]]
            for h in haps]
    return Section("Haps: CR3 writes and mode changes", "Counted by pvlab-cache.so from outside the "
                   "machine (the homework's watch.simics): `mov %cr3` executions and transitions "
                   "between the hypervisor, kernel and user address regions (docs/instruments.md), "
                   "per million instructions of the window and per dbench operation. Per "
                   "operation is the window's rate times the instructions per operation of the "
                   "run it lies in (marker to marker over the operations dbench counted; for "
                   "Linux the markers also enclose the warm-up, which runs the same operations "
                   "uncounted, so its instructions are scaled by the counted share): an estimate "
                   "that takes the window as typical of its run.",
                   ["row", "window", "CR3 writes", "per M insns", "per op", "mode changes",
                    "per M insns", "per op", "insns per op", "int $0x80", "int $0x82", "sysenter",
                    "iret"], rows, plot)


def trace_section(traces, plot):
    rows = [[row_name(t), t["window_insns"], t["records_span_us"], t["records"], t["hypercalls_dom0"],
             t["hypercalls_domU"], t["exceptions"], t["irqs"], t["hv_entries_per_M"],
             t["event_sends_per_M"], t["upcalls_per_M"], t["grant_copies_per_M"],
             t["cr3_loads_per_M"], t["pt_updates_per_M"], t["block_requests"],
             t["hv_entries_per_req"], t["event_sends_per_req"], t["grant_copies_per_req"],
             t["cr3_loads_per_req"]] for t in traces]
    return Section("The hypervisor's trace", "Read from pvlab's trace windows "
                   "(lab/trace_window.py): the trace runs in the snapshot, the window is bounded "
                   "from outside by the gate, and the records of exactly those instructions are "
                   "read from the hypervisor's memory. Hypervisor entries by cause (hypercalls by "
                   "the domain that made them, exceptions, interrupts taken in a guest), event "
                   "notifications (EVTCHNOP_send) and upcalls, grant copies (GNTTABOP_copy), CR3 "
                   "loads (page-directory switches) and page-table updates (mmu_update, "
                   "update_va_mapping, mmuext_op), per million instructions and per block "
                   "request. A domU's block request is counted where blkback serves it, one "
                   "grant copy (or a few, one per page run) each; dom0's own file system is a RAM "
                   "disk, so its \"block requests\" would be the disk interrupts it acknowledges "
                   "(PHYSDEVOP_eoi) and there are none. *Records span us* is the time on the "
                   "guest's clock from the window's first trace record to its last (under "
                   "-icount shift=0 the whole window is its instructions / 1,000 us; the span is "
                   "shorter by the stretches at each end where nothing was recorded).",
                   ["window", "insns", "records span us", "records", "hypercalls dom0", "hypercalls domU",
                    "exceptions", "interrupts", "hv entries /M", "event sends /M", "upcalls /M",
                    "grant copies /M", "CR3 loads /M", "PT updates /M", "block requests",
                    "hv entries /req", "event sends /req", "grant copies /req", "CR3 loads /req"],
                   rows, plot)


def hypercalls_section(names):
    totals = {}
    for n in names:
        key = (n["label"], n["hypercall"])
        totals.setdefault(key, [0, 0])
        totals[key][0] += int(n["count"])
        totals[key][1] += 1
    rows = [[label, hc, count, n] for (label, hc), (count, n) in
            sorted(totals.items(), key=lambda kv: (kv[0][0], -kv[1][0]))]
    return Section("Hypercalls by name", "Every hypercall in the trace windows, by the domain "
                   "whose window it is (dom0's or the domU's dbench-lite) and name with its "
                   "sub-operation, summed over that domain's windows (hypercalls.csv has each "
                   "window).", ["windows of", "hypercall", "count", "windows"], rows)


def theory_section(theory):
    rows = [[row_name(t), t["window_insns"],
             "%s/%s" % (t.get("cut_start", ""), t.get("cut_short", "")), t["cr3_writes_plugin"],
             t["cr3_writes_predicted"],
             t["cr3_error_pct"], t["hypercalls_plugin"], t["hypercalls_trace"],
             t["hv_entries_plugin"], t["hv_entries_trace"], t["entries_error_pct"],
             t["cr3_from_entries_pct"]] for t in theory]
    text = ("Why are pvlab's CR3 writes and mode changes per million instructions thousands of "
            "times Linux's? The lab's theory: they are the hypervisor's entries and exits. "
            "pvlab runs every guest on a guest root page directory without the hypervisor "
            "(DESIGN.md decision 3: TCG checks no segment limits), so each entry into the "
            "hypervisor writes CR3 at the entry trampoline and again at the exit; beyond "
            "those, CR3 is written when a domain's page directory is loaded and when the CPU "
            "goes idle. dom0 enters for every disk interrupt (it blocks, is woken, "
            "acknowledges the interrupt with a hypercall), the domU for every block request "
            "(an event notification, a switch to dom0, a grant copy, a switch back). The "
            "test: in each trace window pvlab-cache.so counts the CR3 writes and mode changes "
            "of exactly the instructions whose trace is read, and the trace predicts them: "
            "2 x entries + CR3 loads + switches to idle. The prediction could fail by any "
            "amount; the table shows by how much it did. It was repeated over several "
            "checkpoints of each domain's dbench; the spread table gives the mean, min and max. "
            "A window can start or end inside an entry into the hypervisor (*cut*: the "
            "stopped vCPU's EIP is the hypervisor's): ended there, the plugin has seen the "
            "entry's `int $0x82` or first CR3 write but its record is not written yet, and the "
            "plugin is one entry ahead; started there, the record falls in the window but the "
            "`int $0x82` before it, and the trace is one ahead.")
    return Section("Test your theory", text,
                   ["window", "insns", "cut (start/end)", "CR3 writes (plugin)",
                    "predicted from the trace", "error %", "int $0x82 (plugin)", "hypercalls (trace)",
                    "entries into hv (plugin)", "entries (trace)", "error %",
                    "CR3 writes that are entries %"], rows)


def spread_section(spread):
    rows = [[s["label"], s["figure"], s["windows"], s["mean"], s["min"], s["max"]] for s in spread]
    return Section("Test your theory: the spread over checkpoints", "Each figure over the trace "
                   "windows of one domain (several checkpoints of the same traced dbench-lite "
                   "run): mean, smallest and largest. The entries the plugin sees are fewer "
                   "than the trace's by the interrupts taken at the very instruction a "
                   "hypervisor exit returns to (no guest instruction runs between the two, so "
                   "no region change is seen) - the CR3 prediction, which counts trampolines, "
                   "is not affected.", ["domain", "figure", "windows", "mean", "min", "max"], rows)


EXACT = ("Under `-icount shift=0,sleep=off` the instruction stream is a function of the machine, "
         "its images and its inputs. No configuration has an input a host times: every file "
         "system dbench uses is in RAM (minios's ext2 RAM disks; Linux's ext2 on its brd RAM "
         "disk, made by its /init), so no disk completion enters a run; the workloads start by "
         "themselves (minios's rc files, Linux's /init: nothing typed); the snapshots' qcow2 is "
         "a drive the guest cannot see; Linux's RTC starts at a fixed date and runs on the "
         "virtual clock; and the images are the same bytes each time. **Exact**, run to run, "
         "in all four configurations: where every marker and checkpoint falls, every window's "
         "counts (caches, haps, the trace), the instructions per operation, and dbench's and "
         "dbench-lite's own throughput, latency and operations (lab/repeat.py boots a "
         "configuration again and compares: make lab does so for Linux, Booted again below; "
         "make test for the quick pvlab boot). **Host-dependent**: only the wall times "
         "(measurement wall time, make lab's own). The trace-versus-plugin comparison is exact "
         "within a window: both see the same instructions of one run.")


def repeat_section(reps):
    rows = [[row_name(r), r["identical"], r["D16K_hit_rate_1"], r["D16K_hit_rate_2"],
             r["cr3_writes_1"], r["cr3_writes_2"], r["mode_changes_1"], r["mode_changes_2"]]
            for r in reps]
    return Section("Repeatability", "Each window measured twice from the same checkpoint. A machine "
                   "without device I/O repeats exactly under -icount: every row, Linux's "
                   "included (its file system is a RAM disk).",
                   ["row", "identical reports", "D16K run 1", "D16K run 2", "CR3 run 1", "CR3 run 2",
                    "mode changes run 1", "mode changes run 2"], rows)


def again_section(again):
    rows = [[a["config"], a["checkpoint"], a["markers"], a["checkpoint_insns"], a["window_insns"],
             a["identical"], a["differences"] or "-"] for a in again]
    return Section("Booted again", "A configuration booted a second time, from the same images, "
                   "to one checkpoint (lab/repeat.py; make lab does it for Linux): every marker "
                   "up to the checkpoint, the checkpoint's instruction count, the console up to it "
                   "and the window's whole report (pvlab-cache.so, line for line) compared with "
                   "the first boot's." + ("" if rows else " No configuration was booted again."),
                   ["configuration", "checkpoint", "markers compared", "checkpoint at (insns)",
                    "window (insns)", "identical", "differences"], rows)


def buffer_caches(d):
    """The buffer caches the pvlab boot's mounts announced (ext2fs.c's mount line: "buffer cache
    N blocks = K KiB"), e.g. "16256 KiB"; '' if its console is not there."""
    path = os.path.join(d, "runs", "pvlab", "checkpoint-console.log")
    text = open(path, errors="replace").read() if os.path.exists(path) else ""
    sizes = sorted({int(k) for k in re.findall(r"buffer cache \d+ blocks = (\d+) KiB", text)})
    return " and ".join("%d KiB" % k for k in sizes)


MIN_REQUESTS_TO_CHARGE = 0.1  # block requests per operation below which the extra is not theirs


def domu_cost_section(haps, traces, cache=""):
    """Why the domU is slower than native in this lab, from the run's own counters: the domU's
    block requests per dbench operation (trace windows: grant copies over instructions, times the
    domU-1 run's instructions per operation) and what each costs over native; `cache` is the
    buffer cache the mounts announced (buffer_caches())."""
    ipo = {h["label"]: float(h["insns_per_op"]) for h in haps
           if h["checkpoint"].endswith("-1") and h.get("insns_per_op")}
    win = [t for t in traces if t["label"].startswith("domU")]
    if not win or "domU" not in ipo or "native" not in ipo:
        return Section("Why the domU is slower than native", "(no domU trace windows or no "
                       "native/domU rows in this run)")
    insns = sum(int(t["window_insns"]) for t in win)
    per_insn = lambda k: sum(float(t[k]) for t in win) / insns  # noqa: E731
    req_op = per_insn("block_requests") * ipo["domU"]
    extra = ipo["domU"] - ipo["native"]
    per_req = "%.0f" % (extra / req_op) if req_op >= MIN_REQUESTS_TO_CHARGE else \
        "- (too few requests to charge it to them)"
    rows = [["domU block requests per operation", "%.2f" % req_op],
            ["domU hypervisor entries per operation", "%.2f" % (per_insn("hv_entries") * ipo["domU"])],
            ["domU event sends per operation", "%.2f" % (per_insn("event_sends") * ipo["domU"])],
            ["domU - native instructions per operation (1 client)", "%.0f" % extra],
            ["the extra per block request", per_req]]
    text = ("Configuration or virtualization? Every minios mount has the same buffer cache, %s "
            "(the mounts' own lines in the pvlab console; fscache= on every minios command line: "
            "lab/configs.py's FSCACHE_KIB, or LAB_FSCACHE=KIB), whatever the domain's memory: "
            "native and dom0 (320 MiB) and the domU (32 MiB) "
            "cache the same number of blocks, so the domU's smaller memory is not what costs it. "
            "What differs is where a block the cache lost comes from: natively and in dom0 a "
            "memcpy from the RAM disk's pages, in the domU a block request through blkfront, "
            "the hypervisor, dom0's blkback and a grant copy, and back. The table counts the "
            "domU's requests (its trace windows' block requests over their instructions, times "
            "the domU-1 run's instructions per operation: the traced run is a separate, shorter "
            "run, so this is an estimate) and charges all of the domU's extra instructions per "
            "operation to them. make bench's dbench (tests/dbench_bench.py, docs/dbench.md) "
            "replays a short generated loadfile whose few files stay in the cache (0.155 grant "
            "copies per operation), hence its domU/native of 0.97. client.txt's working set "
            "stays in a 16 MiB cache (the lab's default) and misses minios's own 1 MiB "
            "(LAB_FSCACHE=1024) more than once per operation; docs/lab.md gives both."
            % (cache or "(no mount line in the pvlab console)"))
    return Section("Why the domU is slower than native", text, ["figure", "value"], rows)


def sections(d):
    """Every section of the report, with its plots drawn (gnuplot) when possible."""
    csvs = {n: read_csv(os.path.join(d, n + ".csv")) for n in (
        "windows", "cache", "haps", "throughput", "repeat", "domains", "trace", "hypercalls",
        "theory", "spread", "boots", "again")}
    wins, caches = csvs["windows"], csvs["cache"]
    hit = lambda w, kind, size: hit_rate(caches, w, kind, size)  # noqa: E731
    tl_path = os.path.join(d, "timeline.json")
    timeline = json.load(open(tl_path)) if os.path.exists(tl_path) else None
    secs = [windows_section(wins, csvs["boots"]), domains_section(csvs["domains"]),
            throughput_section(csvs["throughput"]), ratio_section(csvs["throughput"], csvs["haps"]),
            cache_section(wins, caches, "D", plots.hit_plot(d, "D", wins, hit)),
            cache_section(wins, caches, "I", plots.hit_plot(d, "I", wins, hit)),
            misses_section(wins, caches),
            haps_section(csvs["haps"], plots.haps_plot(d, csvs["haps"])),
            trace_section(csvs["trace"], plots.timeline_plot(d, timeline)),
            domu_cost_section(csvs["haps"], csvs["trace"], buffer_caches(d)),
            hypercalls_section(csvs["hypercalls"]),
            theory_section(csvs["theory"]), spread_section(csvs["spread"]),
            Section("Which figures are exact", EXACT),
            repeat_section(csvs["repeat"]), again_section(csvs["again"])]
    if not plots.have_gnuplot():
        secs[4].text += " (gnuplot is not installed: no plots.)"
    return secs


# ---------------------------------------------------------------- rendering

PV_ROWS = {
    "dbench": "Rows labelled dom0 and domU run dbench-lite (pvlab's own dbench, guests/dbench-lite) "
              "with the same client.txt on minios's ext2 root, in dom0 on its RAM disk ram0 and "
              "in a domU on xvda (dom0's RAM disk ram1) through blkfront and blkback; ",
    "blkbench": "Rows labelled dom0 and domU run minios's `blk bench` as a STAND-IN workload "
                "(LAB_PV_WORKLOAD=blkbench); ",
}
INTRO = ("pvlab's lab: the Xen homework's measurements, reproduced on QEMU with pvlab-cache.so "
         "(simulated caches and haps) from QEMU checkpoints. " +
         PV_ROWS.get(os.environ.get("LAB_PV_WORKLOAD", "dbench"), "") +
         "the rows labelled native run the same dbench-lite on the same minios.elf booted "
         "without a hypervisor (docs/native.md), its root an ext2 RAM disk ram0 as dom0's; "
         "the Linux rows run the real dbench 4.0 with client.txt on an ext2 on Linux's own RAM "
         "disk (brd's /dev/ram0, the size of a minios RAM disk): all four on RAM. Every figure "
         "measured under -icount is exact, Linux's included (nothing the host times enters "
         "these boots; see Which figures are exact).")


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def render_md(secs):
    out = ["# pvlab lab report", "", INTRO, ""]
    for s in secs:
        out += ["## " + s.title, "", s.text, ""]
        if s.header:
            out += (md_table(s.header, s.rows) if s.rows else ["(no measurements)"]) + [""]
        if s.plot:
            out += ["![%s](%s)" % (s.title, s.plot), ""]
    return "\n".join(out)


def inline_svg(d, name):
    text = open(os.path.join(d, name)).read()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype: inline in HTML


def render_html(d, secs):
    esc = html.escape
    out = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'/><title>pvlab lab report</title>",
           "<style>body{font-family:sans-serif;max-width:62em;margin:2em auto}table{border-collapse:"
           "collapse}td,th{border:1px solid #999;padding:2px 8px;text-align:right}"
           "td:first-child,th:first-child{text-align:left}</style></head><body>",
           "<h1>pvlab lab report</h1>", "<p>%s</p>" % esc(INTRO)]
    for s in secs:
        out += ["<h2>%s</h2>" % esc(s.title), "<p>%s</p>" % esc(s.text)]
        if s.header and s.rows:
            out.append("<table><tr>%s</tr>" % "".join("<th>%s</th>" % esc(h) for h in s.header))
            out += ["<tr>%s</tr>" % "".join("<td>%s</td>" % esc(str(c)) for c in r) for r in s.rows]
            out.append("</table>")
        elif s.header:
            out.append("<p>(no measurements)</p>")
        if s.plot:
            out.append(inline_svg(d, s.plot))
    out.append("</body></html>")
    return "\n".join(out)


def write_report(d):
    secs = sections(d)
    with open(os.path.join(d, "report.md"), "w") as f:
        f.write(render_md(secs))
    with open(os.path.join(d, "report.html"), "w") as f:
        f.write(render_html(d, secs))
    return secs


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build", "lab")
    write_report(d)
    print("lab: wrote %s and %s" % (os.path.join(d, "report.md"), os.path.join(d, "report.html")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
