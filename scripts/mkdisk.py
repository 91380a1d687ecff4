#!/usr/bin/env python3
"""mkdisk.py - create and inspect pvlab's disk image: a raw disk with an MBR partition table.

usage:
  mkdisk.py IMAGE [SIZE_MIB]
      The block tests' raw disk (64 MiB by default): two 16 MiB Linux-type
      partitions, hda1 at sector 2048 and hda2 at sector 34816, and
      unpartitioned space after them.  Every sector is zero except the MBR.
  mkdisk.py --ext2 [--size MIB] IMAGE [--hda1 SPEC...] [--hda2 SPEC...]
      The lab's disk (512 MiB by default, sparse on the host): two equal
      partitions, each an ext2 file system made by mke2fs -d from the files
      SPEC names: /PATH=HOSTFILE copies a file, /PATH/ makes an empty directory.
  mkdisk.py --add IMAGE PART /PATH=HOSTFILE...
      Copy files into partition PART (1 or 2) of an existing image (debugfs).
  mkdisk.py --fsck IMAGE
      e2fsck -fn on every partition that holds ext2; exit 1 if one is not clean.
  mkdisk.py --extract IMAGE PART OUT
      Copy partition PART into the file OUT (sparse), for debugfs or e2fsck.

An existing IMAGE is kept by the two creating forms (make disk replaces it).
e2fsprogs have no partition offset for e2fsck and debugfs, so partitions are
copied out to a temporary file, looked at or changed, and copied back.
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SECTOR = 512
RAW_PARTITIONS = [(2048, 32768), (34816, 32768)]
PARTITIONS = RAW_PARTITIONS  # the raw layout's (start, count): other tests read it
CHUNK = 1 << 20


def ext2_partitions(size_mib):
    """Two equal partitions filling the disk after the first MiB (and one MiB of slack)."""
    each = (size_mib - 2) // 2 * 2048
    return [(2048, each), (2048 + each, each)]


def mbr(partitions):
    sector = bytearray(SECTOR)
    for i, (start, count) in enumerate(partitions):
        # status, CHS first (unused), type 0x83, CHS last (unused), LBA start, sector count
        entry = struct.pack("<B3sB3sII", 0, b"\xfe\xff\xff", 0x83, b"\xfe\xff\xff", start, count)
        sector[446 + 16 * i:446 + 16 * (i + 1)] = entry
    sector[510:512] = b"\x55\xaa"
    return bytes(sector)


def read_partitions(image):
    """[(start, count)] of the MBR's used entries, in order (hda1 first)."""
    with open(image, "rb") as f:
        sector = f.read(SECTOR)
    parts = []
    for i in range(4):
        e = sector[446 + 16 * i:446 + 16 * (i + 1)]
        start, count = struct.unpack("<II", e[8:16])
        if e[4] and count:
            parts.append((start, count))
    return parts


def copy_range(src, src_off, dst, dst_off, length):
    """Copy length bytes, skipping all-zero chunks so the destination stays sparse."""
    src.seek(src_off)
    done = 0
    while done < length:
        data = src.read(min(CHUNK, length - done))
        if not data:
            break
        if data.count(0) != len(data):
            dst.seek(dst_off + done)
            dst.write(data)
        done += len(data)


def extract(image, part, out):
    start, count = read_partitions(image)[part - 1]
    with open(image, "rb") as src, open(out, "wb") as dst:
        dst.truncate(count * SECTOR)
        copy_range(src, start * SECTOR, dst, 0, count * SECTOR)


def put_back(image, part, path):
    """Write a partition file over the partition; zeros only where the image is not zero already."""
    start, count = read_partitions(image)[part - 1]
    with open(path, "rb") as src, open(image, "r+b") as dst:
        off = start * SECTOR
        while True:
            data = src.read(CHUNK)
            if not data:
                break
            dst.seek(off)
            if data.count(0) != len(data) or dst.read(len(data)).count(0) != len(data):
                dst.seek(off)
                dst.write(data)
            off += len(data)


def stage(specs, top):
    """Lay out /PATH=HOSTFILE and /PATH/ specs under directory top."""
    for spec in specs:
        dst, _, src = spec.partition("=")
        path = os.path.join(top, dst.lstrip("/"))
        if not src:
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copyfile(src, path)
        os.chmod(path, 0o755 if os.access(src, os.X_OK) else 0o644)


