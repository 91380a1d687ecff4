"""trace_tests.py - the hypervisor's trace buffer, decoded on the host.

dom0 starts the trace, runs a known mix (an event-channel ping-pong with a
domU, which brings hypercalls, upcalls, wakes, blocks, switches and CR3
loads), stops it and dumps it on the console; tools/trace/pvlab-trace.py
decodes the dump, and every domain's records must equal what its counters
counted over the same time (the hypervisor prints those at stop).  A small
buffer must keep the newest records and say how many of the oldest it lost.
"""
import os
import re
import subprocess
import tempfile

from qemu import ROOT, check, halt
from domain_tests import boot

ALL = []
DECODER = os.path.join(ROOT, "tools", "trace", "pvlab-trace.py")


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def traced_ping_pong(m, records=None):
    m.command("xm-lite create /etc/xm/nodisk.cfg name=peer extra=evtping", timeout=30)
    out = m.command("xm-lite trace start%s" % (" %d" % records if records else ""))
    check("trace: running" in out, "trace did not start:\n" + out)
    out = m.command("xm-lite evtping peer 100", timeout=60)
    check("100 round trips" in out, "the ping-pong did not run:\n" + out)
    m.command("xm-lite trace stop")
    return m.command("xm-lite trace dump", timeout=120)


def decode(log_text, *args):
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
        f.write(log_text)
    try:
        return subprocess.run(["python3", DECODER, f.name] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60)
    finally:
        os.unlink(f.name)


@test
def trace_records_agree_with_the_counters():
    m = boot()
    try:
        dump = traced_ping_pong(m)
        h = re.search(r"trace: dump: (\d+) records written, (\d+) dropped", dump)
        check(h and int(h.group(2)) == 0, "the trace was not complete:\n" + dump[:500])
        lines = re.findall(r"^T [0-9a-f]{16} \d+ \d+ [0-9a-f]+$", dump, re.M)
        check(len(lines) == int(h.group(1)), "%d records dumped, %s written" %
              (len(lines), h.group(1)))
        p = decode(m.output, "--check")
        text = p.stdout.decode()
        check(p.returncode == 0, "the trace and the counters disagree:\n" + text)
        for want in ("domain 0:", "domain 1:", "hypercall", "upcall", "switch", "cr3", "wake",
                     "event_channel_op"):
            check(want in text, "the summary has no %r:\n%s" % (want, text))
        # A hypercall record carries its sub-operation: the pings are EVTCHNOP_send.
        pings = re.search(r"domain 0\s+event_channel_op\.send\s+(\d+)", text)
        check(pings and int(pings.group(1)) >= 100, "fewer than 100 sends by dom0:\n" + text)
        halt(m)
    finally:
        m.kill()


@test
def a_full_trace_buffer_keeps_the_newest_and_counts_the_rest():
    m = boot()
    try:
        dump = traced_ping_pong(m, records=64)
        h = re.search(r"trace: dump: (\d+) records written, (\d+) dropped \(the oldest\), "
                      r"buffer of 64", dump)
        check(h, "no dump header:\n" + dump[:500])
        written, dropped = int(h.group(1)), int(h.group(2))
        tscs = [int(t, 16) for t in re.findall(r"^T ([0-9a-f]{16}) ", dump, re.M)]
        check(written > 64 and dropped == written - 64 and len(tscs) == 64,
              "written %d, dropped %d, dumped %d" % (written, dropped, len(tscs)))
        check(tscs == sorted(tscs), "the records kept are not in time order")
        text = decode(m.output).stdout.decode()
        check("%d dropped (the oldest), 64 decoded" % dropped in text, text)
        halt(m)
    finally:
        m.kill()
