/*
 * bench.c - path-length measurements for `make bench`.
 *
 * Under QEMU's -icount shift=0 the TSC advances exactly one tick per
 * instruction executed, so a TSC difference is an instruction count and it
 * repeats exactly from run to run.  Each figure is the average over N round
 * trips of: a null hypercall from ring 1 (xen_version), a null system call
 * from ring 3 through the direct int $0x80 gate into ring 1 and back, and a
 * #GP raised in ring 1 (by `cli`), bounced by the hypervisor to minios's
 * handler, which skips the instruction and returns.  Hypervisor entries are
 * read from this domain's counters before and after each run.
 *
 * Three more are the rows of `make bench-xen` (tools/xenpeer/), measured the
 * same way in real Xen's dom0 by tools/xenpeer/module/xenpeer.c: an unknown
 * hypercall number (the gate, the table's -ENOSYS handler and back), and
 * EVTCHNOP_send on a loopback pair of this domain's own ports
 * (alloc_unbound for ourselves, then bind_interdomain to it), first with
 * the receiver masked (the send alone), then with it bound to a handler
 * that counts upcalls (the send, the upcall the hypervisor makes on its way
 * out, events.c's dispatch, the handler and the return): no domain switch,
 * unlike the dom0<->domU ping-pong.
 *
 * bench_page_fault() also runs natively (shell.c, with `bench` on the
 * command line): a read of an unmapped address in the kernel, whose #PF a
 * hook skips.  Under pvlab the hypervisor takes the fault, puts CR2 in
 * vcpu_info and bounces it to minios; natively the CPU enters minios's own
 * IDT gate (arch/native/entry.S: native_pf_entry) directly.
 *
 * Tour 57/58 - after proc/ext2fs.c, before bench_scripts.c.
 */
#include <os.h>
#include <user.h>
#include <bench.h>

#define N 1000

uint64_t prompt_tsc;

static void read_counters(struct pvlab_counters *c)
{
    struct xen_sysctl op = {.cmd = XEN_SYSCTL_pvlab_counters,
                            .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    op.u.pvlab_counters.domid = DOMID_SELF;
    HYPERVISOR_sysctl(&op);
    *c = op.u.pvlab_counters.counters;
}

/* Hypervisor entries during a measurement that were not timer interrupts or our own sysctl. */
static uint32_t entries_between(const struct pvlab_counters *a, const struct pvlab_counters *b)
{
    return (uint32_t)((b->hv_entries - a->hv_entries) - (b->interrupts - a->interrupts) - 1);
}

static int LEAN skip_cli(struct trap_frame *f)
{
    int is_cli = *(const uint8_t *)f->eip == 0xFA;
    f->eip += (uint32_t)is_cli; /* one byte */
    return is_cli;
}

static void report(const char *name, uint64_t ticks, uint32_t entries)
{
    printf("BENCH %s insns_per_op=%u.%03u hv_entries_per_op=%u.%03u\n", name, (uint32_t)(ticks / N),
           (uint32_t)(ticks % N * 1000 / N), entries / N, entries % N * 1000 / N);
}

/* The probe's one faulting instruction, and the hook that steps over it. */
extern const char pf_probe[];
__asm__(".text\n"
        "pf_probe: movl (%eax), %eax\n" /* two bytes */
        "ret\n");
static int LEAN skip_probe(struct trap_frame *f)
{
    if (f->eip != (uint32_t)pf_probe)
        return 0;
    f->eip += 2;
    return 1;
}

#define PF_ADDR 0x00001000u /* unmapped in the kernel's page directory, in every mode */

/* Below NR_HYPERCALLS with no handler, in pvlab and in Xen 4.17: -ENOSYS (xenpeer.c uses it too).
 */
#define UNKNOWN_HYPERCALL 63

static volatile uint32_t upcalls;

static void count_upcall(evtchn_port_t port, void *data)
{
    upcalls++;
}

/* A loopback pair: an event sent on *sender is raised on the returned port (count_upcall's). */
static int loopback_pair(evtchn_port_t *sender)
{
    struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = my_domid()};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
    if (rc < 0)
        return (int)rc;
    int receiver = bind_interdomain(DOMID_SELF, op.port, count_upcall, NULL);
    if (receiver < 0)
        close_port(op.port);
    *sender = op.port;
    return receiver;
}

