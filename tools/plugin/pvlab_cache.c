/*
 * pvlab_cache.c - the lab's QEMU TCG plugin: simulated I- and D-caches and
 * "haps" counted from outside the machine (build/plugins/pvlab-cache.so).
 *
 * This is instrument (b) of docs/instruments.md, QEMU's stand-in for Simics'
 * g-cache and haps.  QEMU calls on_translate() each time it translates a block
 * of guest code; the plugin looks at every instruction once, there, and asks
 * QEMU to call it back whenever the instruction executes:
 *
 *   - on_fetch() for every instruction: the instruction fetch goes to the
 *     simulated I-caches, and a change in the region of the executing code
 *     (hypervisor >= hv_base, guest kernel >= kernel_base, guest user below)
 *     is counted as a mode change;
 *   - on_mem() for every load and store: the physical address QEMU resolved
 *     goes to the simulated D-caches (accesses to device memory are counted
 *     apart and not cached);
 *   - on_hap() for the few instructions x86_haps.c recognises: mov to CR3,
 *     int n, sysenter, sysexit, iret, and the marker xchg %bx,%bx;
 *   - an inline counter (no call at all) counts instructions per region;
 *   - optionally, the executions of chosen instructions (count_pc=ADDR: a
 *     hypervisor's vector stubs give its entries by cause, a kernel's
 *     load_cr3 its process switches) and a profile of translated blocks
 *     (profile=on: instructions executed per block, the busiest reported),
 *     both with inline counters too.
 *
 * Markers cut the run into windows: the first marker closes the counts so
 * far and starts window 1 (by default with cold caches), the second reports
 * window 1 and ends it, the third starts window 2, and so on.  A window holds
 * every instruction from its start marker (included) to its end marker
 * (excluded).  At exit the plugin reports an unfinished window and the whole
 * run.  Every report line goes through qemu_plugin_outs(), which prints only
 * with `-d plugin`, and reads "pvlab-cache: window=W record=R key=value ...";
 * tests/instrument_tests.py and tests/bench_plugin.py parse it.
 *
 * Physical indexing: the D-caches see the guest-physical address of each
 * access (qemu_plugin_hwaddr_phys_addr).  QEMU 7.2 gives no physical address
 * for an instruction, only the host address of its bytes (insn_haddr); guest
 * RAM is one host mapping aligned to 2 MiB, so host and guest-physical
 * addresses agree in their low 21 bits and differ by a constant above: the
 * I-caches, indexed by host address, choose the same set and hit or miss
 * exactly as physically indexed ones for any cache whose size / assoc is at
 * most 2 MiB (every default).  Reports show each CR3 site's haddr_low21 so a
 * test can check the alignment on an identity-mapped guest.
 *
 * One vCPU is assumed (pvlab runs on one CPU): all counts are global.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"
#include "cachesim.h"
#include "x86_haps.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = PVLAB_QEMU_PLUGIN_API;

enum region { REGION_HV, REGION_KERNEL, REGION_USER, NREGIONS };
static const char *const region_names[NREGIONS] = {"hv", "kernel", "user"};

#define MAX_SIZES      6
#define MAX_MARKER_PCS 8
#define MAX_COUNT_PCS  64
#define MAX_PROFILE    16384 /* translated blocks remembered by the profile (a power of two) */
#define PROFILE_TOP    24    /* blocks reported per window and region */
#define MAX_SITES      4096  /* distinct hap instructions remembered (a power of two) */

struct options {
    uint64_t hv_base, kernel_base;
    bool icache, dcache, flush;
    struct cache_config cfg[MAX_SIZES];
    int nsizes;
    uint64_t marker_pcs[MAX_MARKER_PCS];
    int nmarker_pcs;
    uint64_t count_pcs[MAX_COUNT_PCS];
    int ncount_pcs;
    bool profile;
};

/* An instruction counted by count_pc=, or a block of the profile: an inline counter. */
struct counted {
    uint64_t vaddr;
    uint64_t window, run; /* window: the inline counter; run: closed periods */
    bool used;
};

