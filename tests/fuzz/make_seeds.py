#!/usr/bin/env python3
"""make_seeds.py - write the seed corpus of every host fuzz target.

The seeds in tests/fuzz/corpus/NAME/ are small inputs that reach deep into
each parser (a fuzzer mutating them finds the interesting paths sooner than
one starting from nothing); tests/corpus_tests.py replays every one of them
in `make test`.  They are generated here from the formats' definitions, not
copied: ELF images and programs, Multiboot information, cpio archives (with
scripts/mkbootfs.py's writer), xm configs, block requests, xenstore message
streams, sparse images, and ext2 images made with mke2fs -d and cut after
their last non-zero byte.  Inputs a fuzzer found that crashed a target are
kept beside them under names starting "crash-" and are never rewritten.

Usage: tests/fuzz/make_seeds.py [OUTDIR]   (default tests/fuzz/corpus)
"""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import mkbootfs  # noqa: E402
import mksimg  # noqa: E402

# ---------------------------------------------------------------- ELF

PT_LOAD, PT_NOTE, PT_INTERP = 1, 4, 3
PF_X, PF_W, PF_R = 1, 2, 4
EHDR, PHDR = "<16sHHIIIIIHHHHHH", "<IIIIIIII"
GUEST_OS, VIRT_BASE = 6, 3


def ehdr(entry, phnum, machine=3):
    ident = b"\x7fELF\x01\x01\x01" + bytes(9)
    return struct.pack(EHDR, ident, 2, machine, 1, entry, 52, 0, 0, 52, 32, phnum, 40, 0, 0)


def phdr(ptype, offset, vaddr, filesz, memsz, flags):
    return struct.pack(PHDR, ptype, offset, vaddr, vaddr, filesz, memsz, flags, 4096)


def note(ntype, desc):
    name = b"Xen\0"
    desc += bytes(-len(desc) % 4)
    return struct.pack("<III", 4, len(desc), ntype) + name + desc


def pv_kernel(base=0xC0000000, guest=b"minios\0", virt_base=True, code=64, bss=0x3000):
    notes = note(GUEST_OS, guest) + (note(VIRT_BASE, struct.pack("<I", base)) if virt_base else b"")
    phs = 2
    off_notes = 52 + 32 * phs
    off_code = (off_notes + len(notes) + 15) & ~15
    body = ehdr(base + 0x10, phs)
    body += phdr(PT_LOAD, off_code, base, code, code + bss, PF_R | PF_X)
    body += phdr(PT_NOTE, off_notes, 0, len(notes), 0, PF_R)
    body += notes
    body += bytes(off_code - len(body))
    return body + bytes([0x90] * (code - 1) + [0xF4])


def user_program(dynamic=False):
    lo = 0x08048000
    n = 3 if dynamic else 2
    off = 52 + 32 * n
    body = ehdr(lo + 0x10, n)
    body += phdr(PT_LOAD, 0, lo, off + 32, off + 32, PF_R | PF_X)
    body += phdr(PT_LOAD, off + 32, lo + 0x1000, 16, 0x2000, PF_R | PF_W)
    if dynamic:
        body += phdr(PT_INTERP, off, 0, 8, 8, PF_R)
    body += b"\x90" * 31 + b"\xf4" + b"data" * 4
    return body

# ---------------------------------------------------------------- Multiboot


def multiboot(with_mods=True):
    """Info at 0, command line 0x100, loader 0x140, modules 0x180, strings 0x200, map 0x280."""
    mem = bytearray(0x300)
    flags = 0x004 | 0x040 | 0x200 | (0x008 if with_mods else 0)
    info = struct.pack("<7I4I2I4I", flags, 640, 65536, 0, 0x100, 2 if with_mods else 0, 0x180,
                       0, 0, 0, 0, 3 * 24, 0x280, 0, 0, 0, 0x140)
    mem[0:len(info)] = info
    mem[0x100:0x100 + 17] = b"dom0_mem=64M xyz\0"
    mem[0x140:0x140 + 9] = b"GRUB 2.0\0"
    mem[0x180:0x1A0] = struct.pack("<8I", 0x100000, 0x180000, 0x200, 0, 0x180000, 0x190000, 0, 0)
    mem[0x200:0x205] = b"dom0\0"
    mmap = [(0, 0x9F000, 1), (0xF0000, 0x10000, 2), (0x100000000, 0x10000000, 1)]
    for i, (base, length, kind) in enumerate(mmap):
        mem[0x280 + 24 * i:0x280 + 24 * (i + 1)] = struct.pack("<IQQI", 20, base, length, kind)
    return bytes(mem)