/* N sends on `port`, timed and counted: one BENCH line. */
static void send_window(const char *name, evtchn_port_t port)
{
    struct pvlab_counters a, b;
    struct evtchn_send op = {port};
    read_counters(&a);
    uint64_t t0 = rdtsc();
    for (int i = 0; i < N; i++)
        HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
    uint64_t t1 = rdtsc();
    read_counters(&b);
    report(name, t1 - t0, entries_between(&a, &b));
}

/* The send alone (receiver masked, events off), then send + upcall (unmasked, events on). */
static void bench_events(void)
{
    evtchn_port_t sender;
    int receiver = loopback_pair(&sender);
    if (receiver < 0)
        return (void)printf("BENCH evtchn failed: no loopback pair (%d)\n", receiver);
    int masked = local_events_disable();
    mask_evtchn((evtchn_port_t)receiver);
    send_window("evtchn_send", sender);
    local_events_enable();
    unmask_evtchn((evtchn_port_t)receiver); /* the masked sends' one pending event arrives */
    uint32_t before = upcalls;
    send_window("send_upcall", sender);
    if (upcalls - before != N)
        printf("BENCH send_upcall failed: %u upcalls for %u sends\n", upcalls - before, N);
    if (masked)
        local_events_disable();
    close_port((evtchn_port_t)receiver);
    close_port(sender);
}

/* N hypercalls of a number nothing handles: one BENCH line, or a failure if one answered. */
static void bench_unknown_hypercall(void)
{
    struct pvlab_counters a, b;
    long rc = 0;
    read_counters(&a);
    uint64_t t0 = rdtsc();
    for (int i = 0; i < N; i++)
        rc = hypercall1(UNKNOWN_HYPERCALL, 0);
    uint64_t t1 = rdtsc();
    read_counters(&b);
    report("unknown_hypercall", t1 - t0, entries_between(&a, &b));
    if (rc != -XEN_ENOSYS)
        printf("BENCH unknown_hypercall failed: hypercall %d answered %ld\n", UNKNOWN_HYPERCALL,
               rc);
}

/*
 * A block backend's map: BATCH grants mapped with one map_grant_ref and unmapped with one
 * unmap_grant_ref, N times.  The operations are written once, before the timing (the
 * hypervisor reads their arguments and writes only their results), so the figure is the
 * hypervisor's per page plus its two entries a batch, shared: a backend's own work to build
 * them is guest14's side of the path (blkback.c, gnttab.c), not measured here.  Per page.
 */
#define BATCH 32
static struct gnttab_map_grant_ref batch_maps[BATCH];
static struct gnttab_unmap_grant_ref batch_unmaps[BATCH];
static void *batch_pages[BATCH];

static void bench_grant_batch(void)
{
    uint32_t first = grant_slots_take_run(&gnttab_slots, BATCH);
    if (first == GRANT_AREA_SLOTS)
        return (void)printf("BENCH grant_batch failed: no run of %u grant slots\n", BATCH);
    for (uint32_t i = 0; i < BATCH; i++) {
        batch_pages[i] = alloc_page();
        grant_ref_t ref = gnttab_grant_access(my_domid(), virt_to_mfn(batch_pages[i]), 0);
        gnttab_map_args(&batch_maps[i], my_domid(), ref, 0);
        batch_maps[i].host_addr = GRANT_AREA_START + (first + i) * PAGE_SIZE;
        batch_unmaps[i].host_addr = batch_maps[i].host_addr;
        batch_unmaps[i].handle = first + i; /* a handle is its slot */
    }
    struct pvlab_counters a, b;
    read_counters(&a);
    uint64_t t0 = rdtsc();
    for (int i = 0; i < N; i++) {
        HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, batch_maps, BATCH);
        HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, batch_unmaps, BATCH);
    }
    uint64_t t1 = rdtsc();
    read_counters(&b);
    /* per page: the hypervisor entries (two a batch) come out as 2 / BATCH */
    uint32_t entries = entries_between(&a, &b);
    printf("BENCH grant_batch%u_map_unmap insns_per_op=%u.%03u hv_entries_per_op=%u.%03u\n", BATCH,
           (uint32_t)((t1 - t0) / (N * BATCH)),
           (uint32_t)((t1 - t0) % (N * BATCH) * 1000 / (N * BATCH)), entries / (N * BATCH),
           entries % (N * BATCH) * 1000 / (N * BATCH));
    if (b.hypercall_errors != a.hypercall_errors)
        printf("BENCH grant_batch failed: %u operations refused\n",
               (uint32_t)(b.hypercall_errors - a.hypercall_errors));
    for (uint32_t i = 0; i < BATCH; i++) {
        gnttab_end_access(batch_maps[i].ref);
        grant_slot_give(&gnttab_slots, first + i);
        free_page(batch_pages[i]);
    }
}