struct sim_cache {
    char name[16]; /* "D16K" */
    struct cache c;
};

/* Everything counted between two markers. */
struct counts {
    uint64_t insns[NREGIONS];
    uint64_t haps[HAP_KINDS];
    uint64_t moves[NREGIONS][NREGIONS]; /* mode changes, [from][to] */
    uint64_t loads[NREGIONS], stores[NREGIONS], io[NREGIONS];
    struct cache_counts icache[MAX_SIZES][NREGIONS], dcache[MAX_SIZES][NREGIONS];
};

/* One hap instruction, by address: its callback's user data. */
struct site {
    uint64_t vaddr;
    uintptr_t haddr;
    enum hap_kind kind;
    uint64_t window, run; /* executions in this window; in closed periods */
};

static struct options opt = {
    .hv_base = 0xFC000000u,     /* DESIGN.md decision 3: the hypervisor's 64 MiB */
    .kernel_base = 0xC0000000u, /* minios.lds, and Linux's 3G/1G split */
    .icache = true,
    .dcache = true,
    .flush = true,
};
static struct sim_cache icaches[MAX_SIZES], dcaches[MAX_SIZES];
static struct counts win;                   /* since the last marker (or the start) */
static struct counts total;                 /* closed periods, for the whole-run report */
static unsigned int last_region = NREGIONS; /* none yet */
/* The longest stretch of instructions spent in the hypervisor region without
 * leaving it or executing sti: how long the hypervisor worked on one entry
 * with interrupts off (issue 14's bound).  Only the idle loop executes sti,
 * between batches of scrubbing free frames and before it halts: an interrupt
 * waiting is taken there, so idle work is not time a guest waits for. */
static uint64_t hv_entered_at, hv_stretch_window, hv_stretch_run;
static unsigned int window_no;
static bool window_open;
static struct site sites[MAX_SITES];
static struct site overflow_site = {.kind = HAP_NONE};
static struct counted count_pcs[MAX_COUNT_PCS]; /* [i] counts opt.count_pcs[i] (vaddr unused) */
static struct counted profile[MAX_PROFILE];     /* by block address; window counts instructions */
static uint64_t profile_lost_window, profile_lost_run; /* instructions of blocks not remembered */

static unsigned int region_of(uint64_t vaddr);

/* ---------------------------------------------------------------- output */

static void outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void outf(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    qemu_plugin_outs(line);
}

static void print_cache(const char *label, const struct sim_cache *sc,
                        const struct cache_counts n[NREGIONS])
{
    struct cache_counts all = {0, 0};
    for (int r = 0; r < NREGIONS; r++) {
        all.accesses += n[r].accesses;
        all.misses += n[r].misses;
    }
    for (int r = -1; r < NREGIONS; r++) {
        const struct cache_counts *c = r < 0 ? &all : &n[r];
        double rate = c->accesses ? 1.0 - (double)c->misses / (double)c->accesses : 0.0;
        outf("pvlab-cache: window=%s record=cache name=%s size=%u line=%u assoc=%u region=%s "
             "accesses=%" PRIu64 " misses=%" PRIu64 " hit_rate=%.6f\n",
             label, sc->name, sc->c.cfg.size, sc->c.cfg.line, sc->c.cfg.assoc,
             r < 0 ? "all" : region_names[r], c->accesses, c->misses, rate);
    }
}

