"""process_tests.py - minios as a multi-process OS: ring-3 programs from /bin.

Each test boots pvlab, types at the ring-3 shell (/bin/sh) and checks what
the programs, the kernel and the shell print.  Registered in ALL like
system_tests.py, and run by run_tests.py.  The hostile programs
(guests/bin/hostile.c, crash.c) each get one verdict; after them the shell
and a domU must still answer.
"""
import re
import time

from qemu import Machine, check, halt

ALL = []


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def boot(mem=256, dom0_mem=64, icount=False):
    m = Machine(append="dom0_mem=%dM" % dom0_mem, mem=mem, icount=icount)
    m.expect(r"dom0# ", 60)
    return m


def free_pages(m):
    out = m.command("info")
    f = re.search(r"memory:\s+\d+ MiB \(\d+ pages, (\d+) free\)", out)
    check(f, "info shows no free pages:\n" + out)
    return int(f.group(1))


def shell_answers(m, prompt=r"dom0# "):
    out = m.command("echo still here", prompt=prompt)
    check("still here" in out, "the shell no longer answers:\n" + out)


@test
def programs_run_with_arguments_and_exit_codes():
    """echo with arguments, true/false and $?, ls and cat of the boot archive, an unknown program."""
    m = boot()
    try:
        out = m.command("echo one  two three")
        check(re.search(r"^one two three$", out, re.M), "echo's arguments:\n" + out)
        out = m.command("false")
        check("sh: false: exit status 1" in out, "no line for a non-zero status:\n" + out)
        out = m.command("echo $?")
        check(re.search(r"^1$", out, re.M), "$? after false:\n" + out)
        m.command("true")
        out = m.command("echo $?")
        check(re.search(r"^0$", out, re.M), "$? after true:\n" + out)
        out = m.command("ls /bin")
        for prog in ("sh", "ls", "cat", "echo", "ps", "kill", "sleep", "true", "false"):
            check(re.search(r"^%s$" % prog, out, re.M), "ls /bin does not show %s:\n%s" % (prog, out))
        out = m.command("ls /")
        check(re.search(r"^etc/$", out, re.M) and re.search(r"^bin/$", out, re.M), "ls /:\n" + out)
        out = m.command("cat /etc/xm/domU.cfg")
        check('kernel = "/boot/minios.elf"' in out, "cat of a config file:\n" + out)
        out = m.command("cat /etc/nosuch")
        check("cat: /etc/nosuch: no such file or directory" in out, "cat of a missing file:\n" + out)
        out = m.command("nosuchprogram x")
        check("unknown command" in out, "an unknown name is not reported:\n" + out)
        halt(m)
    finally:
        m.kill()


@test
def background_wait_ps_and_kill():
    """A program in the background with &, ps shows it sleeping, kill ends it, wait collects it."""
    m = boot()
    try:
        out = m.command("sleep 30 &")
        bg = re.search(r"^\[(\d+)\]$", out, re.M)
        check(bg, "no [pid] for a background program:\n" + out)
        pid = bg.group(1)
        asleep = r"^\s+%s\s+1\s+sleeping\s+\d+\s+\d+ sleep$" % pid
        for _ in range(5):  # on a loaded host the background program may not be asleep yet
            out = m.command("ps")
            if re.search(asleep, out, re.M):
                break
            time.sleep(0.5)
        check(re.search(r"^\s+PID\s+PPID\s+STATE\s+CPU\(ms\)\s+PAGES\s+NAME", out, re.M),
              "ps has no header:\n" + out)
        # sh is asleep in waitpid, or still ready if the timer switched to ps before sh got there
        check(re.search(r"^\s+1\s+0\s+(sleeping|ready)\s+\d+\s+\d+ sh$", out, re.M),
              "ps: the shell:\n" + out)
        check(re.search(asleep, out, re.M),
              "ps does not show the sleeping background program:\n" + out)
        out = m.command("kill %s" % pid)
        out = m.command("wait", timeout=10)
        check(re.search(r"^\[%s\] job done, status 143$" % pid, out, re.M),
              "wait does not collect the killed program:\n" + out)
        out = m.command("ps")
        check(not re.search(r" sleep$", out, re.M), "the killed program is still listed:\n" + out)
        out = m.command("kill 9999")
        check("no such process" in out, "kill of a missing pid:\n" + out)
        m.command("sleep 0.2 &")
        out = m.command("wait", timeout=10)
        check(re.search(r"job done, status 0", out), "wait for a normal exit:\n" + out)
        out = m.command("exit 3")
        check("minios: /bin/sh ended; starting it again" in out, "the shell is not restarted:\n" + out)
        shell_answers(m)
        halt(m)
    finally:
        m.kill()


