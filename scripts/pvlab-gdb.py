# pvlab-gdb.py - GDB commands for looking inside a running pvlab.
#
# Loaded by scripts/pvlab.gdb (make gdb).  GDB sees the machine through QEMU's
# gdbstub: registers, and memory at virtual addresses through whatever CR3
# holds.  The hypervisor's own structures (domain_list, current, a domain's
# event channels) are read by symbol, from hv.elf's debug information.  A
# guest's page tables hold *machine* addresses, so pv-walk reads them with
# QEMU's monitor (`monitor xp`, physical memory), not through CR3.
#
#   pv-domains            every domain: id, name, state, pages, CPU time
#   pv-current            the running vCPU and its domain
#   pv-walk DOMID VA      walk a domain's page tables for a virtual address
#   pv-evtchn DOMID [P]   event channel P of a domain (all bound ones if no P)
import re

import gdb

EVTCHN_STATES = ["closed", "unbound", "interdomain", "pirq", "virq", "ipi"]
PTE_FLAGS = [(0x1, "P"), (0x2, "W"), (0x4, "U"), (0x20, "A"), (0x40, "D"), (0x80, "PSE")]


def phys_read32(pa):
    """A 32-bit word of machine memory, through QEMU's monitor."""
    out = gdb.execute("monitor xp /1wx 0x%x" % pa, to_string=True)
    m = re.search(r":\s*0x([0-9a-fA-F]+)", out)
    if not m:
        raise gdb.GdbError("monitor xp gave no value for 0x%x: %s" % (pa, out.strip()))
    return int(m.group(1), 16)


def domains():
    d = gdb.parse_and_eval("domain_list")
    while int(d) != 0:
        yield d
        d = d["next"]


def find_domain(domid):
    for d in domains():
        if int(d["domain_id"]) == domid:
            return d
    raise gdb.GdbError("no domain %d" % domid)


def flags(entry):
    return "".join(name if entry & bit else "-" for bit, name in PTE_FLAGS)


def describe(d):
    v = d["vcpu"]
    return "domain %d (%s): %s, %d pages, vcpu %s, cr3 mfn 0x%x, %.3f s of CPU" % (
        int(d["domain_id"]), d["name"].string(), d["state"], int(d["tot_pages"]), v["state"],
        int(v["cr3_mfn"]), int(v["cpu_time"]) / 1e9)


class PvDomains(gdb.Command):
    """pv-domains: list every domain the hypervisor knows."""

    def __init__(self):
        super().__init__("pv-domains", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        for d in domains():
            print(describe(d))


class PvCurrent(gdb.Command):
    """pv-current: the vCPU the hypervisor is running now, and its domain."""

    def __init__(self):
        super().__init__("pv-current", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        cur = gdb.parse_and_eval("current")
        if int(cur) == int(gdb.parse_and_eval("&idle_vcpu")):
            print("current: the idle vCPU")
            return
        print("current: " + describe(cur["domain"]))


class PvWalk(gdb.Command):
    """pv-walk DOMID VA: the page-directory and page-table entries for VA in a domain."""

    def __init__(self):
        super().__init__("pv-walk", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if len(args) != 2:
            raise gdb.GdbError("usage: pv-walk DOMID VA")
        d = find_domain(int(args[0], 0))
        va = int(gdb.parse_and_eval(args[1])) & 0xFFFFFFFF
        l2 = int(d["vcpu"]["cr3_mfn"]) << 12
        pde = phys_read32(l2 + (va >> 22) * 4)
        print("L2 mfn 0x%x [%d] = 0x%08x %s" % (l2 >> 12, va >> 22, pde, flags(pde)))
        if not pde & 1:
            print("0x%08x: not mapped (no page table)" % va)
            return
        if pde & 0x80:
            print("0x%08x -> machine 0x%08x (4 MiB page)" % (va, (pde & 0xFFC00000) | (va & 0x3FFFFF)))
            return
        pte = phys_read32((pde & 0xFFFFF000) + ((va >> 12) & 0x3FF) * 4)
        print("L1 mfn 0x%x [%d] = 0x%08x %s" % (pde >> 12, (va >> 12) & 0x3FF, pte, flags(pte)))
        if pte & 1:
            print("0x%08x -> machine 0x%08x" % (va, (pte & 0xFFFFF000) | (va & 0xFFF)))
        else:
            print("0x%08x: not mapped" % va)


def evtchn_of(d, p):
    """Port p's record (hv/event_channel.c: evtchn_of): inline, or in a page; None if none."""
    inline = int(gdb.parse_and_eval("sizeof(((struct domain *)0)->evtchn_inline)") /
                 gdb.parse_and_eval("sizeof(struct evtchn)"))
    if p < inline:
        return d["evtchn_inline"][p]
    per_page = 4096 // int(gdb.parse_and_eval("sizeof(struct evtchn)"))
    page = d["evtchn_page"][(p - inline) // per_page]
    return page[(p - inline) % per_page] if int(page) else None


def port_line(p, e, pending, masked):
    """pv-evtchn's line for port p, whose record is e (None: in a page not taken, closed).  An
    interdomain port's remote domain is its peer's struct domain, which it holds where the
    others keep an id (include/hv/domain.h: struct evtchn's union)."""
    state = int(e["state"]) if e is not None else 0
    name = EVTCHN_STATES[state] if state < len(EVTCHN_STATES) else str(state)
    if e is None:
        remote, port = 0, 0
    elif state == EVTCHN_STATES.index("interdomain"):
        remote, port = int(e["peer"]["domain_id"]), int(e["remote_port"])
    else:
        remote, port = int(e["remote_dom"]), int(e["remote_port"])
    return "port %d: %s, remote domain %d port %d, pending %d, masked %d" % (
        p, name, remote, port, pending, masked)


class PvEvtchn(gdb.Command):
    """pv-evtchn DOMID [PORT]: an event channel's state, and its pending and mask bits."""

    def __init__(self):
        super().__init__("pv-evtchn", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if not args:
            raise gdb.GdbError("usage: pv-evtchn DOMID [PORT]")
        d = find_domain(int(args[0], 0))
        nr = int(gdb.parse_and_eval("sizeof(((struct shared_info *)0)->evtchn_pending) * 8"))
        ports = [int(args[1], 0)] if len(args) > 1 else range(nr)
        for p in ports:
            if not 0 <= p < nr:
                raise gdb.GdbError("port %d is outside 0..%d" % (p, nr - 1))
            e = evtchn_of(d, p)
            state = int(e["state"]) if e is not None else 0
            if len(args) < 2 and state == 0:
                continue
            si = d["shared_info"]
            pending = (int(si["evtchn_pending"][p // 32]) >> (p % 32)) & 1
            masked = (int(si["evtchn_mask"][p // 32]) >> (p % 32)) & 1
            print(port_line(p, e, pending, masked))


PvDomains()
PvCurrent()
PvWalk()
PvEvtchn()
