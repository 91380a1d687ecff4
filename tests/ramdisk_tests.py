"""ramdisk_tests.py - RAM disks from the boot archive, and the block path made repeatable.

A file ram/NAME.simg in dom0's boot archive becomes the block device NAME
(guests/minios/ramdisk.c; scripts/mksimg.py writes the sparse image).  These
tests boot dom0 with `root=ram0` on an ext2 image made on the host, write to
it, give ram1 to a domU as its xvda through blkback, refuse a malformed image
by its field while dom0 boots on, and show what the RAM disk is for: the same
block benchmark, dom0 on ram1 and then a domU through blkfront/blkback, in two
boots under -icount, gives the same figures to within 0.1% (the IDE disk's
figures follow the host's I/O and vary by up to 10x), with every domain's
hypervisor entries per transfer counted, and a RAM disk given a disk's
timing (ram_model=) takes its service time per request.  Natively the boot
archive is minios's own multiboot module, and its RAM disks work the same.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

from qemu import BUILD, ROOT, Machine, check, halt

ALL = []
MKSIMG = os.path.join(ROOT, "scripts", "mksimg.py")
MKBOOTFS = os.path.join(ROOT, "scripts", "mkbootfs.py")
PLUGIN = os.path.join(BUILD, "plugins", "pvlab-cache.so")
# blk bench's line (guests/minios/proc/sysblk.c: bench_one): the figure, this domain's own
# hypervisor entries during it, and its buffer: the disk's I/O pool (persistent grants) or static
BENCH_LINE = (r"BENCH blk (\w+) ([\w-]+) MBps=([\d.]+) reqps=\d+ ns=(\d+) bytes=\d+ transfers=(\d+) "
              r"hv_entries=(\d+) hypercalls=(\d+) exceptions=(\d+) interrupts=(\d+) buf=(\w+)")
# blkfront's counts at the end of each blk bench in a domU (cumulative since its boot)
FRONT_LINE = r"BENCH blkfront xvda requests=(\d+) .*pool_requests=(\d+)"
BENCH_FIELDS = ("mbps", "ns", "transfers", "entries", "hypercalls", "exceptions", "interrupts")


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def simg(out, size_mib, directory=None):
    """An ext2 RAM disk image of size_mib (files from directory), or, with directory=False, an
    image of zeros (a raw disk for the block benchmark)."""
    if directory is False:
        with tempfile.NamedTemporaryFile(suffix=".img") as f:
            f.truncate(size_mib << 20)
            f.flush()
            subprocess.run([sys.executable, MKSIMG, "--from", f.name, out], check=True,
                           stdout=subprocess.DEVNULL)
        return out
    args = ["--ext2", str(size_mib)] + (["--dir", directory] if directory else [])
    subprocess.run([sys.executable, MKSIMG] + args + [out], check=True, stdout=subprocess.DEVNULL)
    return out


def archive(tmp, disks):
    """build/bootfs.cpio plus ram/NAME.simg for each NAME: host file of disks."""
    out = os.path.join(tmp, "bootfs-ram.cpio")
    files = ["/ram/%s.simg=%s" % (name, path) for name, path in sorted(disks.items())]
    subprocess.run([sys.executable, MKBOOTFS, out, "--base", os.path.join(BUILD, "bootfs.cpio")] +
                   files, check=True)
    return out


def ram_machine(cpio, words="root=ram0", dom0_mem=128, mem=320, extra=None):
    return Machine(modules=[os.path.join(BUILD, "minios.elf") + " dom0 " + words, cpio],
                   append="dom0_mem=%dM" % dom0_mem, mem=mem, icount=True, extra=extra)


@test
def dom0_boots_on_an_ext2_ram_disk_and_a_domU_gets_another():
    with tempfile.TemporaryDirectory(prefix="pvlab-ram-") as tmp:
        top = os.path.join(tmp, "files")
        os.makedirs(os.path.join(top, "etc"))
        with open(os.path.join(top, "etc", "motd"), "w") as f:
            f.write("made on the host\n")
        cpio = archive(tmp, {"ram0": simg(os.path.join(tmp, "r0.simg"), 32, top),
                             "ram1": simg(os.path.join(tmp, "r1.simg"), 16, top)})
        m = ram_machine(cpio)
        try:
            m.expect(r"dom0# ", 60)
            check(re.search(r"ram0: 32 MiB RAM disk, \d+ KiB of it loaded", m.output),
                  "no ram0 at boot:\n" + m.output[-2000:])
            out = m.command("mount")
            check(re.search(r"^ram0 on / type ext2 \(rw\)", out, re.M), "/ is not ram0:\n" + out)
            out = m.command("cat /etc/motd")
            check("made on the host" in out, "the image's file is not there:\n" + out)
            m.command("echo written in dom0 > /note")
            out = m.command("cat /note")
            check("written in dom0" in out, "a write to the RAM disk did not read back:\n" + out)
            out = m.command("blk list")
            check(re.search(r"ram1\s+32768 sectors \(16 MiB\)\s+RAM disk", out),
                  "ram1 is not listed:\n" + out)
            out = m.command("xm-lite create /etc/xm/domU-ram.cfg", timeout=60)
            check("Started domain domU" in out, "no domU on ram1:\n" + out)
            m.command("xm-lite console domU", prompt=r"domU# ", timeout=30)
            out = m.command("mount", prompt=r"domU# ")
            check(re.search(r"^xvda on / type ext2 \(rw\)", out, re.M),
                  "the domU's root is not xvda:\n" + out)
            out = m.command("cat /etc/motd", prompt=r"domU# ")
            check("made on the host" in out, "the domU cannot read ram1 through blkback:\n" + out)
            m.detach()
            m.command("xm-lite destroy domU", timeout=60)
            out = m.command("cat /note")
            check("written in dom0" in out, "dom0's RAM disk lost a file:\n" + out)
            halt(m)
        finally:
            m.kill()


@test
def native_minios_boots_on_a_ram_disk_of_its_boot_module():
    with tempfile.TemporaryDirectory(prefix="pvlab-ram-") as tmp:
        top = os.path.join(tmp, "files")
        os.makedirs(top)
        with open(os.path.join(top, "motd"), "w") as f:
            f.write("made on the host\n")
        cpio = archive(tmp, {"ram0": simg(os.path.join(tmp, "r0.simg"), 32, top)})
        m = Machine(kernel=os.path.join(BUILD, "minios.elf"), append="root=ram0", modules=[cpio],
                    icount=True)
        try:
            m.expect(r"native# ", 60)
            check(re.search(r"ram0: 32 MiB RAM disk, \d+ KiB of it loaded", m.output),
                  "no ram0 at a native boot:\n" + m.output[-2000:])
            out = m.command("mount", prompt=r"native# ")
            check(re.search(r"^ram0 on / type ext2 \(rw\)", out, re.M) and
                  re.search(r"^bootfs on /boot", out, re.M),
                  "/ is not ram0, or the module is not /boot:\n" + out)
            out = m.command("cat /motd", prompt=r"native# ")
            out += m.command("ls /boot/etc/xm", prompt=r"native# ")
            check("made on the host" in out and "domU-ram.cfg" in out,
                  "the image's file or the module's is not there:\n" + out)
            m.command("echo written natively > /note", prompt=r"native# ")
            out = m.command("cat /note", prompt=r"native# ")
            check("written natively" in out, "a write to the RAM disk did not read back:\n" + out)
            halt(m)
        finally:
            m.kill()


def at_domU_console(m, cfg="/etc/xm/domU-ram.cfg", words="", domid=1):
    """From dom0's prompt (waited for after boot), the domU of cfg (on ram1) created, with
    `words` after create's, and its console attached."""
    if domid == 1:
        m.expect(r"dom0# ", 60)
    out = m.command("xm-lite create %s %s" % (cfg, words), timeout=60)
    check("Started domain domU (id=%d)" % domid in out, "no domU on ram1:\n" + out)
    m.command("xm-lite console domU", prompt=r"domU# ", timeout=30)


