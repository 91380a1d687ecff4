"""domain_tests.py - whole-system tests of many domains, driven through xm-lite.

Each test boots pvlab, types xm-lite commands at dom0's prompt and checks
what dom0, the domUs (through their consoles) and the hypervisor print.
Registered in ALL like system_tests.py, and run by run_tests.py.
"""
import re
import time

from qemu import Machine, check, halt

ALL = []


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def boot(mem=512, dom0_mem=64, icount=False):
    m = Machine(append="dom0_mem=%dM" % dom0_mem, mem=mem, icount=icount)
    m.expect(r"dom0# ", 60)
    return m


def listing(m):
    """xm-lite list as {name: (id, mem, state, seconds)}."""
    out = m.command("xm-lite list")
    doms = {}
    for name, i, mem, state, secs in re.findall(
            r"^(\S+)\s+(\d+)\s+(\d+)\s+1 ([-a-z]{6})\s+(\d+\.\d)$", out, re.M):
        doms[name] = (int(i), int(mem), state, float(secs))
    check("Domain-0" in doms, "xm-lite list does not show Domain-0:\n" + out)
    return doms


def free_pages(m):
    out = m.command("xm-lite info")
    f = re.search(r"free_memory\s+: \d+ MiB \((\d+) pages\)", out)
    check(f, "xm-lite info shows no free memory:\n" + out)
    return int(f.group(1))


@test
def xm_create_console_detach_list_pause_shutdown_destroy():
    m = boot()
    try:
        before = free_pages(m)
        out = m.command("xm-lite create /etc/xm/nodisk.cfg name=domU -c", prompt=r"domU# ", timeout=60)
        check("Started domain domU (id=1)" in out, "create did not start domU:\n" + out)
        out = m.command("uptime", prompt=r"domU# ")
        check(re.search(r"up \d+\.\d+ s", out), "uptime in the domU:\n" + out)
        out = m.command("info", prompt=r"domU# ")
        check(re.search(r"domain id:\s+1\b", out), "the domU does not know its id:\n" + out)
        m.detach()
        doms = listing(m)
        check("domU" in doms and doms["domU"][1] == 32, "list after detach: %s" % doms)
        m.command("xm-lite pause domU")
        check(listing(m)["domU"][2][2] == "p", "pause: no 'p' flag")
        m.command("xm-lite unpause domU")
        check(listing(m)["domU"][2][2] == "-", "unpause: still paused")
        # Re-attach: everything the domU printed since creation is shown again.
        start = len(m.output)
        m.send("xm-lite console domU")
        m.expect(r"domain id:\s+1\b", 30)  # printed long before this attach
        check("minios: domU ready" in m.output[start:], "re-attach did not replay the banner")
        m.detach()
        m.command("xm-lite shutdown domU")
        m.expect(r"domain domU \(1\) shut down \(poweroff\)", 30)
        time.sleep(0.5)
        check("domU" not in listing(m), "domU still listed after shutdown")
        m.command("xm-lite create /etc/xm/nodisk.cfg name=domU")
        check("domU" in listing(m), "domU not listed after the second create")
        out = m.command("xm-lite destroy domU")
        check("destroyed" in out, "destroy: " + out)
        check("domU" not in listing(m), "domU still listed after destroy")
        check(free_pages(m) == before, "free memory did not come back")
        halt(m)
    finally:
        m.kill()


@test
def console_output_before_attach_is_kept():
    m = boot()
    try:
        m.command("xm-lite create /etc/xm/nodisk.cfg name=domU extra=early")
        deadline = time.time() + 30
        while listing(m)["domU"][2][1] != "b" and time.time() < deadline:
            time.sleep(0.2)  # until it sits at its prompt, having printed its banner
        out = m.command("xm-lite console domU", prompt=r"domU# ", timeout=30)
        check("minios: 8191 pages" in out and "minios: domU ready" in out,
              "output written before the attach was lost:\n" + out)
        m.detach()
        halt(m)
    finally:
        m.kill()


@test
def eight_domUs_at_once():
    m = boot(mem=512)
    try:
        before = free_pages(m)
        for i in range(1, 9):
            out = m.command("xm-lite create /etc/xm/nodisk.cfg name=d%d memory=16" % i, timeout=60)
            check("Started domain d%d" % i in out, "create d%d:\n%s" % (i, out))
        doms = listing(m)
        check(all("d%d" % i in doms for i in range(1, 9)), "not all 8 listed: %s" % doms)
        out = m.command("xm-lite console d5", prompt=r"domU# ", timeout=30)
        out = m.command("info", prompt=r"domU# ")
        check(re.search(r"domain id:\s+%d\b" % doms["d5"][0], out), "d5's info:\n" + out)
        m.detach()
        for i in range(1, 9):
            m.command("xm-lite destroy d%d" % i)
        check(set(listing(m)) == {"Domain-0"}, "domains left over")
        check(free_pages(m) == before, "free memory did not come back after 8 domUs")
        halt(m)
    finally:
        m.kill()


