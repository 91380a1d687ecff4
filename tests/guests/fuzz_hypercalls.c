/*
 * fuzz_hypercalls - a hypercall fuzzer: random hypercall numbers and
 * arguments from a seeded, reproducible generator, run for a fixed count.
 * The verdict is SUCCESS when every call returned: the hypervisor neither
 * panicked nor hung, whatever it answered.  The tests that check answers
 * are the other hostile guests; this one looks for the argument nobody
 * thought of.
 *
 * The command line is the test's name, optionally followed by
 * `seed=N count=N` (tests/fuzz_tests.py, `make fuzz`).  Without them the
 * guest makes DEFAULT_COUNT calls with seed 1, as it does chained with the
 * other hostile guests and as domu_fuzz.  The same seed gives the same
 * calls (up to what timers change), so a crash found once is found again:
 * `every=N` prints progress every N calls (default PROGRESS_EVERY) to
 * bracket it, and `verbose=N` prints each call from the N-th on, number
 * and registers, to turn it into a reproducer.  The calls lie between two
 * markers (`xchg %bx,%bx`), so `tests/fuzz_tests.py --stretch` can have the
 * lab's plugin report the longest single hypervisor entry among them.
 *
 * Arguments are biased towards what a hypervisor must get right: boundary
 * values (0, -1, 0xFBFFFFFF, 0xFC000000), structures that cross from a
 * mapped page into an unmapped one (the area's third page), a read-only
 * page, counts far beyond the structures given, our own frames, grant
 * references and event-channel ports beside invalid ones.  Every
 * structure is written over a background of 0xFF bytes, which reads as an
 * invalid value under every interpretation (a page-table pointer beyond
 * 4 GiB, an unknown command, a code segment that is not the kernel's), so
 * a count larger than the structures given reads only harmless garbage.
 *
 * What is never asked, because the answer would end or blind the test
 * rather than test the hypervisor (docs/security.md, "Fuzzing"):
 *   - SCHEDOP_shutdown, and remote shutdown or domctl destroy of ourselves
 *     or of dom0; SCHEDOP_block and SCHEDOP_poll without a near timeout;
 *   - changes to our own trap table, callbacks and kernel stack (only
 *     refused values are sent), NEW_BASEPTR to anything but our own page
 *     directory, and page-table writes, pins, copies or remaps of our own
 *     frames other than the scratch frames below;
 *   - console writes of bytes that would reach the serial line: every
 *     write has a count of 0 or a buffer that cannot be read;
 *   - closing event channels minios uses, I/O-port grants that would be
 *     accepted (they outlive the domain), and starting the trace buffer
 *     (it keeps hypervisor memory after the domain dies).
 * Domains the fuzzer creates with domctl are destroyed before the verdict.
 */
#include "xtf.h"
#include <public/domctl.h>
#include <public/event_channel.h>
#include <public/physdev.h>
#include <public/sched.h>
#include <public/sysctl.h>
#include <public/trace.h>
#include <public/vcpu.h>
#include <public/version.h>

const char test_title[] = "hypercall fuzzer: random numbers and arguments, no panic, no hang";

#define DEFAULT_COUNT    100000
#define PROGRESS_EVERY   100000
#define MAX_PORTS        1024
#define MAX_DOMS         4
#define NR_SCRATCH       6
#define NR_GRANTS        8
#define FIRST_L2_HV_SLOT (GRANT_AREA_START >> 22) /* slots the hypervisor keeps: grant area and up */

/* The generator: xorshift64*, one 64-bit word of state. */
static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t below(uint32_t n)
{
    return n ? rnd() % n : 0;
}

static const uint32_t boundary[] = {0,          1,          2,          3,          0xFF,
                                    0xFFFF,     0x10000,    0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
                                    0xFFFFFFFE, 0xFBFFFFFF, 0xFC000000, 0xFBC00000, 0xFFFFF000,
                                    0x1000,     0xFFF,      512,        513,        1024};

/* A word as a fuzzer likes them: boundaries, small numbers, anything. */
static uint32_t rnd_word(void)
{
    switch (below(4)) {
    case 0:
        return boundary[below(ARRAY_SIZE(boundary))];
    case 1:
        return below(64);
    case 2:
        return rnd() & 0xFFFF;
    default:
        return rnd();
    }
}

/* The fuzzer's world: its buffers, frames, ports, grants and the domains it made. */
static uint8_t *area;   /* pages 0 and 1 mapped writable, page 2 unmapped */
static uint8_t *ro;     /* one read-only page */
static uint8_t *window; /* two pages whose mappings the fuzzer changes */
static uint32_t scratch[NR_SCRATCH];
static uint32_t own_lo, own_hi, base_mfn;
static domid_t self;
static uint32_t protected_ports[1024 / 32];
static uint32_t ports[MAX_PORTS], nr_ports;
static domid_t doms[MAX_DOMS];
static uint32_t nr_doms;
static grant_ref_t grants[NR_GRANTS];
static uint32_t calls_made, calls_refused;

