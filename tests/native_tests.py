"""native_tests.py - minios on the bare (emulated) machine, with no hypervisor.

build/minios.elf is one image with two entries in one (guests/minios/head.S):
a multiboot loader starts it natively, the pvlab domain builder as a PV guest.
These tests boot it by QEMU's -kernel and by the GRUB ISO's second menu entry,
drive the shell at `native# `, check that `info` names the mode and how it
was recognised, that the disk answers through the same IDE driver dom0 uses,
that the commands needing the hypervisor say so, that ext2 on the IDE disk's
hda2 is the root file system and e2fsck finds it clean after a session, that a
crashing program is contained, that halt powers off with status 0, that the very same bytes boot
as dom0, as a domU and natively, and that a PV-only test guest refuses to
start natively with a message instead of faulting.  Registered in ALL, run by
run_tests.py.
"""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile

from qemu import BUILD, EXIT_CRASH, ROOT, Machine, check, halt
from block_tests import Disk
from fs_tests import Ext2Disk

ALL = []
MINIOS = os.path.join(BUILD, "minios.elf")
PROMPT = r"native# "


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def boot_native(disk=None, append="", kernel=MINIOS, icount=False):
    extra = ["-drive", "file=%s,format=raw,if=ide,index=0" % disk.path] if disk else []
    m = Machine(kernel=kernel, append=append, extra=extra, icount=icount)
    m.expect(PROMPT, 60)
    return m


def check_info_native(m):
    out = m.command("info", prompt=PROMPT)
    check(re.search(r"^mode:\s+native \(multiboot magic 0x2BADB002 in %eax", out, re.M),
          "info does not say native, and why:\n" + out)
    check("hypervisor: none" in out, "info names a hypervisor natively:\n" + out)
    return out


def dump_bytes(out):
    """The bytes of a `blk read` hex dump."""
    data = b""
    for line in re.findall(r"^[0-9a-f]{3}: ((?:[0-9a-f]{2} ){16})", out, re.M):
        data += bytes(int(x, 16) for x in line.split())
    return data


@test
def native_boot_by_kernel_info_halt():
    """QEMU -kernel minios.elf: the native banner, `info` says native and why, halt exits 0."""
    m = Machine(kernel=MINIOS, append="hello=native")
    try:
        m.expect(r"minios: native start \(multiboot magic 0x2BADB002 in %eax at entry, "
                 r"no start_info\), loader: qemu", 30)
        m.expect(r"native: TSC at \d+ kHz \(against the PIT\), tick 100 Hz on IRQ 0", 30)
        m.expect(r"minios: native ready", 30)
        m.expect(PROMPT, 30)
        out = check_info_native(m)
        # QEMU passes the kernel's path before the -append text, as multiboot allows.
        check(re.search(r"^command:\s+\S*minios\.elf hello=native$", out, re.M),
              "the -append line:\n" + out)
        check(not re.search(r"\(XEN\)|pvlab \d", m.output), "a hypervisor spoke:\n" + m.output)
        halt(m)
    finally:
        m.kill()


