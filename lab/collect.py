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
"""
import csv
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import configs  # noqa: E402
import measure  # noqa: E402

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


def haps_row(win, run):
    n = win["window_insns"]
    row = {"label": win["label"], "checkpoint": win["checkpoint"], "window_insns": n}
    row.update({k: int(run["haps"][k]) for k in HAPS})
    row.update({"mode_" + k: int(run["modes"][k]) for k in MODES})
    row.update({"insns_" + r: int(run["insns"][r]) for r in REGIONS[1:]})
    row["cr3_per_M"] = round(row["cr3_writes"] * 1e6 / n, 2)
    row["modes_per_M"] = round(row["mode_changes"] * 1e6 / n, 2)
    return row


def cache_rows(win, run):
    rows = []
    for (name, region), c in sorted(run["cache"].items()):
        rows.append({"label": win["label"], "checkpoint": win["checkpoint"], "cache": name,
                     "kind": name[0], "size_kb": int(c["size"]) // 1024, "region": region,
                     "accesses": int(c["accesses"]), "misses": int(c["misses"]),
                     "hit_rate": float(c["hit_rate"])})
    return rows


def dbench_throughput(cfg_name, label, text, runs=()):
    """Every Throughput line; runs[i] = (label, workload) of the i-th, if the configuration says."""
    rows = []
    for i, (mbps, clients, lat) in enumerate(re.findall(
            r"Throughput ([\d.]+) MB/sec\s+(\d+) clients\s+\d+ procs\s+max_latency=([\d.]+) ms", text)):
        lab, workload = runs[i] if i < len(runs) else (label, "dbench 4.0 client.txt")
        rows.append({"label": lab, "config": cfg_name, "workload": workload,
                     "clients": int(clients), "what": "throughput", "MBps": float(mbps),
                     "max_latency_ms": float(lat)})
    return rows


def blk_throughput(cfg_name, text):
    rows = []
    for dev, what, mbps in re.findall(r"BENCH blk (\w+) ([\w-]+) MBps=([\d.]+)", text):
        label = "dom0" if dev.startswith("hd") else "domU"
        rows.append({"label": label, "config": cfg_name, "workload": "blk bench " + dev,
                     "clients": 1, "what": what, "MBps": float(mbps), "max_latency_ms": ""})
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
    return missing


def main():
    missing = collect()
    for m in missing:
        print("lab: no measurement for %s (not run)" % m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
