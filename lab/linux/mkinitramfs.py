#!/usr/bin/env python3
"""mkinitramfs.py - the Linux baseline: Debian's i386 kernel with an
initramfs that runs the real dbench 4.0 on an ext2 RAM disk between markers.

usage: lab/linux/mkinitramfs.py DIR [SECONDS]

Everything is made at lab time in DIR (build/lab/linux) and never committed:
lab/linux/fetch.sh downloads and unpacks the Debian packages (DESIGN.md
decision 13), then this script writes

  DIR/vmlinuz     the 686 kernel, as Debian ships it
  DIR/initrd.gz   a gzip'd newc cpio (lab/linux/cpio.py: the host has no
                  cpio) with busybox (static), dbench and the libraries it
                  links against (ld-linux, libc, libpopt), client.txt, the
                  marker program (lab/linux/marker.c), the kernel modules
                  below and /init (lab/linux/init.sh with SECONDS, MIDPOINT
                  and DISK_MIB filled in)

dbench works on an ext2 that /init makes (busybox mke2fs, 4 KiB blocks, as
minios's RAM disks) on /dev/ram0, Linux's own RAM disk (brd) of DISK_MIB,
the size of each minios RAM disk (lab/configs.py: RAM_DISK_MIB).  No disk
is attached: a disk completes its I/O when the host's I/O thread is done,
a moment -icount cannot replay, so with it the boot would not repeat to the
instruction (docs/lab.md, "Which figures are exact").

The 686 kernel has the initramfs, gzip, devtmpfs and the 8250 serial port
built in, but ext2 needs the ext4 module (which mounts ext2) and brd is a
module.  Debian's package ships no modules.dep (depmod makes it at install
time), so each module's dependencies come from the depends= field of its
own .modinfo section, and /etc/modules.order lists every module after the
ones it depends on, each with its parameters (MODULE_ARGS).
"""
import os
import shutil
import stat
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cpio  # noqa: E402

# Loaded in this order, each after its own dependencies.  crc32c_generic is
# ext4's soft dependency ("softdep=pre: crc32c"), which depends= does not list.
MODULES = ["crc32c_generic", "ext4", "brd"]
BUSYBOX_APPLETS = ["sh", "mount", "umount", "insmod", "mkdir", "cat", "echo", "sleep", "sync",
                   "poweroff", "ls", "dmesg", "test", "[", "mke2fs"]


def module_args(disk_mib):
    """{module: its insmod parameters}: one RAM disk of disk_mib (brd counts in KiB)."""
    return {"brd": "rd_nr=1 rd_size=%d" % (disk_mib * 1024)}


# ---------------------------------------------------------------- kernel modules

def modinfo(path):
    """The key=value strings of a module's .modinfo section (ELF32, little-endian)."""
    with open(path, "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF" or elf[4] != 1:
        raise ValueError("%s is not an ELF32 module" % path)
    shoff, = struct.unpack_from("<I", elf, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x2E)
    sections = [struct.unpack_from("<IIIIII", elf, shoff + i * shentsize) for i in range(shnum)]
    names_off = sections[shstrndx][4]
    for name, _type, _flags, _addr, off, size in sections:
        end = elf.index(b"\0", names_off + name)
        if elf[names_off + name:end] == b".modinfo":
            info = {}
            for item in elf[off:off + size].split(b"\0"):
                if b"=" in item:
                    k, v = item.decode(errors="replace").split("=", 1)
                    info.setdefault(k, v)
            return info
    return {}


def module_index(moddir):
    """{module name: path} for every .ko under the kernel's module tree (- and _ alike)."""
    index = {}
    for dirpath, _, files in os.walk(moddir):
        for f in files:
            if f.endswith(".ko"):
                index[f[:-3].replace("-", "_")] = os.path.join(dirpath, f)
    return index


def load_order(wanted, index):
    """Every wanted module and its dependencies, each after what it depends on."""
    order, seen = [], set()

    def visit(name, chain):
        name = name.replace("-", "_")
        if name in seen:
            return
        if name in chain:
            raise ValueError("module dependency loop: %s" % " -> ".join(chain + [name]))
        if name not in index:
            raise ValueError("no module %s (needed by %s)" % (name, chain[-1] if chain else "the lab"))
        for dep in filter(None, modinfo(index[name]).get("depends", "").split(",")):
            visit(dep, chain + [name])
        seen.add(name)
        order.append(name)

    for w in wanted:
        visit(w, [])
    return order


# ---------------------------------------------------------------- the tree

def kernel_dir(pkgs):
    img = [d for d in os.listdir(pkgs) if d.startswith("linux-image-")]
    if len(img) != 1:
        raise SystemExit("lab: expected one linux-image package in %s, found %s" % (pkgs, img))
    root = os.path.join(pkgs, img[0])
    version = os.listdir(os.path.join(root, "lib", "modules"))[0]
    return root, version


def copy(src, dst, mode=0o755):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)  # follows symlinks: the library's real bytes under its soname
    os.chmod(dst, mode)


