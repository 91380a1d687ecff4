#!/usr/bin/env python3
"""mksimg.py - write (or read back) the sparse disk image a minios RAM disk is loaded from.

Usage:
  mksimg.py --ext2 SIZE_MIB [--dir DIR] OUT.simg   a new ext2 file system (mke2fs -d DIR)
  mksimg.py --from IMAGE OUT.simg                  any raw disk image
  mksimg.py --raw IN.simg OUT.img                  back to a raw image (for e2fsck, debugfs)

The format is guests/minios/include/simg.h's: a header, a table of extents
(runs of non-zero 4 KiB pages) and their pages; pages of zeros are left out,
so a 64 MiB empty file system costs a few hundred KiB in the boot archive.
The magic is read from that header, so the two cannot disagree.  Put the
result in the boot archive as ram/NAME.simg (scripts/mkbootfs.py) and minios
makes the device NAME from it at boot (guests/minios/ramdisk.c).
"""
import argparse
import os
import re
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = os.path.join(ROOT, "guests", "minios", "include", "simg.h")
PAGE = 4096
HEADER_FMT = "<8sIIII"  # struct simg_header
EXTENT_FMT = "<II"      # struct simg_extent


def magic():
    with open(HEADER) as f:
        return re.search(r'#define SIMG_MAGIC\s+"([^"]+)"', f.read()).group(1).encode()


def extents(data):
    """[(first page, pages)] of the runs of pages that are not all zeros."""
    runs, zero = [], bytes(PAGE)
    for n in range(len(data) // PAGE):
        if data[n * PAGE:(n + 1) * PAGE] == zero:
            continue
        if runs and runs[-1][0] + runs[-1][1] == n:
            runs[-1][1] += 1
        else:
            runs.append([n, 1])
    return runs


def write_simg(data, out):
    if len(data) % PAGE or not data:
        sys.exit("mksimg.py: the image is %d bytes, not a whole number of 4 KiB pages" % len(data))
    runs = extents(data)
    with open(out, "wb") as f:
        f.write(struct.pack(HEADER_FMT, magic(), PAGE, len(data) // PAGE, len(runs), 0))
        for first, count in runs:
            f.write(struct.pack(EXTENT_FMT, first, count))
        for first, count in runs:
            f.write(data[first * PAGE:(first + count) * PAGE])
    kib = sum(c for _, c in runs) * 4
    print("  SIMG    %s (%d MiB disk, %d KiB carried)" % (out, len(data) >> 20, kib))


def read_simg(path):
    with open(path, "rb") as f:
        blob = f.read()
    m, page, pages, nr, _ = struct.unpack_from(HEADER_FMT, blob)
    if m != magic() or page != PAGE:
        sys.exit("mksimg.py: %s: not a pvlab sparse image" % path)
    data = bytearray(pages * PAGE)
    pos = struct.calcsize(HEADER_FMT) + nr * struct.calcsize(EXTENT_FMT)
    for i in range(nr):
        first, count = struct.unpack_from(EXTENT_FMT, blob, struct.calcsize(HEADER_FMT) + 8 * i)
        data[first * PAGE:(first + count) * PAGE] = blob[pos:pos + count * PAGE]
        pos += count * PAGE
    return bytes(data)


# mke2fs's own random and clock-dependent fields, fixed: the same files make the same image,
# byte for byte, so a lab boot from a rebuilt image repeats one from the last (its files'
# own times come from the files: lab/configs.py fixes those).
FIXED_UUID = "7076a1ab-0000-4000-8000-000000000001"
FIXED_TIME = "1764374400"  # 2025-11-29 00:00 UTC


def new_ext2(size_mib, directory):
    with tempfile.NamedTemporaryFile(suffix=".img") as img:
        img.truncate(size_mib << 20)
        cmd = ["mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-L", "ram", "-U", FIXED_UUID,
               "-E", "hash_seed=" + FIXED_UUID]
        if directory:
            cmd += ["-d", directory]
        subprocess.run(cmd + [img.name], check=True,
                       env=dict(os.environ, E2FSPROGS_FAKE_TIME=FIXED_TIME))
        return img.read()


def main():
    ap = argparse.ArgumentParser(description="pvlab's sparse disk images")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--ext2", type=int, metavar="SIZE_MIB")
    g.add_argument("--from", dest="image", metavar="IMAGE")
    g.add_argument("--raw", metavar="IN.simg")
    ap.add_argument("--dir")
    ap.add_argument("out")
    a = ap.parse_args()
    if a.raw:
        with open(a.out, "wb") as f:
            f.write(read_simg(a.raw))
    elif a.image:
        with open(a.image, "rb") as f:
            write_simg(f.read(), a.out)
    else:
        write_simg(new_ext2(a.ext2, a.dir), a.out)


if __name__ == "__main__":
    main()
