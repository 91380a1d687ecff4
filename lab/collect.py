#!/usr/bin/env python3
"""collect.py - turn the lab's runs into CSV tables (build/lab/*.csv).

usage: lab/collect.py [--quick]

Reads only files under build/lab/runs/ (each figure can be traced back to
the run it came from): every configuration's checkpoints.json (where each
checkpoint is) and checkpoint-console.log (the workload's own output:
dbench's Throughput lines, minios's BENCH lines), and, for every row of
lab/configs.py's ROWS, the measurement's plugin.log (pvlab-cache.so's `run`
record) and measure.json.  Writes:

  windows.csv     per row: where its window starts (instructions since
                  boot at the snapshot; K-th marker + N), its size, the
                  measurement's wall time
  haps.csv        per row: CR3 writes, mode changes (all and by direction),
                  int/sysenter/sysexit/iret, instructions by region, and
                  CR3 writes and mode changes per million instructions
  cache.csv       per row, cache and region: accesses, misses, hit rate
  throughput.csv  per workload run: what the workload itself reported
  repeat.csv      per row measured twice (lab.py's REPEATS): the two runs'
                  D16K hit rate, CR3 writes and mode changes, and whether
                  the whole reports are identical

and, from pvlab's boot and its trace windows (lab/trace_tables.py):
domains.csv (the `xm-lite list` tables typed in the run), trace.csv,
hypercalls.csv, theory.csv, spread.csv and timeline.json; boots.csv says
which configurations' checkpoint boots stalled and were booted again;
again.csv is every lab/repeat.py comparison (runs/CONFIG-again/compare.json:
a configuration booted a second time to one checkpoint, make lab's for Linux).

Per dbench operation (haps.csv's *_per_op): a window's count per
instruction times the instructions per operation of the run it lies in
(insns_per_op(): marker to marker over the operations dbench counted), an
estimate that assumes the window is like the rest of its run.
"""
import csv
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import configs  # noqa: E402
import measure  # noqa: E402
import trace_tables  # noqa: E402

REGIONS = ["all", "hv", "kernel", "user"]
HAPS = ["cr3_writes", "mode_changes", "int80", "int82", "int_other", "sysenter", "sysexit", "iret"]
MODES = ["hv_kernel", "hv_user", "kernel_hv", "kernel_user", "user_hv", "user_kernel"]


def load_json(path):
    with open(path) as f:
        return json.load(f)


def row_files(cfg_name, ckpt):
    d = os.path.join(configs.RUNS, cfg_name)
    return (os.path.join(d, "checkpoints.json"), os.path.join(d, ckpt, "plugin.log"),
            os.path.join(d, ckpt, "measure.json"))


def window_row(label, workload, cfg_name, ckpt):
    ck_path, log_path, meas_path = row_files(cfg_name, ckpt)
    ck = [c for c in load_json(ck_path) if c["name"] == ckpt][0]
    meas = load_json(meas_path)
    run = measure.parse_report(open(log_path).read())["run"]
    win = {"label": label, "workload": workload, "config": cfg_name, "checkpoint": ckpt,
           "start_insns": ck["insns"], "marker": ck["marker"], "after_marker": ck["after"],
           "next_marker_insns": ck.get("next_marker_insns") or "",
           "window_insns": int(run["insns"]["all"]), "measure_seconds": meas["seconds"]}
    return win, run


def markers(cfg_name):
    """{K: instructions since boot} of every marker of the checkpoint run (markers.json, which
    lab/checkpoint.py merges from its segments' gate lines)."""
    path = os.path.join(configs.RUNS, cfg_name, "markers.json")
    return {int(k): int(x) for k, x in load_json(path).items()} if os.path.exists(path) else {}


def insns_per_op(cfg_name, ckpt_marker):
    """Instructions per dbench operation in the run the checkpoint is in: the instructions between
    the run's first and last markers over the operations it counted (the configuration's
    markers_per_run and counted_share: Linux's markers also enclose dbench's warm-up, which
    runs the same operations but does not count them); '' when unknown."""
    cfg = configs.get(cfg_name)
    per, share = getattr(cfg, "markers_per_run", 0), getattr(cfg, "counted_share", 1.0)
    if not per:
        return ""
    i = (ckpt_marker - 1) // per
    at = markers(cfg_name)
    path = os.path.join(configs.RUNS, cfg_name, "checkpoint-console.log")
    runs = dbench_runs(open(path).read()) if os.path.exists(path) else []
    first, last = i * per + 1, i * per + per
    if i >= len(runs) or not runs[i]["operations"] or first not in at or last not in at:
        return ""
    return (at[last] - at[first]) * share / runs[i]["operations"]