#define AREA_END ((uint32_t)area + 2 * PAGE_SIZE) /* the unmapped page starts here */

/*
 * Pointers that are never mapped writable for us (nor in the grant area's
 * upper half, where the fuzzer maps nothing: reading arguments out of a
 * scratch frame would let old random bytes through).
 */
static const uint32_t bad_ptr[] = {0,          1,          0xFFF,      0x1000,     0x80000000,
                                   0xFBFFFFFF, 0xFBFFFFF0, 0xFBFFF001, 0xFC000000, 0xFC000001,
                                   0xFFFFF000, 0xFFFFFFFF, 0xFFFFFFF0};

/* A guest pointer for a structure of `size` bytes: mostly good, often bad. */
static uint32_t rnd_ptr(uint32_t size)
{
    uint32_t a = (uint32_t)area;
    switch (below(16)) {
    case 0:
        return AREA_END - 1 - below(size); /* crosses into the unmapped page */
    case 1:
        return a + PAGE_SIZE - 1 - below(size); /* crosses between two mapped pages */
    case 2:
        return AREA_END + below(PAGE_SIZE); /* unmapped */
    case 3:
        return (uint32_t)ro + below(PAGE_SIZE); /* read-only */
    case 4:
    case 5:
        return bad_ptr[below(ARRAY_SIZE(bad_ptr))];
    case 6:
        return a + below(2 * PAGE_SIZE); /* unaligned, maybe running off the end */
    default:
        return a + (below(2 * PAGE_SIZE - size) & ~7u);
    }
}

/* Copy a structure to a guest pointer, as far as the area is mapped there. */
static void place(uint32_t p, const void *src, uint32_t len)
{
    uint32_t a = (uint32_t)area;
    if (p < a || p >= AREA_END)
        return;
    if (len > AREA_END - p)
        len = AREA_END - p;
    memcpy((void *)p, src, len);
}

/* Read back a structure the hypervisor filled in; 0 if it is not all mapped. */
static int fetch(uint32_t p, void *dst, uint32_t len)
{
    if (p < (uint32_t)area || p + len > AREA_END || p + len < p)
        return 0;
    memcpy(dst, (void *)p, len);
    return 1;
}

static int own_frame(uint32_t mfn)
{
    return mfn >= own_lo && mfn <= own_hi;
}

static int is_scratch(uint32_t mfn)
{
    for (int i = 0; i < NR_SCRATCH; i++)
        if (scratch[i] == mfn)
            return 1;
    return 0;
}

/* A frame number: ours to play with, invalid, or anyone's but never our own live frames. */
static uint32_t rnd_mfn(void)
{
    uint32_t mfn;
    switch (below(8)) {
    case 0:
    case 1:
    case 2:
        return scratch[below(NR_SCRATCH)];
    case 3:
        return boundary[below(ARRAY_SIZE(boundary))];
    case 4:
        return own_hi + 1 + below(64);
    default:
        mfn = below(0x10000);
    }
    return own_frame(mfn) && !is_scratch(mfn) ? scratch[below(NR_SCRATCH)] : mfn;
}

/* A page-table entry: some frame, with flags biased to present, writable, and PSE/global. */
static uint32_t rnd_pte(void)
{
    uint32_t mfn = below(4) ? rnd_mfn() : own_lo + below(own_hi - own_lo + 1);
    uint32_t flags = below(2) ? (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY) : 0;
    return (mfn << PAGE_SHIFT) | ((flags | rnd()) & (below(4) ? 0x67 : 0xFFF));
}

static domid_t rnd_domid(void)
{
    switch (below(5)) {
    case 0:
        return DOMID_SELF;
    case 1:
        return self;
    case 2:
        return nr_doms ? doms[below(nr_doms)] : 0x7FF1;
    case 3:
        return 0;
    default:
        return (domid_t)rnd_word();
    }
}

/* A target that must never be ourselves or dom0 (destroy, remote shutdown, pause). */
static domid_t other_domid(void)
{
    domid_t d = rnd_domid();
    return d == self || d == 0 || d == DOMID_SELF ? (domid_t)(0x100 + below(0x100)) : d;
}

static void protect_port(uint32_t p)
{
    protected_ports[p / 32] |= 1u << (p % 32);
}

static int port_protected(uint32_t p)
{
    return p < 1024 && (protected_ports[p / 32] & (1u << (p % 32)));
}

static uint32_t rnd_port(void)
{
    switch (below(4)) {
    case 0:
    case 1:
        return nr_ports ? ports[below(nr_ports)] : below(1024);
    case 2:
        return below(1024);
    default:
        return rnd_word();
    }
}

static void note_port(uint32_t port)
{
    if (port && port < 1024 && !port_protected(port) && nr_ports < MAX_PORTS)
        ports[nr_ports++] = port;
}

static void forget_port(uint32_t port)
{
    for (uint32_t i = 0; i < nr_ports; i++)
        if (ports[i] == port)
            ports[i] = ports[--nr_ports];
}