/* N kernel-mode page faults, each taken and skipped: one BENCH line. */
void bench_page_fault(void)
{
    struct pvlab_counters a = {0}, b = {0};
    set_trap_hook(14, skip_probe);
    if (!is_native())
        read_counters(&a);
    uint64_t t0 = rdtsc();
    for (int i = 0; i < N; i++) {
        uint32_t addr = PF_ADDR;
        __asm__ volatile("call pf_probe" : "+a"(addr) : : "memory");
    }
    uint64_t t1 = rdtsc();
    if (!is_native())
        read_counters(&b);
    set_trap_hook(14, NULL);
    report("page_fault", t1 - t0, is_native() ? 0 : entries_between(&a, &b));
}

void run_benchmarks(void)
{
    struct pvlab_counters a, b;
    uint64_t t0, t1;
    printf("BENCH dom0_start_tsc=%u%09u\n", (uint32_t)(start_tsc / 1000000000u),
           (uint32_t)(start_tsc % 1000000000u));
    printf("BENCH boot_to_prompt_tsc=%u%09u\n", (uint32_t)(prompt_tsc / 1000000000u),
           (uint32_t)(prompt_tsc % 1000000000u));

    read_counters(&a);
    t0 = rdtsc();
    for (int i = 0; i < N; i++)
        __asm__ volatile("" ::: "memory");
    t1 = rdtsc();
    read_counters(&b);
    report("empty_loop", t1 - t0, entries_between(&a, &b));

    read_counters(&a);
    t0 = rdtsc();
    for (int i = 0; i < N; i++)
        HYPERVISOR_xen_version(XENVER_version, NULL);
    t1 = rdtsc();
    read_counters(&b);
    report("null_hypercall", t1 - t0, entries_between(&a, &b));

    if (user_mode_begin() == 0) {
        read_counters(&a);
        uint64_t ticks = user_int80_loop_run(N);
        read_counters(&b);
        user_mode_end();
        report("int80_ring3", ticks, entries_between(&a, &b));
    } else {
        printf("BENCH int80 failed: cannot set up ring 3\n");
    }

    /* Grant map + unmap of one of our own pages, granted to ourselves. */
    uint8_t *page = alloc_page();
    grant_ref_t ref = gnttab_grant_access(my_domid(), virt_to_mfn(page), 0);
    domid_t self = my_domid(); /* not part of what is measured */
    read_counters(&a);
    t0 = rdtsc();
    for (int i = 0; i < N; i++) {
        struct gnttab_map_grant_ref map; /* its arguments written anew each time, as a backend's */
        gnttab_map_args(&map, self, ref, 0);
        void *va = gnttab_map(&map);
        if (va)
            gnttab_unmap(va, map.handle);
    }
    t1 = rdtsc();
    read_counters(&b);
    report("grant_map_unmap", t1 - t0, entries_between(&a, &b));
    gnttab_end_access(ref);
    free_page(page);
    bench_grant_batch();

    set_trap_hook(13, skip_cli);
    read_counters(&a);
    t0 = rdtsc();
    for (int i = 0; i < N; i++)
        __asm__ volatile("cli" ::: "memory");
    t1 = rdtsc();
    read_counters(&b);
    set_trap_hook(13, NULL);
    report("gp_bounce", t1 - t0, entries_between(&a, &b));
    bench_page_fault();
    bench_unknown_hypercall(); /* these last: the figures before them stay where they were */
    bench_events();
    printf("BENCH done\n");
}
