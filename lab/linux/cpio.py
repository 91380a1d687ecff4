#!/usr/bin/env python3
"""cpio.py - write the cpio "newc" archives that Linux unpacks as an initramfs.

The host has no cpio binary (DESIGN.md decision 13), and the format is
small enough to write by hand.  Linux's initramfs (Documentation/
driver-api/early-userspace/buffer-format.rst) is a sequence of entries,
each a 110-byte ASCII header, the NUL-terminated name padded to 4 bytes,
then the data padded to 4 bytes; the archive ends with an entry named
TRAILER!!!.  The header is the magic "070701" and thirteen 8-digit hex
fields: ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
rdevmajor, rdevminor, namesize (with the NUL) and check (0 for newc).

Entries here are directories, regular files, symbolic links (the target is
the data) and character devices (/dev/console, so /init has a console
before devtmpfs is mounted).  Times are 0 and owners root, so the same tree
gives the same bytes.  pack_tree() walks a host directory; used as a
program it writes one:

    lab/linux/cpio.py OUT.cpio[.gz] DIR
"""
import gzip
import os
import stat
import sys

TRAILER = "TRAILER!!!"


def pad4(n):
    return (4 - n % 4) % 4


def entry(name, mode, data=b"", ino=0, nlink=1, rdev=(0, 0)):
    """One newc entry: header, name, data, each padded to 4 bytes."""
    raw = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(raw), 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    return head + raw + b"\0" * pad4(len(head) + len(raw)) + data + b"\0" * pad4(len(data))


def archive(entries):
    """entries: (name, mode, data[, rdev]) in order; returns the archive with its trailer."""
    out = []
    for i, e in enumerate(entries, 1):
        name, mode, data = e[0], e[1], e[2]
        rdev = e[3] if len(e) > 3 else (0, 0)
        nlink = 2 if stat.S_ISDIR(mode) else 1
        out.append(entry(name.lstrip("/"), mode, data, ino=i, nlink=nlink, rdev=rdev))
    out.append(entry(TRAILER, 0, b"", nlink=1))
    return b"".join(out)


def tree_entries(root):
    """Every directory, file and symlink under `root`, parents first, in sorted order."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        if rel != ".":
            found.append((rel, stat.S_IFDIR | 0o755, b""))
        for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            path = os.path.join(dirpath, name)
            relname = os.path.normpath(os.path.join(rel, name))
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                found.append((relname, stat.S_IFLNK | 0o777, os.readlink(path).encode()))
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    found.append((relname, stat.S_IFREG | (st.st_mode & 0o777), f.read()))
    return found


def pack_tree(root, extra=()):
    """The archive of a host directory, plus `extra` entries (device nodes) at the end."""
    return archive(tree_entries(root) + list(extra))


def write(path, data):
    """Write an archive, gzip-compressed when the name ends in .gz (no name, mtime 0: the same
    tree gives the same bytes wherever it is written)."""
    if path.endswith(".gz"):
        with open(path + ".tmp", "wb") as raw, \
                gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as f:
            f.write(data)
    else:
        with open(path + ".tmp", "wb") as f:
            f.write(data)
    os.rename(path + ".tmp", path)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    write(sys.argv[1], pack_tree(sys.argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
