#!/usr/bin/env python3
"""trace_window.py - the hypervisor's trace over an exact window of
instructions from a checkpoint, read out of the paused machine's memory.

usage: lab/trace_window.py CONFIG CHECKPOINT [INSNS] [--quick]

pvlab's trace (hv/trace.c, docs/instruments.md section 9) is started and
read from dom0's shell: `xm-lite trace start`, `stop`, `dump`.  Typing
takes host time, and under -icount sleep=off a guest waiting at its prompt
runs through seconds of its clock meanwhile, so a trace bounded by typed
commands has no exact edges.  The lab therefore starts the trace in the
checkpoint run *before* the checkpoints it traces (lab/configs.py: the
pvlab script's trace runs), so the trace is running in the snapshot, and
here bounds the window from outside, as a logic analyser would:

  1. QEMU loads the snapshot stopped (-S -loadvm) with the lab's gate
     (action=pause at=0:INSNS) and pvlab-cache.so counting haps only (no
     caches: CR3 writes and mode changes, cheap), and the hypervisor's
     trace_written is read with QMP `pmemsave` (its address from hv.elf's
     symbols; the hypervisor's direct map is physical + 0xFC000000,
     include/hv/arch.h: __pa);
  2. the machine runs until the gate holds it at INSNS, is stopped (QMP
     `stop`), and trace_written, trace_size and the ring are read again;
  3. the records numbered [written at the start, written at the end) are
     the window's, in order, exactly; QEMU quits while stopped, so
     pvlab-cache.so's run record covers the same instructions, and its
     count is the window's exact size.  The trace and the plugin then see
     one window from two sides (lab/collect.py's "test your theory").

The ring must hold the window (the checkpoint run starts it with
TRACE_RECORDS records); a window that overran it is refused, not cut.
Writes build/lab/runs/CONFIG/CHECKPOINT-trace/trace.csv (the decoder's
CSV, tools/trace/pvlab-trace.py), plugin.log (pvlab-cache.so's report)
and trace.json (the window's size and the records' numbers).
"""
import importlib.util
import json
import os
import re
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "plugin"))
import checkpoint  # noqa: E402
import configs  # noqa: E402
import machine  # noqa: E402
from pvlab_report import parse_report  # noqa: E402

HV_DIRECTMAP = 0xFC000000  # include/hv/arch.h: __pa(va) = va - 0xFC000000
RECORD = struct.Struct("<QHHI")  # include/public/trace.h: struct trace_record
TRACE_WINDOW = 10_000_000  # instructions traced from each trace checkpoint (10 ms of guest time)
QUICK_TRACE_WINDOW = 2_000_000
HAPS_ONLY = "icache=off,dcache=off"  # pvlab-cache.so beside the trace: CR3 writes, mode changes


def decoder():
    """tools/trace/pvlab-trace.py as a module (its name has a dash)."""
    path = os.path.join(machine.ROOT, "tools", "trace", "pvlab-trace.py")
    spec = importlib.util.spec_from_file_location("pvlab_trace", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def hv_symbols(elf, names):
    out = subprocess.run(["nm", elf], stdout=subprocess.PIPE, check=True).stdout.decode()
    found = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] in names:
            found[f[2]] = int(f[0], 16)
    missing = [n for n in names if n not in found]
    if missing:
        raise RuntimeError("%s has no symbol %s (hv/trace.c)" % (elf, ", ".join(missing)))
    return found


class Memory:
    """Physical memory of a stopped machine, through QMP pmemsave."""

    def __init__(self, qmp, scratch):
        self.qmp, self.scratch = qmp, scratch

    def read(self, paddr, size):
        if os.path.exists(self.scratch):
            os.unlink(self.scratch)
        self.qmp.command("pmemsave", val=paddr, size=size, filename=self.scratch)
        with open(self.scratch, "rb") as f:
            data = f.read()
        if len(data) != size:
            raise RuntimeError("pmemsave %#x+%d gave %d bytes" % (paddr, size, len(data)))
        return data

    def u32(self, vaddr):
        return struct.unpack("<I", self.read(vaddr - HV_DIRECTMAP, 4))[0]

    def u64(self, vaddr):
        return struct.unpack("<Q", self.read(vaddr - HV_DIRECTMAP, 8))[0]


def ring_state(mem, sym):
    return {"on": mem.u32(sym["trace_on"]), "written": mem.u64(sym["trace_written"]),
            "size": mem.u32(sym["trace_size"]), "ring": mem.u32(sym["trace_ring"])}


def read_records(mem, state, first, last):
    """Records numbered [first, last) of the ring in `state`, oldest first."""
    size = state["size"]
    if last - first > size or first < state["written"] - size:
        raise RuntimeError("the trace ring (%d records) no longer holds records %d-%d: the window "
                           "wrote %d; make the window smaller or the ring larger" %
                           (size, first, last, last - first))
    data = mem.read(state["ring"] - HV_DIRECTMAP, size * RECORD.size)
    out = []
    for i in range(first, last):
        tsc, event, dom, value = RECORD.unpack_from(data, (i % size) * RECORD.size)
        out.append((tsc, event, dom, value))
    return out