@test
def hundred_create_destroy_cycles_leak_nothing():
    m = boot(mem=256)
    try:
        before = free_pages(m)
        for i in range(100):
            out = m.command("xm-lite create /etc/xm/nodisk.cfg name=c%d memory=8" % i, timeout=30)
            check("Started domain" in out, "cycle %d create:\n%s" % (i, out))
            out = m.command("xm-lite destroy c%d" % i, timeout=30)
            check("destroyed" in out, "cycle %d destroy:\n%s" % (i, out))
        after = free_pages(m)
        check(after == before, "free pages %d before, %d after 100 cycles" % (before, after))
        halt(m)
    finally:
        m.kill()


@test
def event_channel_ping_pong_with_a_domU():
    m = boot()
    try:
        m.command("xm-lite create /etc/xm/nodisk.cfg name=pp extra=evtping")
        out = m.command("xm-lite evtping pp 200", timeout=60)
        check(re.search(r"evtping: 200 round trips with pp", out), "ping-pong:\n" + out)
        halt(m)
    finally:
        m.kill()


@test
def config_and_image_errors_are_one_plain_line():
    m = boot(mem=256)
    try:
        expect = {
            "badkey": r"xm-lite: badkey\.cfg:3: unknown key 'memry' \(did you mean 'memory'\?\)",
            "unterminated": r"xm-lite: unterminated\.cfg:2: unterminated string",
            "nokernel": r"xm-lite: nokernel\.cfg: kernel '/boot/nope\.elf' is not in the boot",
            "notpv": r"xm-lite: notpv\.cfg: kernel '/boot/tests/notpv\.elf': not a PV kernel",
            "toobig": r"xm-lite: toobig\.cfg: not enough free memory: 900 MiB wanted",
        }
        for cfg, rx in expect.items():
            out = m.command("xm-lite create /etc/xm/tests/%s.cfg" % cfg)
            # xm-lite is a program: the shell adds its own line for the exit status
            status = "sh: xm-lite: exit status 1"
            lines = [l for l in out.split("\n")[1:]
                     if l.strip() and not l.startswith("dom0#") and l != status]
            check(len(lines) == 1 and re.search(rx, lines[0]) and status in out,
                  "%s: expected one line matching %r and status 1, got %r" % (cfg, rx, lines))
        m.command("xm-lite create /etc/xm/nodisk.cfg name=domU")
        out = m.command("xm-lite create /etc/xm/nodisk.cfg name=domU")
        check("a domain named 'domU' already exists" in out, "duplicate name:\n" + out)
        check(set(listing(m)) == {"Domain-0", "domU"}, "failed creates left domains behind")
        halt(m)
    finally:
        m.kill()


@test
def halt_powers_off_while_a_domU_spins():
    m = boot(mem=256)
    try:
        m.command("xm-lite create /etc/xm/tests/domu_spin.cfg")
        time.sleep(0.5)
        m.send("halt")
        rc = m.wait_exit(30)
        check(rc == 0, "QEMU exit status %d" % rc)
    finally:
        m.kill()


@test
def a_domU_that_ignores_its_shutdown_request_is_stopped_after_the_grace_period():
    """xm-lite shutdown asks through control/shutdown; a domU that never reads it (the spinner) is
    shut down by the hypervisor once the grace period is over, also after another domain's
    deadline was dropped by a destroy (dom0's services look for deadlines only while one is
    armed)."""
    m = boot(mem=256)
    try:
        m.command("xm-lite create /etc/xm/tests/domu_spin.cfg")
        m.command("xm-lite shutdown domu_spin")
        m.command("xm-lite destroy domu_spin")  # its deadline goes with it
        check("domu_spin" not in listing(m), "domu_spin still listed after destroy")
        m.command("xm-lite create /etc/xm/tests/domu_spin.cfg")
        m.command("xm-lite shutdown domu_spin")
        m.expect(r"domu_spin did not answer control/shutdown within 3 s; the hypervisor shuts it "
                 r"down", 60)
        m.expect(r"domain domu_spin \(\d+\) shut down \(poweroff\)", 30)
        time.sleep(0.5)
        check("domu_spin" not in listing(m), "domu_spin still listed after its forced shutdown")
        halt(m)
    finally:
        m.kill()


