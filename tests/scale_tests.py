"""scale_tests.py - many small domains at once (issue 15): no fixed table in
the hypervisor, dom0's services or xm-lite stops the count below what memory
allows.

One boot creates SCALE_DOMAINS minimal domUs (tests/guests/domu_tiny.c: 1 MiB,
no disk, one wake-up a second), lists them, checks that every one of them got
the CPU, that dom0 still answers and that one monitor reports any domain's
end, and destroys them all: every frame comes back.  Another boot measures
what a wake-up of dom0 costs with and without them.  The full thousand is
`make bench`'s (tests/scale_bench.py); this is the size that fits the
suite's time.
"""
import csv
import re
import tempfile
import time

from qemu import Machine, check, halt
from trace_tests import decode

ALL = []
SCALE_DOMAINS = 128
TINY_CFG = "/etc/xm/tests/domu_tiny.cfg"
# Counted by the hypervisor: a domU that maps no grant holds 4 pages (its struct domain and
# vCPU with its first ports and pin records, shared_info, its guest root, one grant frame).
MAX_HV_KIB_PER_TINY_DOMAIN = 16


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def free_pages(m):
    out = m.command("xm-lite info", timeout=60)
    f = re.search(r"free_memory\s+: \d+ MiB \((\d+) pages\)", out)
    check(f, "xm-lite info shows no free memory:\n" + out)
    return int(f.group(1))


def create_tiny(m, names):
    for name in names:
        out = m.command("xm-lite create %s name=%s" % (TINY_CFG, name), timeout=60)
        check("Started domain %s " % name in out, "create %s:\n%s" % (name, out))
        check("monitor" not in out, "create %s left its domain unmonitored:\n%s" % (name, out))


# The monitor in `ps`: an xm-lite whose parent (create) has ended, asleep in DOMSVC_WAIT_EXIT.
MONITOR = r"(?m)^\s+\d+\s+0\s+sleeping\s+\d+\s+\d+ xm-lite$"


def one_monitor_reports_an_end(m, name):
    """One monitor watches every domain (dom0's 32 processes held a monitor each for about 30):
    it reports `name`'s end and destroys it.  A tiny domU ignores control/shutdown, so the
    hypervisor shuts it down after the 3 s grace period.  The look after VIRQ_DOM_EXC asks the
    hypervisor for the domains that changed (XEN_DOMCTL_get_domain_state), not for each watched
    one: in the hypervisor's trace, dom0's domctls from the remote shutdown to the report's
    line are a handful, where they were one a watched domain."""
    out = m.command("ps")
    check(len(re.findall(MONITOR, out)) == 1, "not one monitor for all the domains:\n" + out)
    m.command("xm-lite shutdown %s" % name)  # finds it by name: a getdomaininfo a domain
    check("trace: running" in m.command("xm-lite trace start"), "the trace did not start")
    m.expect(r"xm-lite: domain %s \(\d+\) shut down \(poweroff\)" % name, 30)
    m.command("xm-lite trace stop")
    look = monitor_look_domctls(m.command("xm-lite trace dump", timeout=120))
    check(look is not None and look < 8, "the monitor's look cost %s domctls with %d domains "
          "watched" % (look, SCALE_DOMAINS))


def monitor_look_domctls(dump):
    """dom0's domctls between its remote shutdown of a domain and its next console line (the
    monitor's report), from the decoded trace; None if the trace does not hold both."""
    with tempfile.NamedTemporaryFile("r", suffix=".csv") as csv_file:
        decode(dump, "--csv", csv_file.name)
        rows = list(csv.DictReader(open(csv_file.name)))
    names = [r["detail"] for r in rows if r["domain"] == "0"]
    if "sched_op.remote_shutdown" not in names:
        return None
    after = names[names.index("sched_op.remote_shutdown") + 1:]
    if "console_io" not in after:
        return None
    return after[:after.index("console_io")].count("domctl")


def list_names(m):
    """xm-lite list as {name: (id, mem MiB, state)}."""
    out = m.command("xm-lite list", timeout=60)
    rows = re.findall(r"^(\S+)\s+(\d+)\s+(\d+)\s+1 ([-a-z]{6})\s+\d+\.\d$", out, re.M)
    return {r[0]: (int(r[1]), int(r[2]), r[3]) for r in rows}