@test
def ctrl_c_kills_the_foreground_program_only():
    """Ctrl-C at the console ends a spinning program; the shell survives and a background one runs on."""
    m = boot()
    try:
        m.command("sleep 30 &")
        m.send("spin")
        time.sleep(1)
        m.send_raw("\x03")
        m.expect(r"sh: spin: killed \(status 130\)", 10)
        m.expect(r"dom0# ")
        out = m.command("ps")
        check(" sleep" in out and " spin" not in out, "after Ctrl-C:\n" + out)
        shell_answers(m)
        halt(m)
    finally:
        m.kill()


@test
def two_cpu_bound_programs_share_the_cpu():
    """Two spinners started together each get 40-60 % of a second of CPU.  Under -icount guest
    time is counted in instructions, so a busy host cannot skew the shares."""
    m = boot(icount=True)
    try:
        out = m.command("share 1000", timeout=30)
        got = re.findall(r"spin: pid \d+ got (\d+) ms of CPU in (\d+) ms", out)
        check(len(got) == 2, "share did not report two spinners:\n" + out)
        for cpu, wall in got:
            share = int(cpu) / int(wall)
            check(0.40 <= share <= 0.60, "a spinner got %.0f %% of the CPU:\n%s" % (share * 100, out))
        halt(m)
    finally:
        m.kill()


@test
def free_pages_return_after_100_spawn_exit_cycles():
    """The domain's free pages are the same before and after 100 spawn + exit + wait cycles."""
    m = boot()
    try:
        before = free_pages(m)
        out = m.command("spawnloop 100", timeout=60)
        check("spawnloop: 100 cycles" in out, "spawnloop failed:\n" + out)
        after = free_pages(m)
        check(before == after, "%d free pages before, %d after 100 cycles" % (before, after))
        m.command("crash null")
        m.command("hostile bomb", timeout=60)
        check(free_pages(m) == before, "pages lost after a crash and a spawn bomb")
        halt(m)
    finally:
        m.kill()


def killed(out, prog, fault, addr=None):
    rx = r"minios: %s\[\d+\] killed: %s at eip [0-9a-f]{8}" % (prog, fault)
    if addr:
        rx += r", address %s" % addr
    return re.search(rx, out)


@test
def crashing_programs_are_killed_with_one_line():
    """A bad pointer, divide by zero, invalid opcode, a write to its code, a jump into the kernel."""
    m = boot()
    try:
        cases = [("null", "page fault", "00000000"), ("div", "divide error", None),
                 ("ud", "invalid opcode", None), ("code", "page fault", "08048[0-9a-f]{3}"),
                 ("kernel", "page fault", "c0000000")]
        for how, fault, addr in cases:
            out = m.command("crash %s" % how)
            check(killed(out, "crash", fault, addr), "crash %s: not killed as expected:\n%s" % (how, out))
            check("still alive" not in out, "crash %s survived:\n%s" % (how, out))
        shell_answers(m)
        halt(m)
    finally:
        m.kill()


@test
def hostile_programs():
    """Memory of the kernel, the hypervisor and other processes, privileged instructions,
    bad system-call pointers and a spawn bomb: each killed or refused; dom0 and a domU answer."""
    m = boot(mem=512)
    results = []
    try:
        m.command("xm-lite create /etc/xm/nodisk.cfg name=domU", timeout=60)
        kills = [("kread", "page fault", "c0001000"), ("kwrite", "page fault", "c0001000"),
                 ("hvread", "page fault", "fc000000"), ("hvwrite", "page fault", "fc100000"),
                 ("unmapped", "page fault", "20000000"), ("cli", "general protection", None),
                 ("hlt", "general protection", None), ("int82", "general protection", None),
                 ("cr3", "general protection", None),
                 ("ioport", "general protection", None)]
        for t, fault, addr in kills:
            out = m.command("hostile %s" % t)
            ok = killed(out, "hostile", fault, addr) and "survived" not in out
            results.append(("hostile/" + t, bool(ok), out))
        out = m.command("hostile other")
        ok = re.search(r"hostile: peek sees 0$", out, re.M) and "our secret 5ec2e7" in out
        results.append(("hostile/other_process_memory", bool(ok), out))
        out = m.command("hostile pointers", timeout=60)
        ok = "hostile: PASS" in out and "WRONG" not in out and out.count("-> -14") >= 16
        results.append(("hostile/syscall_pointers", bool(ok), out))
        out = m.command("hostile bomb", timeout=60)
        ok = re.search(r"bomb: \d+ spawned, then -11 \(EAGAIN\)", out) and "bomb: PASS" in out
        results.append(("hostile/spawn_bomb", bool(ok), out))
        out = m.command("hostile privcmd", timeout=60)
        ok = "hostile: PASS" in out and "WRONG" not in out and out.count("-> -14") >= 6
        results.append(("hostile/privcmd_pointers_and_right", bool(ok), out))
        shell_answers(m)
        out = m.command("xm-lite console domU", prompt=r"domU# ", timeout=30)
        shell_answers(m, prompt=r"domU# ")
        out = m.command("hostile cli", prompt=r"domU# ")
        results.append(("hostile/in_a_domU", bool(killed(out, "hostile", "general protection")), out))
        out = m.command("hostile privcmd", prompt=r"domU# ", timeout=60)
        ok = "hostile: PASS" in out and out.count("-> -1\n") >= 7
        results.append(("hostile/privcmd_in_a_domU", bool(ok), out))
        shell_answers(m, prompt=r"domU# ")
        m.detach()
        shell_answers(m)
        halt(m)
    finally:
        m.kill()
    return [(name, ok, "" if ok else out[-1500:]) for name, ok, out in results]