def requests_served(m):
    """blkback's count of the domU's ring requests (xm-lite block-list), from dom0's prompt."""
    out = m.command("xm-lite block-list domU")
    n = re.search(r"xvda\s+\d+\s+ram1\s+w\s+Connected\s+Connected\s+(\d+)\s+(\d+)", out)
    check(n and n.group(2) == "0", "no clean block-list line:\n" + out)
    return int(n.group(1))


@test
def a_domU_sync_merges_neighbouring_blocks_and_dom0_reads_them_back():
    """A sync hands blkfront its dirty blocks at once (blkdev_write_many): neighbours become
    segments of one request and blkback copies them straight into the RAM disk's pages."""
    with tempfile.TemporaryDirectory(prefix="pvlab-ram-") as tmp:
        top = os.path.join(tmp, "files")
        os.makedirs(top)
        lines = ["line %05d of the file the domU copies\n" % i for i in range(1200)]  # 48 KB
        with open(os.path.join(top, "data.txt"), "w") as f:
            f.write("".join(lines))
        cpio = archive(tmp, {"ram0": simg(os.path.join(tmp, "r0.simg"), 16),
                             "ram1": simg(os.path.join(tmp, "r1.simg"), 16, top)})
        m = ram_machine(cpio)
        try:
            at_domU_console(m, "/boot/etc/xm/domU-ram.cfg")
            m.command("cp /data.txt /warm.txt", prompt=r"domU# ")  # data.txt now cached
            m.command("sync", prompt=r"domU# ")
            m.detach()
            before = requests_served(m)
            m.command("xm-lite console domU", prompt=r"domU# ", timeout=30)
            m.command("cp /data.txt /copy.txt", prompt=r"domU# ")
            m.command("sync", prompt=r"domU# ")
            m.detach()
            during = requests_served(m) - before
            # 12 data blocks, the inode, bitmaps, directory and superblock: one request each
            # without merging, the data in two (11 pages at most per request) with it.
            check(during <= 9, "writing a 12-block file took %d ring requests" % during)
            m.command("xm-lite destroy domU", timeout=60)
            m.command("mkdir /mnt")
            out = m.command("mount ram1 /mnt")
            check("error" not in out and "cannot" not in out, "cannot mount ram1:\n" + out)
            out = m.command("cat /mnt/copy.txt", timeout=60)
            got = re.findall(r"^line \d{5} of the file the domU copies$", out, re.M)
            check(len(got) == 1200 and got[-1] == lines[-1].strip(),
                  "dom0 read back %d of 1200 lines of the domU's copy" % len(got))
            halt(m)
        finally:
            m.kill()