/* The background: 0xFF everywhere, invalid under every reading of the bytes. */
static void clear_area(void)
{
    memset(area, 0xFF, 2 * PAGE_SIZE);
}

/* Issue one call and count it. */
static uint32_t trace_from = 0xFFFFFFFF; /* verbose= on the command line: log calls from there */

static long call(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5)
{
    if (calls_made >= trace_from)
        printf("fuzz: #%u: %u(%x, %x, %x, %x, %x)\n", calls_made, nr, a1, a2, a3, a4, a5);
    long rc = hypercall5(nr, a1, a2, a3, a4, a5);
    calls_made++;
    if (rc < 0)
        calls_refused++;
    return rc;
}

/* ---- one generator per hypercall ---- */

static void fuzz_set_trap_table(void)
{
    struct trap_info t[3];
    for (int i = 0; i < 3; i++) {
        t[i].vector = (uint8_t)(below(2) ? 0x82 : rnd());
        t[i].flags = (uint8_t)rnd();
        t[i].cs = (uint16_t)rnd_word();
        t[i].address = rnd_word();
    }
    /* The first entry is always refused or ends the list: our own handlers stay. */
    if (t[0].cs == FLAT_KERNEL_CS && t[0].address && t[0].address < HYPERVISOR_VIRT_START &&
        t[0].vector != 0x82)
        t[0].address = HYPERVISOR_VIRT_START + below(0x1000);
    uint32_t p = rnd_ptr(sizeof(t));
    if (!p)
        p = AREA_END; /* NULL would clear the table */
    place(p, t, sizeof(t[0]));
    call(__HYPERVISOR_set_trap_table, p, 0, 0, 0, 0);
}

/* A request of mmu_update: a write into one of our scratch frames, or into someone else's. */
static void rnd_mmu_req(struct mmu_update *r)
{
    uint32_t mfn = rnd_mfn(), off = below(PAGE_SIZE) & (below(4) ? ~3u : ~0u);
    if (!below(16)) { /* the hypervisor's slots of our own page directory */
        mfn = base_mfn;
        off = (FIRST_L2_HV_SLOT + below(1024 - FIRST_L2_HV_SLOT)) * 4;
    }
    r->ptr = ((uint64_t)mfn << PAGE_SHIFT) | off | (below(4) ? 0 : below(4));
    if (!below(16))
        r->ptr |= (uint64_t)rnd() << 32;
    if (own_frame(mfn) && !is_scratch(mfn) && mfn != base_mfn)
        r->ptr = 3; /* an unknown command */
    if (mfn == base_mfn && (r->ptr & 3) == 1)
        r->ptr |= 3;
    r->val = below(4) ? rnd_pte() : ((uint64_t)rnd() << 32 | rnd());
}

static void fuzz_mmu_update(void)
{
    struct mmu_update r[4];
    uint32_t n = 1 + below(4);
    for (uint32_t i = 0; i < n; i++)
        rnd_mmu_req(&r[i]);
    uint32_t p = below(8) ? (uint32_t)area + below(400) * 16 : rnd_ptr(sizeof(r));
    if (p >= (uint32_t)area && p < AREA_END && (p & 15) != ((uint32_t)area & 15))
        p &= ~15u; /* never read a request out of the middle of two */
    place(p, r, n * sizeof(r[0]));
    uint32_t count = below(4) ? n : rnd_word();
    uint32_t done = below(2) ? 0 : rnd_ptr(4);
    call(__HYPERVISOR_mmu_update, p, count, done, below(4) ? DOMID_SELF : rnd_domid(), 0);
}

static void fuzz_update_va_mapping(void)
{
    uint32_t va;
    switch (below(4)) {
    case 0:
        va = rnd_word();
        break;
    case 1:
        va = GRANT_AREA_START + below(GRANT_AREA_SIZE);
        break;
    case 2:
        va = HYPERVISOR_VIRT_START + rnd() % (0u - HYPERVISOR_VIRT_START);
        break;
    default:
        va = (uint32_t)window + below(2 * PAGE_SIZE);
    }
    if (va < GRANT_AREA_START && va >= VIRT_BASE &&
        (va < (uint32_t)window || va >= (uint32_t)window + 2 * PAGE_SIZE))
        va = (uint32_t)window + (va & (2 * PAGE_SIZE - 1)); /* never our own mappings */
    call(__HYPERVISOR_update_va_mapping, va, rnd_pte(), below(4) ? 2 : rnd_word(), 0, 0);
}

static uint64_t now_plus(uint32_t ns)
{
    return monotonic_ns() + ns;
}

static void fuzz_set_timer_op(void)
{
    uint64_t t;
    switch (below(4)) {
    case 0:
        t = 0;
        break;
    case 1:
        t = now_plus(below(2000000));
        break;
    case 2:
        t = (uint64_t)rnd() << 32 | rnd();
        break;
    default:
        t = monotonic_ns() - below(1000000);
    }
    call(__HYPERVISOR_set_timer_op, (uint32_t)t, (uint32_t)(t >> 32), 0, 0, 0);
}

