"""trace_tables.py - the lab's tables from the hypervisor's trace and from
what was typed at pvlab's prompts (used by lab/collect.py).

Reads only files under build/lab/runs/:

  domains      the `xm-lite list` tables typed in the pvlab boot
               (checkpoint-console.log): how many domains at the first
               prompt, whose prompt it is (the domain whose state is
               running while it runs xm-lite), how many after xm-lite create
  trace        per trace window (lab/trace_window.py: CHECKPOINT-trace/
               trace.csv, trace.json, plugin.log): hypervisor entries by
               cause, hypercalls by name, event notifications, grant
               copies, CR3 loads, block requests, per million instructions
               and per block request
  theory       "test your theory": the prediction that every CR3 write
               pvlab-cache.so counts is one the trace accounts for (two per
               hypervisor entry, at the entry and exit trampolines; one per
               page-directory load; one per switch to the idle vCPU), and
               that every entry into the hypervisor from a guest is a
               recorded hypercall, exception or interrupt - per window, and
               the spread over the windows of each domain
  timeline     a few ms of the domU's trace (the first domU trace window,
               from its first event notification by the domU) as intervals
               (which domain runs when) and events, for report.py's plot

A block request is counted where it is served: for the domU, each
GNTTABOP_copy dom0's blkback makes (one batched copy per request,
guests/minios/blkback.c); for dom0, which drives the IDE disk itself, each
PHYSDEVOP_eoi (dom0 acknowledges every disk interrupt: one per sector).
"""
import collections
import csv
import json
import os
import re

IDLE = 0x7FFF
TIMELINE_US = 3000  # the timeline's span: 3 ms of the guest's clock (TSC ticks are ns)
LEAD_US = 20        # it starts this long before the domU's first event notification


def read_trace(path):
    with open(path, newline="") as f:
        return [dict(r, tsc=int(r["tsc"]), domain=int(r["domain"])) for r in csv.DictReader(f)]


# ---------------------------------------------------------------- domains


def xm_lists(text):
    """[(prompt, [(name, id, state)])]: each `xm-lite list` typed at a prompt and its table.  The
    prompt is the last one before the command: a backend's line can come between the two."""
    out = []
    for m in re.finditer(r"xm-lite list\n(Name .*\n)((?:\S+ +\d+ .*\n)*)", text):
        prompts = re.findall(r"(\w+)# ", text[:m.start()])
        rows = [line.split() for line in m.group(2).splitlines()]
        out.append((prompts[-1] if prompts else "?", [(r[0], int(r[1]), r[4]) for r in rows]))
    return out


def domain_rows(text):
    """The homework's "how many VMs": the first `xm-lite list` and the one after xm-lite create."""
    lists = xm_lists(text)
    if not lists:
        return []
    rows = []
    for when, (prompt, doms) in zip(("at the first prompt", "after xm-lite create"), lists):
        running = [n for n, _, state in doms if "r" in state]
        rows.append({"when": when, "prompt": prompt + "#", "domains": len(doms),
                     "names": " ".join("%s(%d)" % (n, i) for n, i, _ in doms),
                     "running_xm_lite": " ".join(running)})
    return rows


def domain_ids(text):
    """{name: id} from the last `xm-lite list` of the boot."""
    lists = xm_lists(text)
    return {n: i for n, i, _ in lists[-1][1]} if lists else {}


# ---------------------------------------------------------------- trace windows