HOSTILE_DOMUS = ["domu_privileged", "domu_grants", "domu_evtchn", "domu_xenstore"]


@test
def hostile_domUs():
    """Each attack is refused or contained, and dom0 answers at its prompt afterwards."""
    m = boot(mem=512)
    results = []
    try:
        before = free_pages(m)
        for t in HOSTILE_DOMUS:
            out = m.command("xm-lite create /etc/xm/tests/%s.cfg -c" % t, timeout=120)
            v = re.search(r"^XTF: %s: (SUCCESS|(?:FAILURE|ERROR|SKIP): .*)$" % t, out, re.M)
            results.append((t, bool(v and v.group(1) == "SUCCESS"),
                            v.group(1) if v else "no verdict:\n" + out[-1500:]))
        # A domU that faults in its first instruction: crashed, reported, preserved (config).
        out = m.command("xm-lite create /etc/xm/tests/crash_first.cfg")
        crashed = r"domain crash_first \(\d+\) crashed: #UD invalid opcode at eip c0000000"
        if not re.search(crashed, out):  # its monitor may report it before the next prompt
            m.expect(crashed, 30)
        time.sleep(0.3)
        doms = listing(m)
        results.append(("crash_first_instruction", "crash_first" in doms and
                        doms["crash_first"][2][4] == "c", "list: %s" % doms))
        m.command("xm-lite destroy crash_first")
        # A domU that spins forever: dom0 still answers, and the spinner gets CPU time.
        m.command("xm-lite create /etc/xm/tests/domu_spin.cfg")
        time.sleep(1)
        t0 = time.time()
        first = listing(m)["domu_spin"][3]
        time.sleep(2)
        second = listing(m)["domu_spin"][3]
        answered = time.time() - t0
        results.append(("spinning_domU_does_not_starve_dom0", second > first and answered < 5,
                        "spinner time %.1f -> %.1f s, dom0 answered in %.1f s" %
                        (first, second, answered)))
        m.command("xm-lite destroy domu_spin")
        out = m.command("info")
        results.append(("dom0_still_answers", "domain id:  0" in out, out))
        results.append(("no_memory_leaked", free_pages(m) == before, "free memory changed"))
        halt(m)
    finally:
        m.kill()
    return results


@test
def console_output_beyond_the_log_is_reported_not_lost_silently():
    """A domU writes 40 KB before anyone attaches; the 16 KiB log says what it dropped."""
    m = boot()
    try:
        m.command("xm-lite create /etc/xm/tests/domu_chatty.cfg")
        time.sleep(2)
        m.send("xm-lite console domu_chatty")
        d = m.expect(r"\[consoled: (\d+) bytes of domain (\d+)'s output dropped here: the log "
                     r"keeps the newest (\d+) of the (\d+) bytes it has written\]\n", 30)
        dropped, kept, total = int(d.group(1)), int(d.group(3)), int(d.group(4))
        check(kept == 16384 and dropped == total - kept and total > 400 * 99,
              "dropped %d, kept %d, total %d" % (dropped, kept, total))
        tail = m.expect(r"XTF: domu_chatty: SUCCESS\n", 30)
        shown = m.output[d.end():tail.end()]
        check(len(shown) == kept, "%d bytes shown after the marker, the log keeps %d" %
              (len(shown), kept))
        check("chatty line 0399" in shown and "chatty line 0000" not in shown,
              "the log does not hold the newest output")
        m.detach()
        halt(m)
    finally:
        m.kill()


@test
def a_domUs_last_words_left_without_an_event_reach_the_attached_console():
    """domu_lastwords puts its verdict in its console ring without notifying dom0 and powers off at
    once; `xm-lite create -c` must still show it (the attach reads the ring when the domain ends)."""
    m = boot()
    try:
        out = m.command("xm-lite create /etc/xm/tests/domu_lastwords.cfg -c", timeout=60)
        check(re.search(r"^XTF: domu_lastwords: SUCCESS$", out, re.M),
              "the last line was not shown:\n" + out[-1500:])
        check(out.find("SUCCESS") < out.find("console went away"),
              "the last line came after the attach let go:\n" + out[-1500:])
        check("domain id:  0" in m.command("info"), "dom0 stopped answering")
        halt(m)
    finally:
        m.kill()


