"""lab_tests.py - the lab's own machinery (lab/, docs/lab.md), fast and
without the network: the Linux download and the long runs are `make lab`'s.

  - lab/linux/cpio.py writes the newc format byte for byte as Linux reads
    it: a known entry against its bytes, and a tree read back by an
    independent parser;
  - lab/linux/mkinitramfs.py orders kernel modules after their depends=,
    read from the .modinfo sections of small ELF objects made here;
  - the Linux baseline has nothing a host times: mkinitramfs.py's tree (on
    fake packages) makes its ext2 on brd's /dev/ram0 and loads no disk
    driver, and its QEMU has no guest-visible disk and a virtual-clock RTC
    (make lab boots Linux twice and compares: lab/repeat.py);
  - lab/report.py turns canned CSVs into the expected tables (and the
    numbers follow the CSVs, not constants), with a well-formed SVG plot
    when gnuplot is installed;
  - checkpoints: the native test kernel (tests/instrument/native_haps.S)
    saved at its first marker with `savevm`, restored twice with `-loadvm`
    and measured over a fixed window: identical reports, exactly the
    window's size, and a different checkpoint gives a different report.
"""
import csv
import gzip
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from qemu import ROOT, check

sys.path.insert(0, os.path.join(ROOT, "lab"))
sys.path.insert(0, os.path.join(ROOT, "lab", "linux"))
import cpio  # noqa: E402
import mkinitramfs  # noqa: E402
import report  # noqa: E402