def window_counts(records, traced):
    """What one trace window holds, as counts (see the header for what a block request is)."""
    c = collections.Counter()
    for r in records:
        name, det, dom = r["name"], r["detail"], r["domain"]
        own = "dom0" if dom == 0 else "domU"
        if name == "hypercall":
            c["hypercalls"] += 1
            c["hypercalls_" + own] += 1
            c["hc:" + det] += 1
        elif name in ("exception", "irq"):
            c[name + "s"] += 1
        elif name == "cr3":
            c["cr3_loads"] += 1
        elif name == "switch":
            c["switches"] += 1
            c["switches_to_idle"] += det == "to idle"
        elif name in ("upcall", "block", "wake"):
            c[name + "s"] += 1
    c["hv_entries"] = c["hypercalls"] + c["exceptions"] + c["irqs"]
    c["event_sends"] = c["hc:event_channel_op.send"]
    c["grant_copies"] = c["hc:grant_table_op.copy"]
    c["pt_updates"] = c["hc:mmu_update"] + c["hc:update_va_mapping"] + \
        sum(v for k, v in c.items() if k.startswith("hc:mmuext_op"))
    c["block_requests"] = c["grant_copies"] if traced != 0 else c["hc:physdev_op.eoi"]
    return c


PER = ["hv_entries", "hypercalls", "event_sends", "upcalls", "grant_copies", "cr3_loads",
       "switches", "pt_updates"]


def trace_row(label, ckpt, info, counts, run):
    n = info["insns"]
    row = {"label": label, "checkpoint": ckpt, "window_insns": n, "records": info["records"],
           "records_span_us": round(info["records_span_ns"] / 1000.0, 1), "block_requests": counts["block_requests"]}
    for k in ["hypercalls_dom0", "hypercalls_domU", "exceptions", "irqs", "blocks", "wakes"] + PER:
        row[k] = counts[k]
    for k in PER:
        row[k + "_per_M"] = round(counts[k] * 1e6 / n, 1)
    for k in ("hv_entries", "event_sends", "grant_copies", "cr3_loads"):
        row[k + "_per_req"] = round(counts[k] / counts["block_requests"], 2) \
            if counts["block_requests"] else ""
    row["cut_start"], row["cut_short"] = info.get("cut_start", 0), info.get("cut_short", 0)
    row["plugin_cr3_writes"] = int(run["haps"]["cr3_writes"])
    row["plugin_int82"] = int(run["haps"]["int82"])
    row["plugin_hv_entries"] = int(run["modes"]["kernel_hv"]) + int(run["modes"]["user_hv"])
    return row


def theory_row(t, counts):
    """The prediction, from the trace, of what the plugin counted in the same window."""
    predicted = 2 * counts["hv_entries"] + counts["cr3_loads"] + counts["switches_to_idle"]
    return {"label": t["label"], "checkpoint": t["checkpoint"], "window_insns": t["window_insns"],
            "cut_start": t["cut_start"], "cut_short": t["cut_short"],
            "cr3_writes_plugin": t["plugin_cr3_writes"], "cr3_writes_predicted": predicted,
            "cr3_error_pct": round(100.0 * (t["plugin_cr3_writes"] - predicted) / max(predicted, 1), 2),
            "hypercalls_plugin": t["plugin_int82"], "hypercalls_trace": t["hypercalls"],
            "hv_entries_plugin": t["plugin_hv_entries"], "hv_entries_trace": counts["hv_entries"],
            "entries_error_pct": round(100.0 * (t["plugin_hv_entries"] - counts["hv_entries"]) /
                                       max(counts["hv_entries"], 1), 2),
            "cr3_from_entries_pct": round(100.0 * 2 * counts["hv_entries"] /
                                          max(t["plugin_cr3_writes"], 1), 1)}


def spread_rows(rows, keys):
    """Per label: mean, min and max of each key over that label's windows."""
    out = []
    for label in dict.fromkeys(r["label"] for r in rows):
        mine = [r for r in rows if r["label"] == label]
        for k in keys:
            vals = [float(r[k]) for r in mine if r[k] != ""]
            if vals:
                out.append({"label": label, "figure": k, "windows": len(vals),
                            "mean": round(sum(vals) / len(vals), 2), "min": min(vals),
                            "max": max(vals)})
    return out


