"""system_tests.py - whole-system tests: boot pvlab in QEMU and check it.

Each test is a function registered with @test.  It raises AssertionError
with a clear message on failure, or returns a list of (name, ok, detail) for
tests that report several verdicts (the hostile guests).  Machines always use
isa-debug-exit so QEMU's exit status tells a clean power-off (0) from a
crashed initial domain (3) or a hypervisor panic (255).
"""
import glob
import os
import subprocess
import time
import re

from qemu import BUILD, EXIT_CRASH, EXIT_PANIC, Machine, ROOT, check, halt

ALL = []


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def minios(args="dom0"):
    return os.path.join(BUILD, "minios.elf") + " " + args


@test
def boot_kernel_reaches_prompt():
    """QEMU -kernel: banner, memory map, modules, dom0 built, dom0's banner and prompt."""
    m = Machine(append="dom0_mem=64M")
    try:
        m.expect(r"pvlab \d+\.\d+")
        m.expect(r"memory map \(available RAM\):")
        m.expect(r"module 0: .*minios\.elf dom0")
        m.expect(r"domain 0: minios kernel, 64 MiB \(16383 pages and its vCPU's frame page\), virt_base c0000000, entry c0000000")
        m.expect(r"start_info c[0-9a-f]+, page tables c[0-9a-f]+")
        m.expect(r"entering dom0 in ring 1")
        m.expect(r"minios: dom0 ready")
        m.expect(r"dom0# ")
        halt(m)
    finally:
        m.kill()


@test
def boot_grub_iso_reaches_prompt():
    """The GRUB rescue ISO boots the same hypervisor and dom0."""
    iso = os.path.join(BUILD, "pvlab.iso")
    check(os.path.exists(iso), "build/pvlab.iso is missing (make iso)")
    m = Machine(iso=iso)
    try:
        m.expect(r"loader: GRUB", 60)
        m.expect(r"domain 0: minios kernel", 30)
        m.expect(r"xm-lite: boot archive of [1-9]\d* bytes", 30)
        m.expect(r"dom0# ", 30)
        out = m.command("info")
        check(re.search(r"command:\s+dom0", out), "dom0's command line under GRUB:\n" + out)
        halt(m)
    finally:
        m.kill()


@test
def shell_session_info_ticks_halt():
    """A scripted session: info, ticks and halt give the expected output and exit status."""
    m = Machine(append="dom0_mem=64M", icount=True)
    try:
        m.expect(r"dom0# ")
        out = m.command("help")
        for cmd in ("info", "ticks", "halt"):
            check(re.search(r"^\s+%s\s" % cmd, out, re.M), "help does not list %s" % cmd)
        out = m.command("info")
        check(re.search(r"memory:\s+64 MiB \(16383 pages", out), "info: memory line wrong:\n" + out)
        check(re.search(r"domain id:\s+0 \(privileged, initial domain\)", out), "info: domain id")
        up = re.search(r"uptime:\s+(\d+)\.(\d+) s", out)
        check(up, "info: no uptime")
        out = m.command("ticks", timeout=60)
        t = re.search(r"ticks: (\d+) timer events in (\d+)\.(\d+) s", out)
        check(t, "ticks: no count:\n" + out)
        n = int(t.group(1))
        check(90 <= n <= 110, "ticks: %d VIRQ_TIMER events in a second, expected about 100" % n)
        out2 = m.command("info")
        up2 = re.search(r"uptime:\s+(\d+)\.(\d+) s", out2)
        check(float("%s.%s" % up2.groups()) > float("%s.%s" % up.groups()) + 0.9,
              "uptime did not advance across ticks")
        out = m.command("nosuchcommand")
        check("unknown command" in out, "unknown commands are not reported")
        m.send_raw("uptime\ruptime\rnosuch2\r")  # typed ahead, in one go: every line runs
        m.expect(r"nosuch2: unknown command", 30)
        check(len(re.findall(r"^up \d+\.\d+ s", m.output[-600:], re.M)) == 2,
              "type-ahead was lost:\n" + m.output[-600:])
        m.expect(r"dom0# ")
        halt(m)
        check("(XEN) domain 0 (Domain-0) shut down: poweroff" in m.output, "no shutdown log line")
        check("powering off" in m.output, "the hypervisor did not power off")
    finally:
        m.kill()


def boot_with_memory(mb, qemu_mb):
    m = Machine(append="dom0_mem=%dM" % mb, mem=qemu_mb)
    try:
        m.expect(r"dom0# ", 60)
        out = m.command("info")
        check(re.search(r"memory:\s+%d MiB \(%d pages" % (mb, mb * 256 - 1), out),  # a frame page
              "dom0 with %d MiB reports:\n%s" % (mb, out))
        halt(m)
    finally:
        m.kill()