static void fuzz_xen_version(void)
{
    uint32_t cmd = below(2) ? below(10) : rnd_word();
    call(__HYPERVISOR_xen_version, cmd, rnd_ptr(1024), 0, 0, 0);
}

/* console_io: reads of any kind; writes only of bytes that cannot be read. */
static void fuzz_console_io(void)
{
    uint32_t cmd = below(4) ? below(2) : rnd_word();
    uint32_t count = rnd_word(), buf = rnd_ptr(count < 4096 ? count : 4096);
    uint32_t end = buf + count;
    int readable = count && end >= buf && end <= HYPERVISOR_VIRT_START;
    if (cmd == CONSOLEIO_write && readable)
        buf = AREA_END + below(PAGE_SIZE - 1); /* the first chunk faults: nothing printed */
    else if (cmd != CONSOLEIO_write && cmd != CONSOLEIO_read && count)
        count = 0; /* an unknown command today might be a write tomorrow */
    call(__HYPERVISOR_console_io, cmd, count, buf, 0, 0);
}

/* Our grant references: scratch frames, to us or dom0, writable or not. */
static grant_ref_t rnd_gref(void)
{
    return below(4) ? grants[below(NR_GRANTS)] : (grant_ref_t)rnd_word();
}

static void rnd_copy_side(struct gnttab_copy_ptr *s, int gref)
{
    if (gref) {
        s->u.ref = rnd_gref();
    } else {
        s->u.gmfn = rnd_mfn();
    }
    s->domid = rnd_domid();
    s->offset = (uint16_t)(below(2) ? below(PAGE_SIZE) : rnd_word());
}

static void rnd_grant_op(uint32_t cmd, uint8_t *op)
{
    if (cmd == GNTTABOP_map_grant_ref) {
        struct gnttab_map_grant_ref *m = (void *)op;
        m->host_addr = below(4) ? GRANT_AREA_START + below(GRANT_AREA_SIZE / PAGE_SIZE) * PAGE_SIZE
                                : rnd_word();
        m->flags = below(4) ? GNTMAP_host_map | (below(2) ? GNTMAP_readonly : 0) : rnd_word();
        m->ref = rnd_gref();
        m->dom = rnd_domid();
        if (m->host_addr >= GRANT_AREA_START + GRANT_AREA_SIZE / 2 &&
            m->host_addr < GRANT_AREA_START + GRANT_AREA_SIZE)
            m->host_addr -= GRANT_AREA_SIZE / 2; /* keep the upper half unmapped */
    } else if (cmd == GNTTABOP_unmap_grant_ref) {
        struct gnttab_unmap_grant_ref *u = (void *)op;
        u->host_addr = GRANT_AREA_START + below(GRANT_AREA_SIZE / PAGE_SIZE) * PAGE_SIZE;
        if (!below(4))
            u->host_addr = rnd_word();
        u->handle = below(4) ? below(1024) : rnd_word();
    } else if (cmd == GNTTABOP_copy) {
        struct gnttab_copy *c = (void *)op;
        c->flags = (uint16_t)(below(4) ? below(4) : rnd_word());
        rnd_copy_side(&c->source, c->flags & GNTCOPY_source_gref);
        rnd_copy_side(&c->dest, c->flags & GNTCOPY_dest_gref);
        c->len = (uint16_t)(below(2) ? below(PAGE_SIZE + 1) : rnd_word());
    } else if (cmd == GNTTABOP_setup_table) {
        struct gnttab_setup_table *s = (void *)op;
        s->dom = rnd_domid();
        s->nr_frames = below(2) ? below(8) : rnd_word();
        s->frame_list = rnd_ptr(16);
    } else {
        struct gnttab_query_size *q = (void *)op;
        q->dom = rnd_domid();
    }
}

static uint32_t grant_op_size(uint32_t cmd)
{
    switch (cmd) {
    case GNTTABOP_unmap_grant_ref:
        return sizeof(struct gnttab_unmap_grant_ref);
    case GNTTABOP_setup_table:
        return sizeof(struct gnttab_setup_table);
    case GNTTABOP_copy:
        return sizeof(struct gnttab_copy);
    case GNTTABOP_query_size:
        return sizeof(struct gnttab_query_size);
    default:
        return sizeof(struct gnttab_map_grant_ref);
    }
}

static void fuzz_grant_table_op(void)
{
    static const uint32_t cmds[] = {GNTTABOP_map_grant_ref, GNTTABOP_unmap_grant_ref,
                                    GNTTABOP_setup_table, GNTTABOP_copy, GNTTABOP_query_size};
    uint32_t cmd = below(8) ? cmds[below(ARRAY_SIZE(cmds))] : rnd_word();
    uint8_t ops[4][32];
    uint32_t n = 1 + below(4);
    memset(ops, 0xFF, sizeof(ops));
    for (uint32_t i = 0; i < n; i++)
        rnd_grant_op(cmd, ops[i]);
    uint32_t size = grant_op_size(cmd);
    uint32_t p = rnd_ptr(n * size);
    for (uint32_t i = 0; i < n; i++)
        place(p + i * size, ops[i], size);
    call(__HYPERVISOR_grant_table_op, cmd, p, below(4) ? n : rnd_word(), 0, 0);
}