@test
def native_boot_by_grub_menu_entry():
    """The GRUB ISO's "minios on bare metal" entry boots minios alone to native#."""
    with open(os.path.join(ROOT, "scripts", "grub.cfg")) as f:
        cfg = f.read()
    titles = re.findall(r'^menuentry "([^"]+)"', cfg, re.M)
    check("minios on bare metal" in titles, "grub.cfg has no bare-metal entry: %s" % titles)
    check(os.path.isdir(os.path.join(BUILD, "iso")), "build/iso is missing (make iso)")
    d = tempfile.mkdtemp(prefix="pvlab-native-iso-")
    try:
        # The same tree and menu, with the bare-metal entry as the default.
        tree = os.path.join(d, "iso")
        shutil.copytree(os.path.join(BUILD, "iso"), tree)
        with open(os.path.join(tree, "boot", "grub", "grub.cfg"), "w") as f:
            f.write(re.sub(r"^set default=\d+", "set default=%d" % titles.index(
                "minios on bare metal"), cfg, flags=re.M))
        iso = os.path.join(d, "native.iso")
        p = subprocess.run(["grub-mkrescue", "-o", iso, tree], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        check(p.returncode == 0, "grub-mkrescue failed:\n" + p.stdout.decode()[-1500:])
        m = Machine(iso=iso)
        try:
            m.expect(r"minios: native start \(multiboot magic .*loader: GRUB", 60)
            m.expect(PROMPT, 60)
            check_info_native(m)
            halt(m)
        finally:
            m.kill()
    finally:
        shutil.rmtree(d, ignore_errors=True)


@test
def native_shell_programs_jobs_disk_and_crash():
    """Programs, ps, a background job, the IDE disk's MBR, xm-lite's refusal, a contained crash."""
    disk = Disk()
    m = boot_native(disk)
    try:
        check(re.search(r"ide: hda: QEMU HARDDISK, \d+ sectors .*IRQ 14", m.output),
              "the IDE driver found no disk:\n" + m.output)
        out = m.command("echo one  two three", prompt=PROMPT)
        check(re.search(r"^one two three$", out, re.M), "echo:\n" + out)
        out = m.command("ls /bin", prompt=PROMPT)
        for prog in ("sh", "ps", "sleep", "crash"):
            check(re.search(r"^%s$" % prog, out, re.M), "ls /bin lacks %s:\n%s" % (prog, out))
        out = m.command("sleep 30 &", prompt=PROMPT)
        bg = re.search(r"^\[(\d+)\]$", out, re.M)
        check(bg, "no [pid] for a background job:\n" + out)
        out = m.command("ps", prompt=PROMPT)
        check(re.search(r"^\s+%s\s+\d+\s+sleeping\s+\d+\s+\d+\s+sleep$" % bg.group(1), out, re.M),
              "ps does not show the sleeping job:\n" + out)
        m.command("kill %s" % bg.group(1), prompt=PROMPT)
        out = m.command("blk read hda 0", prompt=PROMPT)
        check(dump_bytes(out) == disk.pristine[:512],
              "blk read hda 0 is not the image's MBR:\n" + out)
        out = m.command("xm-lite list", prompt=PROMPT)
        check("xm-lite: needs the pvlab hypervisor; minios is running natively" in out,
              "xm-lite does not refuse plainly:\n" + out)
        out = m.command("crash", prompt=PROMPT)
        check(re.search(r"minios: crash\[\d+\] killed: page fault at eip [0-9a-f]+, "
                        r"address 00000000", out), "the crash is not reported:\n" + out)
        out = m.command("echo still here", prompt=PROMPT)
        check("still here" in out, "the shell died with the program:\n" + out)
        halt(m)
        check("shut down: poweroff (native: ACPI S5 through port 0x604)" in m.output,
              "no native power-off line")
    finally:
        m.kill()
        disk.cleanup()


@test
def native_ext2_root_on_hda2_session_then_e2fsck():
    """Natively the root is ext2 on hda2: write, append, copy, mkdir, sync, halt; e2fsck -fn clean."""
    disk = Ext2Disk()
    m = None
    try:
        m = boot_native(disk)
        out = m.command("mount", prompt=PROMPT)
        check("hda2 on / type ext2 (rw)" in out and "bootfs on /boot type cpio (ro)" in out,
              "mounts:\n" + out)
        out = m.command("cat /proc/mode", prompt=PROMPT)
        check(re.search(r"^native\r?$", out, re.M), "/proc/mode natively:\n" + out)
        m.command("echo written natively > /tmp/native", prompt=PROMPT)
        m.command("echo and appended >> /tmp/native", prompt=PROMPT)
        m.command("mkdir /tmp/nd", prompt=PROMPT)
        m.command("cp /tmp/native /tmp/nd/copy", prompt=PROMPT)
        out = m.command("cat /tmp/nd/copy", prompt=PROMPT)
        check(re.search(r"written natively\r?\nand appended", out), "cat of the copy:\n" + out)
        m.command("sync", prompt=PROMPT)
        halt(m)
        disk.check_clean(2)
        part = disk.partition(2)
        want = b"written natively\nand appended\n"
        check(disk.cat(2, "/tmp/native", part) == want, "debugfs sees %r" %
              disk.cat(2, "/tmp/native", part))
        check(disk.cat(2, "/tmp/nd/copy", part) == want, "the copy on the disk")
    finally:
        if m:
            m.kill()
        disk.cleanup()


def cpio_member(path, name):
    """The bytes of `name` in a newc cpio archive (scripts/mkbootfs.py writes them)."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while data[pos:pos + 6] == b"070701":
        size, namesize = int(data[pos + 54:pos + 62], 16), int(data[pos + 94:pos + 102], 16)
        n = data[pos + 110:pos + 110 + namesize - 1].decode()
        start = (pos + 110 + namesize + 3) & ~3
        if n.lstrip("/") == name.lstrip("/"):
            return data[start:start + size]
        pos = (start + size + 3) & ~3
    return None


@test
def same_image_boots_dom0_domu_and_native():
    """The same minios.elf, byte for byte: dom0 and a domU under pvlab, then natively."""
    digest = sha256(MINIOS)
    inside = cpio_member(os.path.join(BUILD, "bootfs.cpio"), "/boot/minios.elf")
    check(inside is not None, "the boot archive holds no /boot/minios.elf")
    check(hashlib.sha256(inside).hexdigest() == digest,
          "the domU kernel in the boot archive differs from build/minios.elf")
    m = Machine(append="dom0_mem=64M")
    try:
        m.expect(r"dom0# ", 60)
        out = m.command("info")
        check(re.search(r"^mode:\s+dom0 \(Xen start_info in %esi at entry, with SIF_INITDOMAIN",
                        out, re.M), "dom0's info:\n" + out)
        m.command("xm-lite create /etc/xm/nodisk.cfg name=same", timeout=60)
        m.command("xm-lite console same", prompt=r"domU# ", timeout=60)
        out = m.command("info", prompt=r"domU# ")
        check(re.search(r"^mode:\s+domU \(Xen start_info in %esi at entry, without SIF_INITDOMAIN",
                        out, re.M), "the domU's info:\n" + out)
        m.detach()
        halt(m)
    finally:
        m.kill()
    check(sha256(MINIOS) == digest, "build/minios.elf changed during the test")
    m = boot_native()
    try:
        check_info_native(m)
        halt(m)
    finally:
        m.kill()
    check(sha256(MINIOS) == digest, "build/minios.elf changed during the test")


@test
def pv_only_test_guest_refuses_native_start():
    """A PV test guest (minios core + an XTF test) started natively says why and stops."""
    guest = os.path.join(BUILD, "tests", "guests", "trap_bounce.elf")
    check(os.path.exists(guest), "%s is missing" % guest)
    m = Machine(kernel=guest)
    try:
        m.expect(r"minios: this kernel is a PV-only test guest: it needs the pvlab hypervisor "
                 r"and refuses to start natively", 30)
        rc = m.wait_exit(30)
        check(rc == EXIT_CRASH, "QEMU exit status %d, expected %d (refused)" % (rc, EXIT_CRASH))
    finally:
        m.kill()


@test
def multiboot_header_and_load_addresses():
    """minios.elf's multiboot header (a.out kludge) loads the file exactly at its AT() addresses."""
    import struct
    with open(MINIOS, "rb") as f:
        data = f.read()
    hdr = data.find(struct.pack("<I", 0x1BADB002))
    check(0 <= hdr < 8192 and hdr % 4 == 0, "no multiboot header in the first 8 KiB")
    magic, flags, csum, header_addr, load, load_end, bss_end, entry = struct.unpack_from(
        "<8I", data, hdr)
    check((magic + flags + csum) & 0xFFFFFFFF == 0, "bad multiboot checksum")
    check(flags & 0x10000, "no address fields: QEMU would jump to the virtual e_entry")
    e_entry, phoff, phnum = (struct.unpack_from("<I", data, 24)[0],
                             struct.unpack_from("<I", data, 28)[0],
                             struct.unpack_from("<H", data, 44)[0])
    check(e_entry == 0xC0000000, "e_entry %08x: the domain builder needs 0xc0000000" % e_entry)
    check(entry == e_entry - 0xBFF00000, "entry_addr %08x is not _start's load address" % entry)
    file_start = hdr - (header_addr - load)
    for i in range(phnum):
        p_type, off, vaddr, paddr, filesz, memsz = struct.unpack_from("<6I", data,
                                                                        phoff + 32 * i)
        if p_type != 1 or filesz == 0:
            continue
        check(paddr == vaddr - 0xBFF00000, "segment at %08x loads at %08x" % (vaddr, paddr))
        check(off - file_start == paddr - load,
              "segment at %08x is not where a flat load from the header puts it" % vaddr)
        check(paddr + filesz <= load_end and paddr + memsz <= bss_end,
              "segment at %08x reaches past the header's load range" % vaddr)