static void print_haps(const char *label, const struct counts *c)
{
    uint64_t changes = 0;
    for (int f = 0; f < NREGIONS; f++)
        for (int t = 0; t < NREGIONS; t++)
            changes += c->moves[f][t];
    outf("pvlab-cache: window=%s record=insns all=%" PRIu64 " hv=%" PRIu64 " kernel=%" PRIu64
         " user=%" PRIu64 "\n",
         label, c->insns[0] + c->insns[1] + c->insns[2], c->insns[0], c->insns[1], c->insns[2]);
    char haps[256];
    int len = 0;
    for (int k = HAP_CR3_WRITE; k < HAP_KINDS; k++)
        len += snprintf(haps + len, sizeof(haps) - len, " %s=%" PRIu64, hap_name(k), c->haps[k]);
    outf("pvlab-cache: window=%s record=haps mode_changes=%" PRIu64 "%s\n", label, changes, haps);
    outf("pvlab-cache: window=%s record=modes hv_kernel=%" PRIu64 " hv_user=%" PRIu64
         " kernel_hv=%" PRIu64 " kernel_user=%" PRIu64 " user_hv=%" PRIu64 " user_kernel=%" PRIu64
         "\n",
         label, c->moves[0][1], c->moves[0][2], c->moves[1][0], c->moves[1][2], c->moves[2][0],
         c->moves[2][1]);
    for (int r = 0; r < NREGIONS; r++)
        outf("pvlab-cache: window=%s record=data region=%s loads=%" PRIu64 " stores=%" PRIu64
             " io=%" PRIu64 "\n",
             label, region_names[r], c->loads[r], c->stores[r], c->io[r]);
}

/* Sites in address order: the table's own order follows a hash of host addresses. */
static int by_address(const void *a, const void *b)
{
    const struct site *x = *(const struct site *const *)a, *y = *(const struct site *const *)b;
    uintptr_t hx = x->haddr & 0x1fffff, hy = y->haddr & 0x1fffff;
    if (x->vaddr != y->vaddr)
        return x->vaddr < y->vaddr ? -1 : 1;
    return hx < hy ? -1 : hx > hy;
}

/* Where CR3 was written from, so a reader can tell the hypervisor's sites apart;
 * printed in address order, so two runs of the same guest print the same lines. */
static void print_cr3_sites(const char *label, bool whole_run)
{
    static const struct site *found[MAX_SITES];
    int n_found = 0;
    for (int i = 0; i < MAX_SITES; i++) {
        const struct site *s = &sites[i];
        if (s->kind == HAP_CR3_WRITE && (whole_run ? s->run : s->window))
            found[n_found++] = s;
    }
    qsort(found, n_found, sizeof(found[0]), by_address);
    for (int i = 0; i < n_found; i++) {
        const struct site *s = found[i];
        outf("pvlab-cache: window=%s record=cr3_site pc=0x%08" PRIx64
             " haddr_low21=0x%06lx count=%" PRIu64 "\n",
             label, s->vaddr, (unsigned long)(s->haddr & 0x1fffff), whole_run ? s->run : s->window);
    }
    if (overflow_site.window || overflow_site.run)
        outf("pvlab-cache: window=%s record=cr3_site pc=overflow count=%" PRIu64 "\n", label,
             whole_run ? overflow_site.run : overflow_site.window);
}

/* Executions of each count_pc= address: "record=pc pc=0x... count=N". */
static void print_count_pcs(const char *label, bool whole_run)
{
    for (int i = 0; i < opt.ncount_pcs; i++)
        outf("pvlab-cache: window=%s record=pc pc=0x%08" PRIx64 " count=%" PRIu64 "\n", label,
             opt.count_pcs[i], whole_run ? count_pcs[i].run : count_pcs[i].window);
}

/* The PROFILE_TOP blocks of one region that executed the most instructions. */
static void print_profile_region(const char *label, bool whole_run, unsigned int region)
{
    static bool shown[MAX_PROFILE];
    memset(shown, 0, sizeof(shown));
    for (int k = 0; k < PROFILE_TOP; k++) {
        int best = -1;
        for (int i = 0; i < MAX_PROFILE; i++) {
            uint64_t n = whole_run ? profile[i].run : profile[i].window;
            if (profile[i].used && n && !shown[i] && region_of(profile[i].vaddr) == region &&
                (best < 0 || n > (whole_run ? profile[best].run : profile[best].window)))
                best = i;
        }
        if (best < 0)
            return;
        shown[best] = true;
        outf("pvlab-cache: window=%s record=profile region=%s pc=0x%08" PRIx64 " insns=%" PRIu64
             "\n",
             label, region_names[region], profile[best].vaddr,
             whole_run ? profile[best].run : profile[best].window);
    }
}