static void fuzz_vcpu_op(void)
{
    uint32_t cmd = below(4) ? 6 + below(2) : rnd_word();
    uint64_t period = below(2) ? 1000000 + below(20000000) : ((uint64_t)rnd_word() << below(40));
    uint32_t p = rnd_ptr(8);
    place(p, &period, sizeof(period));
    call(__HYPERVISOR_vcpu_op, cmd, below(4) ? 0 : rnd_word(), p, 0, 0);
}

/* The operations of mmuext_op that cannot take our own address space away. */
static void rnd_mmuext(struct mmuext_op *op)
{
    static const uint32_t cmds[] = {MMUEXT_PIN_L1_TABLE,    MMUEXT_PIN_L2_TABLE,
                                    MMUEXT_UNPIN_TABLE,     MMUEXT_NEW_BASEPTR,
                                    MMUEXT_TLB_FLUSH_LOCAL, MMUEXT_INVLPG_LOCAL};
    op->cmd = below(8) ? cmds[below(ARRAY_SIZE(cmds))] : rnd_word();
    op->arg1.mfn = op->cmd == MMUEXT_INVLPG_LOCAL ? rnd_word() : rnd_mfn();
    op->arg2.nr_ents = rnd_word();
    if (op->cmd == MMUEXT_NEW_BASEPTR && (is_scratch(op->arg1.mfn) || below(2)))
        op->arg1.mfn = below(2) ? base_mfn : own_hi + 1 + below(16);
}

static void fuzz_mmuext_op(void)
{
    struct mmuext_op ops[4];
    uint32_t n = 1 + below(4);
    for (uint32_t i = 0; i < n; i++)
        rnd_mmuext(&ops[i]);
    uint32_t p = below(8) ? (uint32_t)area + below(500) * sizeof(ops[0]) : rnd_ptr(sizeof(ops));
    if (p >= (uint32_t)area && p < AREA_END)
        p = (uint32_t)area + (p - (uint32_t)area) / sizeof(ops[0]) * sizeof(ops[0]);
    place(p, ops, n * sizeof(ops[0]));
    uint32_t count = below(4) ? n : rnd_word();
    call(__HYPERVISOR_mmuext_op, p, count, below(2) ? 0 : rnd_ptr(4),
         below(4) ? DOMID_SELF : rnd_domid(), 0);
}

/* sched_op: yield, block and poll with a timer near, remote shutdown of others. */
static void fuzz_sched_op(void)
{
    uint32_t cmd = below(8) ? below(5) : rnd_word();
    uint32_t p = rnd_ptr(16);
    if (cmd == SCHEDOP_shutdown) {
        cmd = SCHEDOP_yield;
    } else if (cmd == SCHEDOP_block) {
        /* Events off until the block, which turns them on: a timer that fires
         * in between leaves its upcall pending, so the block returns. */
        local_events_disable();
        HYPERVISOR_set_timer_op(now_plus(below(1000000)));
    } else if (cmd == SCHEDOP_poll) {
        uint32_t list[2] = {rnd_port(), rnd_port()};
        uint32_t lp = (uint32_t)area + 2 * PAGE_SIZE - 256;
        place(lp, list, sizeof(list));
        struct sched_poll sp = {below(4) ? lp : rnd_ptr(8), below(4) ? 1 + below(2) : rnd_word(),
                                now_plus(below(1000000))};
        if (!fetch(p, &sp, 0) || p + sizeof(sp) > AREA_END)
            p = (uint32_t)area; /* the timeout must be read: no poll for ever */
        place(p, &sp, sizeof(sp));
    } else if (cmd == SCHEDOP_remote_shutdown) {
        struct sched_remote_shutdown rs = {other_domid(), 0, below(2) ? below(5) : rnd_word()};
        if (!fetch(p, &rs, 0) || p + sizeof(rs) > AREA_END)
            p = (uint32_t)area;
        place(p, &rs, sizeof(rs));
    }
    call(__HYPERVISOR_sched_op, cmd, p, 0, 0, 0);
}

static void rnd_evtchn_args(uint32_t cmd, uint32_t *w)
{
    switch (cmd) {
    case EVTCHNOP_bind_interdomain: /* {remote_dom, remote_port} */
        w[0] = below(2) ? DOMID_SELF : rnd_domid();
        w[1] = rnd_port();
        break;
    case EVTCHNOP_bind_virq:
        w[0] = below(4) ? below(24) : rnd_word();
        w[1] = below(4) ? 0 : rnd_word();
        break;
    case EVTCHNOP_bind_pirq: /* rare: each binding is logged */
        w[0] = below(64) ? 0xFFFF : below(16);
        break;
    case EVTCHNOP_alloc_unbound: /* {dom, remote_dom} */
        w[0] = (below(4) ? DOMID_SELF : rnd_domid()) | (uint32_t)rnd_domid() << 16;
        break;
    case EVTCHNOP_status:
        w[0] = rnd_domid();
        w[1] = rnd_port();
        break;
    default: /* close, send, unmask and unknown: {port} */
        w[0] = rnd_port();
        if (cmd == EVTCHNOP_close && port_protected(w[0]))
            w[0] = nr_ports ? ports[below(nr_ports)] : 0;
    }
}

