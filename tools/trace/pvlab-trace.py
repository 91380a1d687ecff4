#!/usr/bin/env python3
"""pvlab-trace.py - decode the hypervisor's trace (xenalyze's job, for pvlab).

`xm-lite trace dump` prints the trace buffer on dom0's console, one line per
record between "trace: dump: ..." and "trace: end":

    T <tsc, 16 hex digits> <event> <domain> <data, hex>

and `xm-lite trace stop` makes the hypervisor print, per domain, what its
counters (struct pvlab_counters) counted while tracing ran:

    (XEN) trace: domain 0: hypercalls 12 exceptions 0 interrupts 3 ...

This reads a console log with both, writes the records as CSV, and prints a
summary: records per event and domain, set beside the counters (they must
agree: each event is recorded where its counter is counted), hypercalls by
name, and the time each domain held the CPU according to the switch records.

Usage: pvlab-trace.py LOG [--csv OUT.csv] [--check]
  --check  exit 1 if a domain's records disagree with its counters.
The event numbers and record layout are include/public/trace.h's; a
hypercall is named with its sub-operation (grant_table_op.copy,
event_channel_op.send, sched_op.block, ...).  lab/trace_window.py imports
this file for the lab's trace windows.
"""
import argparse
import collections
import csv
import re
import sys

EVENTS = {1: "hypercall", 2: "exception", 3: "irq", 4: "upcall", 5: "cr3", 6: "switch",
          7: "block", 8: "wake", 9: "fpu"}
COUNTER_OF = {"hypercall": "hypercalls", "exception": "exceptions", "irq": "interrupts",
              "upcall": "upcalls", "cr3": "cr3_loads", "wake": "wakeups", "fpu": "fpu_loads"}
IDLE = 0x7FFF
HYPERCALLS = {0: "set_trap_table", 1: "mmu_update", 3: "stack_switch", 4: "set_callbacks",
              14: "update_va_mapping", 15: "set_timer_op", 17: "xen_version", 18: "console_io",
              20: "grant_table_op", 24: "vcpu_op", 26: "mmuext_op", 29: "sched_op",
              32: "event_channel_op", 33: "physdev_op", 35: "sysctl", 36: "domctl"}
# A hypercall record's data: the number below bit 16, its first argument's low 16 bits
# above (include/public/trace.h); the sub-operations named for the hypercalls that have one.
SUBOPS = {20: {0: "map_grant_ref", 1: "unmap_grant_ref", 2: "setup_table", 5: "copy",
               6: "query_size"},
          32: {0: "bind_interdomain", 1: "bind_virq", 2: "bind_pirq", 3: "close", 4: "send",
               5: "status", 6: "alloc_unbound", 9: "unmask"},
          29: {0: "yield", 1: "block", 2: "shutdown", 3: "poll", 4: "remote_shutdown"},
          24: {6: "set_periodic_timer", 7: "stop_periodic_timer"},
          33: {12: "eoi", 0x70: "pvlab_ioport_grant"}}
RECORD = re.compile(r"^T ([0-9a-f]{16}) (\d+) (\d+) ([0-9a-f]+)$")
HEADER = re.compile(r"^trace: dump: (\d+) records written, (\d+) dropped")
DELTAS = re.compile(r"^\(XEN\) trace: domain (\d+): (.*)$")


def parse(lines):
    """(records, header, counters): records as (tsc, event, domain, data) tuples."""
    records, header, counters = [], None, {}
    inside = False
    for line in lines:
        line = line.rstrip("\r\n")
        h = HEADER.match(line)
        if h:
            records, header, inside = [], (int(h.group(1)), int(h.group(2))), True
            continue
        if line == "trace: end":
            inside = False
        d = DELTAS.match(line)
        if d:
            f = d.group(2).split()
            counters[int(d.group(1))] = {f[i]: int(f[i + 1]) for i in range(0, len(f) - 1, 2)}
        r = RECORD.match(line)
        if r and inside:
            records.append((int(r.group(1), 16), int(r.group(2)), int(r.group(3)),
                            int(r.group(4), 16)))
    return records, header, counters


def hypercall_name(data):
    """'grant_table_op.copy' for a hypercall record's data (the sub-operation where one exists)."""
    nr, arg = data & 0xFFFF, data >> 16
    name = HYPERCALLS.get(nr, "hypercall %d" % nr)
    if nr in SUBOPS:
        name += "." + SUBOPS[nr].get(arg, str(arg))
    return name


def detail(event, data):
    if event == 1:
        return hypercall_name(data)
    if event == 2:
        return "vector %d" % data
    if event == 3:
        return "IRQ %d" % data
    if event == 5:
        return "mfn %#x" % data
    if event == 6:
        return "to idle" if data == IDLE else "to domain %d" % data
    return ""


def write_csv(path, records):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["tsc", "event", "name", "domain", "data", "detail"])
        for tsc, ev, dom, data in records:
            w.writerow([tsc, ev, EVENTS.get(ev, "?"), dom, data, detail(ev, data)])


def cpu_time(records):
    """Cycles (instructions under -icount) each domain held the CPU, from switch records."""
    held = collections.Counter()
    switches = [(tsc, dom, data) for tsc, ev, dom, data in records if ev == 6]
    for (t0, _, to), (t1, _, _) in zip(switches, switches[1:]):
        held[to] += t1 - t0
    return held


def summary(records, header, counters, out):
    counts = collections.defaultdict(collections.Counter)
    calls = collections.Counter()
    for _, ev, dom, data in records:
        counts[dom][EVENTS.get(ev, "?")] += 1
        if ev == 1:
            calls[(dom, hypercall_name(data))] += 1
    if header:
        out.write("%d records written, %d dropped (the oldest), %d decoded\n" %
                  (header[0], header[1], len(records)))
    agree = True
    for dom in sorted(counts):
        name = "idle" if dom == IDLE else "domain %d" % dom
        out.write("%s:\n" % name)
        for ev in sorted(counts[dom]):
            line = "  %-10s %8d" % (ev, counts[dom][ev])
            c = counters.get(dom, {}).get(COUNTER_OF.get(ev, ""))
            if c is not None:
                ok = c == counts[dom][ev]
                agree = agree and ok
                line += "   counters: %d%s" % (c, "" if ok else "   DISAGREE")
            out.write(line + "\n")
    for dom in sorted(counters):  # counted events the trace has none of
        for ev, field in COUNTER_OF.items():
            if counters[dom].get(field) and not counts.get(dom, {}).get(ev):
                agree = False
                out.write("domain %d: counters say %s %d, the trace has none   DISAGREE\n" %
                          (dom, field, counters[dom][field]))
    if calls:
        out.write("hypercalls:\n")
        for (dom, name), n in sorted(calls.items(), key=lambda kv: -kv[1]):
            out.write("  domain %-3d %-30s %8d\n" % (dom, name, n))
    held = cpu_time(records)
    if held:
        total = sum(held.values())
        out.write("CPU between switches (TSC ticks; instructions under -icount):\n")
        for dom, t in sorted(held.items()):
            out.write("  %-10s %14d  %5.1f %%\n" % ("idle" if dom == IDLE else "domain %d" % dom,
                                                    t, 100.0 * t / total))
    return agree


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log")
    ap.add_argument("--csv")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    with open(args.log, errors="replace") as f:
        records, header, counters = parse(f)
    if header is None:
        sys.exit("pvlab-trace: %s: no 'trace: dump' in the log" % args.log)
    if args.csv:
        write_csv(args.csv, records)
    agree = summary(records, header, counters, sys.stdout)
    if args.check and header[1] == 0 and not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