static void print_profile(const char *label, bool whole_run)
{
    if (!opt.profile)
        return;
    for (unsigned int r = 0; r < NREGIONS; r++)
        print_profile_region(label, whole_run, r);
    outf("pvlab-cache: window=%s record=profile_lost insns=%" PRIu64 "\n", label,
         whole_run ? profile_lost_run : profile_lost_window);
}

static void report(const char *label, const struct counts *c, bool whole_run)
{
    print_haps(label, c);
    outf("pvlab-cache: window=%s record=hv_stretch max=%" PRIu64 "\n", label,
         whole_run ? hv_stretch_run : hv_stretch_window);
    for (int i = 0; i < opt.nsizes && opt.icache; i++)
        print_cache(label, &icaches[i], c->icache[i]);
    for (int i = 0; i < opt.nsizes && opt.dcache; i++)
        print_cache(label, &dcaches[i], c->dcache[i]);
    print_cr3_sites(label, whole_run);
    print_count_pcs(label, whole_run);
    print_profile(label, whole_run);
}

/* ---------------------------------------------------------------- windows */

static void add_counts(struct counts *to, const struct counts *from)
{
    const uint64_t *f = (const uint64_t *)from;
    uint64_t *t = (uint64_t *)to;
    for (size_t i = 0; i < sizeof(*from) / sizeof(uint64_t); i++)
        t[i] += f[i];
}

/* Fold the current period into the whole run's counts and start afresh. */
static void close_period(void)
{
    add_counts(&total, &win);
    memset(&win, 0, sizeof(win));
    for (int i = 0; i < MAX_SITES; i++) {
        sites[i].run += sites[i].window;
        sites[i].window = 0;
    }
    overflow_site.run += overflow_site.window;
    overflow_site.window = 0;
    for (int i = 0; i < opt.ncount_pcs; i++) {
        count_pcs[i].run += count_pcs[i].window;
        count_pcs[i].window = 0;
    }
    for (int i = 0; i < MAX_PROFILE; i++) {
        profile[i].run += profile[i].window;
        profile[i].window = 0;
    }
    profile_lost_run += profile_lost_window;
    profile_lost_window = 0;
    hv_stretch_window = 0;
}

static void on_marker(const struct site *s)
{
    char label[16];
    snprintf(label, sizeof(label), "%u", window_open ? window_no : window_no + 1);
    if (window_open) {
        outf("pvlab-cache: window=%s record=end pc=0x%08" PRIx64 " complete=1\n", label, s->vaddr);
        report(label, &win, false);
        outf("pvlab-cache: window=%s record=done\n", label);
        close_period();
        window_open = false;
        return;
    }
    close_period();
    window_no++;
    window_open = true;
    for (int i = 0; i < opt.nsizes && opt.flush; i++) {
        cache_flush(&icaches[i].c);
        cache_flush(&dcaches[i].c);
    }
    outf("pvlab-cache: window=%s record=start pc=0x%08" PRIx64 "\n", label, s->vaddr);
}

static void on_exit_report(qemu_plugin_id_t id, void *userdata)
{
    if (window_open) {
        char label[16];
        snprintf(label, sizeof(label), "%u", window_no);
        outf("pvlab-cache: window=%s record=end pc=exit complete=0\n", label);
        report(label, &win, false);
        outf("pvlab-cache: window=%s record=done\n", label);
    }
    close_period();
    report("run", &total, true);
    outf("pvlab-cache: window=run record=done windows=%u\n", window_no);
}

/* ---------------------------------------------------------------- execution callbacks */

/* Instructions executed so far in the whole run (closed periods and this one). */
static uint64_t insns_so_far(void)
{
    return total.insns[0] + total.insns[1] + total.insns[2] + win.insns[0] + win.insns[1] +
           win.insns[2];
}

static void note_hv_stretch(unsigned int from, unsigned int to)
{
    if (from == REGION_HV) {
        uint64_t n = insns_so_far() - hv_entered_at;
        if (n > hv_stretch_window)
            hv_stretch_window = n;
        if (n > hv_stretch_run)
            hv_stretch_run = n;
    }
    if (to == REGION_HV)
        hv_entered_at = insns_so_far();
}

