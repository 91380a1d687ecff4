"""block_tests.py - whole-system tests of split block I/O.

Each test gets a fresh disk image (scripts/mkdisk.py: 64 MiB, hda1 at sector
2048 and hda2 at sector 34816, 16 MiB each), boots pvlab with it as QEMU's
primary IDE disk, and drives dom0 and domUs through their shells.  After
QEMU has exited, the host reads the image itself: the sectors a domU wrote
through blkfront/blkback/IDE must hold exactly what it wrote, at its
partition's offset, and every other byte of the image must be untouched.
"""
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time

from qemu import Machine, ROOT, check, halt

ALL = []
HDA1, HDA2 = 2048, 34816


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


class Disk:
    """A fresh disk image in a temporary directory, and what it held at the start."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pvlab-disk-")
        self.path = os.path.join(self.dir, "disk.img")
        subprocess.run(["python3", os.path.join(ROOT, "scripts", "mkdisk.py"), self.path],
                       check=True, stdout=subprocess.DEVNULL)
        self.pristine = self.read()

    def read(self):
        with open(self.path, "rb") as f:
            return f.read()

    def machine(self, mem=256, icount=False):
        return Machine(append="dom0_mem=64M", mem=mem, icount=icount,
                       extra=["-drive", "file=%s,format=raw,if=ide,index=0" % self.path])

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def pattern_sector(pattern, sector):
    """What minios's blk write puts in `sector` (numbered on the device written)."""
    unit = ("%s@%d " % (pattern, sector)).encode()
    return (unit * (512 // len(unit) + 1))[:512]


def expect_image(disk, writes):
    """writes: [(first sector on the whole disk, sector numbers on the device, pattern)]."""
    want = bytearray(disk.pristine)
    for disk_first, dev_first, count, pattern in writes:
        for i in range(count):
            off = (disk_first + i) * 512
            want[off:off + 512] = pattern_sector(pattern, dev_first + i)
    got = disk.read()
    if got != bytes(want):
        bad = [i // 512 for i in range(0, len(got), 512) if got[i:i + 512] != want[i:i + 512]]
        raise AssertionError("the disk image differs from what was written in %d sectors, "
                             "first %s" % (len(bad), bad[:5]))


def boot(disk, mem=256, icount=False):
    m = disk.machine(mem, icount)
    m.expect(r"dom0# ", 60)
    return m


@contextlib.contextmanager
def booted(mem=256, icount=False):
    """A fresh disk and a machine booted with it to dom0's prompt; both cleaned up after.
    icount: run under -icount, where guest time is instructions, not the host's clock."""
    disk = Disk()
    m = None
    try:
        m = boot(disk, mem, icount)
        yield disk, m
    finally:
        if m:
            m.kill()
        disk.cleanup()


def domU(m, cfg="/etc/xm/domU.cfg", extra_args=""):
    out = m.command("xm-lite create %s %s -c" % (cfg, extra_args), prompt=r"domU# ", timeout=60)
    check("blkfront: xvda:" in out, "the domU has no xvda:\n" + out[-1500:])
    return out


def du(m, cmd, timeout=60):
    return m.command(cmd, prompt=r"domU# ", timeout=timeout)


@test
def dom0_drives_the_disk():
    with booted() as (disk, m):
        out = m.command("blk info hda")
        check(re.search(r"hda: 131072 sectors of 512 bytes \(64 MiB\), QEMU HARDDISK", out), out)
        out = m.command("blk list")
        check("hda1" in out and "hda2" in out, "partitions not found:\n" + out)
        out = m.command("blk read hda 0")
        check(re.search(r"1f0: (00 ){14}55 aa", out), "no MBR signature:\n" + out)
        check(re.search(r"IRQ 14 now raises event channel \d+ of domain 0", m.output),
              "the disk interrupt is not an event channel")
        halt(m)
        expect_image(disk, [])


@test
def data_written_by_a_domU_is_on_the_disk():
    """Sequential, scattered and multi-segment writes; a new domU reads them back; the host checks."""
    writes = [(10, 200, "seq"), (5000, 3, "sc"), (9001, 88, "multi"), (32760, 8, "end")]
    with booted() as (disk, m):
        domU(m)
        for first, n, pat in writes:
            out = du(m, "blk write xvda %d %s %d" % (first, pat, n))
            check("wrote %d sectors" % n in out, out)
        check("flush xvda: ok" in du(m, "blk flush xvda"), "flush failed")
        m.detach()
        m.command("xm-lite destroy domU")
        check(re.search(r"d1 xvda: backend Closing -> Closed", m.output), "backend not closed")
        domU(m, extra_args="name=reader")
        for first, n, pat in writes:
            out = du(m, "blk verify xvda %d %d %s" % (first, n, pat))
            check("': ok (0 bad)" in out, out)
        out = du(m, "blk write xvda 32767 x 2")
        check("failed" in out, "a write past the partition's end was not refused:\n" + out)
        m.detach()
        out = m.command("xm-lite block-list reader")
        check(re.search(r"xvda\s+51712\s+hda1\s+w\s+Connected\s+Connected", out), out)
        halt(m)
        expect_image(disk, [(HDA1 + f, f, n, p) for f, n, p in writes])


@test
def the_map_and_unmap_backend_moves_the_same_data():
    """Map, blkback's default for a disk (hda1, no bemode= given; bemode=map asks for it
    anywhere): blkback maps a transfer's pages side by side with one batched map and does
    the I/O in place (no copy), one device request for them: the 200-sector write through the
    kernel's own buffer (blk -n: the per-request way) is three ring requests, served together
    (they follow each other on the disk) with one map and one unmap, and so is the read that
    verifies it; not two grant calls a segment (100 for these 2 x 25 pages) or a request (12).
    Through the domU's I/O pool (blk without -n), which blkback mapped once at connection, the
    same transfers make no grant call at all, and block-list's Pooled counts their requests."""
    with booted() as (disk, m):
        domU(m)
        check("backend domain 0" in du(m, "blk info xvda"), "no blk info")
        before = counts_then_back_to_the_domU(m)
        check("wrote 200 sectors" in du(m, "blk -n write xvda 10 mapped 200"), "write")
        check("': ok (0 bad)" in du(m, "blk -n verify xvda 10 200 mapped"), "read back")
        middle = counts_then_back_to_the_domU(m, r"10\+200 'mapped': ok \(0 bad\)")
        requests, grant_calls = middle[0] - before[0], middle[4] - before[4]
        check(requests >= 6 and grant_calls == 4,
              "a map and an unmap for each transfer of three requests expected: %d requests, "
              "%d grant calls" % (requests, grant_calls))
        check("wrote 200 sectors" in du(m, "blk write xvda 300 pooled 200"), "pool write")
        check("': ok (0 bad)" in du(m, "blk verify xvda 300 200 pooled"), "pool read back")
        m.detach()
        after = backend_counts(m)
        requests, grant_calls = after[0] - middle[0], after[4] - middle[4]
        pooled = after[6] - middle[6]
        check(after[5] == 64 and requests >= 6 and grant_calls == 0 and pooled == requests,
              "the pool's transfers: a pool of 64 pages and no grant calls expected: pool %d, "
              "%d requests, %d grant calls, %d pooled" % (after[5], requests, grant_calls, pooled))
        halt(m)
        expect_image(disk, [(HDA1 + 10, 10, 200, "mapped"), (HDA1 + 300, 300, 200, "pooled")])


@test
def a_read_only_disk_refuses_writes():
    with booted() as (disk, m):
        domU(m, "/etc/xm/tests/readonly.cfg")
        check("read-only" in du(m, "blk info xvda"), "xvda is not read-only")
        out = du(m, "blk write xvda 0 nope 8")
        check("failed" in out, "a write to the read-only disk succeeded:\n" + out)
        m.detach()
        halt(m)
        expect_image(disk, [])


@test
def hostile_frontend_is_refused_and_others_are_unharmed():
    with booted(mem=512) as (disk, m):
        domU(m, extra_args="name=good")
        du(m, "blk write xvda 100 good 88")
        m.detach()
        for mode in ("bemode=copy", "bemode=map"):  # each of blkback's two ways to move data
            out = m.command("xm-lite create /etc/xm/tests/badfront.cfg name=bad-%s %s -c"
                            % (mode[7:], mode), timeout=120)
            v = re.search(r"^XTF: domu_badfront: (SUCCESS|(?:FAILURE|ERROR|SKIP): .*)$", out, re.M)
            check(v and v.group(1) == "SUCCESS",
                  "%s: verdict: %s" % (mode, v.group(1) if v else out[-2000:]))
            check("req_prod ran past the ring" in out,
                  "%s: the runaway frontend was not disconnected" % mode)
        check("domain id:  0" in m.command("info"), "dom0 stopped answering")
        m.send("xm-lite console good")
        m.expect(r"attached to good's console", 30)
        m.send("blk verify xvda 100 88 good")
        m.expect(r"blk: verify xvda 100\+88 'good': ok \(0 bad\)", 60)
        m.detach()
        halt(m)
        expect_image(disk, [(HDA1 + 100, 100, 88, "good")])


@test
def a_byte_range_of_the_disk_as_a_domUs_disk():
    """disk = [ 'phy:hda@70000+2048,xvda,w' ]: 1 MiB of unpartitioned space."""
    with booted() as (disk, m):
        out = domU(m, "/etc/xm/tests/range.cfg")
        check("blkfront: xvda: 2048 sectors" in out, "the range's size:\n" + out[-800:])
        check("wrote 88 sectors" in du(m, "blk write xvda 1960 edge 88"), "write at the end")
        check("failed" in du(m, "blk write xvda 2047 over 2"), "a write past the range")
        m.detach()
        halt(m)
        expect_image(disk, [(70000 + 1960, 1960, 88, "edge")])


@test
def frontend_started_before_the_backend():
    with booted() as (disk, m):
        out = domU(m, extra_args="bedelay=2000")
        check(out.index("blkfront: xvda: frontend Initialising -> Initialised") >
              out.index("backend Initialising -> InitWait"), "order of the handshake")
        check("wrote 1 sectors" in du(m, "blk write xvda 0 late 1"), "no I/O after a late backend")
        check("wrote 1 sectors" in du(m, "blk write xvda 1 late 1"), "no I/O after a late backend")
        m.detach()
        halt(m)
        expect_image(disk, [(HDA1, 0, 1, "late"), (HDA1 + 1, 1, 1, "late")])


@test
def domU_destroyed_mid_io_then_the_disk_is_attached_again():
    with booted() as (disk, m):
        domU(m)
        du(m, "blk write xvda 32740 keep 8")  # past the last 88-sector stride that stress writes
        m.send("blk stress xvda 100000")  # runs for a long time
        time.sleep(1.5)
        m.detach()
        out = m.command("xm-lite block-list domU")
        n = re.search(r"Connected\s+Connected\s+(\d+)", out)
        check(n and int(n.group(1)) > 2, "no I/O in flight before the destroy:\n" + out)
        m.command("xm-lite destroy domU", timeout=60)
        check(re.search(r"d1 xvda: backend Connected -> Closing", m.output), "no clean close")
        check("domain id:  0" in m.command("info"), "dom0 stopped answering")
        domU(m, extra_args="name=again")
        check("': ok (0 bad)" in du(m, "blk verify xvda 32740 8 keep"), "data lost")
        m.detach()
        halt(m)


def backend_counts(m):
    """xm-lite block-list's counts for the domU's xvda (on hda1): requests, errors, events,
    notifies, grant calls, pool pages, pooled requests."""
    out = m.command("xm-lite block-list domU")
    row = re.search(r"^xvda\s+\d+\s+hda1\s+w\s+Connected\s+Connected" + r"\s+(\d+)" * 7, out, re.M)
    check(row, "no xvda row:\n" + out)
    return [int(x) for x in row.groups()]


def counts_then_back_to_the_domU(m, last=r"\(backend domain 0\)"):
    """blkback's counts read from dom0 (backend_counts), then back on the domU's console, at its
    prompt again: the replayed log, to the prompt after `last`, the end of the last command's
    output (a prompt replayed after an earlier command's must not be taken for it)."""
    m.detach()
    counts = backend_counts(m)
    m.send("xm-lite console domU")
    m.expect(r"attached to domU's console", 30)
    m.expect(last + r"\s*domU# ", 30)
    return counts


@test
def a_transfer_of_three_requests_wakes_the_frontend_once():
    """A 264-sector write is three ring requests, put on the ring together with one notification;
    blkback answers all three before it publishes the answers (serve()'s push_responses()), so
    it notifies the frontend once for them, not once per request.  With grant copy (asked for:
    hda1 is a disk, whose default is map) the three, written through the kernel's own buffer
    (blk -n: the per-request way) and following each other on the disk, are one run on
    blkback's bounce path: one device request and one grant call (one batched copy) for all
    three."""
    with booted() as (disk, m):
        domU(m, extra_args="bemode=copy")
        check("backend domain 0" in du(m, "blk info xvda"), "no blk info")
        before = counts_then_back_to_the_domU(m)
        check("wrote 264 sectors" in du(m, "blk -n write xvda 300 three 264"), "the write failed")
        m.detach()
        after = backend_counts(m)
        requests, errors, events, notifies, grants = (a - b for a, b in zip(after[:5], before))
        check((requests, errors) == (3, 0), "not three good requests: %s -> %s" % (before, after))
        check(grants == 1, "%d grant calls for a run of three requests: %s -> %s" % (
            grants, before, after))
        check(notifies == 1, "%d notifications to the frontend for one transfer: %s -> %s" % (
            notifies, before, after))
        halt(m)
        expect_image(disk, [(HDA1 + 300, 300, 264, "three")])


def block_list_column(m, name, column):
    """One of xm-lite block-list's last two columns, by disk: Serves (how often a poll served
    each ring) or Follows (how often blkback read each frontend's state)."""
    out = m.command("xm-lite block-list %s" % name)
    check(re.search(r"GrantCalls Pool Pooled Serves Follows\s*$", out, re.M), "no Serves/Follows:\n" + out)
    rows = re.findall(r"^(xvd[a-d])\s.*\s(\d+)\s+(\d+)\s*$", out, re.M)
    check(len(rows) == 4, "four disks expected:\n" + out)
    return {r[0]: int(r[1 if column == "Serves" else 2]) for r in rows}


def serves(m, name):
    return block_list_column(m, name, "Serves")


@test
def only_the_disks_whose_event_fired_are_served():
    """Four disks of one domU, each written and read back; then I/O on xvda alone: blkback serves
    its ring and never looks at the three idle ones (before issue 15's fix every wake-up of dom0
    served every connected disk), and every disk's data is on the host's image."""
    with booted() as (disk, m):
        domU(m, "/etc/xm/tests/four_rw_disks.cfg")
        for i, vdev in enumerate(["xvda", "xvdb", "xvdc", "xvdd"]):
            check("wrote 100 sectors" in du(m, "blk write %s 0 d%d 100" % (vdev, i), 60), vdev)
            check("': ok (0 bad)" in du(m, "blk verify %s 0 100 d%d" % (vdev, i)), vdev)
        m.detach()
        before = serves(m, "fourrw")
        m.send("xm-lite console fourrw")
        m.expect(r"attached to fourrw's console", 30)
        m.expect(r"'d3': ok \(0 bad\)\s*domU# ", 30)  # the replayed log, to its last prompt
        for k in range(8):
            out = du(m, "blk write xvda %d a%d 88" % (200 + 88 * k, k))
            check("wrote 88 sectors" in out, "write %d:\n%s" % (k, out[-600:]))
        m.detach()
        after = serves(m, "fourrw")
        check(after["xvda"] >= before["xvda"] + 8, "xvda not served: %s -> %s" % (before, after))
        for vdev in ("xvdb", "xvdc", "xvdd"):
            check(after[vdev] == before[vdev], "idle %s was looked at: %s -> %s" % (
                vdev, before, after))
        halt(m)
        expect_image(disk, [(70000 + 2048 * i, 0, 100, "d%d" % i) for i in range(4)] +
                     [(70000 + 200 + 88 * k, 200 + 88 * k, 88, "a%d" % k) for k in range(8)])


@test
def a_domUs_store_writes_follow_only_its_own_frontends():
    """A domU's disk handshake writes to the xenstore several times; blkback reads the frontend
    state of that domU's disk, never of another domain's four disks waiting in InitWait (before
    issue 15's fix any domU's write made it read every disk's frontend)."""
    with booted() as (disk, m):
        out = m.command("xm-lite create /etc/xm/tests/four_disks.cfg name=idle", timeout=60)
        check("Started domain idle " in out, "create idle:\n" + out)
        time.sleep(1)
        before = block_list_column(m, "idle", "Follows")
        domU(m)  # its handshake: blkfront's writes to the store, to Connected
        m.detach()
        after = block_list_column(m, "idle", "Follows")
        check(after == before, "idle's frontends were read again: %s -> %s" % (before, after))
        out = m.command("xm-lite block-list domU")
        f = re.search(r"^xvda\s.*\s(\d+)\s*$", out, re.M)
        check(f and int(f.group(1)) >= 2, "the domU's own frontend was not followed:\n" + out)
        halt(m)


@test
def more_virtual_disks_than_blkbacks_old_fixed_eight():
    """blkback's disks are a growing table (limited by dom0's memory), not 8 slots: three tiny
    domUs of four read-only disks each hold 12, each backend described and waiting in InitWait;
    destroying the domains closes them all."""
    with booted() as (disk, m):
        names = ["fd%d" % i for i in range(1, 4)]
        for name in names:
            out = m.command("xm-lite create /etc/xm/tests/four_disks.cfg name=%s" % name,
                            timeout=60)
            check("Started domain %s " % name in out, "create %s:\n%s" % (name, out))
        for name in names:
            out = m.command("xm-lite block-list %s" % name)
            rows = re.findall(r"^xvd[a-d]\s+\d+\s+hda@\S+\s+r\s+InitWait\s", out, re.M)
            check(len(rows) == 4, "%s has not its four disks waiting:\n%s" % (name, out))
        for name in names:
            m.command("xm-lite destroy %s" % name, timeout=60)
        check(len(re.findall(r"backend InitWait -> Closing", m.output)) == 12,
              "not every disk was closed:\n" + m.output[-1500:])
        halt(m)