def build_marker(out):
    subprocess.run(["gcc", "-m32", "-static", "-nostdlib", "-nostartfiles", "-O2", "-fno-pic",
                    "-no-pie", "-Wl,-Ttext=0x0a000000", "-Wl,--build-id=none", "-o", out,
                    os.path.join(HERE, "marker.c")], check=True)


def make_tree(pkgs, root, seconds, disk_mib):
    kroot, version = kernel_dir(pkgs)
    if os.path.exists(root):
        shutil.rmtree(root)
    for d in ("bin", "dev", "proc", "sys", "mnt", "etc", "lib/modules", "usr/bin"):
        os.makedirs(os.path.join(root, d))
    copy(os.path.join(pkgs, "busybox-static", "bin", "busybox"), os.path.join(root, "bin", "busybox"))
    for applet in BUSYBOX_APPLETS:
        os.symlink("busybox", os.path.join(root, "bin", applet))
    copy(os.path.join(pkgs, "dbench", "usr", "bin", "dbench"), os.path.join(root, "usr", "bin", "dbench"))
    copy(os.path.join(pkgs, "dbench", "usr", "share", "dbench", "client.txt"),
         os.path.join(root, "client.txt"), 0o644)
    libs = {"ld-linux.so.2": "libc6/lib/i386-linux-gnu/ld-linux.so.2",
            "libc.so.6": "libc6/lib/i386-linux-gnu/libc.so.6",
            "libpopt.so.0": "libpopt0/usr/lib/i386-linux-gnu/libpopt.so.0"}
    for name, src in libs.items():
        copy(os.path.join(pkgs, src), os.path.join(root, "lib", name))
    build_marker(os.path.join(root, "bin", "marker"))
    index = module_index(os.path.join(kroot, "lib", "modules", version))
    order = load_order(MODULES, index)
    for m in order:
        copy(index[m], os.path.join(root, "lib", "modules", m + ".ko"), 0o644)
    args = module_args(disk_mib)
    with open(os.path.join(root, "etc", "modules.order"), "w") as f:
        f.write("".join(("%s %s" % (m, args.get(m, ""))).rstrip() + "\n" for m in order))
    with open(os.path.join(HERE, "init.sh")) as f:
        init = f.read()
    for key, value in (("SECONDS", seconds), ("MIDPOINT", midpoint(seconds)), ("DISK_MIB", disk_mib)):
        init = init.replace("@%s@" % key, str(value))
    with open(os.path.join(root, "init"), "w") as f:
        f.write(init)
    os.chmod(os.path.join(root, "init"), 0o755)
    return os.path.join(kroot, "boot", "vmlinuz-" + version), order


def midpoint(seconds):
    """When /init's middle marker runs: 2 s into dbench's execute phase (warm-up: a fifth of -t)."""
    return seconds // 5 + 2


def build(out, seconds, disk_mib):
    """Fetch the packages if needed and write DIR/vmlinuz and DIR/initrd.gz."""
    subprocess.run([os.path.join(HERE, "fetch.sh"), out], check=True)
    vmlinuz, order = make_tree(os.path.join(out, "pkgs"), os.path.join(out, "root"), seconds,
                               disk_mib)
    shutil.copyfile(vmlinuz, os.path.join(out, "vmlinuz"))
    console = ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1))
    cpio.write(os.path.join(out, "initrd.gz"), cpio.pack_tree(os.path.join(out, "root"), [console]))
    print("lab: Linux baseline in %s (modules: %s)" % (out, " ".join(order)))


def main():
    sys.path.insert(0, os.path.dirname(HERE))
    import configs
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    build(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else configs.LINUX_SECONDS,
          configs.RAM_DISK_MIB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