SPREAD = ["cr3_error_pct", "entries_error_pct", "cr3_from_entries_pct"]
TRACE_SPREAD = ["hv_entries_per_M", "cr3_loads_per_M", "event_sends_per_M", "grant_copies_per_M",
                "hv_entries_per_req", "cr3_loads_per_req", "event_sends_per_req"]


def trace_tables(run_dir, ckpts, parse_report):
    """(trace rows, theory rows, spread rows, hypercalls-by-name rows, timeline) for the trace
    checkpoints `ckpts` of the configuration in run_dir; missing windows are skipped."""
    console = os.path.join(run_dir, "checkpoint-console.log")
    ids = domain_ids(open(console).read()) if os.path.exists(console) else {}
    traces, theory, names, timeline = [], [], [], None
    for ckpt in ckpts:
        d = os.path.join(run_dir, ckpt + "-trace")
        if not all(os.path.exists(os.path.join(d, f)) for f in ("trace.csv", "trace.json", "plugin.log")):
            continue
        label = ckpt.split("-")[0]
        traced = ids.get(label, 0 if label == "dom0" else 1)
        records = read_trace(os.path.join(d, "trace.csv"))
        info = json.load(open(os.path.join(d, "trace.json")))
        info["records_span_ns"] = records[-1]["tsc"] - records[0]["tsc"] if records else 0
        run = parse_report(open(os.path.join(d, "plugin.log")).read())["run"]
        counts = window_counts(records, traced)
        t = trace_row(label, ckpt, info, counts, run)
        traces.append(t)
        theory.append(theory_row(t, counts))
        names += [{"label": label, "checkpoint": ckpt, "hypercall": k[3:], "count": v,
                   "per_M": round(v * 1e6 / t["window_insns"], 1)}
                  for k, v in sorted(counts.items(), key=lambda kv: -kv[1]) if k.startswith("hc:")]
        if timeline is None and label == "domU":
            timeline = timeline_of(records, traced, ckpt)
    return traces, theory, spread_rows(theory, SPREAD) + spread_rows(traces, TRACE_SPREAD), \
        names, timeline


# ---------------------------------------------------------------- timeline


def timeline_of(records, domu, ckpt):
    """TIMELINE_US of the trace from the domU's first event notification (less LEAD_US): who ran
    when (from the switch records) and the events, times in us from the start."""
    sends = [r for r in records if r["domain"] == domu and r["detail"] == "event_channel_op.send"]
    if not sends:
        return None
    t0 = sends[0]["tsc"] - LEAD_US * 1000
    t1 = t0 + TIMELINE_US * 1000
    span = [r for r in records if t0 <= r["tsc"] < t1]
    runs, who, since = [], None, 0.0
    for r in span:
        if r["name"] == "switch":
            t = (r["tsc"] - t0) / 1000.0
            if who is None:
                who = r["domain"]  # the domain the first switch leaves ran from the start
            runs.append({"who": who, "start_us": since, "end_us": t})
            who, since = (IDLE if r["detail"] == "to idle" else int(r["detail"].split()[-1])), t
    if who is not None:
        runs.append({"who": who, "start_us": since, "end_us": float(TIMELINE_US)})
    events = []
    for r in span:
        kind = event_kind(r)
        if kind:
            events.append({"kind": kind, "domain": r["domain"], "t_us": (r["tsc"] - t0) / 1000.0})
    return {"checkpoint": ckpt, "domu": domu, "span_us": TIMELINE_US, "lead_us": LEAD_US,
            "runs": runs, "events": events}


def event_kind(r):
    if r["name"] == "hypercall":
        if r["detail"] == "event_channel_op.send":
            return "event notification"
        if r["detail"].startswith("grant_table_op"):
            return "grant copy" if r["detail"].endswith("copy") else "grant map/unmap"
        return "hypercall"
    if r["name"] == "cr3":
        return "CR3 load"
    if r["name"] == "upcall":
        return "event upcall"
    return None