static void fuzz_event_channel_op(void)
{
    uint32_t cmd = below(8) ? below(10) : rnd_word();
    uint32_t w[4] = {rnd_word(), rnd_word(), rnd_word(), rnd_word()};
    rnd_evtchn_args(cmd, w);
    uint32_t p = rnd_ptr(sizeof(w));
    if (cmd == EVTCHNOP_close && !fetch(p, w, 0))
        p = (uint32_t)area; /* a closed port must be one we chose */
    place(p, w, sizeof(w));
    long rc = call(__HYPERVISOR_event_channel_op, cmd, p, 0, 0, 0);
    uint32_t out[4];
    if (rc == 0 && fetch(p, out, sizeof(out))) {
        if (cmd == EVTCHNOP_alloc_unbound)
            note_port(out[1]);
        else if (cmd == EVTCHNOP_bind_interdomain || cmd == EVTCHNOP_bind_virq ||
                 cmd == EVTCHNOP_bind_pirq)
            note_port(out[2]);
        else if (cmd == EVTCHNOP_close)
            forget_port(w[0]);
    }
}

static void fuzz_physdev_op(void)
{
    uint32_t cmd =
        below(4) ? (below(2) ? PHYSDEVOP_eoi : PHYSDEVOP_pvlab_ioport_grant) : rnd_word();
    uint32_t w[2] = {rnd_word(), rnd_word()};
    if (cmd == PHYSDEVOP_pvlab_ioport_grant) {
        struct physdev_pvlab_ioport_grant g = {(uint16_t)rnd_word(), (uint16_t)rnd_word()};
        if (g.nr_ports && g.nr_ports <= 64 && g.first_port + g.nr_ports <= 0x10000)
            g.first_port = below(0x20); /* the DMA controller: always refused */
        if (below(16))                  /* a refusal is logged: keep them rare */
            g.nr_ports = 0;
        memcpy(w, &g, sizeof(g));
    }
    uint32_t p = rnd_ptr(sizeof(w));
    if (cmd == PHYSDEVOP_pvlab_ioport_grant && !fetch(p, w, 0))
        p = (uint32_t)area;
    place(p, w, sizeof(w));
    call(__HYPERVISOR_physdev_op, cmd, p, 0, 0, 0);
}

static void fuzz_sysctl(void)
{
    static const uint32_t cmds[] = {XEN_SYSCTL_readconsole, XEN_SYSCTL_physinfo,
                                    XEN_SYSCTL_pvlab_counters, XEN_SYSCTL_pvlab_trace};
    struct xen_sysctl op;
    memset(&op, 0xFF, sizeof(op));
    op.cmd = below(8) ? cmds[below(ARRAY_SIZE(cmds))] : rnd_word();
    op.interface_version = below(8) ? XEN_SYSCTL_INTERFACE_VERSION : rnd_word();
    op.u.readconsole.buffer = rnd_ptr(64);
    op.u.readconsole.count = below(2) ? below(20000) : rnd_word();
    if (op.cmd == XEN_SYSCTL_pvlab_counters)
        op.u.pvlab_counters.domid = rnd_domid();
    if (op.cmd == XEN_SYSCTL_pvlab_trace) {
        op.u.trace.op = 2 + below(3); /* stop, read, info: never start */
        op.u.trace.buffer = rnd_ptr(16);
        op.u.trace.first = (uint64_t)rnd_word() << below(33);
    }
    uint32_t p = rnd_ptr(sizeof(op));
    if (op.cmd == XEN_SYSCTL_pvlab_trace && !fetch(p, &op, 0))
        p = (uint32_t)area;
    place(p, &op, sizeof(op));
    call(__HYPERVISOR_sysctl, p, 0, 0, 0, 0);
}

static void rnd_domctl(struct xen_domctl *op)
{
    op->interface_version = below(8) ? XEN_DOMCTL_INTERFACE_VERSION : rnd_word();
    op->domain = op->cmd == XEN_DOMCTL_getdomaininfo ? rnd_domid() : other_domid();
    if (op->cmd == XEN_DOMCTL_createdomain) {
        uint32_t len = below(4) ? 1 + below(8) : below(32);
        for (uint32_t i = 0; i < len; i++)
            op->u.createdomain.name[i] = (char)('a' + below(26));
        op->u.createdomain.name[len < 32 ? len : 31] = 0;
    } else if (op->cmd == XEN_DOMCTL_pvlab_build) {
        op->u.build.image = rnd_ptr(64);
        op->u.build.image_len = below(2) ? below(3 * PAGE_SIZE) : rnd_word();
        op->u.build.mem_mb = below(2) ? below(8) * 4 : rnd_word();
        if (below(2))
            memcpy((void *)(uint32_t)area, "\177ELF\1\1\1", 7);
    } else if (op->cmd == XEN_DOMCTL_max_mem) {
        op->u.max_mem.max_memkb = (uint64_t)rnd_word() << below(32);
    }
}

