"""dbench_tests.py - dbench-lite on the Linux host, and beside Debian's dbench 4.0.

build/host/dbench-lite runs the loadfile guests/dbench-lite/genload.py
writes, in a temporary directory, with 1 and 2 clients: the output must have
dbench 4.0's progress lines, an operation table naming every operation, the
Throughput line, and the program must exit 0 and leave no client directory
behind.  A malformed loadfile must stop the run with FILE:LINE: problem.

If Debian's dbench is installed (scripts/ensure-deps.sh dbench; the tests
never install it, so `make test` needs no network), both programs run the
same fixed-size loadfile (genload.py --timed: one pass per client, see its
header) and their operation tables must agree exactly, with each other and
with the count of operations in the file.  Without it the comparison is
skipped with a printed reason.  Registered in ALL like system_tests.py.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from qemu import BUILD, ROOT, check

sys.path.insert(0, os.path.join(ROOT, "guests", "dbench-lite"))
import genload  # noqa: E402

ALL = []
DBENCH_LITE = os.path.join(BUILD, "host", "dbench-lite")
OPERATIONS = ["NTCreateX", "Close", "Rename", "Unlink", "Deltree", "Rmdir", "Mkdir", "Qpathinfo",
              "Qfileinfo", "Qfsinfo", "Sfileinfo", "Find", "WriteX", "ReadX", "LockX", "UnlockX",
              "Flush"]
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


def short_run(nprocs):
    tmp = tempfile.mkdtemp(prefix="dbench-lite-")
    try:
        load = write_loadfile(tmp, "load.txt", repeat=2)
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        rc, out = run([DBENCH_LITE, "-c", load, "-t", "2", "--warmup", "2", "-D", work, str(nprocs)])
        check(rc == 0, "dbench-lite %d exited %d:\n%s" % (nprocs, rc, out))
        check(re.search(PROGRESS % "warmup", out, re.M), "no warmup line:\n" + out)
        check(re.search(PROGRESS % "execute", out, re.M), "no execute line:\n" + out)
        check(re.search(r"^\s+0  cleanup\s+\d+ sec$", out, re.M), "no last cleanup line:\n" + out)
        counts = table(out)
        missing = [op for op in OPERATIONS if counts.get(op, 0) == 0]
        check(not missing, "the table lacks %s:\n%s" % (", ".join(missing), out))
        m = re.search(r"^Throughput (\d+(\.\d+)?) MB/sec  (\d+) clients  (\d+) procs  "
                      r"max_latency=\d+\.\d{3} ms$", out, re.M)
        check(m and m.group(3) == m.group(4) == str(nprocs), "no Throughput line:\n" + out)
        check(float(m.group(1)) > 0, "no throughput measured:\n" + out)
        check("ERROR" not in out and "failed" not in out, "a status mismatch:\n" + out)
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


@test
def dbench_lite_counts_match_debian_dbench():
    """One fixed-size pass of the generated loadfile: dbench-lite's table is dbench 4.0's."""
    real = shutil.which("dbench")
    if not real:
        print("SKIP dbench_lite_counts_match_debian_dbench: Debian's dbench is not installed "
              "(scripts/ensure-deps.sh dbench)", flush=True)
        return []
    results = []
    tmp = tempfile.mkdtemp(prefix="dbench-lite-")
    try:
        load = write_loadfile(tmp, "timed.txt", timed=(1.5, 3.5))
        for nprocs in (1, 2):
            tables = {}
            for name, prog in (("dbench", real), ("dbench-lite", DBENCH_LITE)):
                work = os.path.join(tmp, "%s-%d" % (name, nprocs))
                os.mkdir(work)
                rc, out = run([prog, "-c", load, "-t", "2", "-D", work, str(nprocs)])
                check(rc == 0, "%s exited %d:\n%s" % (name, rc, out))
                tables[name] = table(out)
            want = genload.expected_counts(1, nprocs)
            ok = tables["dbench"] == tables["dbench-lite"] == want
            results.append(("%d_clients" % nprocs, ok,
                            "dbench %s\ndbench-lite %s\nthe file %s" %
                            (tables["dbench"], tables["dbench-lite"], want)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results