def wakeups(m):
    """xm-lite sched as {name: wake-ups}: a tiny domU wakes once a second of its clock."""
    out = m.command("xm-lite sched", timeout=60)
    rows = re.findall(r"^(\S+)\s+\d+\s+\d+\s+(\d+)\s+\d+\s+\d+\s+\d+$", out, re.M)
    return {name: int(n) for name, n in rows}


def every_domain_runs(m, names, deadline_s=30):
    """Each tiny domU must be woken by its timer at least once (it ran, blocked, ran again)."""
    end = time.time() + deadline_s
    while True:
        woken = wakeups(m)
        idle = [n for n in names if woken.get(n, 0) < 1]
        if not idle:
            return
        check(time.time() < end, "%d domUs never got the CPU back: %s" % (len(idle), idle[:8]))
        time.sleep(1)


@test
def a_hundred_and_twenty_eight_1MiB_domUs_run_at_once_and_give_every_frame_back():
    m = Machine(append="dom0_mem=64M", mem=512)
    try:
        m.expect(r"dom0# ", 60)
        m.command("xm-lite trace start")  # its buffer (kept until the next start) is taken now,
        m.command("xm-lite trace stop")   # so the look's trace below leaves the count alone
        before = free_pages(m)
        names = ["t%d" % i for i in range(1, SCALE_DOMAINS + 1)]
        create_tiny(m, names)
        doms = list_names(m)
        missing = [n for n in names if n not in doms]
        check(not missing, "not listed after create: %s" % missing[:8])
        check(all(doms[n][1] == 1 for n in names), "a tiny domU does not have 1 MiB: %s" % doms)
        every_domain_runs(m, names)
        out = m.command("xm-lite console t%d" % SCALE_DOMAINS, prompt=r"up, 255 pages", timeout=30)
        m.detach()
        one_monitor_reports_an_end(m, names[-1])
        info = m.command("xm-lite info")
        check("domains          : %d" % SCALE_DOMAINS in info,
              "xm-lite info does not count %d domains" % SCALE_DOMAINS)
        hv = re.search(r"hv_mem_domU_max  : (\d+) KiB", info)
        check(hv and int(hv.group(1)) <= MAX_HV_KIB_PER_TINY_DOMAIN,
              "hypervisor memory of a tiny domU over %d KiB:\n%s" % (MAX_HV_KIB_PER_TINY_DOMAIN,
                                                                     info))
        for name in names[:-1]:  # the monitor destroyed the last
            out = m.command("xm-lite destroy %s" % name, timeout=60)
            check("destroyed" in out, "destroy %s:\n%s" % (name, out))
        check(set(list_names(m)) == {"Domain-0"}, "domains left over after destroying them all")
        out = m.command("ps")
        check(not re.search(MONITOR, out), "the monitor outlived the domains:\n" + out)
        after = free_pages(m)
        check(after == before, "free pages %d before, %d after %d domUs" % (before, after,
                                                                           SCALE_DOMAINS))
        halt(m)
    finally:
        m.kill()


def dom0_wake_cost(m, rounds=200):
    """dom0's CPU per wake-up (instructions under -icount): xm-lite bench-wake's figure."""
    out = m.command("xm-lite bench-wake %d" % rounds, timeout=120)
    c = re.search(r"BENCH dom0_wake rounds=\d+ cpu_ns_per_round=(\d+)", out)
    check(c, "xm-lite bench-wake printed no figure:\n" + out)
    return int(c.group(1))


def bench_figure(m, command, pattern, runs=3):
    """The least of `runs` figures a bench command prints (instructions under -icount): a tiny
    domU's once-a-second wake-up may land inside one window, not in all three."""
    figures = []
    for _ in range(runs):
        out = m.command(command, timeout=120)
        c = re.search(pattern, out)
        check(c, "%s printed no figure:\n%s" % (command, out))
        figures.append(int(c.group(1)))
    return min(figures)


def lookup_cost(m, name):
    return bench_figure(m, "xm-lite bench-lookup %s" % name, r"BENCH lookup \S+ id=\d+ tsc=(\d+)")