@test
def domU_shell_is_a_process_too():
    """A domU's prompt is /bin/sh from the archive built into minios; ps and programs work there."""
    m = boot(mem=512)
    try:
        m.command("xm-lite create /etc/xm/nodisk.cfg name=domU", timeout=60)
        m.command("xm-lite console domU", prompt=r"domU# ", timeout=30)
        m.send("")
        m.expect(r"domU# ")
        out = m.command("ps", prompt=r"domU# ")
        check(re.search(r"^\s+1\s+0\s+sleeping\s+\d+\s+\d+ sh$", out, re.M), "domU ps:\n" + out)
        out = m.command("false", prompt=r"domU# ")
        check("exit status 1" in out, "domU false:\n" + out)
        out = m.command("info", prompt=r"domU# ")
        check(re.search(r"domain id:\s+1", out), "a kernel command from the domU's shell:\n" + out)
        m.detach()
        halt(m)
    finally:
        m.kill()


@test
def xl_reaches_the_hypervisor_through_privcmd():
    """xl (ring 3) runs xm-lite's list, info and sched through privcmd with the same output, and
    uses the xenstore through xenbus; in a domU privcmd is refused (-EPERM) and xl says so."""
    m = boot(mem=512)
    try:
        m.command("xm-lite create /etc/xm/nodisk.cfg name=domU", timeout=60)
        xl, xm = m.command("xl list"), m.command("xm-lite list")
        rows = r"^(Domain-0|domU)\s+(\d+)\s+(\d+)\s+1 "
        check(re.findall(rows, xl, re.M) == re.findall(rows, xm, re.M) and "domU" in xl,
              "xl list and xm-lite list differ:\n" + xl + xm)
        xl, xm = m.command("xl info"), m.command("xm-lite info")
        same = r"^(hypervisor|total_memory|domains|hv_mem_per_domain)\s+: .*$"
        check(re.findall(same, xl, re.M) == re.findall(same, xm, re.M) and "domains" in xl,
              "xl info and xm-lite info differ:\n" + xl + xm)
        out = m.command("xl sched")
        check(re.search(r"^domU\s+1\s+\d+", out, re.M), "xl sched:\n" + out)
        m.command("xl pause domU")
        check(re.search(r"^domU\s+1\s+32\s+1 --p---", m.command("xm-lite list"), re.M),
              "xl pause: no 'p' flag")
        m.command("xl unpause 1")
        check(re.search(r"^domU\s+1\s+32\s+1 -[-b]----", m.command("xm-lite list"), re.M),
              "xl unpause: still paused")
        out = m.command("xl pause 0") + m.command("xl pause nosuch")
        check("xl: that is dom0 itself" in out and "xl: no domain 'nosuch'" in out, out)
        out = m.command("xl pause 4294967297")  # 2^32 + 1: must not wrap to the domU's id 1
        check("xl: no domain '4294967297'" in out, out)
        check(re.search(r"^domU\s+1\s+32\s+1 -[-b]----", m.command("xm-lite list"), re.M),
              "xl pause 4294967297 paused domain 1")
        start = len(m.output)
        m.send("xl dmesg")  # the log holds earlier prompts: end with a marker of our own
        m.send("echo dmesg-done")
        m.expect(r"(?m)^dmesg-done$")
        m.expect(r"dom0# ")
        out = m.output[start:]
        check("(XEN) domain 1 (domU) created" in out, "xl dmesg has no hypervisor log:\n" + out[-800:])
        m.command("xl write /local/domain/0/data/greeting hello")
        out = m.command("xl read /local/domain/0/data/greeting")
        check(re.search(r"^hello$", out, re.M), "xl read after xl write:\n" + out)
        out = m.command("xl read /local/domain/1/domid")
        check(re.search(r"^1$", out, re.M), "xl read of the domU's domid:\n" + out)
        m.command("xm-lite console domU", prompt=r"domU# ", timeout=30)
        out = m.command("xl list", prompt=r"domU# ")
        check("xl: only dom0 runs the toolstack (privcmd: operation not permitted)" in out,
              "a domU's privcmd:\n" + out)
        out = m.command("xl read domid", prompt=r"domU# ")
        check(re.search(r"^1$", out, re.M), "a domU's xenbus read:\n" + out)
        out = m.command("xm-lite list", prompt=r"domU# ")
        check("xm-lite: only dom0 runs the toolstack" in out, "a domU's xm-lite:\n" + out)
        m.detach()
        halt(m)
    finally:
        m.kill()