/* domctl: create at most MAX_DOMS domains; destroy only those. */
static void fuzz_domctl(void)
{
    static const uint32_t cmds[] = {XEN_DOMCTL_createdomain,  XEN_DOMCTL_destroydomain,
                                    XEN_DOMCTL_pausedomain,   XEN_DOMCTL_unpausedomain,
                                    XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_max_mem,
                                    XEN_DOMCTL_pvlab_build};
    struct xen_domctl op;
    memset(&op, 0xFF, sizeof(op));
    op.cmd = below(8) ? cmds[below(ARRAY_SIZE(cmds))] : rnd_word();
    if (op.cmd == XEN_DOMCTL_createdomain && (nr_doms == MAX_DOMS || below(8)))
        op.cmd = XEN_DOMCTL_getdomaininfo; /* each creation is logged: keep them rare */
    rnd_domctl(&op);
    uint32_t p = rnd_ptr(sizeof(op));
    if (!fetch(p, &op, 0) || p + sizeof(op) > AREA_END)
        p = (uint32_t)area; /* a destroy must read the domain we chose */
    place(p, &op, sizeof(op));
    long rc = call(__HYPERVISOR_domctl, p, 0, 0, 0, 0);
    struct xen_domctl out;
    if (rc == 0 && op.cmd == XEN_DOMCTL_createdomain && fetch(p, &out, sizeof(out)))
        doms[nr_doms++] = out.domain;
    if (rc == 0 && op.cmd == XEN_DOMCTL_destroydomain)
        for (uint32_t i = 0; i < nr_doms; i++)
            if (doms[i] == op.domain)
                doms[i] = doms[--nr_doms];
}

/* set_callbacks and stack_switch: only values the hypervisor must refuse. */
static void fuzz_refused_setup(uint32_t nr)
{
    uint32_t a[4] = {rnd_word(), rnd_word(), rnd_word(), rnd_word()};
    if (nr == __HYPERVISOR_stack_switch && a[0] == FLAT_KERNEL_SS && a[1] <= HYPERVISOR_VIRT_START)
        a[1] = HYPERVISOR_VIRT_START + 1 + below(100);
    if (nr == __HYPERVISOR_set_callbacks && a[0] == FLAT_KERNEL_CS && a[1] < HYPERVISOR_VIRT_START)
        a[1] = HYPERVISOR_VIRT_START + below(100);
    call(nr, a[0], a[1], a[2], a[3], rnd_word());
}

/* A number no handler has: 2, the gaps, and far beyond the table; and 5, fpu_taskswitch, whose
 * one argument may be any word (the fuzzer never uses the FPU, so its #NM cannot come). */
static void fuzz_unknown(void)
{
    uint32_t nr = below(2) ? below(64) : rnd_word();
    switch (nr) {
    case __HYPERVISOR_set_trap_table ... __HYPERVISOR_set_callbacks:
    case __HYPERVISOR_update_va_mapping ... __HYPERVISOR_console_io:
    case __HYPERVISOR_grant_table_op:
    case __HYPERVISOR_vcpu_op:
    case __HYPERVISOR_mmuext_op:
    case __HYPERVISOR_sched_op:
    case __HYPERVISOR_event_channel_op ... __HYPERVISOR_domctl:
        if (nr != 2 && nr != 16 && nr != 34)
            return; /* implemented: these have their own generators */
    }
    call(nr, rnd_word(), rnd_ptr(64), rnd_word(), rnd_word(), rnd_word());
}

typedef void (*fuzz_fn)(void);

/* One random call: weights favour the calls with the most state behind them. */
static void fuzz_one(void)
{
    static const fuzz_fn table[] = {fuzz_mmu_update,
                                    fuzz_mmu_update,
                                    fuzz_mmuext_op,
                                    fuzz_mmuext_op,
                                    fuzz_update_va_mapping,
                                    fuzz_update_va_mapping,
                                    fuzz_grant_table_op,
                                    fuzz_grant_table_op,
                                    fuzz_event_channel_op,
                                    fuzz_event_channel_op,
                                    fuzz_set_trap_table,
                                    fuzz_set_timer_op,
                                    fuzz_xen_version,
                                    fuzz_console_io,
                                    fuzz_vcpu_op,
                                    fuzz_sched_op,
                                    fuzz_physdev_op,
                                    fuzz_sysctl,
                                    fuzz_domctl,
                                    fuzz_unknown};
    clear_area();
    uint32_t pick = below(ARRAY_SIZE(table) + 2);
    if (pick >= ARRAY_SIZE(table))
        fuzz_refused_setup(pick == ARRAY_SIZE(table) ? __HYPERVISOR_stack_switch
                                                     : __HYPERVISOR_set_callbacks);
    else
        table[pick]();
}