# ---------------------------------------------------------------- boot archive and configs


DOMU_CFG = b"""# a domU
kernel = "/boot/minios.elf"
name = "domU"
memory = 32
vcpus = 1
extra = "domU"
disk = [ 'phy:hda1,xvda,w' ]
on_crash = "destroy"
"""

CONFIGS = {
    "domU.cfg": DOMU_CFG,
    "nodisk.cfg": b'kernel = "/boot/minios.elf"\nname = "nodisk"\nmemory = 16\n',
    "lists.cfg": b"kernel='/boot/k.elf'  # comment\r\nname = 'a-b_c.d'\nmemory = 0x20\n"
                 b"disk = [ 'phy:hda1,xvda,w', \"phy:ram0,xvdb,r\", ]\n"
                 b"on_poweroff = 'destroy'\non_reboot = 'destroy'\non_crash = 'preserve'\n",
    "typo.cfg": b'kernel = "/boot/minios.elf"\nname = "x"\nmemry = 32\n',
    "octal.cfg": b'kernel = "/boot/minios.elf"\nname = "x"\nmemory = 032\n',
    "backslash.cfg": b'kernel = "/boot/mini\\os.elf"\nname = "x"\n',
    "twice.cfg": b'kernel = "/a"\nkernel = "/b"\nname = "x"\n',
    "unclosed.cfg": b"kernel = \"/a\"\nname = \"x\"\ndisk = [ 'phy:hda1,xvda,w'\n",
}


def bootfs():
    small = pv_kernel()
    yield "archive", mkbootfs.build([("etc/xm/domU.cfg", DOMU_CFG),
                                          ("boot/minios.elf", small)])
    yield "nested", mkbootfs.build([("a/b/c/d.txt", b"hello\n"), ("top", b"")])
    yield "only_trailer", mkbootfs.entry(0, 0, 1, mkbootfs.TRAILER)

# ---------------------------------------------------------------- block requests


def blkif(op, nsegs, sector, disk_sectors, readonly, segs=None, count_hint=8):
    segs = segs or [(i + count_hint, 0, 7) for i in range(nsegs)]
    req = struct.pack("<BBHQQ", op, nsegs, 0x300, 0x1234, sector)
    for i in range(11):
        g, f, l = segs[i] if i < len(segs) else (0, 0, 0)
        req += struct.pack("<IBBH", g, f, l, 0)
    assert len(req) == 108
    return req + struct.pack("<QB", disk_sectors, readonly)

# ---------------------------------------------------------------- xenstore streams

XS = {"read": 2, "get_perms": 3, "watch": 4, "unwatch": 5, "tx_start": 6, "tx_end": 7,
      "is_intro": 17, "directory": 1, "write": 11, "mkdir": 12, "rm": 13, "set_perms": 14,
      "get_domain_path": 10}
DOMS = {0: 0, 1: 1, 2: 2, 5: 4}


def xs_msg(dom, kind, payload, tx=0):
    return bytes([DOMS[dom]]) + bytes([XS[kind], tx]) + struct.pack("<H", len(payload)) + payload


def xs_intro(dom):
    return bytes([DOMS[dom] | 30 << 3])


def xs_release(dom):
    return bytes([DOMS[dom] | 31 << 3])


def xenstore():
    fe, be = b"device/vbd/768/", b"/local/domain/0/backend/vbd/1/768/"
    yield "handshake", (
        xs_intro(1)
        + xs_msg(0, "write", be + b"state\0" + b"2")
        + xs_msg(0, "set_perms", be + b"\0n0\0r1\0")
        + xs_msg(1, "watch", be + b"state\0be\0")
        + xs_msg(1, "write", fe + b"ring-ref\0" + b"8")
        + xs_msg(1, "write", fe + b"state\0" + b"3")
        + xs_msg(0, "read", b"/local/domain/1/" + fe + b"ring-ref\0")
        + xs_msg(0, "write", be + b"state\0" + b"4")
        + xs_msg(1, "directory", b"device/vbd\0")
        + xs_msg(1, "get_perms", be + b"state\0")
        + xs_release(1))
    yield "transactions", (
        xs_intro(2)
        + xs_msg(2, "tx_start", b"\0")
        + xs_msg(2, "write", b"data/x\0" + b"hello", tx=1)
        + xs_msg(2, "mkdir", b"data/y\0", tx=1)
        + xs_msg(2, "tx_end", b"T\0", tx=1)
        + xs_msg(2, "rm", b"data\0")
        + xs_msg(2, "get_domain_path", b"2\0")
        + xs_msg(2, "is_intro", b"2\0"))
    yield "watches", (
        xs_msg(0, "watch", b"@introduceDomain\0intro\0")
        + xs_msg(0, "watch", b"/tool\0t\0")
        + xs_intro(5)
        + xs_msg(0, "write", b"/tool/a/b/c\0" + b"v" * 40)
        + xs_msg(5, "write", b"/tool/x\0" + b"no")
        + xs_msg(0, "unwatch", b"/tool\0t\0")
        + xs_msg(0, "rm", b"/tool/a\0")
        + xs_release(5))