def make_ext2(image, size_mib, contents):
    parts = ext2_partitions(size_mib)
    tmp = image + ".tmp"
    with open(tmp, "wb") as f:
        f.write(mbr(parts))
        f.truncate(size_mib << 20)
    with tempfile.TemporaryDirectory(prefix="pvlab-mkdisk-") as d:
        for i, (start, count) in enumerate(parts):
            top, fs = os.path.join(d, "root%d" % i), os.path.join(d, "fs%d.img" % i)
            os.makedirs(top)
            stage(contents[i], top)
            subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-L", "hda%d" % (i + 1),
                            "-E", "root_owner=0:0", "-d", top, fs, "%dk" % (count // 2)],
                           check=True, stdout=subprocess.DEVNULL)
            with open(fs, "rb") as src, open(tmp, "r+b") as dst:
                copy_range(src, 0, dst, start * SECTOR, count * SECTOR)
    os.rename(tmp, image)
    print("  DISK    %s (%d MiB: hda1 and hda2 of %d MiB, ext2)" % (image, size_mib,
                                                                   parts[0][1] // 2048))


def make_raw(image, size_mib):
    with open(image + ".tmp", "wb") as f:
        f.write(mbr(RAW_PARTITIONS))
        f.truncate(size_mib << 20)
    os.rename(image + ".tmp", image)
    print("  DISK    %s (%d MiB: hda1 and hda2 of 16 MiB)" % (image, size_mib))


def add_files(image, part, specs):
    with tempfile.TemporaryDirectory(prefix="pvlab-mkdisk-") as d:
        fs = os.path.join(d, "part.img")
        extract(image, part, fs)
        cmds = []
        for spec in specs:
            dst, _, src = spec.partition("=")
            parent = ""
            for comp in os.path.dirname(dst).strip("/").split("/"):
                if comp:
                    parent += "/" + comp
                    cmds.append("mkdir %s" % parent)
            cmds += ["rm %s" % dst, "write %s %s" % (src, dst)]
        script = os.path.join(d, "cmds")
        with open(script, "w") as f:
            f.write("\n".join(cmds) + "\n")
        subprocess.run(["debugfs", "-w", "-f", script, fs], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        put_back(image, part, fs)
    print("  DISK    %s: hda%d += %s" % (image, part, " ".join(s.split("=")[0] for s in specs)))


def has_ext2(path):
    with open(path, "rb") as f:
        f.seek(1024 + 56)
        return f.read(2) == b"\x53\xef"


def fsck(image):
    """e2fsck -fn each ext2 partition; 0 if every one is clean."""
    bad = 0
    with tempfile.TemporaryDirectory(prefix="pvlab-fsck-") as d:
        for i in range(len(read_partitions(image))):
            fs = os.path.join(d, "hda%d.img" % (i + 1))
            extract(image, i + 1, fs)
            if not has_ext2(fs):
                print("hda%d: no ext2 file system" % (i + 1))
                continue
            r = subprocess.run(["e2fsck", "-fn", fs], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, universal_newlines=True)
            print("hda%d: e2fsck -fn: exit %d%s" % (i + 1, r.returncode,
                                                    " (clean)" if r.returncode == 0 else ""))
            print("".join("  " + l + "\n" for l in r.stdout.splitlines()), end="")
            bad |= r.returncode != 0
    return bad


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--ext2", action="store_true")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--hda1", nargs="*", default=[])
    ap.add_argument("--hda2", nargs="*", default=[])
    ap.add_argument("--add", nargs="+")
    ap.add_argument("--fsck")
    ap.add_argument("--extract", nargs=3)
    ap.add_argument("rest", nargs="*")
    a = ap.parse_args()
    if a.fsck:
        return fsck(a.fsck)
    if a.extract:
        extract(a.extract[0], int(a.extract[1]), a.extract[2])
        return 0
    if a.add:
        add_files(a.add[0], int(a.add[1]), a.add[2:])
        return 0
    if not a.rest:
        print(__doc__)
        return 2
    image = a.rest[0]
    if os.path.exists(image):
        return 0
    if a.ext2:
        make_ext2(image, a.size, [a.hda1, a.hda2])
    else:
        make_raw(image, int(a.rest[1]) if len(a.rest) > 1 else 64)
    return 0


if __name__ == "__main__":
    sys.exit(main())