def create_cost(m):
    """xm-lite bench-create of one more tiny domU: instructions to its first console line."""
    return bench_figure(m, "xm-lite bench-create %s" % TINY_CFG,
                        r"BENCH create_to_first_console_line tsc=(\d+)")


def destroy_cost(m, name):
    """xm-lite bench-destroy NAME: instructions of its destroy hypercall (dom0's release of it
    in its services, and every continuation, included)."""
    out = m.command("xm-lite bench-destroy %s" % name, timeout=120)
    c = re.search(r"BENCH destroy tsc=(\d+)", out)
    check(c, "xm-lite bench-destroy %s printed no figure:\n%s" % (name, out))
    return int(c.group(1))


def oldest_and_newest_destroyed(m, names):
    """Destroy the oldest and the newest of `names` (last on the hypervisor's list of domains
    and in dom0's tables, and first): the sum of their costs; they leave `names`."""
    cost = destroy_cost(m, names[0]) + destroy_cost(m, names[-1])
    del names[0], names[-1]
    return cost


# dom0's wake-up with SCALE_DOMAINS domUs may cost this much more than with none: its
# services look at the domains that asked, not at every one (measured: about 1.0x).
MAX_WAKE_GROWTH = 1.25
# Finding a domain by name with SCALE_DOMAINS domUs may cost this much more than with one
# (measured: the same; it was a getdomaininfo per domain, about 60x at 128).
MAX_LOOKUP_GROWTH = 1.25
# A create, and the destroys of the oldest and the newest domU, are measured again with
# CROWD_DOMAINS domUs running.  Both sizes keep what grows
# with the log of the count the same, so that only a per-domain cost shows: the new domain's
# id has three digits at both (xenstore paths, log lines), and the hypervisor's timer heap,
# a vCPU per domain, is as deep at both (128 to 255 entries).
CROWD_DOMAINS = 250
# What a create (or the two destroys) may cost more per domain running between the two sizes,
# in instructions.  The cheapest walk of every domain costs more: physinfo's count of the
# domains on the list (the loop it had before issue 15's tally, 4 instructions a domain) put
# back fails it at 4.5 a domain; that walk and its pages' sum were 14.  Measured: 0.5 for a
# create (359,746 and 359,811).  dom0's page allocator searched a page at a time inside a
# word, so where the console log's run lay in its word (which moves with the timing of
# everything before) moved a create by up to 32 steps, about -1.8 to +4.1 a domain here; since
# scale9 it goes a word at a time (guests/minios/include/page_runs.h: page_run_find()).
MAX_GROWTH_PER_DOMAIN = 3


# A create whose search for clean frames passes the frames of the domUs running may cost this
# much more than one that starts below them (create_large's): hv/frame_alloc.c's summary of
# clean frames (clean_groups, a bit a group of 32) lets the search pass a group a run took
# whole without looking at its frames, as long as the run cleared its bit.  Measured past about
# 120 domUs' frames: 15,137 more (one run, so with the 4,500 or so a first run costs more,
# which create_large's least of three leaves out); without the clear, 184,267 more, which only
# make bench-scale showed before.
MAX_PASSING_COST = 40000


def wait_scrubbed(m, deadline_s=30):
    """Until the idle loop has scrubbed every free frame (xm-lite info's scrub_pending)."""
    end = time.time() + deadline_s
    while not re.search(r"scrub_pending\s+: 0 pages", m.command("xm-lite info", timeout=60)):
        check(time.time() < end, "free frames still dirty after %d s" % deadline_s)
        time.sleep(0.2)


def create_past_them(m, name):
    """The cost of a create whose search passes the other domUs' frames.  The oldest domU was
    just destroyed: its frames, above the others', are free and, once scrubbed, clean; `name`
    takes them, so the next create starts its search at their bottom.  One run: its own frames
    come back clean above the others' and a second would pass nothing."""
    wait_scrubbed(m)
    create_tiny(m, [name])
    return bench_figure(m, "xm-lite bench-create %s" % TINY_CFG,
                        r"BENCH create_to_first_console_line tsc=(\d+)", runs=1)


def check_growth(what, small, large):
    growth = (large - small) / (CROWD_DOMAINS - SCALE_DOMAINS)
    check(growth <= MAX_GROWTH_PER_DOMAIN,
          "%s costs %d instructions with %d domUs, %d with %d: %.1f a domain more (over %d: "
          "something walks every domain)" % (what, large, CROWD_DOMAINS, small, SCALE_DOMAINS,
                                             growth, MAX_GROWTH_PER_DOMAIN))


