#!/usr/bin/env python3
"""genload.py - write a short dbench 4.0 loadfile that uses every operation.

The tests need a loadfile in the format of dbench's client.txt (which is
26 MB and not ours to commit): this one is generated, a few dozen lines that
set up the client's directory, then a "body" that uses every operation
dbench-lite knows (NTCreateX to open, create and miss a file, WriteX, ReadX,
the QUERY_* and SET_FILE_INFORMATION calls, FIND_FIRST, LockX/UnlockX, Flush,
Rename, Unlink, Mkdir, Rmdir, Sleep, Deltree), with the statuses a real file
system returns, so that neither dbench-lite nor Debian's dbench reports a
mismatch.

  genload.py [--repeat N] [--no-sleep] [--open-files N] [--timed START END] [-o FILE]

--repeat N   the body N times (default 1)
--no-sleep   leave out the body's Sleep (make bench's loadfile, bench.txt:
             client.txt has no Sleep, and a minios sleep lasts until a timer
             tick, 10 ms natively and 1 ms under pvlab, so a run with sleeps
             would compare the tick rates rather than the systems)
--open-files N  instead of the body, hold N files open at once: create and
             write each, rename one while it is open, read every one back,
             close them all (client.txt holds up to 23; a minios process
             holds up to 64 descriptors, three of them the console's)
--timed S E  make a fixed-size run: the body's first line waits until S
             seconds into the pass and its last line until E seconds.  Run
             with -t T where T < 5, so that the warm-up is 0 seconds (dbench's
             default is T / 5) and nothing is ever cleared from the table,
             and with T < E, so that the clients are told to stop while they
             wait on the last line: they run it and stop.  The table then
             counts exactly one pass of the whole file per client, in dbench
             4.0 and in dbench-lite alike.

expected_counts(repeat, clients) gives the table such a run must print.
"""
import argparse
import sys

SETUP = [
    r'Deltree "\clients\client1" NT_STATUS_OK',
    r'Mkdir "\clients" NT_STATUS_OK',
    r'NTCreateX "\clients\client1" 0x1 0x2 1000 NT_STATUS_OK',
    r'Close 1000 NT_STATUS_OK',
]

BODY = [
    r'Mkdir "\clients\client1\dir" NT_STATUS_OK',
    r'NTCreateX "\clients\client1\dir\a.dat" 0x40 0x2 1001 NT_STATUS_OK',
    r'QUERY_FS_INFORMATION 259 NT_STATUS_OK',
    r'WriteX 1001 0 65536 65536 NT_STATUS_OK',
    r'WriteX 1001 65536 4096 4096 NT_STATUS_OK',
    r'QUERY_FILE_INFORMATION 1001 258 NT_STATUS_OK',
    r'SET_FILE_INFORMATION 1001 1004 NT_STATUS_OK',
    r'LockX 1001 0 1 NT_STATUS_OK',
    r'UnlockX 1001 0 1 NT_STATUS_OK',
    r'Flush 1001 NT_STATUS_OK',
    r'Close 1001 NT_STATUS_OK',
    r'NTCreateX "\clients\client1\dir\a.dat" 0x40 0x1 1002 NT_STATUS_OK',
    r'ReadX 1002 0 65536 65536 NT_STATUS_OK',
    r'ReadX 1002 65536 4096 4096 NT_STATUS_OK',
    r'Close 1002 NT_STATUS_OK',
    r'QUERY_PATH_INFORMATION "\clients\client1\dir\a.dat" 1004 NT_STATUS_OK',
    r'QUERY_PATH_INFORMATION "\clients\client1\dir\none" 1004 NT_STATUS_OBJECT_NAME_NOT_FOUND',
    r'NTCreateX "\clients\client1\dir\none" 0x40 0x1 1003 NT_STATUS_OBJECT_NAME_NOT_FOUND',
    r'FIND_FIRST "\clients\client1\dir\*" 260 1366 1 NT_STATUS_OK',
    r'Rename "\clients\client1\dir\a.dat" "\clients\client1\dir\b.dat" NT_STATUS_OK',
    r'Sleep 100 NT_STATUS_OK',
    r'Unlink "\clients\client1\dir\b.dat" 0x6 NT_STATUS_OK',
    r'Mkdir "\clients\client1\dir\sub" NT_STATUS_OK',
    r'Rmdir "\clients\client1\dir\sub" NT_STATUS_OK',
    r'Deltree "\clients\client1\dir" NT_STATUS_OK',
]

# The loadfile keyword of each operation and its name in dbench's table.
TABLE_NAME = {
    "NTCreateX": "NTCreateX", "Close": "Close", "Rename": "Rename", "Unlink": "Unlink",
    "Deltree": "Deltree", "Rmdir": "Rmdir", "Mkdir": "Mkdir",
    "QUERY_PATH_INFORMATION": "Qpathinfo", "QUERY_FILE_INFORMATION": "Qfileinfo",
    "QUERY_FS_INFORMATION": "Qfsinfo", "SET_FILE_INFORMATION": "Sfileinfo", "FIND_FIRST": "Find",
    "WriteX": "WriteX", "ReadX": "ReadX", "LockX": "LockX", "UnlockX": "UnlockX", "Flush": "Flush",
}


def open_files_body(n):
    """n files open at once, the first renamed while open (client.txt never unlinks an open
    file, and minios refuses to: -EBUSY)."""
    path = r'"\clients\client1\f%d.dat"'
    body = [r'NTCreateX %s 0x40 0x2 %d NT_STATUS_OK' % (path % i, 2000 + i) for i in range(n)]
    body += ['WriteX %d 0 4096 4096 NT_STATUS_OK' % (2000 + i) for i in range(n)]
    body += [r'Rename %s "\clients\client1\moved.dat" NT_STATUS_OK' % (path % 0)]
    body += ['ReadX %d 0 4096 4096 NT_STATUS_OK' % (2000 + i) for i in range(n)]
    body += ['QUERY_FILE_INFORMATION %d 1004 NT_STATUS_OK' % (2000 + i) for i in range(n)]
    body += ['Close %d NT_STATUS_OK' % (2000 + i) for i in range(n)]
    return body + [r'Unlink "\clients\client1\moved.dat" 0x6 NT_STATUS_OK',
                   r'Deltree "\clients\client1" NT_STATUS_OK']


def lines(repeat=1, timed=None, open_files=0, sleep=True):
    """The loadfile's lines; timed = (start, end) seconds or None."""
    body = BODY if sleep else [b for b in BODY if not b.startswith("Sleep ")]
    body = open_files_body(open_files) if open_files else body * repeat
    if timed:
        body = ["%.3f %s" % (timed[0], body[0])] + body[1:-1] + ["%.3f %s" % (timed[1], body[-1])]
    return SETUP + body


def expected_counts(repeat=1, clients=1, open_files=0):
    """{table name: count} for one pass of the file per client (Sleep is not counted)."""
    counts = {}
    for line in lines(repeat, open_files=open_files):
        name = TABLE_NAME.get(line.split()[0])
        if name:
            counts[name] = counts.get(name, 0) + clients
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--timed", nargs=2, type=float, metavar=("START", "END"))
    ap.add_argument("--open-files", type=int, default=0)
    ap.add_argument("--no-sleep", action="store_true")
    ap.add_argument("-o", "--output")
    args = ap.parse_args()
    text = "\n".join(lines(args.repeat, args.timed, args.open_files, not args.no_sleep)) + "\n"
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