def mbr_simg(tmp, size_mib, start, count):
    """A raw RAM disk image of size_mib whose MBR has one partition, `count` sectors from
    sector `start` (a domU's xvda1)."""
    raw = os.path.join(tmp, "mbr.img")
    with open(raw, "wb") as f:
        f.truncate(size_mib << 20)
        f.seek(446)
        f.write(struct.pack("<B3sB3sII", 0, bytes(3), 0x83, bytes(3), start, count))
        f.seek(510)
        f.write(b"\x55\xaa")
    out = os.path.join(tmp, "mbr.simg")
    subprocess.run([sys.executable, MKSIMG, "--from", raw, out], check=True,
                   stdout=subprocess.DEVNULL)
    return out


def pool_keys(m, domid=1, devid=51712):
    """The backend's offer and the frontend's answer in the xenstore, from dom0's prompt:
    {key: value} of feature-persistent (backend's and frontend's), pool-ref and pool-pages."""
    front = "/local/domain/%d/device/vbd/%d" % (domid, devid)
    backend = re.search(r"^(/local/domain/0/backend/\S+)$",
                        m.command("xl read %s/backend" % front), re.M).group(1)
    keys = {}
    for name, path in (("offered", backend + "/feature-persistent"),
                       ("feature-persistent", front + "/feature-persistent"),
                       ("pool-ref", front + "/pool-ref"), ("pool-pages", front + "/pool-pages")):
        got = re.search(r"^(\d+)$", m.command("xl read " + path), re.M)
        keys[name] = int(got.group(1)) if got else None
    return keys


def pool_data_both_ways(m, label):
    """At a domU's prompt: data written through `blk` (the disk's I/O buffer: its pool's pages
    when it has one) reads back through `blk -n` (the kernel's own buffer, the per-request way)
    and the reverse, on xvda and on its partition xvda1; a named check each."""
    out = m.command("blk list", prompt=r"domU# ")
    check(re.search(r"xvda1\s+8192 sectors", out), "no xvda1 in the domU:\n" + out)
    results = []
    for dev, sector, count in (("xvda", 100, 264), ("xvda1", 40, 88)):
        for write, verify, pattern in (("blk", "blk -n", "POOL"), ("blk -n", "blk", "OWN")):
            pat = "%s%s%s" % (pattern, label, dev)
            m.command("%s write %s %d %s %d" % (write, dev, sector, pat, count),
                      prompt=r"domU# ", timeout=60)
            out = m.command("%s verify %s %d %d %s" % (verify, dev, sector, count, pat),
                            prompt=r"domU# ", timeout=60)
            results.append(("%s_%s_written_by_%s_read_by_%s" % (
                label, dev, write.replace(" -n", "_nopool"), verify.replace(" -n", "_nopool")),
                re.search(r"verify .*: ok \(0 bad\)", out) is not None, out))
    return results