/* sti in the hypervisor: the stretch so far ends, and a new one begins. */
static void on_hv_sti(unsigned int vcpu, void *udata)
{
    note_hv_stretch(REGION_HV, REGION_HV);
}

static inline void note_region(unsigned int r)
{
    if (r != last_region) {
        if (last_region < NREGIONS) {
            win.moves[last_region][r]++;
            note_hv_stretch(last_region, r);
        }
        last_region = r;
    }
}

/* An instruction fetch's user data packs the region, the size and the address. */
#define FETCH_SIZE_SHIFT 2
#define FETCH_ADDR_SHIFT 8

static void *pack_fetch(uint64_t addr, size_t size, unsigned int region)
{
    return (void *)(uintptr_t)((addr << FETCH_ADDR_SHIFT) | ((size - 1) << FETCH_SIZE_SHIFT) |
                               region);
}

static void on_fetch(unsigned int vcpu, void *udata)
{
    uintptr_t u = (uintptr_t)udata;
    unsigned int r = u & 3;
    uint64_t addr = u >> FETCH_ADDR_SHIFT;
    uint32_t size = ((u >> FETCH_SIZE_SHIFT) & 15) + 1;
    note_region(r);
    for (int i = 0; i < opt.nsizes; i++)
        cache_access(&icaches[i].c, addr, size, &win.icache[i][r]);
}

/* Without I-caches: called only where the region may change (a block's start). */
static void on_region(unsigned int vcpu, void *udata)
{
    note_region((unsigned int)(uintptr_t)udata);
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    unsigned int r = (unsigned int)(uintptr_t)udata;
    struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
    if (qemu_plugin_mem_is_store(info))
        win.stores[r]++;
    else
        win.loads[r]++;
    if (hw && qemu_plugin_hwaddr_is_io(hw)) {
        win.io[r]++;
        return;
    }
    uint64_t pa = hw ? qemu_plugin_hwaddr_phys_addr(hw) : vaddr;
    uint32_t size = 1u << qemu_plugin_mem_size_shift(info);
    for (int i = 0; i < opt.nsizes; i++)
        cache_access(&dcaches[i].c, pa, size, &win.dcache[i][r]);
}

static void on_hap(unsigned int vcpu, void *udata)
{
    struct site *s = udata;
    if (s->kind == HAP_MARKER) {
        on_marker(s);
        return;
    }
    win.haps[s->kind]++;
    s->window++;
}

/* ---------------------------------------------------------------- translation */

static unsigned int region_of(uint64_t vaddr)
{
    if (vaddr >= opt.hv_base)
        return REGION_HV;
    return vaddr >= opt.kernel_base ? REGION_KERNEL : REGION_USER;
}

/* The site record for a hap instruction (one per address, kept for the run). */
static struct site *site_for(uint64_t vaddr, uintptr_t haddr, enum hap_kind kind)
{
    uint32_t h = (uint32_t)((vaddr ^ haddr) * 0x9E3779B97F4A7C15ull >> 40) & (MAX_SITES - 1);
    for (int probes = 0; probes < MAX_SITES; probes++, h = (h + 1) & (MAX_SITES - 1)) {
        struct site *s = &sites[h];
        if (s->kind == HAP_NONE) {
            *s = (struct site){.vaddr = vaddr, .haddr = haddr, .kind = kind};
            return s;
        }
        if (s->vaddr == vaddr && s->haddr == haddr && s->kind == kind)
            return s;
    }
    overflow_site.kind = kind; /* counted, but not reported by address */
    return &overflow_site;
}

/* The profile's counter for the block at vaddr (one per address, kept for the run). */
static uint64_t *profile_counter(uint64_t vaddr)
{
    uint32_t h = (uint32_t)(vaddr * 0x9E3779B97F4A7C15ull >> 40) & (MAX_PROFILE - 1);
    for (int probes = 0; probes < MAX_PROFILE; probes++, h = (h + 1) & (MAX_PROFILE - 1)) {
        struct counted *c = &profile[h];
        if (!c->used)
            *c = (struct counted){.vaddr = vaddr, .used = true};
        if (c->vaddr == vaddr)
            return &c->window;
    }
    return &profile_lost_window; /* counted, but not reported by address */
}