@test
def a_domU_cannot_forge_or_flood_the_hypervisor_console():
    m = boot()
    try:
        m.command("xm-lite create /etc/xm/tests/domu_console.cfg")
        m.expect(r"\(XEN\) domain \d+ \(domu_console\) destroyed", 60)
        check("domain id:  0" in m.command("info"), "dom0 stopped answering")
        out = m.output
        check(not re.search(r"^\(XEN\) forged", out, re.M), "a forged (XEN) line:\n" + out[-2000:])
        check(not re.search(r"[\r\x1b]\(XEN\) forged", out), "a forged line behind \\r or ESC")
        ids = re.findall(r"domain (\d+) \(domu_console\) created", out)
        check(ids, "the domU was not created")
        d = ids[0]
        check("(d%s) (XEN) forged: domain 0 crashed" % d in out, "no prefixed line:\n" +
              out[-2000:])
        check("(d%s) partial line?(XEN) forged after a carriage return" % d in out,
              "\\r was not filtered:\n" + out[-2000:])
        flood = sum(len(line) for line in re.findall(r"^\(d%s\) f+$" % d, out, re.M))
        check(flood < 20000, "%d bytes of the 200 KB flood reached the console" % flood)
        reports = re.findall(r"^\(XEN\) domain %s: (\d+) bytes of console output dropped "
                             r"\(rate limit\)$" % d, out, re.M)
        dropped = sum(int(r) for r in reports)
        check(dropped + flood >= 200 * 1024 - 2 * 1024,
              "%d bytes shown, %d reported dropped:\n%s" % (flood, dropped, out[-1500:]))
        halt(m)
    finally:
        m.kill()


@test
def fpu_state_is_per_domain_and_new_domains_start_clean():
    """Two domUs plant different %mm0 values and control words and yield to each
    other for seconds; a third, created after they are gone, starts clean."""
    m = boot()
    results = []

    def verdict(tag):
        v = m.expect(r"XTF: %s: (SUCCESS|(?:FAILURE|ERROR|SKIP): [^\n]*)\n" % tag, 60).group(1)
        results.append((tag, v == "SUCCESS", v))

    try:
        m.command("xm-lite create /etc/xm/tests/domu_fpu.cfg name=fa extra=fpu-1111-6")
        m.send("xm-lite create /etc/xm/tests/domu_fpu.cfg name=fb extra=fpu-2222-3 -c")
        verdict("fpu-2222-3")
        m.detach()
        m.send("xm-lite console fa")
        verdict("fpu-1111-6")
        m.expect(r"dom0# ", 30)
        m.send("xm-lite create /etc/xm/tests/domu_fpu.cfg name=fc extra=fpu-3333-1 -c")
        verdict("fpu-3333-1")
        m.expect(r"dom0# ", 30)
        halt(m)
    finally:
        m.kill()
    return results


@test
def a_domain_id_is_not_reused_while_its_frames_are_still_mapped():
    """Issue 14, defect 6: with ids wrapping after 2, a destroyed domain whose
    page dom0 still maps keeps its id out of use until the mapping goes."""
    m = Machine(append="dom0_mem=64M max_domid=2", mem=512)
    try:
        m.expect(r"dom0# ", 60)
        before = free_pages(m)
        m.command("xm-lite create /etc/xm/nodisk.cfg name=a")
        check(re.search(r"domain 1 \(a\) created", m.output), "a is not domain 1")
        out = m.command("xm-lite grant-map a 1")  # its xenstore page, granted to dom0
        check("holding grant 1 of a" in out, "grant-map: " + out)
        m.command("xm-lite destroy a")
        m.command("xm-lite create /etc/xm/nodisk.cfg name=b")
        m.command("xm-lite destroy b")
        m.command("xm-lite create /etc/xm/nodisk.cfg name=c")
        check(re.search(r"domain id 1 skipped: 1 of its frames are still mapped by others",
                        m.output), "id 1 was not skipped:\n" + m.output[-1500:])
        check(re.search(r"domain 2 \(c\) created", m.output), "c did not get id 2")
        check("released" in m.command("xm-lite grant-unmap"), "grant-unmap failed")
        m.command("xm-lite destroy c")
        m.command("xm-lite create /etc/xm/nodisk.cfg name=d")
        check(re.search(r"domain 1 \(d\) created", m.output),
              "id 1 was not free again once its last frame was unmapped:\n" + m.output[-1500:])
        m.command("xm-lite destroy d")
        check(free_pages(m) == before, "frames were not all returned")
        halt(m)
    finally:
        m.kill()