/* ---- set-up and clean-up ---- */

static void find_own_frames(void)
{
    own_lo = own_hi = phys_to_machine[0];
    for (uint32_t p = 1; p < start_info.nr_pages; p++) {
        if (phys_to_machine[p] < own_lo)
            own_lo = phys_to_machine[p];
        if (phys_to_machine[p] > own_hi)
            own_hi = phys_to_machine[p];
    }
    base_mfn = current_base_mfn() ? current_base_mfn() : kernel_base_mfn();
}

/* Our domain id: dom0 finds the one running domain (itself); a domU asks the xenstore. */
static domid_t find_self(void)
{
    if (!is_initial_domain())
        return my_domid();
    struct xen_domctl op = {.cmd = XEN_DOMCTL_getdomaininfo,
                            .interface_version = XEN_DOMCTL_INTERFACE_VERSION};
    for (op.domain = 0; HYPERVISOR_domctl(&op) == 0; op.domain++) {
        op.domain = op.u.getdomaininfo.domain;
        if (op.u.getdomaininfo.flags & XEN_DOMINF_running)
            return op.domain;
    }
    return 0;
}

/* minios's own ports (timer, console, xenstore): never closed by the fuzzer. */
static void protect_minios_ports(void)
{
    for (uint32_t p = 0; p < 1024; p++) {
        struct evtchn_status st = {.dom = DOMID_SELF, .port = p};
        if (p == 0 || (HYPERVISOR_event_channel_op(EVTCHNOP_status, &st) == 0 &&
                       st.status != EVTCHNSTAT_closed))
            protect_port(p);
    }
}

static int setup(void)
{
    area = alloc_pages(3);
    ro = alloc_page();
    window = alloc_pages(2);
    uint8_t *rw = alloc_pages(4);
    if (!area || !ro || !window || !rw)
        return -1;
    if (map_frame_at(AREA_END, 0, 0))
        return -1;
    make_page_readonly(ro);
    make_page_readonly(rw + 2 * PAGE_SIZE); /* zeroed and read-only: pinnable */
    make_page_readonly(rw + 3 * PAGE_SIZE);
    for (int i = 0; i < 4; i++)
        scratch[i] = virt_to_mfn(rw + i * PAGE_SIZE);
    scratch[4] = virt_to_mfn(window);
    scratch[5] = virt_to_mfn(window + PAGE_SIZE);
    find_own_frames();
    self = find_self();
    protect_minios_ports();
    for (int i = 0; i < NR_GRANTS; i++)
        grants[i] = gnttab_grant_access(i & 1 ? self : 0, scratch[i % NR_SCRATCH], i & 2);
    return 0;
}

/* Leave nothing behind but what the domain's destruction must clean up. */
static void clean_up(void)
{
    struct vcpu_set_periodic_timer pt = {10000000};
    while (nr_doms) {
        struct xen_domctl op = {.cmd = XEN_DOMCTL_destroydomain,
                                .interface_version = XEN_DOMCTL_INTERFACE_VERSION,
                                .domain = doms[--nr_doms]};
        if (HYPERVISOR_domctl(&op))
            xtf_failure("cannot destroy domain %u that the fuzzer created", op.domain);
    }
    HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt);
}

static uint32_t arg_value(const char *key, uint32_t dflt)
{
    size_t n = strlen(key);
    for (const char *s = start_info.cmd_line; *s; s++)
        if (!strncmp(s, key, n))
            return strtoul(s + n, NULL, 0);
    return dflt;
}

void test_main(void)
{
    uint32_t seed = arg_value("seed=", 1), count = arg_value("count=", DEFAULT_COUNT);
    rng_state = 0x9E3779B97F4A7C15ULL ^ seed;
    trace_from = arg_value("verbose=", 0xFFFFFFFF);
    if (setup()) {
        xtf_failure("ERROR: setup failed (out of memory or a refused mapping)");
        return;
    }
    printf("fuzz: seed %u, %u calls, domain %u (%s)\n", seed, count, self,
           is_initial_domain() ? "privileged" : "unprivileged");
    uint64_t t0 = monotonic_ns();
    uint32_t every = arg_value("every=", PROGRESS_EVERY), next_report = every;
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory"); /* the lab plugin's window: the calls */
    while (calls_made < count) {
        fuzz_one();
        if (calls_made == next_report) {
            printf("fuzz: %u calls\n", calls_made);
            next_report += every;
        }
    }
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory"); /* ... end here */
    uint64_t ms = (monotonic_ns() - t0) / 1000000;
    clean_up();
    printf("fuzz: %u calls (%u refused) in %u ms, %u calls/s\n", calls_made, calls_refused,
           (uint32_t)ms, ms ? (uint32_t)((uint64_t)calls_made * 1000 / ms) : 0);
}