def stopped_eip(qmp):
    """Where the stopped vCPU is (HMP `info registers`): a window that ends with EIP in the
    hypervisor ended inside an entry, whose first haps the plugin has counted and whose record
    may not be written yet (trace_window's cut_short)."""
    text = qmp.command("human-monitor-command", **{"command-line": "info registers"})
    m = re.search(r"EIP=([0-9a-f]+)", text)
    if not m:
        raise RuntimeError("info registers shows no EIP:\n" + text[:500])
    return int(m.group(1), 16)


def complete(records):
    """The records without a last one the stop cut short: trace_record() counts the record,
    then its rdtsc ends QEMU's translation block, and a machine stopped there has the record
    counted but not yet written - its slot still holds zeros or an older lap's record, older
    than the one before it.  Returns (records, 1 if one was dropped)."""
    if records and (records[-1][1] == 0 or (len(records) > 1 and records[-1][0] < records[-2][0])):
        return records[:-1], 1
    return records, 0


def trace(cfg, ckpt, window, timeout=600):
    """Trace `window` instructions from snapshot `ckpt`; returns (records, info, directory)."""
    out = os.path.join(cfg.run_dir, ckpt + "-trace")
    os.makedirs(out, exist_ok=True)
    signal, sock, log = (os.path.join(out, f) for f in ("gate-signal", "qmp.sock", "plugin.log"))
    for f in [signal, sock, log, signal + ".go0"]:
        if os.path.exists(f):
            os.unlink(f)
    sym = hv_symbols(cfg.kernel, ["trace_on", "trace_ring", "trace_size", "trace_written"])
    gate = machine.GATE_PLUGIN + ",action=pause,signal=%s,at=0:%d" % (signal, window)
    args = machine.machine_args(cfg) + [
        "-S", "-loadvm", ckpt, "-serial", "file:" + os.path.join(out, "console.log"),
        "-qmp", "unix:%s,server=on,wait=off" % sock, "-plugin", gate,
        "-plugin", machine.CACHE_PLUGIN + "," + HAPS_ONLY, "-d", "plugin", "-D", log]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=machine.ROOT)
    console = machine.Console(proc, os.path.join(out, "qemu.log"))
    try:
        qmp = machine.Qmp(sock)
        mem = Memory(qmp, os.path.join(out, "pmem.bin"))
        before = ring_state(mem, sym)  # -S: the snapshot, before its first instruction
        start_eip = stopped_eip(qmp)
        qmp.command("cont")
        checkpoint.wait_line(signal, "trigger=0 ", proc, console, timeout, None)
        qmp.send("stop")
        time.sleep(0.3)  # as checkpoint.save(): the kick reaches the held vCPU
        open(signal + ".go0", "w").close()
        qmp.reply()
        after = ring_state(mem, sym)
        records, cut = complete(read_records(mem, after, before["written"], after["written"]))
        eip = stopped_eip(qmp)
        qmp.send("quit")  # stopped: pvlab-cache.so's run record ends where the records do
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        console.close()
        if os.path.exists(os.path.join(out, "pmem.bin")):
            os.unlink(os.path.join(out, "pmem.bin"))
    if not before["on"]:
        raise RuntimeError("%s/%s: the trace is not running in this snapshot (the checkpoint run "
                           "types xm-lite trace start before it)" % (cfg.name, ckpt))
    run = parse_report(open(log).read()).get("run") if os.path.exists(log) else None
    if not run:
        raise RuntimeError("%s/%s: pvlab-cache.so wrote no run record in %s" % (cfg.name, ckpt, log))
    info = {"config": cfg.name, "checkpoint": ckpt, "insns": int(run["insns"]["all"]),
            "first_record": before["written"], "records": len(records),
            "start_eip": "%#x" % start_eip, "end_eip": "%#x" % eip,
            "cut_start": int(start_eip >= HV_DIRECTMAP),
            "cut_short": int(bool(cut or eip >= HV_DIRECTMAP)),
            "ring_size": after["size"]}
    decoder().write_csv(os.path.join(out, "trace.csv"), records)
    with open(os.path.join(out, "trace.json"), "w") as f:
        json.dump(info, f, indent=1)
    return records, info, out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) < 2:
        print(__doc__)
        return 2
    quick = "--quick" in sys.argv
    cfg = configs.get(args[0], quick=quick)
    window = int(args[2]) if len(args) > 2 else (QUICK_TRACE_WINDOW if quick else TRACE_WINDOW)
    records, info, out = trace(cfg, args[1], window)
    print("%s/%s: %d records in %d instructions; %s/trace.csv" % (
        cfg.name, args[1], info["records"], info["insns"], out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
