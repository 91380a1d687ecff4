"""fs_tests.py - ext2 mounted and used in dom0 and in a domU, checked by e2fsprogs.

Each test makes a disk with scripts/mkdisk.py --ext2 (mke2fs -d on both
partitions: hda2 holds dom0's root with /bin, /etc/xm and a README, hda1 the
example domU's), boots pvlab with it, types a session at the shells, and after
`halt` asks the host's e2fsprogs about the image: `e2fsck -fn` must call each
partition clean (or, after a domU was destroyed mid-write, `e2fsck -fy` must
repair it), and `debugfs -R 'cat PATH'` must show the bytes written inside
pvlab.  The disks are small (32 MiB) so a test that fills one stays fast.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from qemu import BUILD, Machine, ROOT, check, halt

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import mkdisk  # noqa: E402

ALL = []


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def root_files(readme):
    """mkdisk's /PATH=HOSTFILE specs for a root file system, as guests/rootfs/rootfs.mk lists them."""
    specs = ["/README=" + os.path.join(ROOT, "guests", "rootfs", readme), "/boot/", "/tmp/",
             "/mnt/", "/proc/"]
    specs += ["/bin/%s=%s" % (os.path.basename(p)[:-4], p)
              for p in sorted(glob.glob(os.path.join(BUILD, "guests", "bin", "*.elf")))]
    return specs