@test
def a_domUs_io_pool_is_published_and_moves_data_both_ways():
    """A domU's disk whose backend offers persistent grants (feature-persistent = 1) gets an I/O
    pool: the frontend publishes feature-persistent = 1, pool-ref and pool-pages = 64 before
    Initialised (blkfront.c), and the backend maps it; a domU booted with blkpool=off declines
    the offer and publishes no keys, and the backend maps nothing.  Either way `blk`'s
    transfers go through the disk's I/O buffer (the pool's pages when there is one, else the
    kernel's own) and `blk -n`'s through the kernel's own buffer, the per-request way: data
    written one way reads back the other, in both directions, on xvda and on its partition
    xvda1, whose buffer is its disk's.  A sector holds its own number, so data in the wrong
    place is caught too."""
    with tempfile.TemporaryDirectory(prefix="pvlab-ram-") as tmp:
        cpio = archive(tmp, {"ram0": simg(os.path.join(tmp, "r0.simg"), 16),
                             "ram1": mbr_simg(tmp, 8, 2048, 8192)})
        m = ram_machine(cpio)
        try:
            results = []
            for domid, words, label in ((1, "", "pool"), (2, "extra=blkpool=off", "declined")):
                at_domU_console(m, words=words, domid=domid)
                results += pool_data_both_ways(m, label)
                m.detach()
                keys = pool_keys(m, domid=domid)
                listed = m.command("xm-lite block-list domU")
                mapped = re.search(r"xvda\s+\d+\s+ram1\s+w\s+Connected\s+Connected(?:\s+\d+){5}"
                                   r"\s+(\d+)", listed)
                pool = int(mapped.group(1)) if mapped else None
                if label == "pool":
                    results.append(("pool_published_and_mapped", keys["offered"] == 1 and
                                    keys["feature-persistent"] == 1 and keys["pool-pages"] == 64
                                    and (keys["pool-ref"] or 0) >= 8 and pool == 64,
                                    "the keys %s, %s pages mapped:\n%s" % (keys, pool, listed)))
                else:
                    results.append(("no_pool_when_declined", keys["offered"] == 1 and
                                    keys["feature-persistent"] is keys["pool-ref"] is
                                    keys["pool-pages"] is None and pool == 0,
                                    "the keys %s, %s pages mapped:\n%s" % (keys, pool, listed)))
                m.command("xm-lite destroy domU", timeout=60)
            halt(m)
        finally:
            m.kill()
        return results


def corrupt(path, offset, value):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(value)


@test
def a_malformed_ram_disk_image_is_refused_by_its_field():
    with tempfile.TemporaryDirectory(prefix="pvlab-ram-") as tmp:
        good = simg(os.path.join(tmp, "good.simg"), 8)
        bad = {}
        for name, offset, value in (("ram1", 0, b"NOTSIMG!"), ("ram2", 12, struct.pack("<I", 0)),
                                    ("ram3", 16, struct.pack("<I", 1 << 20))):
            bad[name] = os.path.join(tmp, name + ".simg")
            shutil.copy(good, bad[name])
            corrupt(bad[name], offset, value)
        cpio = archive(tmp, dict(bad, ram0=good))
        m = ram_machine(cpio)
        try:
            m.expect(r"dom0# ", 60)
            for line in ("ram1: bad RAM disk image: magic: not a pvlab sparse image",
                         "ram2: bad RAM disk image: nr_pages: 0, or more than 1 GiB",
                         "ram3: bad RAM disk image: nr_extents: the table runs past the end"):
                check("minios: " + line in m.output, "no '%s' at boot:\n%s" %
                      (line, m.output[-2500:]))
            out = m.command("blk list")
            check("ram0" in out and not re.search(r"ram[123]\s", out),
                  "a refused image became a device:\n" + out)
            out = m.command("echo still working > /x; cat /x")
            halt(m)
        finally:
            m.kill()