static enum hap_kind classify(const struct qemu_plugin_insn *insn, uint64_t vaddr)
{
    for (int i = 0; i < opt.nmarker_pcs; i++)
        if (opt.marker_pcs[i] == vaddr)
            return HAP_MARKER;
    return hap_decode(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn));
}

/*
 * Callbacks on one instruction run in the order they are registered: the
 * marker first (so a window's first instruction is its start marker), then
 * the fetch; the inline counter runs after every callback.
 */
static void instrument(struct qemu_plugin_insn *insn, unsigned int prev_region)
{
    uint64_t va = qemu_plugin_insn_vaddr(insn);
    uintptr_t ha = (uintptr_t)qemu_plugin_insn_haddr(insn);
    unsigned int r = region_of(va);
    enum hap_kind kind = classify(insn, va);
    if (kind != HAP_NONE)
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_hap, QEMU_PLUGIN_CB_NO_REGS,
                                               site_for(va, ha, kind));
    if (r == REGION_HV && insn_is_sti(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn)))
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_hv_sti, QEMU_PLUGIN_CB_NO_REGS, NULL);
    if (opt.icache)
        qemu_plugin_register_vcpu_insn_exec_cb(
            insn, on_fetch, QEMU_PLUGIN_CB_NO_REGS,
            pack_fetch(ha ? ha : va, qemu_plugin_insn_size(insn), r));
    else if (r != prev_region)
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_region, QEMU_PLUGIN_CB_NO_REGS,
                                               (void *)(uintptr_t)r);
    if (opt.dcache)
        qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
                                         (void *)(uintptr_t)r);
    qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &win.insns[r], 1);
    for (int i = 0; i < opt.ncount_pcs; i++)
        if (opt.count_pcs[i] == va)
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                       &count_pcs[i].window, 1);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    unsigned int prev = NREGIONS;
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (opt.profile &&
        n) /* a block's instructions, counted at its first (exact unless it faults) */
        qemu_plugin_register_vcpu_insn_exec_inline(
            qemu_plugin_tb_get_insn(tb, 0), QEMU_PLUGIN_INLINE_ADD_U64,
            profile_counter(qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, 0))), n);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        instrument(insn, prev);
        prev = region_of(qemu_plugin_insn_vaddr(insn));
    }
}

/* ---------------------------------------------------------------- arguments */

static int parse_bool(const char *key, const char *val, bool *out)
{
    if (!strcmp(val, "on") || !strcmp(val, "1") || !strcmp(val, "yes") || !strcmp(val, "true"))
        *out = true;
    else if (!strcmp(val, "off") || !strcmp(val, "0") || !strcmp(val, "no") ||
             !strcmp(val, "false"))
        *out = false;
    else {
        fprintf(stderr, "pvlab-cache: %s=%s: expected on or off\n", key, val);
        return -1;
    }
    return 0;
}

