#!/usr/bin/env python3
"""mkbootfs.py - write dom0's boot archive, a cpio "newc" archive.

Usage: mkbootfs.py OUT.cpio [--base BASE.cpio] ARCHIVE_PATH=HOST_FILE ...

Each ARCHIVE_PATH=HOST_FILE puts a copy of HOST_FILE into the archive as
ARCHIVE_PATH, without its leading "/" (so /etc/xm/domU.cfg is stored as
etc/xm/domU.cfg), preceded by an entry for each directory on the way that is
not in the archive yet (etc, then etc/xm).  dom0 reads the result with
tools/xm-lite/bootfs.c.  --base starts from the regular files of an
existing archive (a test's or the lab's archive is build/bootfs.cpio plus,
say, a RAM disk image ram/ram0.simg).

The archive is the same byte for byte whenever the inputs are: every entry
has mtime 0, uid and gid 0, mode 0100644 for files and 040755 for
directories, and inode numbers 1, 2, 3, ... in the order the entries are
written, which is the order of the arguments.  Only the standard library is
used.
"""
import sys

MAGIC = b"070701"
FILE_MODE = 0o100644
DIR_MODE = 0o040755
TRAILER = "TRAILER!!!"


def pad4(n):
    return b"\0" * (-n % 4)


def entry(ino, mode, nlink, name, data=b""):
    """One newc entry: header, NUL-terminated name and data, each padded to 4 bytes."""
    name_bytes = name.encode("ascii") + b"\0"
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name_bytes), 0]
    header = MAGIC + b"".join(b"%08X" % f for f in fields)
    assert len(header) == 110
    out = header + name_bytes
    out += pad4(len(out))
    return out + data + pad4(len(data))


def archive_path(arg):
    """Checks ARCHIVE_PATH and returns it as stored: no leading "/", no "." or ".." parts."""
    parts = arg.lstrip("/").split("/")
    if not arg.lstrip("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError("bad archive path %r" % arg)
    try:
        arg.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("archive path %r is not ASCII" % arg)
    return "/".join(parts)


def build(files):
    """files: list of (archive path, data). Returns the archive's bytes."""
    out = []
    dirs, names = set(), set()
    ino = 0
    for path, data in files:
        if path in names or path in dirs:
            raise ValueError("%s given twice" % path)
        if len(data) > 0xFFFFFFFF:
            raise ValueError("%s is too large for cpio" % path)
        parts = path.split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            if d in names:
                raise ValueError("%s is a file and a directory" % d)
            if d not in dirs:
                dirs.add(d)
                ino += 1
                out.append(entry(ino, DIR_MODE, 2, d))
        names.add(path)
        ino += 1
        out.append(entry(ino, FILE_MODE, 1, path, data))
    out.append(entry(0, 0, 1, TRAILER))
    return b"".join(out)


def members(data):
    """[(archive path, data)] of the regular files of a newc archive, in order."""
    files, pos = [], 0
    while data[pos:pos + 6] == MAGIC:
        fields = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        mode, size, name_len = fields[1], fields[6], fields[11]
        name = data[pos + 110:pos + 110 + name_len - 1].decode("ascii")
        start = pos + 110 + name_len
        start += -start % 4
        if name == TRAILER:
            return files
        if mode & 0o170000 == 0o100000:
            files.append((name, data[start:start + size]))
        pos = start + size + (-size % 4)
    raise ValueError("not a newc archive, or one without its trailer")


def main(argv):
    base = None
    if len(argv) > 2 and argv[1] == "--base":
        base, argv = argv[2], argv[:1] + argv[3:]
    if len(argv) < (1 if base else 2) or any("=" not in a for a in argv[1:]):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    files = []
    try:
        if base:
            with open(base, "rb") as f:
                files = members(f.read())
        for arg in argv[1:]:
            path, host_file = arg.split("=", 1)
            with open(host_file, "rb") as f:
                files.append((archive_path(path), f.read()))
        data = build(files)
    except (OSError, ValueError) as e:
        sys.stderr.write("mkbootfs: %s\n" % e)
        return 1
    with open(argv[0], "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
