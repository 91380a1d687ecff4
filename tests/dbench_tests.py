"""dbench_tests.py - dbench-lite on the Linux host, beside Debian's dbench 4.0,
and on minios in dom0, in a domU and natively.

build/host/dbench-lite runs the loadfile guests/dbench-lite/genload.py
writes, in a temporary directory, with 1 and 2 clients: the output must have
dbench 4.0's progress lines, an operation table naming every operation, the
Throughput line, and the program must exit 0 and leave no client directory
behind.  A malformed loadfile must stop the run with FILE:LINE: problem.

Debian's dbench is installed first if it is missing (scripts/ensure-deps.sh
dbench, as the lab tests do for its client.txt), so the comparison runs on a
fresh machine too: both programs run the same fixed-size loadfile
(genload.py --timed: one pass per client, see its header) and their operation
tables must agree exactly, with each other and with the count of operations
in the file.  Only if the package cannot be installed is the comparison
skipped, with a printed reason.  The install is bounded (lab/configs.py:
run_bounded(), APT_TIMEOUT): past it every process the install started is
ended, which dbench_install_past_its_timeout_leaves_no_process_running checks
with a script whose child outlives it.

On minios (/bin/dbench, guests/dbench-lite/minios.c) one boot with a fresh
disk (scripts/mkdisk.py --ext2) runs, in dom0 and then in a domU on xvda: the usage
message and a FILE:LINE error; `dbench -c load.txt -t 3 N` for 1 and 2
clients with the same checks as on the host (progress lines, every
operation, Throughput, exit status 0, no client directory left); and the
fixed-work pass of timed.txt, whose table must be exactly the host's
(genload.expected_counts), and of many.txt, which holds 24 files open (more
than client.txt's 23) and renames one while open; then timed.txt again with
a relative -D DIR from a working directory (the clients inherit it).  The loadfiles are the ones dbench.mk puts into
both archives under /etc/dbench.  Afterwards `e2fsck -fn` must find both
partitions clean.  dbench_minios_native does the same natively (the same
minios.elf booted by -kernel, ext2 on the IDE disk's hda2).  While `/` is read-only (no ext2 mounted yet) the runs
that write are skipped with a printed reason.

dbench_markers_native_dom0_domU boots minios natively, then pvlab, with the
lab's plugin (haps only) and runs dbench natively, in dom0 and in a domU:
each run opens and closes exactly one plugin window, both times at the
marker instruction in /bin/dbench (m_marker's xchg %bx,%bx, found with nm),
and the window holds the execute phase's system calls - natively with no
hypervisor instruction in it and, with 2 clients, the clients' process
switches (mov %cr3); under pvlab with the hypervisor's share.

dbench_minios_lab_markers runs the lab's own machinery (lab/checkpoint.py's
console script and gate, lab/configs.py's disk) on one short dbench-lite
run in dom0 under -icount: exactly two markers, a checkpoint between them,
and the Throughput line as lab/collect.py reads it.  Registered in ALL like
system_tests.py.
"""
import json
import os
import re
import shutil
import struct
import signal
import subprocess
import sys
import tempfile
import time

from qemu import BUILD, ROOT, Machine, check, halt

sys.path.insert(0, os.path.join(ROOT, "guests", "dbench-lite"))
import genload  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "lab"))
import configs  # noqa: E402  (the bounded install of Debian's dbench)

ALL = []
DBENCH_LITE = os.path.join(BUILD, "host", "dbench-lite")
OPERATIONS = ["NTCreateX", "Close", "Rename", "Unlink", "Deltree", "Rmdir", "Mkdir", "Qpathinfo",
              "Qfileinfo", "Qfsinfo", "Sfileinfo", "Find", "WriteX", "ReadX", "LockX", "UnlockX",
              "Flush"]