def haps_row(win, run):
    n = win["window_insns"]
    row = {"label": win["label"], "checkpoint": win["checkpoint"], "window_insns": n}
    row.update({k: int(run["haps"][k]) for k in HAPS})
    row.update({"mode_" + k: int(run["modes"][k]) for k in MODES})
    row.update({"insns_" + r: int(run["insns"][r]) for r in REGIONS[1:]})
    row["cr3_per_M"] = round(row["cr3_writes"] * 1e6 / n, 2)
    row["modes_per_M"] = round(row["mode_changes"] * 1e6 / n, 2)
    ipo = insns_per_op(win["config"], int(win["marker"]))
    row["insns_per_op"] = round(ipo) if ipo else ""
    row["cr3_per_op"] = round(row["cr3_writes"] * ipo / n, 2) if ipo else ""
    row["modes_per_op"] = round(row["mode_changes"] * ipo / n, 2) if ipo else ""
    return row


def cache_rows(win, run):
    rows = []
    for (name, region), c in sorted(run["cache"].items()):
        rows.append({"label": win["label"], "checkpoint": win["checkpoint"], "cache": name,
                     "kind": name[0], "size_kb": int(c["size"]) // 1024, "region": region,
                     "accesses": int(c["accesses"]), "misses": int(c["misses"]),
                     "hit_rate": float(c["hit_rate"])})
    return rows


def dbench_runs(text):
    """Every dbench report on a console, in order: throughput, clients, latency, operations (the
    sum of its operation table's Count column, which dbench and dbench-lite both print).  A
    report seen again is a replay, not a run: `xm-lite console` shows a domain's whole log
    when it attaches again (tools/xm-lite/consoled.c), so the Throughput line - its MB/s and
    worst latency to the microsecond - is kept only the first time."""
    runs, ops, seen = [], None, set()
    for line in text.splitlines():
        if re.match(r"\s*Operation\s+Count\s+AvgLat", line):
            ops = 0
            continue
        m = re.match(r"\s*[A-Za-z]+\s+(\d+)\s+[\d.]+\s+[\d.]+\s*$", line)
        if ops is not None and m:
            ops += int(m.group(1))
            continue
        m = re.search(r"Throughput ([\d.]+) MB/sec\s+(\d+) clients\s+\d+ procs\s+"
                      r"max_latency=([\d.]+) ms", line)
        if m and m.group(0) not in seen:
            seen.add(m.group(0))
            runs.append({"MBps": float(m.group(1)), "clients": int(m.group(2)),
                         "max_latency_ms": float(m.group(3)), "operations": ops or ""})
        if m:
            ops = None
    return runs


def dbench_throughput(cfg_name, label, text, runs=()):
    """Every Throughput line; runs[i] = (label, workload) of the i-th, if the configuration says."""
    rows = []
    for i, r in enumerate(dbench_runs(text)):
        lab, workload = runs[i] if i < len(runs) else (label, "dbench 4.0 client.txt")
        rows.append({"label": lab, "config": cfg_name, "workload": workload,
                     "clients": r["clients"], "what": "throughput", "MBps": r["MBps"],
                     "max_latency_ms": r["max_latency_ms"], "operations": r["operations"]})
    return rows


def blk_throughput(cfg_name, text):
    rows = []
    # a domU whose disk has an I/O pool runs blk bench through it first (buf=pool): the rows
    # are the per-request runs, as before there were pools
    line = r"BENCH blk (\w+) ([\w-]+) MBps=([\d.]+).*?(?: buf=(\w+))?$"
    for dev, what, mbps, buf in re.findall(line, text, re.M):
        if buf == "pool":
            continue
        label = "dom0" if dev.startswith("hd") else "domU"
        rows.append({"label": label, "config": cfg_name, "workload": "blk bench " + dev,
                     "clients": 1, "what": what, "MBps": float(mbps), "max_latency_ms": "",
                     "operations": ""})
    return rows[:8]  # dom0's four, then the first domU's (the grant-copy one)


def throughput_rows():
    rows = []
    for cfg_name in sorted({r[0] for r in configs.ROWS}):
        path = os.path.join(configs.RUNS, cfg_name, "checkpoint-console.log")
        if not os.path.exists(path):
            continue
        text = open(path).read()
        label = [r[2] for r in configs.ROWS if r[0] == cfg_name][0]
        runs = getattr(configs.get(cfg_name), "runs", ())
        rows += dbench_throughput(cfg_name, label, text, runs) + blk_throughput(cfg_name, text)
    return rows