@test
def dom0_with_16_mib():
    boot_with_memory(16, 128)


@test
def dom0_with_256_mib():
    boot_with_memory(256, 512)


@test
def page_fault_handler_recovers():
    """minios's #PF handler sees the faulting address (CR2 from vcpu_info) and recovers."""
    m = Machine(append="dom0_mem=32M")
    try:
        m.expect(r"dom0# ")
        out = m.command("pf 0x1000")
        check("page fault at 00001000" in out, "no page-fault report:\n" + out)
        check("handler recovered" in out, "the handler did not recover:\n" + out)
        out = m.command("stats")
        check(re.search(r"exceptions (\d+) \((\d+) bounced\)", out), "stats: no exception count")
        halt(m)
    finally:
        m.kill()


@test
def initial_domain_crash_is_logged_and_reported():
    """A dom0 that faults with no handler is crashed with a reason; QEMU exits with status 3."""
    g = os.path.join(BUILD, "tests", "guests", "pf_no_handler.elf") + " pf_no_handler"
    m = Machine(modules=[g], append="dom0_mem=16M")
    try:
        rc = m.wait_exit(60)
        check(re.search(r"domain 0 \(Domain-0\) crashed: #PF page fault at eip [0-9a-f]+ "
                        r"\(error [0-9a-f]+, cr2 00002000\) with no handler", m.output),
              "no crash reason in the log:\n" + m.output[-1500:])
        check(rc == EXIT_CRASH, "QEMU exit status %d, expected %d" % (rc, EXIT_CRASH))
    finally:
        m.kill()


@test
def non_elf_kernel_is_rejected():
    """A dom0 module that is not an ELF stops the boot with a clear message."""
    bad = os.path.join(ROOT, "scripts", "grub.cfg")
    m = Machine(modules=[bad + " dom0"])
    try:
        rc = m.wait_exit(30)
        check("kernel image rejected: not an ELF file" in m.output,
              "no clear error:\n" + m.output[-1000:])
        check(rc == EXIT_PANIC, "QEMU exit status %d, expected %d" % (rc, EXIT_PANIC))
    finally:
        m.kill()


def discover_hostile_guests():
    """Every XTF guest in tests/guests that runs as the initial domain: all but
    the domU tests (domu_*, run by xm-lite) and the instruments' (plugin_*)."""
    names = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "guests", "*.c"))):
        name = os.path.basename(path)[:-2]
        if name != "xtf" and not name.startswith(("domu_", "plugin_")):
            names.append(name)
    return names


HOSTILE = discover_hostile_guests()


@test
def hostile_guests():
    """Every hostile guest is refused or contained, and the next one still runs.

    All of them run in one boot ('chain' mode): each is built as the initial
    domain, attacks, prints one verdict, and is destroyed; the hypervisor then
    checks that every frame came back and builds the next.
    """
    mods = [os.path.join(BUILD, "tests", "guests", n + ".elf") + " " + n for n in HOSTILE]
    m = Machine(modules=mods, append="chain dom0_mem=16M")
    verdicts = []
    try:
        rc = m.wait_exit(120)
        out = m.output
        for n in HOSTILE:
            if n == "pf_no_handler":
                ok = re.search(r"\(pf_no_handler\) crashed: #PF page fault .* with no handler", out)
                ok = ok and "XTF: pf_no_handler: FAILURE" not in out
                verdicts.append((n, bool(ok), "the domain was not crashed with a reason"))
                continue
            v = re.search(r"^XTF: %s: (SUCCESS|(?:FAILURE|ERROR|SKIP): .*)$" % n, out, re.M)
            verdicts.append((n, bool(v and v.group(1).startswith(("SUCCESS", "SKIP"))),
                             v.group(1) if v else "no verdict (the guest did not finish)"))
        started = re.findall(r"chain: starting module (\d+)", out)
        verdicts.append(("hypervisor_ran_every_guest", len(started) == len(HOSTILE),
                         "%d of %d guests started" % (len(started), len(HOSTILE))))
        frees = re.findall(r"free frames (\d+) \(before first domain: (\d+)\)", out)
        leak = [f for f in frees if f[0] != f[1]]
        verdicts.append(("no_frame_leaked", len(frees) == len(HOSTILE) and not leak,
                         "free frames after each domain: %s" % frees))
        verdicts.append(("clean_power_off", rc == 0, "QEMU exit status %d" % rc))
    finally:
        m.kill()
    return verdicts


