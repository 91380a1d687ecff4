"""toolstack_tests.py - xm-lite is a ring-3 program of dom0 (tools/xm-lite/xm.c).

It builds domains through privcmd, talks to the xenstore through xenbus, and
reaches the services that stay in dom0's kernel (console, xenstore rings,
block backend, domain exits) through SYS_domsvc (guests/minios/proc/domsvc.c).
These tests check what only a program can show: `ps` lists the xm-lite
process while it is attached to a console; the keys typed while attached,
Ctrl-C included, go to the domain and Ctrl-] comes back; a domain that powers
itself off ends the attach; the kernel's own commands no longer know xm-lite;
and in a domU xm-lite says it needs dom0's privilege.  The commands' output
is the contract of the older tests (domain_tests, block_tests, ...), which
type the same commands.
"""
import re
import time

from qemu import Machine, check, halt

ALL = []


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def boot(mem=512, dom0_mem=64):
    m = Machine(append="dom0_mem=%dM" % dom0_mem, mem=mem)
    m.expect(r"dom0# ", 60)
    return m


@test
def xm_lite_is_a_process_while_attached_to_a_console():
    """create -c attaches from ring 3: a background `ps` in dom0 lists the xm-lite process, asleep
    in the console service, while the domU's prompt answers; Ctrl-] returns to dom0's shell and
    the process has ended, while the domain's monitor (the background xm-lite create started,
    now an orphan) waits on; destroy removes the domain and ends the monitor."""
    m = boot()
    try:
        m.command("sh -c sleep 3;ps &")
        out = m.command("xm-lite create /etc/xm/nodisk.cfg name=domU -c", prompt=r"domU# ",
                        timeout=60)
        check("xm-lite: attached to domU's console; Ctrl-] detaches" in out, out)
        attached = m.expect(r"(?m)^\s+(\d+)\s+1\s+sleeping\s+\d+\s+\d+ xm-lite$", 30).group(1)
        m.send("")
        m.expect(r"domU# ")
        m.detach()
        out = m.command("ps")
        check(not re.search(r"(?m)^\s+%s\s" % attached, out),
              "xm-lite did not end after Ctrl-]:\n" + out)
        monitor = r"(?m)^\s+\d+\s+0\s+sleeping\s+\d+\s+\d+ xm-lite$"
        for _ in range(5):  # create starts it after the detach: it may not be asleep yet
            if re.search(monitor, out):
                break
            time.sleep(0.5)
            out = m.command("ps")
        check(re.search(monitor, out), "no monitor waits for domU:\n" + out)
        out = m.command("xm-lite destroy domU") + m.command("xm-lite list")
        check(not re.search(r"^domU\s", out, re.M), "domU is still listed:\n" + out)
        out = m.command("ps")
        check(not re.search(monitor, out), "the monitor outlived its domain:\n" + out)
        halt(m)
    finally:
        m.kill()


@test
def keys_go_to_the_domain_while_attached_and_ctrl_rbracket_returns():
    """While attached, Ctrl-C is the domU's (it ends the domU's spinner, not xm-lite); a domU that
    powers itself off ends the attach with 'console went away'; dom0's shell answers after."""
    m = boot()
    try:
        m.command("xm-lite create /etc/xm/nodisk.cfg name=domU", timeout=60)
        m.command("xm-lite console domU", prompt=r"domU# ", timeout=30)
        m.send("spin")
        time.sleep(1)
        m.send_raw("\x03")
        m.expect(r"sh: spin: killed \(status 130\)", 15)
        m.expect(r"domU# ")
        out = m.command("echo still attached", prompt=r"domU# ")
        check("still attached" in out, "the domU's shell after its Ctrl-C:\n" + out)
        m.detach()
        m.command("xm-lite console domU", prompt=r"domU# ", timeout=30)
        m.send("halt")
        start = m.pos
        gone = m.expect(r"xm-lite: domU's console went away", 30)
        m.pos = start  # the monitor's line may come before or after the attach lets go
        m.expect(r"xm-lite: domain domU \(\d+\) shut down \(poweroff\)", 30)
        m.pos = gone.end()
        m.expect(r"dom0# ", 30)  # the shell's prompt after the attach returned
        out = m.command("echo dom0 here")
        check("dom0 here" in out, "dom0's shell after the attach ended:\n" + out)
        halt(m)
    finally:
        m.kill()


@test
def the_kernel_has_no_commands_left():
    """The kernel runs no command lines: the call that did (27, SYS_kcmd) answers -ENOSYS, a word
    naming no program is an unknown command, and the shell's help lists the programs, xm-lite
    and the former kernel commands among them."""
    m = boot()
    try:
        out = m.command("hostile kcmd")
        check("hostile: kernel command call -38" in out, "call 27 still answers:\n" + out)
        out = m.command("xm-lit list")
        check("xm-lit: unknown command (try 'help')" in out, "an unknown word:\n" + out)
        out = m.command("help")
        for prog in ("xm-lite", "blk", "info", "stats", "halt", "bench", "pf", "ticks", "uptime"):
            check(re.search(r"^\s+%s$" % prog, out, re.M), "help does not list %s:\n%s" % (prog, out))
        out = m.command("ls /bin")
        check(re.search(r"^xm-lite$", out, re.M), "no /bin/xm-lite:\n" + out)
        halt(m)
    finally:
        m.kill()


@test
def xm_lite_in_a_domU_needs_dom0s_privilege():
    """In a domU privcmd answers -EPERM: every xm-lite command says so plainly, in one line, and
    exits with status 1."""
    m = boot()
    try:
        m.command("xm-lite create /etc/xm/nodisk.cfg name=domU", timeout=60)
        m.command("xm-lite console domU", prompt=r"domU# ", timeout=30)
        for cmd in ("xm-lite list", "xm-lite create /etc/xm/nodisk.cfg", "xm-lite destroy 0"):
            out = m.command(cmd, prompt=r"domU# ")
            check("xm-lite: only dom0 runs the toolstack (privcmd: operation not permitted)" in out
                  and "sh: xm-lite: exit status 1" in out, "%s in a domU:\n%s" % (cmd, out))
        m.detach()
        halt(m)
    finally:
        m.kill()