NATIVE_PROMPT = r"native# "
PROGRESS = r"^\s+\d+\s+\d+\s+\d+\.\d\d MB/sec  %s\s+\d+ sec  latency \d+\.\d\d\d ms$"


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def run(argv, timeout=60):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def table(out):
    """{operation: count} from a report's operation table (the totals, not per client)."""
    body = out.split(" ----------------------------------------\n", 1)
    check(len(body) == 2, "no operation table:\n" + out)
    counts = {}
    for line in body[1].splitlines():
        m = re.match(r"^ (\w+)\s+(\d+)\s+\d+\.\d{3}\s+\d+\.\d{3}$", line)
        if not m:
            break
        counts[m.group(1)] = int(m.group(2))
    return counts


def write_loadfile(tmp, name, **kw):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write("\n".join(genload.lines(**kw)) + "\n")
    return path


def check_report(out, nprocs, where):
    """A whole dbench report with nprocs clients, from a run that went well."""
    check(re.search(PROGRESS % "execute", out, re.M), "%s: no execute line:\n%s" % (where, out))
    check(re.search(r"^\s+0  cleanup\s+\d+ sec$", out, re.M), "%s: no last cleanup line:\n%s" %
          (where, out))
    counts = table(out)
    missing = [op for op in OPERATIONS if counts.get(op, 0) == 0]
    check(not missing, "%s: the table lacks %s:\n%s" % (where, ", ".join(missing), out))
    m = re.search(r"^Throughput (\d+(\.\d+)?) MB/sec  (\d+) clients  (\d+) procs  "
                  r"max_latency=\d+\.\d{3} ms$", out, re.M)
    check(m and m.group(3) == m.group(4) == str(nprocs), "%s: no Throughput line:\n%s" % (where, out))
    check(float(m.group(1)) > 0, "%s: no throughput measured:\n%s" % (where, out))
    check("ERROR" not in out and "failed" not in out, "%s: a status mismatch:\n%s" % (where, out))
    return float(m.group(1))


def short_run(nprocs):
    tmp = tempfile.mkdtemp(prefix="dbench-lite-")
    try:
        load = write_loadfile(tmp, "load.txt", repeat=2)
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        rc, out = run([DBENCH_LITE, "-c", load, "-t", "2", "--warmup", "2", "-D", work, str(nprocs)])
        check(rc == 0, "dbench-lite %d exited %d:\n%s" % (nprocs, rc, out))
        check(re.search(PROGRESS % "warmup", out, re.M), "no warmup line:\n" + out)
        check_report(out, nprocs, "host")
        left = os.listdir(os.path.join(work, "clients"))
        check(not left, "client directories left behind: %s" % left)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@test
def dbench_lite_host_one_client():
    """dbench-lite -t 2 --warmup 2 1: progress lines, every operation, Throughput, exit 0."""
    short_run(1)


@test
def dbench_lite_host_two_clients():
    """The same with 2 clients, two processes in clients/client0 and clients/client1."""
    short_run(2)


