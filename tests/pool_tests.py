"""pool_tests.py - blkback's side of persistent grants (pvlab's form: a frontend's I/O pool).

A frontend that takes up blkback's feature-persistent offer names a pool of its pages, which
blkback maps once for the connection's life (guests/minios/blkback.c, docs/block.md §8).  Here a
hostile frontend (tests/guests/domu_badpool.c) offers bad pools, each refused with a logged
reason while the disk still works, then a valid one (with blkback mapping requests and with its
grant copy's bounce path), which must move the right data, count its
requests in xm-lite block-list's Pooled, and stay the frontend's: it cannot take a mapped page
back.  Closing the disk and destroying the domain must each unmap the pool: every frame comes
back to the hypervisor's free memory, and the host finds on the image exactly what the pool
wrote.
"""
import re

from block_tests import HDA2, booted, expect_image
from domain_tests import free_pages
from qemu import check, halt

ALL = []


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


# What blkback logs for each of domu_badpool's bad offers, and how many times (the first
# connection offers pool-pages 0 too).
REFUSALS = [
    (r"pool-pages: not 1 to BLKIF_POOL_MAX_PAGES \(64\)", 3),  # 0 twice, 65
    (r"pool-pages: missing, or not a decimal number below 2\^32", 1),  # 2^64
    (r"pool-ref: reference \d+ cannot be mapped writable", 3),  # never, read-only, half granted
    (r"pool-ref: the pool runs past the largest grant table", 1),  # 4294967290 + 8
]


def block_row(m, name):
    """xm-lite block-list's xvda row for domain `name`: its numbers after the two states."""
    out = m.command("xm-lite block-list %s" % name)
    check(re.search(r"GrantCalls Pool Pooled Serves Follows", out), "no Pool/Pooled:\n" + out)
    row = re.search(r"^xvda\s+\d+\s+\S+\s+w\s+Connected\s+Connected((?:\s+\d+){9})\s*$", out, re.M)
    check(row, "no connected xvda row:\n" + out)
    keys = ("requests", "errors", "events", "notifies", "grant_calls", "pool", "pooled",
            "serves", "follows")
    return dict(zip(keys, (int(x) for x in row.group(1).split())))


@test
def hostile_pool_offers_are_refused_and_a_mapped_pool_cannot_be_taken_back():
    """Both of blkback's ways on a disk: map (hda2's default) and grant copy's bounce path."""
    with booted(mem=512) as (disk, m):
        for mode in ("bemode=map", "bemode=copy"):
            badpool(m, "badpool-" + mode[7:], mode)
        halt(m)
        expect_image(disk, [(HDA2 + 1000, 1000, 16, "pool")])


def badpool(m, name, mode):
    before = free_pages(m)
    start = len(m.output)
    m.send("xm-lite create /etc/xm/tests/badpool.cfg name=%s %s -c" % (name, mode))
    m.expect(r"badpool: pool \d+-\d+ mapped and served; waiting for dom0", 300)
    m.detach()
    row = block_row(m, name)
    # Pooled: the read, the write and the read through rewritten grants of the first
    # connection, and the read of the second; not the mixed request nor the jump.
    check(row["pool"] == 8 and row["pooled"] == 4,
          "%s: a pool of 8 pages and 4 requests on it expected: %s" % (mode, row))
    m.send("xm-lite console %s" % name)
    m.expect(r"attached to %s's console" % name, 30)
    v = m.expect(r"XTF: domu_badpool: (SUCCESS|(?:FAILURE|ERROR|SKIP): .*)\r?\n", 60)
    check(v.group(1).startswith("SUCCESS"), "%s: verdict: %s" % (mode, v.group(1)))
    m.expect(r"domain \d+ \(%s\) destroyed" % name, 60)
    m.expect(r"dom0# ", 30)
    check("domain id:  0" in m.command("info"), "dom0 stopped answering")
    after = free_pages(m)
    check(after == before, "%s: frames did not all come back: %d free before, %d after" % (
        mode, before, after))
    out = m.output[start:]
    for line, times in REFUSALS:
        found = len(re.findall(r"the frontend's pool is refused \(" + line, out))
        check(found == times, "%s: '%s' logged %d times, %d expected:\n%s" % (
            mode, line, found, times, "\n".join(re.findall(r"blkback: .*pool.*", out))))
    check(len(re.findall(r"the frontend's pool of 8 pages mapped", out)) == 2,
          "%s: the valid pool was not mapped twice" % mode)
    check(len(re.findall(r"the frontend's pool unmapped", out)) == 2,
          "%s: the pool was not unmapped at the close and at the destroy" % mode)