/* An address: the full 64 bits (a 64-bit guest's kernel and hypervisor sit above 2^63). */
static int parse_u64(const char *key, const char *val, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(val, &end, 0);
    if (end == val || *end || *val == '-') {
        fprintf(stderr, "pvlab-cache: %s=%s: not a number\n", key, val);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

/* sizes=16K:128K:1024K */
static int parse_sizes(const char *val)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", val);
    opt.nsizes = 0;
    for (char *save, *tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
        int64_t v = cache_parse_size(tok);
        if (v <= 0 || v > 0xffffffffll || opt.nsizes == MAX_SIZES) {
            fprintf(stderr, "pvlab-cache: sizes=%s: '%s' is not a size (at most %d sizes)\n", val,
                    tok, MAX_SIZES);
            return -1;
        }
        opt.cfg[opt.nsizes++].size = (uint32_t)v;
    }
    return opt.nsizes ? 0 : -1;
}

static int parse_arg(const char *arg, uint64_t *line, uint64_t *assoc)
{
    const char *eq = strchr(arg, '=');
    if (!eq) {
        fprintf(stderr, "pvlab-cache: argument '%s' is not KEY=VALUE\n", arg);
        return -1;
    }
    char key[32];
    snprintf(key, sizeof(key), "%.*s", (int)(eq - arg), arg);
    const char *val = eq + 1;
    if (!strcmp(key, "sizes"))
        return parse_sizes(val);
    if (!strcmp(key, "line"))
        return parse_u64(key, val, line);
    if (!strcmp(key, "assoc")) {
        if (!strcmp(val, "full"))
            return *assoc = 0, 0;
        return parse_u64(key, val, assoc);
    }
    if (!strcmp(key, "icache"))
        return parse_bool(key, val, &opt.icache);
    if (!strcmp(key, "dcache"))
        return parse_bool(key, val, &opt.dcache);
    if (!strcmp(key, "flush"))
        return parse_bool(key, val, &opt.flush);
    if (!strcmp(key, "hv_base"))
        return parse_u64(key, val, &opt.hv_base);
    if (!strcmp(key, "kernel_base"))
        return parse_u64(key, val, &opt.kernel_base);
    if (!strcmp(key, "marker_pc") && opt.nmarker_pcs < MAX_MARKER_PCS)
        return parse_u64(key, val, &opt.marker_pcs[opt.nmarker_pcs++]);
    if (!strcmp(key, "count_pc") && opt.ncount_pcs < MAX_COUNT_PCS)
        return parse_u64(key, val, &opt.count_pcs[opt.ncount_pcs++]);
    if (!strcmp(key, "profile"))
        return parse_bool(key, val, &opt.profile);
    fprintf(stderr,
            "pvlab-cache: unknown argument '%s' (known: sizes line assoc icache dcache flush "
            "hv_base kernel_base marker_pc count_pc (at most %d) profile)\n",
            arg, MAX_COUNT_PCS);
    return -1;
}

static int make_caches(uint64_t line, uint64_t assoc)
{
    char err[160];
    for (int i = 0; i < opt.nsizes; i++) {
        opt.cfg[i].line = (uint32_t)line;
        opt.cfg[i].assoc = (uint32_t)assoc;
        uint32_t kib = opt.cfg[i].size >> 10;
        snprintf(icaches[i].name, sizeof(icaches[i].name), "I%uK", kib);
        snprintf(dcaches[i].name, sizeof(dcaches[i].name), "D%uK", kib);
        if (cache_init(&icaches[i].c, &opt.cfg[i], err, sizeof(err)) ||
            cache_init(&dcaches[i].c, &opt.cfg[i], err, sizeof(err))) {
            fprintf(stderr, "pvlab-cache: %s\n", err);
            return -1;
        }
    }
    return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    uint64_t line = 64, assoc = 8;
    parse_sizes("16K:128K:1024K"); /* the homework's three sizes */
    for (int i = 0; i < argc; i++)
        if (parse_arg(argv[i], &line, &assoc))
            return -1;
    if (!info->system_emulation || strcmp(info->target_name, "i386"))
        fprintf(stderr, "pvlab-cache: written for qemu-system-i386, not %s%s\n", info->target_name,
                info->system_emulation ? "" : " user mode");
    if (info->system_emulation && info->system.max_vcpus > 1)
        fprintf(stderr, "pvlab-cache: counts are global; with %d vCPUs they mix CPUs\n",
                info->system.max_vcpus);
    if (make_caches(line, assoc))
        return -1;
    outf("pvlab-cache: window=config record=config sizes=%d line=%" PRIu64 " assoc=%" PRIu64
         " icache=%d dcache=%d flush=%d hv_base=0x%08" PRIx64 " kernel_base=0x%08" PRIx64 "\n",
         opt.nsizes, line, assoc, opt.icache, opt.dcache, opt.flush, opt.hv_base, opt.kernel_base);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit_report, NULL);
    return 0;
}