@test
def dbench_lite_host_malformed_loadfile():
    """A bad line stops the run before it starts, named FILE:LINE."""
    tmp = tempfile.mkdtemp(prefix="dbench-lite-")
    try:
        load = os.path.join(tmp, "bad.txt")
        with open(load, "w") as f:
            f.write("Mkdir \"\\clients\" NT_STATUS_OK\nClose 12x NT_STATUS_OK\n")
        rc, out = run([DBENCH_LITE, "-c", load, "-t", "1", "-D", tmp, "1"])
        check(rc == 1, "exit status %d for a bad loadfile:\n%s" % (rc, out))
        check("%s:2: Close: bad number '12x'" % load in out, "no FILE:LINE message:\n" + out)
        check("releasing clients" not in out, "the run started anyway:\n" + out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def process_gone(pid, wait=5.0):
    """Whether process pid has ended (gone, or a zombie left to its reaper) within `wait` s."""
    deadline = time.time() + wait
    while time.time() < deadline:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@test
def dbench_install_past_its_timeout_leaves_no_process_running():
    """configs.run_bounded(), which bounds the dbench install: past the timeout every process
    the command started is ended, not only the script (apt-get, left running, would hold
    the package lock for every later install of the run)."""
    tmp = tempfile.mkdtemp(prefix="run-bounded-")
    try:
        pidfile = os.path.join(tmp, "child")
        script = "sleep 60 & echo $! > %s; wait" % pidfile
        start = time.time()
        try:
            configs.run_bounded(["sh", "-c", script], 1)
            check(False, "the command was not stopped at its timeout")
        except subprocess.TimeoutExpired:
            pass
        check(time.time() - start < 30, "the timeout took %.1f s" % (time.time() - start))
        with open(pidfile) as f:
            child = int(f.read())
        gone = process_gone(child)
        if not gone:
            os.kill(child, signal.SIGKILL)
        check(gone, "the command's child (sleep, pid %d) was still running" % child)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@test
def dbench_lite_counts_match_debian_dbench():
    """One fixed-size pass of the generated loadfile: dbench-lite's table is dbench 4.0's."""
    why = "could not be installed"
    if not shutil.which("dbench"):
        try:  # a hung apt-get must not hang make test
            configs.ensure_dbench()
        except subprocess.TimeoutExpired:
            why = "was not installed within %d s" % configs.APT_TIMEOUT
    real = shutil.which("dbench")
    if not real:
        print("SKIP dbench_lite_counts_match_debian_dbench: Debian's dbench %s "
              "(scripts/ensure-deps.sh dbench)" % why, flush=True)
        return []
    results = []
    tmp = tempfile.mkdtemp(prefix="dbench-lite-")
    try:
        for kind, open_files in (("", 0), ("open_files_", 24)):
            load = write_loadfile(tmp, "timed%d.txt" % open_files, timed=(1.5, 3.5),
                                  open_files=open_files)
            for nprocs in (1, 2):
                tables = {}
                for name, prog in (("dbench", real), ("dbench-lite", DBENCH_LITE)):
                    work = os.path.join(tmp, "%s-%d-%d" % (name, nprocs, open_files))
                    os.mkdir(work)
                    rc, out = run([prog, "-c", load, "-t", "2", "-D", work, str(nprocs)])
                    check(rc == 0, "%s exited %d:\n%s" % (name, rc, out))
                    tables[name] = table(out)
                want = genload.expected_counts(1, nprocs, open_files)
                ok = tables["dbench"] == tables["dbench-lite"] == want
                results.append(("%s%d_clients" % (kind, nprocs), ok,
                                "dbench %s\ndbench-lite %s\nthe file %s" %
                                (tables["dbench"], tables["dbench-lite"], want)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results


# ---------------------------------------------------------------- minios

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import mkdisk  # noqa: E402


def first_dir(m, prompt, candidates, name):
    """The first of candidates holding `name`: archive files move to /boot once ext2 is `/`."""
    for d in candidates:
        out = m.command("ls %s" % d, prompt=prompt)
        if re.search(r"^%s$" % re.escape(name), out, re.M):
            return d
    raise AssertionError("no %s in %s" % (name, " or ".join(candidates)))


def exited_zero(out):
    return "exit status" not in out and "killed" not in out


def minios_errors(m, prompt, where, loads):
    """The usage message and a malformed loadfile: no file system needed."""
    out = m.command("dbench", prompt=prompt)
    ok = "usage: dbench [-c LOADFILE]" in out and "sh: dbench: exit status 1" in out
    results = [("%s/usage" % where, ok, out)]
    out = m.command("dbench -c %s/bad.txt -t 1 1" % loads, prompt=prompt)
    ok = ("%s/bad.txt:2: Close: bad number '12x'" % loads in out and
          "releasing clients" not in out and "sh: dbench: exit status 1" in out)
    results.append(("%s/malformed_loadfile" % where, ok, out))
    return results


def minios_run(m, prompt, where, loads, nprocs):
    """dbench -c load.txt -t 3 N: the host's checks; returns the throughput."""
    out = m.command("dbench -c %s/load.txt -t 3 %d" % (loads, nprocs), prompt=prompt, timeout=180)
    check(exited_zero(out), "%s: dbench %d did not exit 0:\n%s" % (where, nprocs, out))
    tput = check_report(out, nprocs, where)
    left = m.command("ls /clients", prompt=prompt)
    check(not re.search(r"^client\d+/?$", left, re.M), "%s: client directories left:\n%s" %
          (where, left))
    return tput


def minios_fixed_work(m, prompt, where, loads, nprocs, open_files=0):
    """One pass of timed.txt (or many.txt) per client: the table must be the file's own count,
    as on the host, with no status mismatch."""
    name, seconds = ("many", 4) if open_files else ("timed", 2)  # dbench.mk: many.txt ends at 9.5
    out = m.command("dbench -c %s/%s.txt -t %d %d" % (loads, name, seconds, nprocs), prompt=prompt,
                    timeout=180)
    want = genload.expected_counts(1, nprocs, open_files)
    got = table(out) if exited_zero(out) else None
    ok = got == want and "another status" not in out and "failed" not in out
    return ("%s/fixed_work_%s%d_clients" % (where, "open_files_" if open_files else "", nprocs),
            ok, "got %s\nwant %s\n%s" % (got, want, out))


def minios_relative_dir(m, prompt, where, loads):
    """timed.txt with -D DIR relative to the shell's working directory: the clients inherit it, and
    their files go under it."""
    m.command("mkdir /dbrel", prompt=prompt)
    m.command("cd /dbrel", prompt=prompt)
    m.command("mkdir work", prompt=prompt)
    out = m.command("dbench -D work -c %s/timed.txt -t 2 1" % loads, prompt=prompt, timeout=180)
    got = table(out) if exited_zero(out) else None
    left = m.command("ls /dbrel/work", prompt=prompt)
    m.command("cd /", prompt=prompt)
    ok = (got == genload.expected_counts(1, 1) and "failed" not in out and
          re.search(r"^clients/$", left, re.M))  # the clients worked under the relative DIR
    return ("%s/fixed_work_relative_dir" % where, ok, "got %s\n%s\nls: %s" % (got, out, left))


def minios_all(m, prompt, where):
    loads = first_dir(m, prompt, ("/etc/dbench", "/boot/etc/dbench"), "timed.txt")
    results = minios_errors(m, prompt, where, loads)
    probe = m.command("dbench -c %s/load.txt -t 1 1" % loads, prompt=prompt, timeout=120)
    if "read-only file system" in probe:
        print("SKIP dbench_minios/%s/runs: / is read-only here (no ext2 file system mounted "
              "yet), so the clients have nowhere to write" % where, flush=True)
        return results
    for nprocs in (1, 2):
        try:
            tput = minios_run(m, prompt, where, loads, nprocs)
            results.append(("%s/run_%d_clients" % (where, nprocs), True, "%g MB/sec" % tput))
            print("     %s: dbench -t 3 %d: %g MB/sec" % (where, nprocs, tput), flush=True)
        except AssertionError as e:
            results.append(("%s/run_%d_clients" % (where, nprocs), False, str(e)))
        results.append(minios_fixed_work(m, prompt, where, loads, nprocs))
    # 24 files open at once, more than client.txt's 23: within a process's 64 descriptors
    results.append(minios_fixed_work(m, prompt, where, loads, 1, open_files=24))
    results.append(minios_relative_dir(m, prompt, where, loads))
    return results


def mbr_partitions(data):
    """[(first sector, sectors)] of the MBR's used entries, hda1 first."""
    parts = []
    for i in range(4):
        e = data[446 + 16 * i:446 + 16 * (i + 1)]
        start, count = struct.unpack("<II", e[8:16])
        if e[4] and count:
            parts.append((start, count))
    return parts


def make_disk(image):
    """A disk with ext2 on hda1 and hda2 (scripts/mkdisk.py --ext2) where mkdisk.py can make
    one, else its raw disk (the runs that write are then skipped)."""
    ext2 = ["--ext2", "--size", "128"] if hasattr(mkdisk, "ext2_partitions") else []
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "mkdisk.py")] + ext2 + [image],
                   check=True, stdout=subprocess.DEVNULL)