class Ext2Disk:
    """A fresh ext2 disk image in a temporary directory."""

    def __init__(self, size_mib=32):
        self.dir = tempfile.mkdtemp(prefix="pvlab-fs-")
        self.path = os.path.join(self.dir, "disk.img")
        cfgs = ["/etc/xm/%s=%s" % (os.path.basename(c), c)
                for c in glob.glob(os.path.join(ROOT, "tools", "xm-lite", "etc", "*.cfg"))]
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "mkdisk.py"), "--ext2",
                        "--size", str(size_mib), self.path,
                        "--hda1"] + root_files("README.domU") +
                       ["--hda2"] + root_files("README.dom0") + cfgs,
                       check=True, stdout=subprocess.DEVNULL)

    def machine(self):
        return Machine(append="dom0_mem=64M", mem=256,
                       extra=["-drive", "file=%s,format=raw,if=ide,index=0" % self.path])

    def partition(self, n):
        out = os.path.join(self.dir, "hda%d.img" % n)
        mkdisk.extract(self.path, n, out)
        return out

    def fsck(self, n, repair=False):
        """(exit status, output) of e2fsck -fn (or -fy) on partition n."""
        p = subprocess.run(["e2fsck", "-fy" if repair else "-fn", self.partition(n)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        return p.returncode, p.stdout

    def check_clean(self, n):
        rc, out = self.fsck(n)
        check(rc == 0, "e2fsck -fn on hda%d: exit %d\n%s" % (n, rc, out))

    def cat(self, n, path, part=None):
        """debugfs's idea of the file's bytes (on an already extracted partition if given)."""
        p = subprocess.run(["debugfs", "-R", "cat " + path, part or self.partition(n)],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return p.stdout

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def boot(disk):
    m = disk.machine()
    m.expect(r"dom0# ", 60)
    return m


def run(m, line, prompt=r"dom0# ", timeout=60):
    return m.command(line, prompt=prompt, timeout=timeout)


def with_disk(fn):
    """Run fn(disk, m) on a fresh disk booted to dom0's prompt; clean both up after."""
    disk = Ext2Disk()
    m = None
    try:
        m = boot(disk)
        fn(disk, m)
    finally:
        if m:
            m.kill()
        disk.cleanup()


CFG = 'name = "typed"\nmemory = 16\nkernel = "/boot/minios.elf"\n'


def dom0_session(disk, m):
    check(re.search(r"ext2: hda2 mounted at / \(read-write, 4096-byte blocks, \d+ MiB, \d+ free\), "
                    r"buffer cache \d+ blocks = \d+ KiB", m.output), "no mount line:\n" + m.output)
    out = run(m, "mount")
    check("hda2 on / type ext2 (rw)" in out and "bootfs on /boot type cpio (ro)" in out, out)
    out = run(m, "ls -l /")
    check(re.search(r"-rw-r--r-- +1 +\d+ \d{4}-\d\d-\d\d \d\d:\d\d README", out), out)
    check(re.search(r"drwxr-xr-x +\d+ +4096 .* etc/", out), out)
    check("kernel" in run(m, "cat /etc/xm/domU.cfg"), "cannot read /etc/xm/domU.cfg from ext2")
    check("minios.elf" in run(m, "ls /boot/boot"), "the boot archive is not at /boot")
    run(m, "echo hello from dom0 > /tmp/note")
    run(m, "echo second line >> /tmp/note")
    check(re.search(r"hello from dom0\r?\nsecond line", run(m, "cat /tmp/note")), "echo > and >>")
    run(m, "mkdir /tmp/d")
    run(m, "cp /tmp/note /tmp/d/copy")
    run(m, "mv /tmp/d/copy /tmp/d/moved")
    run(m, "mkdir /tmp/d/sub")
    run(m, "mv /tmp/d/moved /tmp/d/sub")
    check("moved" in run(m, "ls /tmp/d/sub"), "mv into a directory")
    run(m, "mv /tmp/d/sub/moved /tmp/d")
    out = run(m, "ls -l /tmp/d")
    check(re.search(r"-rw-r--r-- +1 +28 .* moved", out), "cp then mv:\n" + out)
    run(m, "cp /tmp/note /tmp/gone")
    run(m, "rm /tmp/gone")
    check("no such file" in run(m, "cat /tmp/gone"), "rm")
    run(m, "mkdir /tmp/empty")
    run(m, "rmdir /tmp/empty")
    check("empty" not in run(m, "ls /tmp"), "rmdir")
    m.send("cat > /etc/xm/typed.cfg")  # a config typed at the prompt, ended with Ctrl-D
    time.sleep(0.5)
    for line in CFG.splitlines():
        m.send(line)
        time.sleep(0.2)
    m.send_raw("\x04")
    m.expect(r"dom0# ", 30)
    check("memory = 16" in run(m, "cat /etc/xm/typed.cfg"), "cat > file")
    run(m, "xm-lite create /etc/xm/typed.cfg")  # a config written at the prompt, no rebuild
    check(re.search(r"typed +\d+ +16 ", run(m, "xm-lite list")), "the typed config's domain")
    run(m, "xm-lite destroy typed")
    out = run(m, "df")
    check(re.search(r"hda2 +\d+ +\d+ +\d+ +\d+ +\d+ +\d+K +/", out), "df:\n" + out)
    run(m, "sync")
    halt(m)
    disk.check_clean(2)
    part = disk.partition(2)
    check(disk.cat(2, "/tmp/note", part) == b"hello from dom0\nsecond line\n",
          "debugfs sees %r" % disk.cat(2, "/tmp/note", part))
    check(disk.cat(2, "/tmp/d/moved", part) == b"hello from dom0\nsecond line\n", "the copy")
    check(disk.cat(2, "/etc/xm/typed.cfg", part) == CFG.encode(), "the typed config: %r" %
          disk.cat(2, "/etc/xm/typed.cfg", part))


@test
def ext2_root_in_dom0():
    """ls -l, cat, echo > and >>, cp, mv, rm, mkdir, rmdir, cat > file, df, sync; e2fsck and debugfs."""
    with_disk(dom0_session)


ERRORS = [
    ("cat /nowhere", "cat: /nowhere: no such file or directory"),
    ("ls /README/x", "ls: /README/x: not a directory"),
    ("rmdir /etc", "rmdir: /etc: directory not empty"),
    ("rm /tmp", "rm: /tmp: is a directory"),
    ("echo x > /boot/x", "sh: /boot/x: read-only file system"),
    ("fsbench name 300 /tmp", "create a 300-character name: name too long"),
    ("mount hda2 /mnt", "mount: hda2: in use"),
    ("mount hda9 /mnt", "mount: hda9: no such file or directory"),
    ("blk write hda2 0 raw", "blk: hda2 is mounted at /; refusing to write it raw"),
    ("mv /README /boot/README", "mv: /README: cross-device link"),
]


def dom0_errors(disk, m):
    for line, want in ERRORS:
        out = run(m, line)
        check(want in out, "%s: expected %r, got:\n%s" % (line, want, out))
    # a config giving a domU the partition dom0 has mounted at /
    run(m, "echo kernel = \"/boot/minios.elf\" > /tmp/bad.cfg")
    run(m, "echo name = \"bad\" >> /tmp/bad.cfg")
    run(m, "echo disk = [ 'phy:hda2,xvda,w' ] >> /tmp/bad.cfg")
    out = run(m, "xm-lite create /tmp/bad.cfg")
    check("blkback: hda2 is mounted at / in dom0; umount it first" in out,
          "a mounted partition was given to a domU:\n" + out)
    check("bad" not in run(m, "xm-lite list"), "the domain was left behind")
    halt(m)
    disk.check_clean(2)


@test
def ext2_errors_are_one_line():
    """No such file, not a directory, not empty, read-only, name too long, busy device."""
    with_disk(dom0_errors)


def full_disk(disk, m):
    out = run(m, "fsbench fill /big", timeout=120)
    check(re.search(r"fill /big: \d+ bytes written, then: no space left on device", out), out)
    out = run(m, "echo more > /tmp/more")
    check("no space left on device" in out, "a new file on a full disk:\n" + out)
    out = run(m, "df")
    check(re.search(r"hda2 +\d+ +\d+ +0 ", out), "df does not show a full disk:\n" + out)
    run(m, "rm /big")
    run(m, "echo after > /tmp/after")
    check("after" in run(m, "cat /tmp/after"), "no room again after rm")
    halt(m)
    disk.check_clean(2)
    check(disk.cat(2, "/tmp/after") == b"after\n", "the file written after the disk was freed")


@test
def ext2_full_disk_is_enospc_and_stays_clean():
    with_disk(full_disk)


def domU(m, extra=""):
    out = run(m, "xm-lite create /etc/xm/domU.cfg -c %s" % extra, prompt=r"domU# ", timeout=90)
    check(re.search(r"ext2: xvda mounted at / \(read-write", out), "the domU's mount:\n" + out[-1500:])
    return out


def du(m, line, timeout=60):
    return run(m, line, prompt=r"domU# ", timeout=timeout)


def domU_then_dom0(disk, m):
    out = domU(m, "extra=fscache=256")  # the buffer cache's size is set at boot
    kib = re.search(r"ext2: xvda mounted .* buffer cache \d+ blocks = (\d+) KiB", out)
    check(kib and 200 <= int(kib.group(1)) <= 256, "fscache=256 was not honoured:\n" + out[-800:])
    check("xvda on / type ext2 (rw)" in du(m, "mount"), "mount in the domU")
    du(m, "mkdir /tmp/from")
    du(m, "echo written in the domU > /tmp/from/domU.txt")
    du(m, "cp /tmp/from/domU.txt /tmp/from/copy.txt")
    check("written in the domU" in du(m, "cat /tmp/from/copy.txt"), "cat in the domU")
    check(re.search(r"xvda +\d+", du(m, "df")), "df in the domU")
    du(m, "sync")
    m.detach()
    out = run(m, "mount hda1 /mnt")
    check("in use" in out, "dom0 mounted the partition a domU holds:\n" + out)
    out = run(m, "blk write hda1 0 raw")
    check("given to a domU as xvda; refusing" in out, "a raw write on the domU's disk:\n" + out)
    run(m, "xm-lite destroy domU")
    out = run(m, "mount hda1 /mnt")
    check("ext2: hda1 mounted at /mnt" in out, "mounting the released partition:\n" + out)
    check("written in the domU" in run(m, "cat /mnt/tmp/from/domU.txt"), "read back in dom0")
    check("hda1 on /mnt type ext2" in run(m, "mount"), "mount list")
    check("unmounted" in run(m, "umount /mnt"), "umount")
    halt(m)
    disk.check_clean(1)
    disk.check_clean(2)
    check(disk.cat(1, "/tmp/from/copy.txt") == b"written in the domU\n", "debugfs on hda1")


@test
def ext2_in_a_domU_read_back_in_dom0():
    """xvda over blkback: a session in the domU; dom0 mounts hda1 only after the domU is gone."""
    with_disk(domU_then_dom0)


def destroyed_mid_write(disk, m):
    domU(m)
    du(m, "echo synced before > /tmp/keep")
    du(m, "sync")
    m.send("fsbench fill /tmp/junk")
    time.sleep(3)
    m.detach()
    run(m, "xm-lite destroy domU")
    halt(m)
    rc, out = disk.fsck(1, repair=True)
    check(rc in (0, 1), "e2fsck -fy could not repair hda1 (exit %d):\n%s" % (rc, out))
    part = os.path.join(disk.dir, "hda1.img")  # the repaired copy
    check(disk.cat(1, "/tmp/keep", part) == b"synced before\n", "the synced file was lost")
    p = subprocess.run(["e2fsck", "-fn", part], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    check(p.returncode == 0, "still not clean after repair:\n" + p.stdout.decode())


@test
def ext2_domU_destroyed_mid_write_is_repairable():
    with_disk(destroyed_mid_write)


def corrupt(disk):
    """hda2: a superblock claiming more blocks than the partition holds; hda1: /README's first
    block pointer far beyond the disk, and a directory entry whose length runs off its block."""
    with open(disk.path, "r+b") as f:
        start = mkdisk.read_partitions(disk.path)[1][0] * 512
        f.seek(start + 1024 + 4)  # s_blocks_count
        f.write((0x7FFFFFF0).to_bytes(4, "little"))
    part = disk.partition(1)
    subprocess.run(["debugfs", "-w", "-R", "sif /README block[0] 99999999", part], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = subprocess.run(["debugfs", "-R", "bmap /tmp 0", part], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, universal_newlines=True).stdout
    with open(part, "r+b") as f:  # /tmp's first entry ('.') claims 8000 bytes of a 4096-byte block
        f.seek(int(out.split()[0]) * 4096 + 4)
        f.write((8000).to_bytes(2, "little"))
    mkdisk.put_back(disk.path, 1, part)


def hostile(disk, m):
    check(re.search(r"ext2: .*s_blocks_count", m.output), "no line naming the bad field:\n" +
          m.output[-1500:])
    check("minios: hda2: cannot mount it; the boot archive is the root file system" in m.output,
          "dom0 did not fall back to the boot archive")
    check("bootfs on / type cpio" in run(m, "mount"), "the archive is not /")
    check("ext2: hda1 mounted at /mnt" in run(m, "mount hda1 /mnt"), "hda1 should still mount")
    out = run(m, "cat /mnt/README")
    check("cat: /mnt/README: input/output error" in out, "a block pointer beyond the disk:\n" + out)
    check("corrupt" in out, "no log line about the corruption:\n" + out)
    out = run(m, "ls /mnt/tmp")
    check("rec_len 8000 runs off the block" in out, "a runaway rec_len:\n" + out)
    check("domain id:  0" in run(m, "info"), "dom0 stopped answering")
    halt(m)


@test
def ext2_hostile_images_get_an_error_not_a_crash():
    """Absurd superblock counts fail the mount with a line naming the field (the archive stays /);
    a block pointer beyond the disk is -EIO, a runaway directory entry a log line (the library
    skips the block), and dom0 goes on."""
    disk = Ext2Disk()
    m = None
    try:
        corrupt(disk)
        m = boot(disk)
        hostile(disk, m)
    finally:
        if m:
            m.kill()
        disk.cleanup()


def shutdown_writes_back(disk, m):
    domU(m)
    du(m, "echo not synced by hand > /tmp/unsynced")
    m.detach()
    out = run(m, "xm-lite shutdown domU")
    m.expect(r"domain domU \(1\) shut down \(poweroff\)", 30)
    check("did not answer" not in m.output, "the hypervisor had to stop it:\n" + m.output[-800:])
    time.sleep(0.5)
    out = run(m, "mount hda1 /mnt")
    check("not cleanly unmounted" not in out and "mounted at /mnt" in out, out)
    check("not synced by hand" in run(m, "cat /mnt/tmp/unsynced"), "the file was lost")
    run(m, "umount /mnt")
    halt(m)
    disk.check_clean(1)


@test
def ext2_domU_shutdown_writes_back_first():
    """xm-lite shutdown asks through control/shutdown; the domU writes its cache back and marks
    its file system clean before it powers off."""
    with_disk(shutdown_writes_back)


def working_directory(disk, m):
    check(run(m, "pwd").splitlines()[1:2] == ["/"], "a new shell is not in /")
    run(m, "mkdir /tmp/w")
    run(m, "cd /tmp/w")
    out = run(m, "pwd")
    check("\n/tmp/w" in out.replace("\r", ""), "pwd after cd /tmp/w:\n" + out)
    run(m, "mkdir sub")  # relative paths in every call: mkdir, open, stat, rename, unlink, rmdir
    run(m, "echo relative > sub/../note")
    run(m, "cp ./note sub/copy")
    run(m, "mv sub/copy sub/moved")
    check("relative" in run(m, "cat /tmp/w/sub/moved"), "relative cp and mv")
    out = run(m, "ls -l sub")
    check(re.search(r"-rw-r--r-- +1 +9 .* moved", out), "ls -l of a relative directory:\n" + out)
    run(m, "cd sub")
    check("moved" in run(m, "ls"), "ls without arguments lists the working directory")
    check("/tmp/w/sub" in run(m, "pwd"), "a child inherits the shell's directory")
    run(m, "rm moved")
    run(m, "cd ..")
    run(m, "rmdir sub")
    check("sub" not in run(m, "ls"), "rmdir of a relative path")
    check("bin/" in run(m, "ls ../../"), "..")
    out = run(m, "cd note")
    check("cd: note: not a directory" in out, "cd to a file:\n" + out)
    out = run(m, "cd nowhere")
    check("cd: nowhere: no such file or directory" in out, "cd to nothing:\n" + out)
    out = run(m, "cd ../../boot/bin")
    check("/boot/bin" in run(m, "pwd"), "cd across mounts:\n" + out)
    check("ls" in run(m, "ls"), "listing the archive from inside it")
    run(m, "cd ../../../../..")  # past the root stays at the root
    check(run(m, "pwd").replace("\r", "").split("\n")[1] == "/", "cd .. past /")
    run(m, "cd tmp/w")
    out = run(m, "./../../bin/echo spawned by a relative path")
    check("spawned by a relative path" in out, "spawn of a relative path:\n" + out)
    run(m, "cd")
    check(run(m, "pwd").replace("\r", "").split("\n")[1] == "/", "cd without an argument")
    halt(m)
    disk.check_clean(2)
    check(disk.cat(2, "/tmp/w/note") == b"relative\n", "the file written by a relative path")


@test
def cd_pwd_and_relative_paths():
    """cd (a shell builtin: chdir), pwd (a program: the directory is inherited), relative paths
    with . and .. in mkdir, open, cp, mv, ls, rm, rmdir and spawn; cd refuses a file or nothing."""
    with_disk(working_directory)


def descriptors(disk, m):
    out = run(m, "fsbench open /tmp")
    got = re.search(r"fsbench: open: (\d+) files held open \(the last at descriptor (\d+)\), "
                    r"then: too many open files", out)
    check(got, "no -EMFILE past the limit:\n" + out)
    check(int(got.group(1)) >= 32, "a process holds only %s files" % got.group(1))
    check(int(got.group(2)) == 63, "the limit is not 64 descriptors:\n" + out)
    check("f0" not in run(m, "ls /tmp"), "fsbench open left its files")
    halt(m)
    disk.check_clean(2)


@test
def a_process_holds_61_files_and_gets_emfile_past_64_descriptors():
    """MAX_FDS is 64: after the console's three, 61 files open at once, and -EMFILE for the next."""
    with_disk(descriptors)


def removed_while_open(disk, m):
    out = run(m, "fsbench orphan /tmp/o")
    got = re.search(r"orphan /tmp/o: unlink 0, name gone, 1 MiB read back; free blocks (\d+) "
                    r"before the unlink, (\d+) after\r?\n.*orphan /tmp/o: free blocks (\d+) after "
                    r"the close", out)
    check(got, "unlink of an open file:\n" + out)
    before, after, closed = (int(g) for g in got.groups())
    check(after == before, "the blocks went at the unlink, not the close:\n" + out)
    check(closed >= before + 256, "the close did not free the 1 MiB:\n" + out)
    m.send("fsbench hold /tmp/held &")  # a background program keeps a removed file open ...
    m.expect(r"holding /tmp/held open", 60)
    check("held" not in run(m, "ls /tmp"), "the name stayed")
    check(re.search(r"^ +\d+ +1 .* fsbench\r?$", run(m, "ps"), re.M), "the holder is gone")
    halt(m)  # ... through halt: the orphan is freed as the file system is written back
    disk.check_clean(2)


@test
def a_file_removed_while_open_lives_until_the_last_close():
    """POSIX unlink: the name goes at once, the blocks at the last close (df's free count); a file
    still held open at halt is freed then, and e2fsck -fn finds hda2 clean."""
    with_disk(removed_while_open)


def orphan_across_a_destroy(disk, m):
    domU(m)
    du(m, "sync")
    m.send("fsbench hold /tmp/held &")  # a removed file held open ...
    m.expect(r"holding /tmp/held open", 60)
    du(m, "sync")  # ... its orphan on the disk's list, and the domU destroyed with it
    m.detach()
    run(m, "xm-lite destroy domU")
    run(m, "mkdir /mnt")
    out = run(m, "mount hda1 /mnt")
    check("freed 1 orphan inode left open" in out, "the mount did not free the orphan:\n" + out)
    run(m, "umount /mnt")
    halt(m)
    disk.check_clean(1)


@test
def ext2_orphan_of_a_destroyed_domU_is_freed_at_the_next_mount():
    """A domU destroyed while it holds a removed file open leaves the orphan on the disk's
    orphan list (s_last_orphan); dom0's next mount of the partition frees it, and e2fsck -fn
    finds hda1 clean."""
    with_disk(orphan_across_a_destroy)


def proc_view(disk, m):
    out = run(m, "mount")
    check("proc on /proc type proc (ro)" in out and "hda2 on / type ext2 (rw)" in out and
          "bootfs on /boot type cpio (ro)" in out, "/, /boot and /proc together:\n" + out)
    check("proc/" in run(m, "ls /"), "the mount point on the ext2 root")
    out = run(m, "ls /proc")
    for name in ("mode", "meminfo", "uptime", "mounts", "bcache", "processes", "self/", "1/"):
        check(re.search(r"^%s\r?$" % re.escape(name), out, re.M), "ls /proc: no %s:\n%s" %
              (name, out))
    check(re.search(r"^dom0 \(domain 0\)\r?$", run(m, "cat /proc/mode"), re.M), "/proc/mode")
    out = run(m, "cat /proc/meminfo")
    total = re.search(r"MemTotal: +(\d+) kB", out)
    free = re.search(r"MemFree: +(\d+) kB", out)
    check(total and free and int(total.group(1)) == 65532 and 0 < int(free.group(1)) < 65532,
          "/proc/meminfo with dom0_mem=64M:\n" + out)
    check("hda2 / ext2 rw 0 0" in run(m, "cat /proc/mounts"), "/proc/mounts")
    run(m, "cat /README")
    out = run(m, "cat /proc/bcache")
    row = re.search(r"^hda2 +/ +4096 +(\d+) +(\d+) +(\d+) +\d+ +\d+ +\d+ +\d+ +0\r?$", out, re.M)
    check(row and 200 <= int(row.group(1)) <= 256 and int(row.group(2)) > 0 and
          int(row.group(3)) > 0, "/proc/bcache (size, hits, misses):\n" + out)
    dirty = False
    for i in range(3):  # the 5 s periodic write-back may come between the two commands
        run(m, "echo dirty > /tmp/dirty%d" % i)
        dirty = dirty or re.search(r"^hda2 .* [1-9]\d* +0\r?$", run(m, "cat /proc/bcache"), re.M)
    check(dirty, "a write leaves dirty buffers")
    run(m, "sync")
    check(re.search(r"^hda2 .* 0 +0\r?$", run(m, "cat /proc/bcache"), re.M), "sync cleans them")
    out = run(m, "cat /proc/processes")
    # sh is asleep in waitpid, or still ready if the timer switched to cat before sh got there
    check(re.search(r"^ +1 +0 +(sleeping|ready) .* sh\r?$", out, re.M) and
          re.search(r"running .* cat\r?$", out, re.M), "/proc/processes:\n" + out)
    run(m, "cd /tmp")
    out = run(m, "cat /proc/self/status")
    check(re.search(r"Name: +cat\r?\n.*PPid: +1\r?\nState: +running", out, re.S) and
          re.search(r"Cwd: +/tmp\r?$", out, re.M) and re.search(r"FDs: +4 of 64", out),
          "/proc/self/status (the cat that reads it, in the shell's directory):\n" + out)
    check(re.search(r"Name: +sh\r?$", run(m, "cat /proc/1/status"), re.M), "/proc/1/status")
    check("no such file" in run(m, "cat /proc/999/status"), "a process that does not exist")
    for line in ("echo x > /proc/mode", "echo x > /proc/new", "rm /proc/mode", "mkdir /proc/d",
                 "mv /proc/mode /proc/m"):
        out = run(m, line)
        check("read-only file system" in out, "%s:\n%s" % (line, out))
    check("/proc" in run(m, "df"), "df lists /proc")
    run(m, "umount /proc")
    check("no such file" in run(m, "cat /proc/mode"), "umount /proc")
    run(m, "mount proc /proc")
    check("dom0" in run(m, "cat /proc/mode"), "mount proc /proc")
    out = domU(m)
    out = du(m, "cat /proc/mode")
    check(re.search(r"^domU \(domain \d+\)\r?$", out, re.M), "/proc/mode in a domU:\n" + out)
    check("xvda / ext2 rw 0 0" in du(m, "cat /proc/mounts"), "/proc/mounts in a domU")
    check(re.search(r"^xvda +/ +4096 ", du(m, "cat /proc/bcache"), re.M), "/proc/bcache in a domU")
    m.detach()
    run(m, "xm-lite destroy domU")
    halt(m)
    disk.check_clean(2)


@test
def proc_is_a_device_less_mount_beside_root_and_boot():
    """/proc beside / (ext2) and /boot (the archive): mount lists it; mode, meminfo, mounts,
    bcache (size, hits, misses, dirty until sync), processes, self and PID status (the working
    directory); writes, creation and removal are -EROFS; umount and mount proc; in a domU too."""
    with_disk(proc_view)