@test
def dom0_mem_larger_than_the_machine_is_clamped():
    """dom0_mem=900M on a 64 MiB machine: one line saying what dom0 gets, then the prompt."""
    m = Machine(append="dom0_mem=900M", mem=64)
    try:
        m.expect(r"dom0# ", 60)
        c = re.search(r"\(XEN\) dom0_mem=921600K is more than the machine has free; "
                      r"dom0 gets (\d+)K", m.output)
        check(c, "no clamp message:\n" + m.output[-1500:])
        got = re.search(r"domain 0: minios kernel, (\d+) MiB", m.output)
        check(got and int(got.group(1)) * 1024 <= int(c.group(1)) < 64 * 1024,
              "dom0 was not built with the clamped size:\n" + m.output[-1500:])
        halt(m)
    finally:
        m.kill()


@test
def gdb_stops_at_a_hypercall_handler_with_symbols_and_helpers():
    """make gdb's setup in batch mode: a breakpoint on do_set_trap_table (dom0's
    first hypercall, called from hypercall_table by arch/x86/entry.S) is hit with
    its symbol, and the pv-* helpers read dom0's state and page tables."""
    port = 20000 + os.getpid() % 10000
    qemu = subprocess.Popen(
        ["qemu-system-i386", "-m", "256", "-display", "none", "-no-reboot", "-serial", "null",
         "-monitor", "none", "-S", "-gdb", "tcp:127.0.0.1:%d" % port,
         "-kernel", os.path.join(BUILD, "hv.elf"), "-append", "dom0_mem=64M",
         "-initrd", "%s dom0,%s" % (os.path.join(BUILD, "minios.elf"),
                                    os.path.join(BUILD, "bootfs.cpio"))], cwd=ROOT)
    try:
        cmds = ["target remote 127.0.0.1:%d" % port, "break do_set_trap_table", "continue",
                "pv-current", "pv-walk 0 0xc0000000", "delete", "break send_guest_virq",
                "ignore 2 300", "continue", "pv-evtchn 0", "kill"]
        args = ["gdb", "-batch", "-nx", "-x", "scripts/pvlab.gdb"]
        for c in cmds:
            args += ["-ex", c]
        time.sleep(0.5)
        out = subprocess.run(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=120).stdout.decode("utf-8", "replace")
        check(re.search(r"Breakpoint 1, do_set_trap_table \(utraps=\d+\) at hv/hypercall\.c", out),
              "the breakpoint on do_set_trap_table was not hit:\n" + out[-1500:])
        check("current: domain 0 (Domain-0)" in out, "pv-current:\n" + out[-1500:])
        check(re.search(r"0xc0000000 -> machine 0x[0-9a-f]{8}", out), "pv-walk:\n" + out[-1500:])
        check(re.search(r"port \d+: virq, remote domain 0", out), "pv-evtchn:\n" + out[-1500:])
    finally:
        qemu.kill()
        qemu.wait()


# Ports as struct evtchn holds them (include/hv/domain.h), built from bytes: state, pad,
# remote_port, then remote_dom (unbound, virq) or the peer's struct domain (interdomain).
PV_EVTCHN_LINES = r"""
import struct
t = gdb.lookup_type("struct evtchn")
peer = int(gdb.parse_and_eval("(unsigned int)&start_hypervisor"))  # read from hv.elf itself
print("peer id", int(gdb.parse_and_eval("((struct domain *)%d)->domain_id" % peer)),
      "low bits", peer & 0xFFFF)
print(port_line(5, gdb.Value(struct.pack("<BBHI", 2, 0, 7, peer), t), 1, 0))
print(port_line(6, gdb.Value(struct.pack("<BBHHH", 1, 0, 0, 9, 0), t), 0, 0))
print(port_line(7, gdb.Value(struct.pack("<BBHI", 4, 0, 3, 0), t), 0, 1))
print(port_line(600, None, 0, 0))
"""


@test
def gdb_pv_evtchn_names_an_interdomain_ports_peer():
    """pv-evtchn's lines without a machine (gdb on hv.elf alone): an interdomain port names the
    domain its peer pointer leads to, not the pointer's low bits read as remote_dom; an unbound
    port its remote_dom, a virq port domain 0, a port in a page not taken closed."""
    out = subprocess.run(["gdb", "-batch", "-nx", os.path.join(BUILD, "hv.elf"),
                          "-ex", "source scripts/pvlab-gdb.py", "-ex", "python " + PV_EVTCHN_LINES],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=60).stdout.decode("utf-8", "replace")
    m = re.search(r"peer id (\d+) low bits (\d+)", out)
    check(m and m.group(1) != m.group(2), "no peer read from hv.elf:\n" + out[-1500:])
    for line in ("port 5: interdomain, remote domain %s port 7, pending 1, masked 0" % m.group(1),
                 "port 6: unbound, remote domain 9 port 0, pending 0, masked 0",
                 "port 7: virq, remote domain 0 port 3, pending 0, masked 1",
                 "port 600: closed, remote domain 0 port 0, pending 0, masked 0"):
        check(line in out, "pv-evtchn would not print\n  %s\nit gave:\n%s" % (line, out[-1500:]))