# ---------------------------------------------------------------- sparse images


def simg(nr_pages, runs, magic=None):
    head = struct.pack("<8sIIII", magic or mksimg.magic(), 4096, nr_pages, len(runs), 0)
    table = b"".join(struct.pack("<II", f, c) for f, c in runs)
    data = b"".join(bytes([0xA5 ^ (f + i) & 0xFF]) * 4096 for f, c in runs for i in range(c))
    return head + table + data

# ---------------------------------------------------------------- ext2


def ext2_images(tmp):
    """(name, mke2fs options, build the source tree) for each seed image."""
    def tree(d):
        os.makedirs(os.path.join(d, "dir"))
        with open(os.path.join(d, "a.txt"), "w") as f:
            f.write("hello\n")
        with open(os.path.join(d, "dir", "b.txt"), "w") as f:
            f.write("b" * 1500)
        os.symlink("a.txt", os.path.join(d, "link"))
        os.symlink("x" * 80, os.path.join(d, "longlink"))
    # The seeds are not images: each is one cut after its first KiB and its last non-zero byte.
    cases = [("1k_blocks", "-b 1024 -N 16 -O ^resize_inode,^dir_index,^ext_attr 128k"),
             ("1k_blocks_features", "-b 1024 -N 16 128k"),
             ("4k_blocks", "-b 4096 -N 16 -O ^resize_inode 240k")]
    for name, opts in cases:
        src = os.path.join(tmp, name + ".src")
        tree(src)
        img = os.path.join(tmp, name + ".img")
        *flags, size = opts.split()
        subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-d", src] + flags + [img, size],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["debugfs", "-w", "-R", "rmdir lost+found", img], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        data = open(img, "rb").read()[1024:].rstrip(b"\0")
        yield name, data


def all_seeds(tmp):
    yield "elf", "minios_like", pv_kernel()
    yield "elf", "no_virt_base", pv_kernel(virt_base=False, base=0x00400000)
    yield "elf", "not_pv", pv_kernel().replace(b"Xen\0", b"Xan\0")
    yield "elf", "into_hypervisor", pv_kernel(base=0xFBFFF000)
    yield "elf_prog", "static", user_program()
    yield "elf_prog", "dynamic", user_program(dynamic=True)
    yield "multiboot", "grub", multiboot()
    yield "multiboot", "no_modules", multiboot(with_mods=False)
    for name, data in bootfs():
        yield "bootfs", name, data
    for name, data in CONFIGS.items():
        yield "xmconfig", name, data
    yield "blkif", "read", blkif(0, 2, 100, 1 << 20, 0)
    yield "blkif", "write_readonly", blkif(1, 1, 0, 1 << 20, 1)
    yield "blkif", "flush", blkif(3, 0, 0, 100, 0)
    yield "blkif", "at_the_end", blkif(0, 11, (1 << 20) - 88, 1 << 20, 0)
    yield "blkif", "bad_segment", blkif(0, 1, 0, 100, 0, segs=[(1, 5, 3)])
    for name, data in xenstore():
        yield "xenstore", name, data
    yield "simg", "two_extents", simg(16, [(0, 2), (9, 1)])
    yield "simg", "empty_disk", simg(4, [])
    yield "simg", "overlap", simg(16, [(3, 2), (4, 1)])
    for name, data in ext2_images(tmp):
        yield "ext2", name, data


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    with tempfile.TemporaryDirectory(prefix="pvlab-seeds-") as tmp:
        for target, name, data in all_seeds(tmp):
            d = os.path.join(out, target)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            print("  SEED    %s/%s (%d bytes)" % (target, name, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
