#!/usr/bin/env python3
"""mkdisk.py - create pvlab's disk image: a raw disk with an MBR partition table.

usage: mkdisk.py IMAGE [SIZE_MIB]

The image (64 MiB by default) has two 16 MiB Linux-type partitions, hda1 at
sector 2048 and hda2 at sector 34816, and unpartitioned space after them.
Every sector starts out zero except the MBR.  An existing image is kept.
"""
import os
import struct
import sys

PARTITIONS = [(2048, 32768), (34816, 32768)]


def mbr():
    sector = bytearray(512)
    for i, (start, count) in enumerate(PARTITIONS):
        # status, CHS first (unused), type 0x83, CHS last (unused), LBA start, sector count
        entry = struct.pack("<B3sB3sII", 0, b"\xfe\xff\xff", 0x83, b"\xfe\xff\xff", start, count)
        sector[446 + 16 * i:446 + 16 * (i + 1)] = entry
    sector[510:512] = b"\x55\xaa"
    return bytes(sector)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    path = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    if os.path.exists(path):
        return 0
    with open(path + ".tmp", "wb") as f:
        f.write(mbr())
        f.truncate(size << 20)
    os.rename(path + ".tmp", path)
    print("  DISK    %s (%d MiB: hda1 and hda2 of 16 MiB)" % (path, size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