@test
def dom0s_wake_up_and_creating_finding_or_destroying_a_domain_cost_no_more_with_many_domUs():
    # At 600 domUs each wake-up of dom0 outlasted xm-lite's 1 ms poll: xenstored looked at every
    # client, and each look searched the store's list of domains (O(N^2)), so dom0 never blocked,
    # the idle loop never scrubbed and bench-create's wait never ended (issue 15).  Exact counts
    # under -icount; before the fix: 5,828 instructions alone, 133,856 with 128 domUs.  And
    # every command naming a domain asked the hypervisor about each domain until it found it
    # (lookup(): 3,743 instructions to find the first domU, 249,544 for the 128th; now 1,925
    # and 1,976).  A create's cost must not grow with the domains running either: the
    # logarithmic parts hide a walk between 1 and 128 domains, so it is compared between
    # SCALE_DOMAINS and CROWD_DOMAINS, where they are the same; and a create whose search for
    # clean frames passes the domUs' frames must pass them without looking at each.  That one
    # comes last: before create_large it moved that create by 1,500 (the later domains' ids and
    # frames differ), which the two creates compared must not see.
    m = Machine(append="dom0_mem=64M", mem=512, icount=True)
    try:
        m.expect(r"dom0# ", 60)
        alone = dom0_wake_cost(m)
        names = ["w%d" % i for i in range(1, CROWD_DOMAINS + 1)]
        create_tiny(m, names[:1])
        lookup_one = lookup_cost(m, names[0])
        create_tiny(m, names[1:SCALE_DOMAINS])
        crowded = dom0_wake_cost(m)
        lookup_all = lookup_cost(m, names[SCALE_DOMAINS - 1])
        create_small = create_cost(m)
        running = names[:SCALE_DOMAINS]
        destroy_small = oldest_and_newest_destroyed(m, running)
        create_tiny(m, names[SCALE_DOMAINS:] + ["w%d" % (CROWD_DOMAINS + 1)])
        running += names[SCALE_DOMAINS:] + ["w%d" % (CROWD_DOMAINS + 1)]
        create_large = create_cost(m)
        destroy_large = oldest_and_newest_destroyed(m, running)
        create_past = create_past_them(m, "w%d" % (CROWD_DOMAINS + 2))
        print("dom0 wake-up: %d instructions alone, %d with %d domUs" % (alone, crowded,
                                                                        SCALE_DOMAINS))
        print("finding a domain: %d instructions with one domU, %d with %d" % (
            lookup_one, lookup_all, SCALE_DOMAINS))
        print("a create: %d instructions with %d domUs, %d with %d" % (
            create_small, SCALE_DOMAINS, create_large, CROWD_DOMAINS))
        print("destroying the oldest and the newest: %d instructions with %d domUs, %d with %d"
              % (destroy_small, SCALE_DOMAINS, destroy_large, CROWD_DOMAINS))
        print("a create whose search passes the other domUs' frames: %d instructions"
              % create_past)
        check(crowded <= alone * MAX_WAKE_GROWTH,
              "a wake-up of dom0 costs %d instructions with %d domUs, %d with none (over %.2fx)" %
              (crowded, SCALE_DOMAINS, alone, MAX_WAKE_GROWTH))
        check(lookup_all <= lookup_one * MAX_LOOKUP_GROWTH,
              "finding %s costs %d instructions among %d domUs, finding %s alone %d (over %.2fx)"
              % (names[SCALE_DOMAINS - 1], lookup_all, SCALE_DOMAINS, names[0], lookup_one,
                 MAX_LOOKUP_GROWTH))
        check_growth("a create", create_small, create_large)
        check_growth("destroying the oldest and the newest domU", destroy_small, destroy_large)
        check(create_past <= create_large + MAX_PASSING_COST,
              "a create whose search passes the domUs' frames costs %d instructions, one among "
              "them %d (over %d more: clean_groups kept the bits of groups a run took whole?)"
              % (create_past, create_large, MAX_PASSING_COST))
        halt(m)
    finally:
        m.kill()
