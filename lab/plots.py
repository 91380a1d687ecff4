"""plots.py - the lab report's plots, drawn by gnuplot's svg terminal from
the CSVs (and timeline.json) that lab/collect.py wrote (used by
lab/report.py).

  hit-D.svg, hit-I.svg  hit rate by cache size, a group of bars per row
  haps.svg              CR3 writes and mode changes per million
                        instructions and per dbench operation, per row
                        (log scale: Linux's and pvlab's differ by 10^4)
  timeline.svg          a few ms of the domU's dbench from the hypervisor's
                        trace: which domain runs when (bars), and where the
                        hypercalls, event notifications, upcalls, grant
                        copies and CR3 loads fall (points, coloured by the
                        domain they concern); below, 40 us from just before
                        the domU's first event notification: one block
                        request crossing from domU to dom0 and back

Each function writes its data file (*.dat, kept beside the SVG) and the
SVG, and returns the SVG's file name, or None when gnuplot is missing or
there is nothing to plot.
"""
import os
import shutil
import subprocess

SIZES = [16, 128, 1024]
COLOURS = {0: 0x1F77B4, 1: 0xFF7F0E, 0x7FFF: 0x999999}  # dom0, domU, idle
LANES = ["CR3 load", "grant copy", "grant map/unmap", "event upcall", "event notification",
         "hypercall", "idle", "domU runs", "dom0 runs"]
ZOOM_US = 15


def row_name(r):
    return "%s (%s)" % (r["label"], r["checkpoint"])


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


def have_gnuplot():
    return bool(shutil.which("gnuplot"))


def hit_plot(d, kind, wins, hit_rate):
    """A grouped bar chart of hit rates; hit_rate(row, kind, size) -> the cache.csv row or None."""
    if not have_gnuplot() or not wins:
        return None
    data = os.path.join(d, "hit-%s.dat" % kind)
    with open(data, "w") as f:
        f.write("row " + " ".join("%dKB" % s for s in SIZES) + "\n")
        for w in wins:
            cells = [hit_rate(w, kind, s) for s in SIZES]
            f.write('"%s" %s\n' % (row_name(w), " ".join(c["hit_rate"] if c else "NaN" for c in cells)))
    svg = "hit-%s.svg" % kind
    gnuplot("\n".join([
        'set terminal svg size 860,400 font "sans,11" background "white"',
        'set output "%s"' % os.path.join(d, svg),
        'set title "%s-cache hit rate by cache size"' % kind,
        'set style data histogram', 'set style histogram clustered gap 1',
        'set style fill solid 0.8 border -1', 'set yrange [*:1]', 'set ylabel "hit rate"',
        'set key top left', 'set xtics rotate by -20 font "sans,9"', 'set grid ytics',
        'plot "%s" using 2:xtic(1) title columnheader, "" using 3 title columnheader, '
        '"" using 4 title columnheader' % data]))
    return svg


def positive(v):
    try:
        return float(v) > 0
    except (TypeError, ValueError):
        return False


def haps_plot(d, haps):
    """CR3 writes and mode changes per M instructions and per operation, log scale; a column
    with no positive value (nothing to draw on a log scale) is left out."""
    names = {"cr3_per_M": "CR3/M-insns", "modes_per_M": "modes/M-insns", "cr3_per_op": "CR3/op",
             "modes_per_op": "modes/op"}
    keys = [k for k in names if any(positive(h.get(k)) for h in haps)]
    if not have_gnuplot() or not keys:
        return None
    data = os.path.join(d, "haps.dat")
    with open(data, "w") as f:
        f.write("row " + " ".join(names[k] for k in keys) + "\n")
        for h in haps:
            f.write('"%s" %s\n' % (row_name(h), " ".join(
                h[k] if positive(h.get(k)) else "NaN" for k in keys)))
    svg = "haps.svg"
    using = ", ".join('"%s" using %d%s title columnheader' % (data if i == 0 else "", i + 2,
                                                             ":xtic(1)" if i == 0 else "")
                      for i in range(len(keys)))
    gnuplot("\n".join([
        'set terminal svg size 860,420 font "sans,11" background "white"',
        'set output "%s"' % os.path.join(d, svg),
        'set title "CR3 writes and mode changes per million instructions and per dbench operation"',
        'set style data histogram', 'set style histogram clustered gap 1',
        'set style fill solid 0.8 border -1', 'set logscale y', 'set ylabel "count (log scale)"',
        'set key top left', 'set xtics rotate by -20 font "sans,9"', 'set grid ytics',
        'plot ' + using]))
    return svg


def lane_of_run(who, domu):
    return LANES.index("idle" if who == 0x7FFF else "dom0 runs" if who == 0 else "domU runs")


def timeline_plot(d, tl):
    """The domU's timeline (timeline.json from lab/trace_tables.py): overview and zoom."""
    if not have_gnuplot() or not tl or not tl["runs"]:
        return None
    runs, events = os.path.join(d, "timeline-runs.dat"), os.path.join(d, "timeline-events.dat")
    with open(runs, "w") as f:
        f.write("# start_us lane length_us colour\n")
        for r in tl["runs"]:
            f.write("%.3f %d %.3f %d\n" % (r["start_us"], lane_of_run(r["who"], tl["domu"]),
                                          r["end_us"] - r["start_us"], COLOURS.get(r["who"], 0)))
    with open(events, "w") as f:
        f.write("# t_us lane colour (the domain the event concerns)\n")
        for e in tl["events"]:
            f.write("%.3f %d %d\n" % (e["t_us"], LANES.index(e["kind"]),
                                      COLOURS.get(e["domain"], 0x2CA02C)))
    zoom0 = tl["lead_us"] - 5  # 5 us before the domU's first event notification
    ytics = ", ".join('"%s" %d' % (name, i) for i, name in enumerate(LANES))
    svg = "timeline.svg"
    panel = lambda title, xr: [  # noqa: E731
        'set title "%s"' % title, 'set xrange [%s]' % xr,
        'plot "%s" using 1:2:3:(0):4 with vectors nohead lw 9 lc rgb variable notitle, '
        '"%s" using 1:2:3 with points pt 7 ps 0.45 lc rgb variable notitle' % (runs, events)]
    gnuplot("\n".join([
        'set terminal svg size 900,640 font "sans,10" background "white"',
        'set output "%s"' % os.path.join(d, svg), 'set multiplot layout 2,1',
        'set ytics (%s)' % ytics, 'set yrange [-0.7:%d.7]' % (len(LANES) - 1),
        'set xlabel "guest time since the window start (us; TSC ticks are ns under -icount)"',
        'set grid xtics', 'set border 3'] +
        panel("%s: the domU's dbench-lite, %d us (blue: dom0, orange: domU, grey: idle)" %
              (tl["checkpoint"], tl["span_us"]), "0:%d" % tl["span_us"]) +
        panel("%d us of it: a block request from the domU to dom0 and back" % ZOOM_US,
              "%.1f:%.1f" % (zoom0, zoom0 + ZOOM_US)) +
        ['unset multiplot']))
    return svg