ALL = []


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def read_newc(data):
    """An independent reader: [(name, mode, data, rdevmajor, rdevminor)] up to the trailer."""
    out, off = [], 0
    while True:
        check(data[off:off + 6] == b"070701", "entry at %d has magic %r" % (off, data[off:off + 6]))
        f = [int(data[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        namesize, filesize = f[11], f[6]
        name = data[off + 110:off + 110 + namesize - 1].decode()
        check(data[off + 110 + namesize - 1] == 0, "name %s is not NUL-terminated" % name)
        off = (off + 110 + namesize + 3) & ~3
        body = data[off:off + filesize]
        off = (off + filesize + 3) & ~3
        if name == cpio.TRAILER:
            check(off == len(data), "%d bytes after the trailer" % (len(data) - off))
            return out
        out.append((name, f[1], body, f[9], f[10]))


@test
def lab_cpio_newc_known_bytes():
    """A one-file entry is exactly the newc header, name and data with their padding."""
    want = (b"070701" b"00000001" b"000081A4" b"00000000" b"00000000" b"00000001" b"00000000"
            b"00000002" b"00000000" b"00000000" b"00000000" b"00000000" b"00000002" b"00000000"
            b"a\0" b"hi\0\0")
    got = cpio.entry("a", 0o100644, b"hi", ino=1)
    check(got == want, "cpio.entry('a', 0644, 'hi'):\n %r\nexpected\n %r" % (got, want))
    trailer = cpio.archive([])
    check(trailer.startswith(b"070701") and b"TRAILER!!!\0" in trailer and len(trailer) % 4 == 0,
          "an empty archive is not one trailer entry: %r" % trailer)


@test
def lab_cpio_tree_reads_back():
    """A directory tree (files, a subdirectory, a symlink, a device node) reads back the same, gzip'd too."""
    with tempfile.TemporaryDirectory(prefix="pvlab-lab-") as d:
        root = os.path.join(d, "root")
        os.makedirs(os.path.join(root, "bin"))
        with open(os.path.join(root, "init"), "w") as f:
            f.write("#!/bin/sh\necho hello\n")
        os.chmod(os.path.join(root, "init"), 0o755)
        with open(os.path.join(root, "bin", "odd"), "wb") as f:
            f.write(bytes(range(7)))
        os.symlink("odd", os.path.join(root, "bin", "link"))
        console = ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1))
        path = os.path.join(d, "initrd.gz")
        cpio.write(path, cpio.pack_tree(root, [console]))
        entries = read_newc(gzip.open(path).read())
    got = {e[0]: e[1:] for e in entries}
    want = {"bin": (stat.S_IFDIR | 0o755, b"", 0, 0),
            "bin/link": (stat.S_IFLNK | 0o777, b"odd", 0, 0),
            "bin/odd": (stat.S_IFREG | 0o644, bytes(range(7)), 0, 0),
            "init": (stat.S_IFREG | 0o755, b"#!/bin/sh\necho hello\n", 0, 0),
            "dev/console": (stat.S_IFCHR | 0o600, b"", 5, 1)}
    check(got == want, "read back %s\nexpected %s" % (got, want))
    check([e[0] for e in entries].index("bin") < [e[0] for e in entries].index("bin/odd"),
          "a directory comes after its files: %s" % [e[0] for e in entries])


def fake_module(d, name, depends):
    """A small ELF32 object with a .modinfo section, as a kernel module has."""
    src = os.path.join(d, name + ".c")
    with open(src, "w") as f:
        f.write('__attribute__((section(".modinfo"), used)) static const char info[] = '
                '"license=GPL\\0depends=%s\\0name=%s";\n' % (depends, name))
    subprocess.run(["gcc", "-m32", "-c", "-o", os.path.join(d, name + ".ko"), src], check=True)
    return os.path.join(d, name + ".ko")


@test
def lab_modules_in_depends_order():
    """Modules are loaded after what their .modinfo depends= names, each once; a missing one is named."""
    with tempfile.TemporaryDirectory(prefix="pvlab-lab-") as d:
        for name, deps in (("ext4", "mbcache,jbd2,crc16"), ("jbd2", ""), ("mbcache", ""),
                           ("crc16", ""), ("sd_mod", "scsi_mod,scsi_common"), ("scsi_mod", "scsi_common"),
                           ("scsi_common", ""), ("bad", "nothere")):
            fake_module(d, name, deps)
        index = mkinitramfs.module_index(d)
        check(mkinitramfs.modinfo(index["ext4"]).get("depends") == "mbcache,jbd2,crc16",
              "modinfo(ext4.ko) = %s" % mkinitramfs.modinfo(index["ext4"]))
        order = mkinitramfs.load_order(["ext4", "sd_mod", "jbd2"], index)
        want = ["mbcache", "jbd2", "crc16", "ext4", "scsi_common", "scsi_mod", "sd_mod"]
        check(order == want, "load order %s, expected %s" % (order, want))
        try:
            mkinitramfs.load_order(["bad"], index)
            check(False, "a module depending on a missing one was accepted")
        except ValueError as e:
            check("nothere" in str(e) and "bad" in str(e), "unhelpful error: %s" % e)


def fake_packages(pkgs):
    """The files mkinitramfs.make_tree() takes from Debian's packages, as empty stand-ins, and
    the modules it loads as small ELF objects (ext4 with its real depends=)."""
    kernel = os.path.join(pkgs, "linux-image-6.1.0-0-686")
    moddir = os.path.join(kernel, "lib", "modules", "6.1.0-0-686", "kernel")
    for path in ("busybox-static/bin/busybox", "dbench/usr/bin/dbench",
                 "dbench/usr/share/dbench/client.txt", "libc6/lib/i386-linux-gnu/ld-linux.so.2",
                 "libc6/lib/i386-linux-gnu/libc.so.6",
                 "libpopt0/usr/lib/i386-linux-gnu/libpopt.so.0",
                 "linux-image-6.1.0-0-686/boot/vmlinuz-6.1.0-0-686"):
        os.makedirs(os.path.dirname(os.path.join(pkgs, path)), exist_ok=True)
        open(os.path.join(pkgs, path), "w").close()
    os.makedirs(moddir)
    for name, deps in (("crc32c_generic", ""), ("ext4", "mbcache,jbd2,crc16"), ("jbd2", ""),
                       ("mbcache", ""), ("crc16", ""), ("brd", ""), ("ata_piix", ""),
                       ("sd_mod", "")):
        fake_module(moddir, name, deps)


@test
def lab_linux_runs_on_ram_with_a_virtual_clock():
    """Linux's dbench is on an ext2 that /init makes on brd's /dev/ram0 of RAM_DISK_MIB (the
    minios RAM disks' size); no disk driver is loaded, the machine has no disk the guest sees,
    and its RTC starts at a fixed date on the virtual clock."""
    import configs
    import machine
    with tempfile.TemporaryDirectory(prefix="pvlab-lab-") as d:
        pkgs, root = os.path.join(d, "pkgs"), os.path.join(d, "root")
        fake_packages(pkgs)
        mkinitramfs.make_tree(pkgs, root, 10, configs.RAM_DISK_MIB)
        order = open(os.path.join(root, "etc", "modules.order")).read().splitlines()
        want = ["crc32c_generic", "mbcache", "jbd2", "crc16", "ext4",
                "brd rd_nr=1 rd_size=%d" % (configs.RAM_DISK_MIB * 1024)]
        check(order == want, "modules.order %s, expected %s" % (order, want))
        init = open(os.path.join(root, "init")).read()
        for line in ("mke2fs -b 4096 -L dbench /dev/ram0", "mount -t ext2 /dev/ram0 /mnt",
                     "dbench -c /client.txt -t 10 -D /mnt $n &", "sleep 4"):
            check(line in init, "/init has no %r" % line)
        check("@" not in init and "/dev/sda" not in init, "/init is not filled in:\n" + init)
        check(os.readlink(os.path.join(root, "bin", "mke2fs")) == "busybox", "no mke2fs applet")
    args = machine.machine_args(configs.get("linux"))
    drives = [args[i + 1] for i, a in enumerate(args) if a == "-drive"]
    check(len(drives) == 1 and "if=none" in drives[0], "Linux's drives: %s" % drives)
    rtc = [args[i + 1] for i, a in enumerate(args) if a == "-rtc"]
    check(rtc == ["base=2025-11-29T00:00:00,clock=vm"], "Linux's -rtc: %s" % rtc)


CANNED = {
    "windows.csv": [
        ["label", "workload", "config", "checkpoint", "start_insns", "marker", "after_marker",
         "next_marker_insns", "window_insns", "measure_seconds"],
        ["Linux", "dbench 1", "linux", "linux-1", "11082598111", "2", "0", "12082598111", "300000000",
         "17.4"],
        ["dom0", "blk bench", "pvlab", "dom0", "61974992", "1", "20000000", "", "100000000", "6.1"]],
    "cache.csv": [["label", "checkpoint", "cache", "kind", "size_kb", "region", "accesses", "misses",
                   "hit_rate"]] +
    [[lab, ck, "%s%dK" % (k, s), k, str(s), reg, "100000", str(m), "%.6f" % (1 - m / 100000.0)]
     for lab, ck, base in (("Linux", "linux-1", 20), ("dom0", "dom0", 40))
     for k, twice in (("D", 1), ("I", 2)) for s in (16, 128, 1024)
     for reg, m in (("all", twice * base * 1024 // s), ("hv", 0),
                    ("kernel", twice * base * 1024 // s // 2), ("user", 0))],
    "haps.csv": [["label", "checkpoint", "window_insns", "cr3_writes", "mode_changes", "int80", "int82",
                  "int_other", "sysenter", "sysexit", "iret", "cr3_per_M", "modes_per_M",
                  "insns_per_op", "cr3_per_op", "modes_per_op"],
                 ["Linux", "linux-1", "300000000", "0", "53980", "0", "0", "0", "26970", "26970", "443",
                  "0.0", "179.93", "250000", "0.0", "44.98"],
                 ["dom0", "dom0", "100000000", "812345", "406000", "1", "203000", "0", "0", "0",
                  "203500", "8123.45", "4060.0", "", "", ""]],
    "throughput.csv": [["label", "config", "workload", "clients", "what", "MBps", "max_latency_ms",
                        "operations"],
                       ["Linux", "linux", "dbench 4.0 client.txt", "1", "throughput", "75.2107", "427.184",
                        "51234"],
                       ["Linux", "linux", "dbench 4.0 client.txt", "2", "throughput", "97.2866", "634.371",
                        "66001"],
                       ["native", "native", "dbench-lite client.txt", "1", "throughput", "5.0", "12.5",
                        "4000"],
                       ["dom0", "pvlab", "dbench-lite client.txt", "1", "throughput", "2.5", "30.0",
                        "2000"]],
}


def write_canned(d, changes=None):
    for name, rows in CANNED.items():
        with open(os.path.join(d, name), "w", newline="") as f:
            w = csv.writer(f)
            for r in rows:
                w.writerow([(changes or {}).get(c, c) for c in r])


@test
def lab_report_from_canned_csv():
    """report.py: the expected tables from canned CSVs, numbers that follow the CSVs, a well-formed page."""
    with tempfile.TemporaryDirectory(prefix="pvlab-lab-") as d:
        write_canned(d)
        report.write_report(d)
        md = open(os.path.join(d, "report.md")).read()
        page = open(os.path.join(d, "report.html")).read()
        for line in ("| Linux (linux-1) | 0.9872 | 0.9984 | 0.9998 |",  # D: 1280, 160, 20 misses
                     "| dom0 (dom0) | 0.9744 | 0.9968 | 0.9996 |",
                     "| Linux (linux-1) | 0.9744 | 0.9968 | 0.9996 |",  # I: twice the misses
                     "| dom0 (dom0) | 100000000 | 812345 | 8123.45 |  | 406000 | 4060.0 |  |  | 1 | 203000 "
                     "| 0 | 203500 |",
                     "| Linux (linux-1) | 300000000 | 0 | 0.0 | 0.0 | 53980 | 179.93 | 44.98 | 250000 |",
                     "| Linux (linux-1) | dbench 1 | 11082598111 | marker 2 + 0 | 12082598111 | 300000000 | 17.4 |",
                     "| Linux | dbench 4.0 client.txt | 2 | throughput | 97.2866 | 66001 | 634.371 |",
                     "| 1 | 75.2107 | 5 | 2.5 | - | 0.500 | - | - | - | - | - | - |",  # dom0/native
                     "| Linux (linux-1) | D 16 KB | 1280 | 0.0 % | 50.0 % | 0.0 % |"):
            check(line in md, "report.md lacks the line\n  %s\nit has:\n%s" % (line, md[:3000]))
        ET.fromstring(page[page.index("<html>"):].replace("<!DOCTYPE html>", ""))
        if shutil.which("gnuplot"):
            svg = open(os.path.join(d, "hit-D.svg")).read()
            ET.fromstring(svg[svg.index("<svg"):])
            check(page.count("<svg") == 3 and "Linux (linux-1)" in svg,
                  "the page has %d inline SVG plots, expected 3 (hit rates, haps)" % page.count("<svg"))
        write_canned(d, {"97.2866": "12.5", "53980": "1234"})
        report.write_report(d)
        md2 = open(os.path.join(d, "report.md")).read()
        check("12.5" in md2 and "97.2866" not in md2 and "| 1234 |" in md2,
              "the report does not follow its CSVs")


@test
def lab_report_prices_the_domU_block_requests():
    """report.py's "Why the domU is slower than native": block requests, entries and event sends per
    operation from the domU's trace windows times its instructions per operation, the extra over
    native and its share per request; without a domU window it says so instead of dividing."""
    haps = [{"label": "native", "checkpoint": "native-1", "insns_per_op": "30000"},
            {"label": "native", "checkpoint": "native-2", "insns_per_op": "99999"},
            {"label": "domU", "checkpoint": "domU-1", "insns_per_op": "40000"}]
    traces = [{"label": "domU", "window_insns": "6000000", "block_requests": "300",
               "hv_entries": "1200", "event_sends": "600"},
              {"label": "domU", "window_insns": "4000000", "block_requests": "200",
               "hv_entries": "800", "event_sends": "400"},
              {"label": "dom0", "window_insns": "10000000", "block_requests": "0",
               "hv_entries": "10", "event_sends": "0"}]
    sec = report.domu_cost_section(haps, traces)
    want = [["domU block requests per operation", "2.00"],
            ["domU hypervisor entries per operation", "8.00"],
            ["domU event sends per operation", "4.00"],
            ["domU - native instructions per operation (1 client)", "10000"],
            ["the extra per block request", "5000"]]
    check(sec.rows == want, "rows %s, expected %s" % (sec.rows, want))
    empty = report.domu_cost_section(haps, traces[2:])
    check(not empty.rows and "no domU trace windows" in empty.text, "no-domU case: %r" % empty.text)


@test
def lab_checkpoint_restored_twice_identical():
    """savevm at the native kernel's first marker; two -loadvm runs give identical plugin reports."""
    import checkpoint
    import configs
    import machine
    import measure
    cfg = configs.get("native-test")
    done = checkpoint.take(cfg, timeout=60, progress=lambda msg: None)
    check(machine.snapshots(cfg.overlay) == ["start"], "snapshots in the overlay: %s" %
          machine.snapshots(cfg.overlay))
    check(done[0]["insns"] > 1000000, "the checkpoint is at instruction %s" % done[0]["insns"])
    logs, runs = [], []
    for tag in ("", "-again"):
        run, _, out = measure.measure(cfg, "start", 100000, tag=tag, timeout=60)
        text = open(os.path.join(out, "plugin.log")).read()
        logs.append([line for line in text.splitlines() if line.startswith("pvlab-cache:")])
        runs.append(run)
    check(logs[0] == logs[1], "two restores from one checkpoint differ:\n%s" %
          "\n".join(a + "\n" + b for a, b in zip(*logs) if a != b)[:2000])
    check(runs[0]["insns"]["all"] == "100000", "the window is %s instructions, not 100000" %
          runs[0]["insns"]["all"])
    # The restored run starts after the boot: not all of window 1's 12 CR3 writes are in it.
    check(0 < int(runs[0]["haps"]["cr3_writes"]) < 12 and runs[0]["haps"]["int80"] == "7",
          "restored run's haps %s" % runs[0]["haps"])
    # A checkpoint elsewhere measures something else: the comparison above can fail.
    cfg.checkpoints = [("later", 1, 5000)]
    checkpoint.take(cfg, timeout=60, progress=lambda msg: None)
    other, _, _ = measure.measure(cfg, "later", 100000, timeout=60)
    check(other["haps"] != runs[0]["haps"] or other["insns"] != runs[0]["insns"],
          "a checkpoint 5000 instructions later measured the same: %s" % other["haps"])


# ---------------------------------------------------------------- make lab-quick's pipeline

QUICK_DIR = os.path.join(ROOT, "build", "lab-quick")
QUICK_ROWS = ["native-1", "native-2", "dom0-1", "dom0-2", "domU-1", "domU-2"]
QUICK_TRACES = ["dom0-t1", "dom0-t2", "dom0-t3", "domU-t1", "domU-t2", "domU-t3"]


def lab_script(*args, timeout=120):
    """A lab/ script run as make lab-quick runs it, on QUICK_DIR; returns its output."""
    env = dict(os.environ, PVLAB_LAB_DIR=QUICK_DIR)
    p = subprocess.run([sys.executable] + list(args), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    out = p.stdout.decode(errors="replace")
    check(p.returncode == 0, "%s failed (%d):\n%s" % (" ".join(args), p.returncode, out[-3000:]))
    return out


def quick_csv(name):
    with open(os.path.join(QUICK_DIR, name + ".csv"), newline="") as f:
        return list(csv.DictReader(f))


def report_rows(md, first_cell):
    """The cells of every row of report.md's tables whose first cell is `first_cell`."""
    return [[c.strip() for c in line.strip("|").split("|")] for line in md.splitlines()
            if line.startswith("| %s |" % first_cell)]


def perturbed(path, old, new):
    """A context: `path` with its first `old` replaced by `new`, restored afterwards."""
    import contextlib

    @contextlib.contextmanager
    def ctx():
        text = open(path).read()
        check(old in text, "%s has no %r to perturb" % (path, old))
        with open(path, "w") as f:
            f.write(text.replace(old, new, 1))
        try:
            yield
        finally:
            with open(path, "w") as f:
                f.write(text)
    return ctx()


def regenerate():
    lab_script("lab/collect.py")
    lab_script("lab/report.py", QUICK_DIR)
    return open(os.path.join(QUICK_DIR, "report.md")).read()


def check_quick_files():
    """The report, the CSVs and the plots exist and parse."""
    for name in ("windows", "haps", "cache", "throughput", "repeat", "domains", "trace", "theory",
                 "spread", "hypercalls"):
        rows = quick_csv(name)
        check(rows, "%s.csv is empty" % name)
    page = open(os.path.join(QUICK_DIR, "report.html")).read()
    ET.fromstring(page[page.index("<html>"):])
    if shutil.which("gnuplot"):
        for svg in ("hit-D.svg", "hit-I.svg", "haps.svg", "timeline.svg"):
            text = open(os.path.join(QUICK_DIR, svg)).read()
            ET.fromstring(text[text.index("<svg"):])
        check(page.count("<svg") == 4, "the page inlines %d plots, expected 4" % page.count("<svg"))
    wins = {w["checkpoint"]: w for w in quick_csv("windows")}
    check(sorted(wins) == sorted(QUICK_ROWS), "rows measured: %s" % sorted(wins))
    for w in wins.values():
        check(0 < int(w["window_insns"]) <= 20_000_000, "window %s" % w)
    for c in quick_csv("cache"):
        check(0 <= int(c["misses"]) <= int(c["accesses"]) and 0.0 <= float(c["hit_rate"]) <= 1.0,
              "cache row %s" % c)
    traced = [t["checkpoint"] for t in quick_csv("trace")]
    check(traced == QUICK_TRACES, "trace windows: %s" % traced)


def check_quick_figures(md):
    """The figures are the run's: domains from xm-lite list, haps from the plugin's own log, the
    trace and the plugin agreeing on the hypercalls of one window, a throughput per native row."""
    doms = quick_csv("domains")
    check([(d["prompt"], d["domains"], d["running_xm_lite"]) for d in doms] ==
          [("dom0#", "1", "Domain-0"), ("dom0#", "2", "Domain-0")], "domains.csv: %s" % doms)
    sys.path.insert(0, os.path.join(ROOT, "tools", "plugin"))
    from pvlab_report import parse_report
    for h in quick_csv("haps"):
        cfg = "native" if h["label"] == "native" else "pvlab"
        log = os.path.join(QUICK_DIR, "runs", cfg, h["checkpoint"], "plugin.log")
        run = parse_report(open(log).read())["run"]
        check(h["cr3_writes"] == run["haps"]["cr3_writes"], "haps.csv %s vs %s" % (h, run["haps"]))
        cells = report_rows(md, "%s (%s)" % (h["label"], h["checkpoint"]))
        check(any(r[2:5] == [h["cr3_writes"], h["cr3_per_M"], h["cr3_per_op"]] for r in cells),
              "report.md's haps row for %s is not haps.csv's: %s" % (h["checkpoint"], cells))
    for t in quick_csv("theory"):  # a window that starts or ends inside an entry: one off
        gap = int(t["hypercalls_plugin"]) - int(t["hypercalls_trace"])
        check(int(t["hypercalls_trace"]) > 0 and -int(t["cut_start"]) <= gap <= int(t["cut_short"]),
              "%s: the plugin counted %s int $0x82, the trace %s hypercalls (cut at the start %s, "
              "at the end %s)" % (t["checkpoint"], t["hypercalls_plugin"], t["hypercalls_trace"],
                                  t["cut_start"], t["cut_short"]))
    clients = sorted(int(t["clients"]) for t in quick_csv("throughput") if t["label"] == "native")
    check(clients == [1, 2], "native's dbench runs: %s" % clients)


@test
def lab_quick_pipeline_report_is_the_runs():
    """make lab-quick's pipeline (native and pvlab; Linux needs the network) writes a well-formed
    report whose figures are the runs': a perturbed raw file changes the report."""
    out = lab_script("lab/lab.py", "--quick", "--only", "native,pvlab", timeout=400)
    check("[100 %]" in out and "%] native: checkpoint native-1 at instruction" in out,
          "no progress lines with percentages:\n%s" % out[-2000:])
    check_quick_files()
    md = open(os.path.join(QUICK_DIR, "report.md")).read()
    check_quick_figures(md)
    h = [h for h in quick_csv("haps") if h["checkpoint"] == "native-1"][0]
    log = os.path.join(QUICK_DIR, "runs", "native", "native-1", "plugin.log")
    more = str(int(h["cr3_writes"]) + 777)
    with perturbed(log, "cr3_writes=%s " % h["cr3_writes"], "cr3_writes=%s " % more):
        cells = report_rows(regenerate(), "native (native-1)")
        check(any(r[2] == more for r in cells), "a plugin.log with %s CR3 writes: %s" % (more, cells))
    console = os.path.join(QUICK_DIR, "runs", "pvlab", "checkpoint-console.log")
    with perturbed(console, "Domain-0           0", "Domain-9           9 "
                   "   1     1 ------       0.0\nDomain-0           0"):
        check(quick_csv("domains")[0]["domains"] == "1", "collect ran early")
        cells = report_rows(regenerate(), "at the first prompt")
        check(cells and cells[0][2] == "2", "two domains listed at the first prompt: %s" % cells)
    regenerate()


@test
def lab_quick_boot_repeats_to_the_instruction():
    """RAM disks and rc files leave a lab boot nothing the host times: pvlab's quick boot again
    (lab/repeat.py, to domU-1: dom0's runs, the copy onto ram1, the domU's first run through
    blkfront) passes every marker at the same instruction and measures the same window, line
    for line; a marker moved by one instruction is caught."""
    first = os.path.join(QUICK_DIR, "runs", "pvlab")
    if not os.path.exists(os.path.join(first, "domU-1", "measure.json")):
        lab_script("lab/lab.py", "--quick", "--only", "pvlab", timeout=400)
    out = lab_script("lab/repeat.py", "pvlab", "domU-1", "--quick", timeout=300)
    check("the boot again is identical: 7 markers" in out, "the boot did not repeat:\n" + out[-3000:])
    import repeat
    again = first + "-again"
    marks = os.path.join(first, "markers.json")
    k, v = sorted(json.load(open(marks)).items(), key=lambda kv: int(kv[0]))[3]
    with perturbed(marks, '"%s": %s' % (k, v), '"%s": %d' % (k, v + 1)):
        diff = repeat.differences(first, again, "domU-1")
    check(any("marker %s at instruction %d, again at %d" % (k, v + 1, v) in d for d in diff),
          "a marker one instruction off was not reported: %s" % diff)