def fsck_partitions(image):
    """e2fsck -fn of each partition holding ext2: [(name, clean, output)]."""
    results = []
    with open(image, "rb") as f:
        data = f.read()
    for i, (start, count) in enumerate(mbr_partitions(data)):
        part = data[start * 512:(start + count) * 512]
        if part[1080:1082] != b"\x53\xef":  # no ext2 superblock magic
            continue
        path = "%s.hda%d" % (image, i + 1)
        with open(path, "wb") as f:
            f.write(part)
        p = subprocess.run(["e2fsck", "-fn", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        results.append(("e2fsck_hda%d" % (i + 1), p.returncode == 0, p.stdout.decode()))
    return results


@test
def dbench_minios_dom0_and_domU():
    """/bin/dbench in dom0 (hda2) and in a domU (xvda): errors, 1 and 2 clients, fixed-work counts."""
    tmp = tempfile.mkdtemp(prefix="dbench-minios-")
    image = os.path.join(tmp, "disk.img")
    make_disk(image)
    m = Machine(append="dom0_mem=64M", mem=256,
                extra=["-drive", "file=%s,format=raw,if=ide,index=0" % image])
    try:
        m.expect(r"dom0# ", 60)
        results = minios_all(m, r"dom0# ", "dom0")
        for cfg in ("/etc/xm/domU.cfg", "/boot/etc/xm/domU.cfg"):  # xm-lite reads the archive
            out = m.command("xm-lite create %s" % cfg, timeout=60)
            if "Started domain domU" in out:
                break
        check("Started domain domU" in out, "no domU:\n" + out)
        m.command("xm-lite console domU", prompt=r"domU# ", timeout=30)
        results += minios_all(m, r"domU# ", "domU")
        m.detach()
        m.command("xm-lite destroy domU", timeout=60)
        halt(m)
        results += fsck_partitions(image)
        return results
    finally:
        m.kill()
        shutil.rmtree(tmp, ignore_errors=True)


@test
def dbench_minios_native():
    """/bin/dbench natively (minios.elf by -kernel, hda2 on the IDE disk): the same checks."""
    tmp = tempfile.mkdtemp(prefix="dbench-native-")
    image = os.path.join(tmp, "disk.img")
    make_disk(image)
    m = Machine(kernel=os.path.join(BUILD, "minios.elf"), mem=256,
                extra=["-drive", "file=%s,format=raw,if=ide,index=0" % image])
    try:
        m.expect(NATIVE_PROMPT, 60)
        out = m.command("mount", prompt=NATIVE_PROMPT)
        check("hda2 on / type ext2 (rw)" in out, "natively / is not hda2's ext2:\n" + out)
        results = minios_all(m, NATIVE_PROMPT, "native")
        halt(m)
        results += fsck_partitions(image)
        return results
    finally:
        m.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def tree_loadfile():
    """A loadfile whose Deltree meets a subdirectory listed before files of its own: client1
    holds sub/ (eight files with long names) and then eight files.  A Deltree that lets the
    listing of sub/ disturb its walk of client1 (minios.c once shared one getdents buffer
    between the two) skips client1's files: the loadfile's last line then opens one that
    should be gone, the next pass cannot make client1 again, and the client's final cleanup
    leaves client1 behind; with other names the walk could loop for good on a made-up one."""
    lines = [r'Deltree "\clients\client1" NT_STATUS_OK', r'Mkdir "\clients" NT_STATUS_OK',
             r'NTCreateX "\clients\client1" 0x1 0x2 1000 NT_STATUS_OK', r'Close 1000 NT_STATUS_OK',
             r'Mkdir "\clients\client1\sub" NT_STATUS_OK']
    names = [r"sub\a-file-with-a-long-enough-name-%02d" % i for i in range(8)]
    names += [r"file%02d" % i for i in range(8)]
    for i, name in enumerate(names):
        lines += [r'NTCreateX "\clients\client1\%s" 0x40 0x2 %d NT_STATUS_OK' % (name, 1001 + i),
                  r'WriteX %d 0 4096 4096 NT_STATUS_OK' % (1001 + i),  # a client moving bytes
                  r'Close %d NT_STATUS_OK' % (1001 + i)]  # is warm (dbench's warm-up rule)
    lines += [r'Deltree "\clients\client1" NT_STATUS_OK',
              r'NTCreateX "\clients\client1\file00" 0x40 0x1 2000 '
              r'NT_STATUS_OBJECT_PATH_NOT_FOUND']
    return "\n".join(lines) + "\n"


@test
def dbench_minios_deltree_empties_a_tree_with_subdirectories():
    """Natively on a RAM disk (-icount): dbench -t 2 with 2 clients replays tree_loadfile() pass
    after pass; it must end (no walk that loops), with no status mismatch and no client
    directory left by the clients' final Deltree."""
    import ramdisk_tests
    tmp = tempfile.mkdtemp(prefix="dbench-tree-")
    try:
        top = os.path.join(tmp, "files")
        os.makedirs(top)
        with open(os.path.join(top, "tree.txt"), "w") as f:
            f.write(tree_loadfile())
        cpio = ramdisk_tests.archive(tmp, {"ram0": ramdisk_tests.simg(
            os.path.join(tmp, "r0.simg"), 32, top)})
        m = Machine(kernel=os.path.join(BUILD, "minios.elf"), append="root=ram0", modules=[cpio],
                    icount=True)
        try:
            m.expect(NATIVE_PROMPT, 60)
            out = m.command("dbench -c /tree.txt -t 2 2", prompt=NATIVE_PROMPT, timeout=60)
            check(exited_zero(out) and "Throughput" in out, "dbench did not end well:\n" + out)
            check("another status" not in out and "succeeded" not in out,
                  "a Deltree left files behind (status mismatches):\n" + out)
            left = m.command("ls /clients", prompt=NATIVE_PROMPT)
            check(not re.search(r"^client\d+/?$", left, re.M),
                  "the clients' final Deltree left their directories:\n" + left)
            halt(m)
        finally:
            m.kill()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


DBENCH_ELF = os.path.join(BUILD, "guests", "dbench-lite", "dbench.elf")


def marker_address():
    """Where /bin/dbench's marker is: m_marker's first instruction, the xchg %bx,%bx."""
    out = subprocess.run(["objdump", "-d", DBENCH_ELF], stdout=subprocess.PIPE).stdout.decode()
    m = re.search(r"^([0-9a-f]+) <m_marker>:\n\s*[0-9a-f]+:\s+66 87 db\s+xchg\s+%bx,%bx", out,
                  re.M)
    check(m, "m_marker in %s does not start with xchg %%bx,%%bx" % DBENCH_ELF)
    return int(m.group(1), 16)


def plugin_machine(tmp, disk, native):
    """A machine with the lab's plugin counting haps only, its report in tmp/plugin.log."""
    from instrument_tests import PLUGIN
    log = os.path.join(tmp, "plugin-%s.log" % ("native" if native else "pv"))
    extra = ["-drive", "file=%s,format=raw,if=ide,index=0" % disk,
             "-plugin", PLUGIN + ",icache=off,dcache=off", "-d", "plugin", "-D", log]
    if native:
        return Machine(kernel=os.path.join(BUILD, "minios.elf"), mem=256, extra=extra), log
    return Machine(append="dom0_mem=64M", mem=256, extra=extra), log


def marker_windows(log, runs, where):
    """The plugin's windows: one per dbench run, each opened and closed at m_marker."""
    from instrument_tests import parse_report
    windows = parse_report(open(log).read())
    check(windows["run"]["done"]["windows"] == str(len(runs)),
          "%s: %s dbench runs made %s windows" % (where, len(runs), windows["run"]["done"]))
    pc = "0x%08x" % marker_address()
    for i in range(1, len(runs) + 1):
        w = windows[str(i)]
        check(w["start"]["pc"] == pc and w["end"]["pc"] == pc and w["end"]["complete"] == "1",
              "%s, window %d (%s): opened at %s, closed at %s; the marker is at %s" %
              (where, i, runs[i - 1], w["start"]["pc"], w["end"]["pc"], pc))
        check(int(w["haps"]["int80"]) > 0 and int(w["insns"]["user"]) > 0,
              "%s, window %d: no system calls from ring 3 in the execute phase: %s" %
              (where, i, w["haps"]))
    return [windows[str(i)] for i in range(1, len(runs) + 1)]


@test
def dbench_markers_native_dom0_domU():
    """The execute phase's two markers, at the same instruction natively, in dom0 and a domU."""
    tmp = tempfile.mkdtemp(prefix="dbench-markers-")
    try:
        disk = os.path.join(tmp, "disk.img")
        make_disk(disk)
        m, log = plugin_machine(tmp, disk, native=True)
        runs = ["native 1", "native 2"]
        try:
            m.expect(NATIVE_PROMPT, 60)
            for run in runs:
                minios_run(m, NATIVE_PROMPT, "native", "/boot/etc/dbench", int(run[-1]))
            halt(m)
        finally:
            m.kill()
        one, two = marker_windows(log, runs, "native")
        check(one["insns"]["hv"] == two["insns"]["hv"] == "0",
              "natively the windows hold hypervisor instructions: %s %s" % (one["insns"],
                                                                             two["insns"]))
        check(int(two["haps"]["cr3_writes"]) > 0,
              "natively, 2 clients switched no page directory: %s" % two["haps"])
        m, log = plugin_machine(tmp, disk, native=False)
        try:
            m.expect(r"dom0# ", 60)
            minios_run(m, r"dom0# ", "dom0", "/boot/etc/dbench", 1)
            m.command("xm-lite create /etc/xm/domU.cfg", timeout=60)
            m.command("xm-lite console domU", prompt=r"domU# ", timeout=60)
            minios_run(m, r"domU# ", "domU", "/boot/etc/dbench", 1)
            m.detach()
            m.command("xm-lite destroy domU", timeout=60)
            halt(m)
        finally:
            m.kill()
        for w in marker_windows(log, ["dom0 1", "domU 1"], "pvlab"):
            check(int(w["insns"]["hv"]) > 0 and int(w["haps"]["int82"]) > 0,
                  "under pvlab a window without the hypervisor: %s %s" % (w["insns"], w["haps"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@test
def dbench_minios_lab_markers():
    """The lab's pvlab rows: dom0's rc file (rc=, on its ext2 RAM disk) runs dbench-lite under
    -icount; its execute phase opens and closes with one marker each, and a checkpoint lands
    inside it."""
    sys.path.insert(0, os.path.join(ROOT, "lab"))
    import checkpoint
    import collect
    import configs
    tmp = tempfile.mkdtemp(prefix="dbench-lab-")
    try:
        lines = [configs.dbench_cmd(configs.QUICK_LOADFILE, 2, 1), "halt"]
        ram0 = configs.ram_disk(os.path.join(tmp, "ram0.simg"), configs.loadfiles(),
                                {"lab/dom0.rc": configs.rc(lines)})
        cpio = configs.lab_archive(os.path.join(tmp, "bootfs.cpio"), {"ram0": ram0})
        cfg = configs.Config("dbench-test", os.path.join(BUILD, "hv.elf"), [("dom0-1", 1, 1000000)],
                             initrd="%s dom0 root=ram0 rc=/lab/dom0.rc,%s" % (
                                 os.path.join(BUILD, "minios.elf"), cpio),
                             append="dom0_mem=128M", finish=configs.HALTED)
        cfg.run_dir, cfg.overlay = tmp, os.path.join(tmp, "disk.qcow2")
        cfg.fail = configs.FAILED
        done = checkpoint.take(cfg, timeout=300, progress=lambda msg: None)
        # every marker of the run, from all its segments (lab/checkpoint.py: markers.json)
        with open(os.path.join(tmp, "markers.json")) as f:
            marks = json.load(f)
        check(len(marks) == 2, "one dbench run made %d markers, not 2:\n%s" % (len(marks), marks))
        c = done[0]
        check(c["marker_insns"] < c["insns"] < c["next_marker_insns"],
              "the checkpoint is not inside the execute phase: %s" % c)
        text = open(os.path.join(tmp, "checkpoint-console.log")).read()
        rows = collect.dbench_throughput("dbench-test", "x", text, [("dom0", "dbench-lite load.txt")])
        check(len(rows) == 1 and rows[0]["label"] == "dom0" and rows[0]["clients"] == 1,
              "the Throughput line as the lab reads it: %s" % rows)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