def repeat_row(win, run, cfg_name, ckpt):
    """The first measurement against its repeat from the same checkpoint, if there is one."""
    path = os.path.join(configs.RUNS, cfg_name, ckpt + "-repeat1", "plugin.log")
    if not os.path.exists(path):
        return None
    again = measure.parse_report(open(path).read())["run"]
    row = {"label": win["label"], "checkpoint": ckpt, "identical": "yes" if again == run else "no"}
    for key, get in (("D16K_hit_rate", lambda r: r["cache"][("D16K", "all")]["hit_rate"]),
                     ("cr3_writes", lambda r: r["haps"]["cr3_writes"]),
                     ("mode_changes", lambda r: r["haps"]["mode_changes"])):
        row[key + "_1"], row[key + "_2"] = get(run), get(again)
    return row


def write_csv(path, rows):
    if not rows:
        return
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)


def collect(out=configs.LAB, rows=configs.ROWS):
    wins, haps, caches, repeats, missing = [], [], [], [], []
    for cfg_name, ckpt, label, workload in rows:
        if not all(os.path.exists(p) for p in row_files(cfg_name, ckpt)):
            missing.append("%s/%s" % (cfg_name, ckpt))
            continue
        win, run = window_row(label, workload, cfg_name, ckpt)
        wins.append(win)
        haps.append(haps_row(win, run))
        caches += cache_rows(win, run)
        repeats += [r for r in [repeat_row(win, run, cfg_name, ckpt)] if r]
    write_csv(os.path.join(out, "windows.csv"), wins)
    write_csv(os.path.join(out, "haps.csv"), haps)
    write_csv(os.path.join(out, "cache.csv"), caches)
    write_csv(os.path.join(out, "throughput.csv"), throughput_rows())
    write_csv(os.path.join(out, "repeat.csv"), repeats)
    write_trace_tables(out)
    write_csv(os.path.join(out, "boots.csv"), boot_rows())
    write_csv(os.path.join(out, "again.csv"), again_rows())
    return missing


def again_rows():
    """Per lab/repeat.py comparison under runs/: the configuration, the checkpoint, how many
    markers and instructions the boot again compared, and what differed (nothing, or its first
    differences)."""
    rows = []
    for name in sorted(os.listdir(configs.RUNS)) if os.path.isdir(configs.RUNS) else []:
        path = os.path.join(configs.RUNS, name, "compare.json")
        if name.endswith("-again") and os.path.exists(path):
            c = load_json(path)
            rows.append({"config": c["config"], "checkpoint": c["checkpoint"],
                         "markers": c["markers"], "checkpoint_insns": c["insns"],
                         "window_insns": c["window"], "identical": "yes" if c["identical"] else "no",
                         "differences": " / ".join(c["differences"][:3])})
    return rows


def boot_rows():
    """Per configuration: the checkpoint boots that stalled and were booted again (lab.py)."""
    rows = []
    for cfg_name in sorted({r[0] for r in configs.ROWS}):
        d = os.path.join(configs.RUNS, cfg_name)
        if os.path.isdir(d):
            stalled = sorted(f for f in os.listdir(d) if f.startswith("checkpoint-console.stalled"))
            rows.append({"config": cfg_name, "stalled_boots": len(stalled),
                         "stalled_consoles": " ".join(stalled)})
    return rows


def write_trace_tables(out):
    """domains.csv, trace.csv, hypercalls.csv, theory.csv, spread.csv, timeline.json (pvlab)."""
    cfg = configs.get("pvlab")
    console = os.path.join(cfg.run_dir, "checkpoint-console.log")
    if os.path.exists(console):
        write_csv(os.path.join(out, "domains.csv"),
                  trace_tables.domain_rows(open(console).read()))
    traces, theory, spread, names, timeline = trace_tables.trace_tables(
        cfg.run_dir, getattr(cfg, "trace_checkpoints", []), measure.parse_report)
    write_csv(os.path.join(out, "trace.csv"), traces)
    write_csv(os.path.join(out, "hypercalls.csv"), names)
    write_csv(os.path.join(out, "theory.csv"), theory)
    write_csv(os.path.join(out, "spread.csv"), spread)
    if timeline:
        with open(os.path.join(out, "timeline.json"), "w") as f:
            json.dump(timeline, f, indent=1)


def main():
    missing = collect()
    for m in missing:
        print("lab: no measurement for %s (not run)" % m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