def bench_figures(text):
    """[(device, workload, {figure: value, "buf": "pool" or "static"})] of blk bench's lines, in
    order."""
    return [(m[0], m[1], dict(zip(BENCH_FIELDS, [float(m[2])] + [int(x) for x in m[3:-1]]),
                              buf=m[-1]))
            for m in re.findall(BENCH_LINE, text)]


def bench_window_pc():
    """blk_bench_window()'s address: the plugin's marker_pc around each timed workload."""
    out = subprocess.run(["nm", os.path.join(BUILD, "minios.elf")], stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    return int(re.search(r"^([0-9a-f]+) T blk_bench_window$", out, re.M).group(1), 16)


def window_entries(log):
    """[(entries, hypercalls)] of every domain, from each window of the plugin's log in order:
    its mode changes into the hypervisor (from a kernel or a process), and its int $0x82s."""
    sys.path.insert(0, os.path.join(ROOT, "tools", "plugin"))
    from pvlab_report import parse_report
    windows = parse_report(log)
    return [(int(w["modes"]["kernel_hv"]) + int(w["modes"]["user_hv"]), int(w["haps"]["int82"]))
            for _, w in sorted((int(k), w) for k, w in windows.items() if k.isdigit())]


def blkbench_run(cpio, counters=None, model=None):
    """dom0 benchmarks ram1 directly, then a domU through blkfront (grant copy), then one whose
    backend maps each segment, on the plain RAM disk or, with model ("ACCESS_US:MBPS"), on one
    with that timing: {(who, workload): figures}.  Each domU runs it through its disk's I/O
    pool if the backend offered persistent grants (who "copy-pool", "map-pool"), then through
    its kernel's own buffer, the per-request way ("copy", "map").  A workload's figures are the
    running domain's own (bench_figures(), from its hypervisor counters) plus all_entries and
    all_hypercalls: every domain's, from the lab plugin's window over the timed transfers.
    blkback's counters of each domU go into counters[who] if given, and blkfront's (requests,
    pool_requests) after each of its runs into counters[who + "-front"]."""
    counters = {} if counters is None else counters
    with tempfile.TemporaryDirectory(prefix="pvlab-blkbench-") as tmp:
        log = os.path.join(tmp, "plugin.log")
        plugin = "%s,icache=off,dcache=off,marker_pc=0x%x" % (PLUGIN, bench_window_pc())
        words = "blkbench=ram" + (" ram_model=" + model if model else "")
        m = ram_machine(cpio, words=words, dom0_mem=160,
                        extra=["-plugin", plugin, "-d", "plugin", "-D", log])
        try:
            m.expect(r"BENCH domains done", 600)
            out = m.output
        finally:
            m.kill()
        with open(log) as f:
            windows = window_entries(f.read())
    parts = out.split("name=mapper")
    r, order = {}, []
    for part, who in ((parts[0], "copy"), (parts[1], "map")):
        for dev, what, fig in bench_figures(part):
            key = ("dom0" if dev == "ram1" else who + ("-pool" if fig["buf"] == "pool" else ""),
                   what)
            r[key] = fig
            order.append(key)
        counters[who + "-front"] = [tuple(int(x) for x in m) for m in re.findall(FRONT_LINE, part)]
        # xm-lite block-list: requests errors events notifies grants, as blkback counted them
        be = re.search(r"xvda\s+\d+\s+ram1\s+w\s+\w+\s+\w+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)"
                       r"\s+(\d+)", part)
        if be:
            counters[who] = tuple(int(x) for x in be.groups())
    for key, (entries, hypercalls) in zip(order, windows):
        r[key].update(all_entries=entries, all_hypercalls=hypercalls)
    return r


def ram_bench_archive(tmp):
    return archive(tmp, {"ram1": simg(os.path.join(tmp, "raw.simg"), 64, False)})


@test
def the_block_benchmark_repeats_on_a_ram_disk():
    with tempfile.TemporaryDirectory(prefix="pvlab-ram-") as tmp:
        cpio = ram_bench_archive(tmp)
        a, b = blkbench_run(cpio), blkbench_run(cpio)
        check(len(a) == figures_expected(a) and a.keys() == b.keys(),
              "missing figures: %s / %s" % (a, b))
        # One named check per figure: its guest time in the two boots within 0.1%.
        return [("%s_%s" % k, abs(a[k]["ns"] - b[k]["ns"]) < a[k]["ns"] / 1000,
                 "%.3f MB/s in one boot, %.3f in the other" % (a[k]["mbps"], b[k]["mbps"]))
                for k in sorted(a)]


def figures_expected(r):
    """dom0's 4 workloads and each domU's 4 per-request ones; 4 more for each domU whose disk
    had an I/O pool (persistent grants)."""
    return 12 + 4 * len({who for who, _ in r if who.endswith("-pool")})


def run_requests(r, who):
    """The ring requests of one blk bench run: a 132 KiB transfer is 3, a 4 KiB one 1; each
    write workload runs twice (the untimed preconditioning)."""
    seq = 2 * r[(who, "seq-write")]["transfers"] + r[(who, "seq-read")]["transfers"]
    rand = 2 * r[(who, "rand-write")]["transfers"] + r[(who, "rand-read")]["transfers"]
    return 3 * seq + rand


def one_run_per_transfer(r, counts, front):
    """The check that blkback (bemode=map) made a run of each per-request transfer: a run is two
    grant calls (its map and its unmap), and a 132 KiB transfer, 3 ring requests, saves 2 runs.
    The sequential transfers are seq-write's twice (blk bench's untimed preconditioning) and
    seq-read's.  Requests of pool pages alone (blkfront's pool_requests) need no grant call at
    all: the backend mapped the pool once, when it connected."""
    requests, grants = counts[0], counts[4]
    pool = front[-1][1] if front else 0
    seq = 2 * r[("map", "seq-write")]["transfers"] + r[("map", "seq-read")]["transfers"]
    return ("map_moves_a_transfer_as_one_run", grants == 2 * (requests - pool - 2 * seq),
            "%d ring requests, %d of them pool pages alone, %d in %d 3-request transfers, %d "
            "grant calls: %d runs where %d are transfers" % (
                requests, pool, 3 * seq, seq, grants, grants // 2, requests - pool - 2 * seq))


def copy_calls_once_per_request_not_of_the_pool(counts, front):
    """The check that blkback with grant copy on a RAM disk makes one copy call per request
    (copy_direct()), and none for a request of pool pages alone: it moves those with a memcpy
    on the pool it mapped once."""
    requests, grants = counts[0], counts[4]
    pool = front[-1][1] if front else 0
    return ("copy_calls_once_per_request_not_of_the_pool", grants == requests - pool,
            "%d ring requests, %d of them pool pages alone, %d grant calls" % (requests, pool,
                                                                                grants))


def pool_runs_name_only_pool_pages(r, counters):
    """For each domU that ran blk bench through its I/O pool: every request of that run named
    pool pages alone, and the per-request run after it none."""
    checks = []
    for who in ("copy", "map"):
        front = counters.get(who + "-front", [])
        if (who + "-pool", "seq-read") not in r:
            continue
        want = run_requests(r, who + "-pool")
        ok = len(front) == 2 and front[0][1] == want and front[1][1] == want
        checks.append(("%s_pool_run_names_only_pool_pages" % who, ok,
                       "blkfront's (requests, pool_requests) after each run %s; a run is %d "
                       "requests" % (front, want)))
    return checks


@test
def the_block_benchmark_counts_every_domains_hypervisor_entries():
    """blk bench's own counts (each domain's hypervisor counters) and the plugin's window (every
    domain) over each timed workload.  A transfer is synchronous and there is one CPU, so each
    needs the CPU to pass from the domU to dom0 and back: at least one entry of the domU's (it
    blocks for the answer) per transfer, and about one of dom0's (it sends the answer, or
    blocks again): at least 0.99 a transfer, since through the I/O pool, where dom0 makes no
    grant call, its send is all it enters for, and the ring spares it when the domU will find
    the answer without one (3 of 1,024 random reads in one build).  dom0 on its own disk enters for nothing but the 1 ms timer tick, and there the
    plugin's count of every domain's entries agrees with dom0's own.  And, from blkback's
    counts, map mode moves each transfer as one run (one batched map and unmap, one device
    request), a 132 KiB one's 3 ring requests included, as dom0's direct run makes one device
    request a transfer: a run cut in two costs a disk a second access time.  A transfer
    through the disk's I/O pool (persistent grants, the backend having mapped the pool once)
    makes no grant call at all, in either mode."""
    with tempfile.TemporaryDirectory(prefix="pvlab-ram-") as tmp:
        counters = {}
        r = blkbench_run(ram_bench_archive(tmp), counters)
        check(len(r) == figures_expected(r) and all("all_entries" in f for f in r.values()) and
              "map" in counters and "copy" in counters,
              "missing figures, plugin windows or blkback's counts: %s %s" % (r, counters))
        checks = [one_run_per_transfer(r, counters["map"], counters["map-front"]),
                  copy_calls_once_per_request_not_of_the_pool(counters["copy"],
                                                              counters["copy-front"])]
        checks += pool_runs_name_only_pool_pages(r, counters)
        for (who, what), f in sorted(r.items()):
            ticks = f["ns"] // 1000000 + 1
            if who == "dom0":
                checks.append(("dom0_%s_enters_only_for_ticks" % what,
                               f["hypercalls"] == f["exceptions"] == 0 and
                               f["entries"] == f["interrupts"] <= ticks and
                               f["all_entries"] == f["entries"],
                               "dom0's own %s, the plugin's %d entries" % (f, f["all_entries"])))
                continue
            checks.append(("%s_%s_domU_enters_per_transfer" % (who, what),
                           f["entries"] >= f["transfers"],
                           "the domU's own %d entries for %d transfers" % (f["entries"],
                                                                          f["transfers"])))
            checks.append(("%s_%s_dom0_enters_per_transfer" % (who, what),
                           f["all_entries"] - f["entries"] >= 0.99 * f["transfers"],
                           "%d entries of every domain, %d the domU's, %d transfers" %
                           (f["all_entries"], f["entries"], f["transfers"])))
        return checks


MODEL = "20:3000"  # the test's device: 20 us a request, then 3000 MB/s


def service_ns(model, nbytes):
    access_us, mbps = (int(x) for x in model.split(":"))
    return access_us * 1000 + nbytes * 1000 // mbps


@test
def a_modelled_ram_disk_takes_its_service_time_per_request():
    """dom0 booted with ram_model=20:3000 runs blk bench on ram1: each workload's N transfers,
    one request each, take N x S of guest time (S = 20 us + bytes / 3000 MB/s) and at most
    1 us a transfer more: the loop's own work and the spin's last lap (about 300 ns).  The copy
    is the device's and lies inside S (a 4 KiB copy alone is about 1,050 ns)."""
    with tempfile.TemporaryDirectory(prefix="pvlab-ram-") as tmp:
        m = ram_machine(ram_bench_archive(tmp), words="ram_model=" + MODEL, dom0_mem=160)
        try:
            m.expect(r"dom0# ", 60)
            out = m.command("blk list")
            check(re.search(r"ram1\s+131072 sectors \(64 MiB\)\s+RAM disk, modelled 20 us "
                            r"\+ 3000 MB/s", out), "ram1 is not listed as modelled:\n" + out)
            figs = bench_figures(m.command("blk bench ram1", timeout=120))
            halt(m)
        finally:
            m.kill()
        check(len(figs) == 4, "blk bench gave %d figures" % len(figs))
        checks = []
        for dev, what, f in figs:
            per = 132 * 1024 if what.startswith("seq") else 4096
            floor = f["transfers"] * service_ns(MODEL, per)
            checks.append((what, floor <= f["ns"] <= floor + 1000 * f["transfers"],
                           "%d transfers took %d ns; N x S is %d" % (f["transfers"], f["ns"],
                                                                      floor)))
        return checks


@test
def a_malformed_ram_model_word_leaves_ram_disks_plain():
    with tempfile.TemporaryDirectory(prefix="pvlab-ram-") as tmp:
        m = ram_machine(ram_bench_archive(tmp), words="ram_model=20:fast", dom0_mem=160)
        try:
            m.expect(r"dom0# ", 60)
            check("minios: ram_model=20:fast: not ACCESS_US:MBPS (e.g. 20:3000) or 0; RAM disks "
                  "plain" in m.output, "no complaint about ram_model=20:fast:\n" + m.output[-2000:])
            out = m.command("blk list")
            check(re.search(r"ram1\s+131072 sectors \(64 MiB\)\s+RAM disk\s*$", out, re.M),
                  "ram1 is not a plain RAM disk:\n" + out)
            halt(m)
        finally:
            m.kill()