@test
def the_boot_archive_is_a_read_only_mount():
    """rm, mkdir, rmdir and mv reach the VFS, which refuses changes to the boot archive (-EROFS)
    and reports missing files (-ENOENT); the files are still there afterwards."""
    m = boot()
    try:
        for cmd, msg in (("rm /etc/xm/domU.cfg", "rm: /etc/xm/domU.cfg: read-only file system"),
                         ("mkdir /tmp", "mkdir: /tmp: read-only file system"),
                         ("rmdir /etc/xm", "rmdir: /etc/xm: read-only file system"),
                         ("mv /bin/true /bin/yes", "mv: /bin/true: read-only file system"),
                         ("rm /etc/nosuch", "rm: /etc/nosuch: no such file or directory"),
                         ("mv /nosuch /x", "mv: /nosuch: no such file or directory")):
            out = m.command(cmd)
            check(msg in out and "exit status 1" in out, "%s:\n%s" % (cmd, out))
        out = m.command("cat /etc/xm/domU.cfg")
        check('name = "domU"' in out, "the file went away:\n" + out)
        out = m.command("true")
        check("exit status" not in out, "/bin/true went away:\n" + out)
        halt(m)
    finally:
        m.kill()


def spin_shares(out, n):
    """The (cpu_ms / wall_ms) each `spin` reported, checked to be n of them."""
    got = re.findall(r"spin: pid \d+(?: \(sys\))? got (\d+) ms of CPU in (\d+) ms", out)
    check(len(got) == n, "expected %d spinners' reports:\n%s" % (n, out))
    return [int(cpu) / int(wall) for cpu, wall in got]


@test
def a_program_living_in_system_calls_is_preempted():
    """Preemption on the way back to ring 3 from a system call (proc/syscall.c): a spinner that
    lives in system calls (`spin MS sys`) and one in ring 3 each get 35-65 % of the CPU.  Without
    the check the timer nearly always finds the first inside the kernel, where an upcall only
    records the tick, and it keeps the CPU.  Under -icount, so host load cannot skew it."""
    m = boot(icount=True)
    try:
        out = m.command("share 1000 sys", timeout=30)
        for share in spin_shares(out, 2):
            check(0.35 <= share <= 0.65, "a spinner got %.0f %% of the CPU:\n%s" % (share * 100, out))
        halt(m)
    finally:
        m.kill()


@test
def a_background_spinner_does_not_starve_the_shell():
    """A spinner in the background (in system calls, forever): the shell still answers, a
    foreground spinner gets a fair share of the CPU beside it, and ps shows the background one's
    CPU time growing; kill ends it."""
    m = boot(icount=True)
    try:
        pid = re.search(r"^\[(\d+)\]$", m.command("spin 0 sys &"), re.M)
        check(pid, "no pid for the background job")
        pid = pid.group(1)
        for _ in range(3):
            shell_answers(m)
        row = r"^\s+%s\s+1\s+\w+\s+(\d+)\s+\d+ spin$" % pid
        first = re.search(row, m.command("ps"), re.M)
        (share,) = spin_shares(m.command("spin 500", timeout=30), 1)
        check(0.30 <= share <= 0.70, "the foreground spinner got %.0f %% of the CPU" % (share * 100))
        out = m.command("ps")
        second = re.search(row, out, re.M)
        check(first and second and int(second.group(1)) > int(first.group(1)) > 0,
              "ps does not show the background spinner's CPU time growing:\n" + out)
        out = m.command("kill %s" % pid)
        for _ in range(5):  # the shell reports a background job's end before a later prompt
            if re.search(r"\[%s\] job done, status 143" % pid, out):
                break
            time.sleep(0.2)
            out += m.command("echo")
        check(re.search(r"\[%s\] job done, status 143" % pid, out), "kill did not end the spinner:\n" + out)
        check(not re.search(row, m.command("ps"), re.M), "the spinner is still listed")
        halt(m)
    finally:
        m.kill()
