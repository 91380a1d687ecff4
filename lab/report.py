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
import shutil
import subprocess
import sys

SIZES = [16, 128, 1024]


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

def windows_section(wins):
    rows = [[row_name(w), w["workload"], w["start_insns"],
             "marker %s + %s" % (w["marker"], w["after_marker"]), w["next_marker_insns"],
             w["window_insns"], w["measure_seconds"]] for w in wins]
    return Section("Windows", "Each row is measured from a checkpoint (QEMU `savevm` on a qcow2 overlay) "
                   "over a fixed window of instructions, under `-icount shift=0,sleep=off`. "
                   "*Start* is the instruction count since boot at the snapshot; *where* says how "
                   "the checkpoint was placed: N instructions after the K-th marker; the next marker "
                   "(for Linux, the end of dbench) is where the workload moves on.",
                   ["row", "workload", "start (insns since boot)", "where", "next marker at",
                    "window (insns)",
                    "measurement wall time (s)"], rows)


def throughput_section(tput):
    rows = [[t["label"], t["workload"], t["clients"], t["what"], t["MBps"], t["max_latency_ms"]]
            for t in tput]
    return Section("Workload figures", "What each workload printed in the checkpoint run (the whole "
                   "run, not the window). MB/s are per second of the guest's virtual clock: under "
                   "-icount shift=0 an instruction is 1 ns of it, and idle time is skipped.", ["configuration", "workload", "clients", "figure",
                                                     "MB/s", "max latency (ms)"], rows)


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


def haps_section(haps):
    rows = [[row_name(h), h["window_insns"], h["cr3_writes"], h["cr3_per_M"], h["mode_changes"],
             h["modes_per_M"], h["int80"], h["int82"], h["sysenter"], h["iret"]] for h in haps]
    return Section("Haps: CR3 writes and mode changes", "Counted by pvlab-cache.so from outside the "
                   "machine: `mov %cr3` executions and transitions between the hypervisor, kernel "
                   "and user address regions (docs/instruments.md).",
                   ["row", "window", "CR3 writes", "per M insns", "mode changes", "per M insns",
                    "int $0x80", "int $0x82", "sysenter", "iret"], rows)


def repeat_section(reps):
    rows = [[row_name(r), r["identical"], r["D16K_hit_rate_1"], r["D16K_hit_rate_2"],
             r["cr3_writes_1"], r["cr3_writes_2"], r["mode_changes_1"], r["mode_changes_2"]]
            for r in reps]
    return Section("Repeatability", "Each window measured twice from the same checkpoint. A machine "
                   "without device I/O in the window repeats exactly under -icount; disk completions "
                   "arrive when the host's I/O thread finishes, which -icount cannot replay, so a "
                   "window with disk I/O in it can differ slightly between runs.",
                   ["row", "identical reports", "D16K run 1", "D16K run 2", "CR3 run 1", "CR3 run 2",
                    "mode changes run 1", "mode changes run 2"], rows)


def sections(d, plots):
    wins = read_csv(os.path.join(d, "windows.csv"))
    caches = read_csv(os.path.join(d, "cache.csv"))
    haps = read_csv(os.path.join(d, "haps.csv"))
    tput = read_csv(os.path.join(d, "throughput.csv"))
    return [windows_section(wins), throughput_section(tput),
            cache_section(wins, caches, "D", plots.get("D")),
            cache_section(wins, caches, "I", plots.get("I")),
            misses_section(wins, caches), haps_section(haps),
            repeat_section(read_csv(os.path.join(d, "repeat.csv")))]


# ---------------------------------------------------------------- plots

def plot(d, kind, wins, caches):
    """A grouped bar chart of hit rates (gnuplot's svg terminal); returns the SVG's file name."""
    if not shutil.which("gnuplot") or not wins:
        return None
    data = os.path.join(d, "hit-%s.dat" % kind)
    with open(data, "w") as f:
        f.write("row " + " ".join("%dKB" % s for s in SIZES) + "\n")
        for w in wins:
            cells = [hit_rate(caches, w, kind, s) for s in SIZES]
            f.write('"%s" %s\n' % (row_name(w), " ".join(c["hit_rate"] if c else "NaN" for c in cells)))
    svg = "hit-%s.svg" % kind
    script = "\n".join([
        'set terminal svg size 760,380 font "sans,11" background "white"',
        'set output "%s"' % os.path.join(d, svg),
        'set title "%s-cache hit rate by cache size"' % kind,
        'set style data histogram', 'set style histogram clustered gap 1',
        'set style fill solid 0.8 border -1', 'set yrange [*:1]', 'set ylabel "hit rate"',
        'set key top left', 'set xtics rotate by -15 font "sans,9"', 'set grid ytics',
        'plot "%s" using 2:xtic(1) title columnheader, "" using 3 title columnheader, '
        '"" using 4 title columnheader' % data])
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    return svg


# ---------------------------------------------------------------- rendering

PV_ROWS = {
    "dbench": "Rows labelled dom0 and domU run dbench-lite (pvlab's own dbench, guests/dbench-lite) "
              "with the same client.txt on minios's ext2 root, in dom0 on its IDE disk and in a "
              "domU on xvda through blkfront and blkback; ",
    "blkbench": "Rows labelled dom0 and domU run minios's `blk bench` as a STAND-IN workload "
                "(LAB_PV_WORKLOAD=blkbench); ",
}
INTRO = ("pvlab's lab: the Xen homework's measurements, reproduced on QEMU with pvlab-cache.so "
         "(simulated caches and haps) from QEMU checkpoints. " +
         PV_ROWS.get(os.environ.get("LAB_PV_WORKLOAD", "dbench"), "") +
         "the Linux rows run the real dbench 4.0 with client.txt. Counts in a window are exact "
         "under -icount unless disk completions fall in it (see Repeatability); throughputs come "
         "from whole runs whose disk completions follow the host, so they vary run to run.")


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def render_md(secs):
    out = ["# pvlab lab report", "", INTRO, ""]
    for s in secs:
        out += ["## " + s.title, "", s.text, ""]
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
        if s.rows:
            out.append("<table><tr>%s</tr>" % "".join("<th>%s</th>" % esc(h) for h in s.header))
            out += ["<tr>%s</tr>" % "".join("<td>%s</td>" % esc(str(c)) for c in r) for r in s.rows]
            out.append("</table>")
        else:
            out.append("<p>(no measurements)</p>")
        if s.plot:
            out.append(inline_svg(d, s.plot))
    out.append("</body></html>")
    return "\n".join(out)


def write_report(d):
    wins, caches = read_csv(os.path.join(d, "windows.csv")), read_csv(os.path.join(d, "cache.csv"))
    plots = {k: plot(d, k, wins, caches) for k in ("D", "I")}
    secs = sections(d, plots)
    if not shutil.which("gnuplot"):
        secs[2].text += " (gnuplot is not installed: no plot.)"
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
