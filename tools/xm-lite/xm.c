/*
 * xm.c - xm-lite: dom0's toolstack, after Xen's xm/xl.
 *
 *   xm-lite list | info | dmesg
 *   xm-lite create CONFIG [-c]      build a domain from a config file (ext2, or the boot archive)
 *   xm-lite console|pause|unpause|shutdown|destroy DOMAIN   (a name or an id; shutdown asks
 *                                   the domain through control/shutdown first)
 *   xm-lite store ls [PATH]         (also: xm-lite xenstore-ls) show the xenstore tree
 *
 * create reads the config file through the VFS (so a config written at the
 * prompt on the ext2 root works), else from the boot archive, and the kernel
 * from the boot archive (dom0's boot module), asks the hypervisor to create and build the domain
 * (domctl), plugs the new domain's console and xenstore pages into dom0's services, records it in
 * the xenstore, and unpauses it.  When a domain shuts down or crashes the hypervisor raises
 * VIRQ_DOM_EXC; xm_services() then reports it and, unless its config says on_crash = "preserve",
 * destroys it.
 */
#include <os.h>
#include <hv/elf.h>
#include <blkback.h>
#include <vfs.h>
#include "bootfs.h"
#include "consoled.h"
#include "xenstored.h"
#include "xm.h"
#include "xm_query.h"
#include "xmconfig.h"

#define MAX_MANAGED 16

/* What xm-lite remembers about the domains it created. */
struct managed {
    int in_use;
    domid_t id;
    char name[32];
    enum xm_on_crash on_crash;
    int reported;               /* its shutdown or crash has been reported */
    uint64_t shutdown_deadline; /* asked to shut down: stopped by the hypervisor after this */
};

static struct managed managed[MAX_MANAGED];
static volatile uint32_t dom_exc_events;
static uint32_t dom_exc_seen;

static const void *archive(size_t *len)
{
    *len = start_info.mod_len;
    return (const void *)start_info.mod_start;
}

static long domctl(uint32_t cmd, domid_t dom, struct xen_domctl *op)
{
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
    return HYPERVISOR_domctl(op);
}

static int getinfo(domid_t dom, struct xen_domctl_getdomaininfo *info)
{
    struct xen_domctl op;
    memset(&op, 0, sizeof(op));
    if (domctl(XEN_DOMCTL_getdomaininfo, dom, &op) || op.domain != dom)
        return -1;
    *info = op.u.getdomaininfo;
    return 0;
}

/* A domain named on the command line: its name, or its id. */
static int lookup(const char *arg, domid_t *id, char *name)
{
    struct xen_domctl op;
    for (domid_t next = 0;; next = op.domain + 1) {
        memset(&op, 0, sizeof(op));
        if (domctl(XEN_DOMCTL_getdomaininfo, next, &op))
            break;
        char num[8];
        snprintf(num, sizeof(num), "%u", op.domain);
        if (!strcmp(op.u.getdomaininfo.name, arg) || !strcmp(num, arg)) {
            *id = op.domain;
            strlcpy(name, op.u.getdomaininfo.name, 32);
            return 0;
        }
    }
    printf("xm-lite: no domain '%s'\n", arg);
    return -1;
}

static struct managed *find_managed(domid_t id)
{
    for (int i = 0; i < MAX_MANAGED; i++)
        if (managed[i].in_use && managed[i].id == id)
            return &managed[i];
    return NULL;
}

/* ------------------------------------------------------------------ list, info, dmesg */

/* What xm_query.c (list, info, sched, dmesg) needs, here in the kernel: hypercalls. */
long xm_domctl(struct xen_domctl *op)
{
    return HYPERVISOR_domctl(op);
}

long xm_sysctl(struct xen_sysctl *op)
{
    return HYPERVISOR_sysctl(op);
}

long xm_xen_version(int cmd, void *arg)
{
    return HYPERVISOR_xen_version(cmd, arg);
}

void xm_write(const char *s, uint32_t n)
{
    console_write(s, n);
}

/* ------------------------------------------------------------------ create */

static const char *basename(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/')
            b = p + 1;
    return b;
}

static int name_taken(const char *name)
{
    struct xen_domctl op;
    for (domid_t next = 0;; next = op.domain + 1) {
        memset(&op, 0, sizeof(op));
        if (domctl(XEN_DOMCTL_getdomaininfo, next, &op))
            return 0;
        if (!strcmp(op.u.getdomaininfo.name, name))
            return 1;
    }
}

/* The config at `path`: from the file systems first (a config typed at dom0's prompt lives on the
 * ext2 root), else from the boot archive.  0, or -1 if neither has it. */
static int read_config(const char *path, struct bootfs_file *f)
{
    static char text[4096];
    struct vfs_file *file;
    int got = 0, n = 0;
    size_t len;
    const void *ar = archive(&len);
    if (vfs_open(path, O_RDONLY, &file) == 0) {
        while (got < (int)sizeof(text) && (n = vfs_read(file, text + got, sizeof(text) - got)) > 0)
            got += n;
        vfs_put(file);
        if (n >= 0) {
            *f = (struct bootfs_file){
                .name = path, .name_len = strlen(path), .data = text, .size = (size_t)got};
            return 0;
        }
    }
    return ar && bootfs_find(ar, len, path, f) == 0 ? 0 : -1;
}

/* Read and check everything before asking the hypervisor for anything. */
static int apply_overrides(int argc, char **argv, struct xm_config *cfg, int *attach);

static int prepare(const char *path, struct xm_config *cfg, struct bootfs_file *kernel, int argc,
                   char **argv, int *attach)
{
    size_t len;
    const void *ar = archive(&len);
    struct bootfs_file f;
    char err[160];
    if (read_config(path, &f)) {
        printf("xm-lite: %s: no such file in the boot archive\n", path);
        return -1;
    }
    if (xm_config_parse(basename(path), f.data, f.size, cfg, err, sizeof(err))) {
        printf("xm-lite: %s\n", err);
        return -1;
    }
    if (apply_overrides(argc, argv, cfg, attach))
        return -1;
    if (bootfs_find(ar, len, cfg->kernel, kernel)) {
        printf("xm-lite: %s: kernel '%s' is not in the boot archive\n", basename(path),
               cfg->kernel);
        return -1;
    }
    struct elf_image img;
    const char *why;
    if (elf_parse(kernel->data, (uint32_t)kernel->size, &img, &why)) {
        printf("xm-lite: %s: kernel '%s': %s\n", basename(path), cfg->kernel, why);
        return -1;
    }
    if (name_taken(cfg->name)) {
        printf("xm-lite: %s: a domain named '%s' already exists\n", basename(path), cfg->name);
        return -1;
    }
    struct xen_sysctl op;
    if (xm_physinfo(&op) == 0 && op.u.physinfo.free_pages < cfg->memory_mb * 256 + 64) {
        printf("xm-lite: %s: not enough free memory: %u MiB wanted, %u MiB free\n", basename(path),
               cfg->memory_mb, op.u.physinfo.free_pages / 256);
        return -1;
    }
    return 0;
}

static void store_domain(domid_t id, const struct xm_config *cfg)
{
    char path[64], val[16];
    snprintf(path, sizeof(path), "/local/domain/%u/name", id);
    xs_local_write_str(xenstore, path, cfg->name);
    snprintf(path, sizeof(path), "/local/domain/%u/domid", id);
    snprintf(val, sizeof(val), "%u", id);
    xs_local_write_str(xenstore, path, val);
    snprintf(path, sizeof(path), "/local/domain/%u/memory/target", id);
    snprintf(val, sizeof(val), "%u", cfg->memory_mb * 1024);
    xs_local_write_str(xenstore, path, val);
}

static void forget(domid_t id)
{
    blkback_remove(id);
    consoled_remove(id);
    xenstored_release(id);
    struct managed *m = find_managed(id);
    if (m)
        m->in_use = 0;
}

static int destroy(domid_t id)
{
    struct xen_domctl op;
    forget(id);
    memset(&op, 0, sizeof(op));
    return (int)domctl(XEN_DOMCTL_destroydomain, id, &op);
}

static uint32_t backend_delay_ms; /* create's bedelay=MS: a test knob */
static int backend_map_mode;      /* create's bemode=map: blkback maps instead of copying */

/* disk = [ 'phy:TARGET,VDEV,MODE' ]: hand each to blkback before the domain runs. */
static int attach_disks(domid_t id, const struct xm_config *cfg)
{
    for (unsigned int i = 0; i < cfg->nr_disks; i++) {
        char spec[XM_DISK_LEN], *target = spec, *vdev, *mode;
        strlcpy(spec, cfg->disk[i], sizeof(spec));
        if (!strncmp(spec, "phy:", 4))
            target += 4;
        vdev = strchr(target, ',');
        mode = vdev ? strchr(vdev + 1, ',') : NULL;
        if (!vdev || !mode) {
            printf("xm-lite: disk '%s': expected 'phy:TARGET,VDEV,MODE'\n", cfg->disk[i]);
            return -1;
        }
        *vdev++ = 0;
        *mode++ = 0;
        if (blkback_add(id, target, vdev, mode[0] == 'r', backend_delay_ms, backend_map_mode))
            return -1;
    }
    return 0;
}

static void remember(domid_t id, const struct xm_config *cfg)
{
    for (int i = 0; i < MAX_MANAGED; i++)
        if (!managed[i].in_use) {
            managed[i] = (struct managed){1, id, "", cfg->on_crash, 0, 0};
            strlcpy(managed[i].name, cfg->name, sizeof(managed[i].name));
            return;
        }
}

/* xm's command-line overrides: name=X, memory=N or extra=WORD after the config. */
static int apply_overrides(int argc, char **argv, struct xm_config *cfg, int *attach)
{
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-c"))
            *attach = 1;
        else if (!strncmp(a, "name=", 5) && a[5] && strlen(a + 5) < sizeof(cfg->name))
            strlcpy(cfg->name, a + 5, sizeof(cfg->name));
        else if (!strncmp(a, "memory=", 7) && strtoul(a + 7, NULL, 10) >= 4 &&
                 strtoul(a + 7, NULL, 10) <= 900)
            cfg->memory_mb = strtoul(a + 7, NULL, 10);
        else if (!strncmp(a, "extra=", 6))
            strlcpy(cfg->extra, a + 6, sizeof(cfg->extra));
        else if (!strncmp(a, "bedelay=", 8))
            backend_delay_ms = strtoul(a + 8, NULL, 10);
        else if (!strcmp(a, "bemode=map") || !strcmp(a, "bemode=copy"))
            backend_map_mode = !strcmp(a, "bemode=map");
        else {
            printf(
                "xm-lite: create: bad argument '%s' (-c, name=, memory=4..900, extra=, bedelay=, "
                "bemode=map|copy)\n",
                a);
            return -1;
        }
    }
    return 0;
}

static int cmd_create(int argc, char **argv)
{
    struct xm_config cfg;
    struct bootfs_file kernel;
    int attach = 0;
    backend_delay_ms = 0;
    backend_map_mode = 0;
    if (argc < 3) {
        printf("usage: xm-lite create CONFIG [-c] [name=NAME] [memory=MB] [extra=WORD]\n");
        return -1;
    }
    if (prepare(argv[2], &cfg, &kernel, argc, argv, &attach))
        return -1;
    struct xen_domctl op;
    memset(&op, 0, sizeof(op));
    strlcpy(op.u.createdomain.name, cfg.name, sizeof(op.u.createdomain.name));
    long rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
    if (rc) {
        printf("xm-lite: cannot create domain '%s' (%ld)\n", cfg.name, rc);
        return -1;
    }
    domid_t id = op.domain;
    memset(&op, 0, sizeof(op));
    op.u.build.image = (uint32_t)kernel.data;
    op.u.build.image_len = (uint32_t)kernel.size;
    op.u.build.mem_mb = cfg.memory_mb;
    strlcpy(op.u.build.cmdline, cfg.extra, sizeof(op.u.build.cmdline));
    rc = domctl(XEN_DOMCTL_pvlab_build, id, &op);
    const char *failed = rc ? "the hypervisor could not build it (see xm-lite dmesg)"
                         : consoled_add(id, op.u.build.console_port)
                             ? "its console could not be attached"
                         : xenstored_introduce(id, op.u.build.store_port)
                             ? "it could not be introduced to the xenstore"
                             : NULL;
    if (failed) {
        printf("xm-lite: cannot create domain '%s': %s\n", cfg.name, failed);
        destroy(id);
        return -1;
    }
    remember(id, &cfg);
    store_domain(id, &cfg);
    if (attach_disks(id, &cfg)) {
        printf("xm-lite: cannot give '%s' its disks; destroying it\n", cfg.name);
        destroy(id);
        return -1;
    }
    memset(&op, 0, sizeof(op));
    domctl(XEN_DOMCTL_unpausedomain, id, &op);
    printf("Started domain %s (id=%u)\n", cfg.name, id);
    if (attach)
        consoled_attach(id, cfg.name);
    return 0;
}

/* ------------------------------------------------------------------ one domain */

/*
 * Ask the domain to power itself off, as xl does: "poweroff" in its
 * control/shutdown key, which a minios domU polls (proc/control.c) and answers
 * by writing its file systems back and shutting down.  The command returns at
 * once; xm_services() shuts down by hypercall a domain still running
 * SHUTDOWN_GRACE_NS later (one xm-lite did not create, at once).
 */
#define SHUTDOWN_GRACE_NS 3000000000ull

static long shutdown_by_hypervisor(domid_t id)
{
    struct sched_remote_shutdown s = {.domain_id = id, .reason = SHUTDOWN_poweroff};
    return HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &s);
}

static long shutdown_domain(domid_t id)
{
    char path[64];
    struct managed *m = find_managed(id);
    if (!m)
        return shutdown_by_hypervisor(id);
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", id);
    xs_local_write_str(xenstore, path, "poweroff");
    m->shutdown_deadline = monotonic_ns() + SHUTDOWN_GRACE_NS;
    return 0;
}

/* Domains asked to shut down that have not, after the grace period: the hypervisor stops them. */
static void check_shutdown_deadlines(void)
{
    uint64_t now = 0;
    for (int i = 0; i < MAX_MANAGED; i++) {
        struct managed *m = &managed[i];
        struct xen_domctl_getdomaininfo info;
        if (!m->in_use || !m->shutdown_deadline)
            continue;
        if (!now)
            now = monotonic_ns();
        if (now < m->shutdown_deadline)
            continue;
        m->shutdown_deadline = 0;
        if (getinfo(m->id, &info) || (info.flags & XEN_DOMINF_shutdown))
            continue;
        printf("xm-lite: %s did not answer control/shutdown within 3 s; the hypervisor shuts it "
               "down\n",
               m->name);
        shutdown_by_hypervisor(m->id);
    }
}

static int cmd_on_domain(int argc, char **argv)
{
    domid_t id;
    char name[32];
    struct xen_domctl op;
    if (argc < 3) {
        printf("usage: xm-lite %s DOMAIN\n", argv[1]);
        return -1;
    }
    if (lookup(argv[2], &id, name))
        return -1;
    if (id == 0) {
        printf("xm-lite: that is dom0 itself\n");
        return -1;
    }
    memset(&op, 0, sizeof(op));
    long rc = -1;
    if (!strcmp(argv[1], "console")) {
        if (consoled_attach(id, name) == 0)
            return 0;
        printf("xm-lite: %s has no console\n", name);
        return -1;
    }
    if (!strcmp(argv[1], "pause"))
        rc = domctl(XEN_DOMCTL_pausedomain, id, &op);
    else if (!strcmp(argv[1], "unpause"))
        rc = domctl(XEN_DOMCTL_unpausedomain, id, &op);
    else if (!strcmp(argv[1], "destroy"))
        rc = destroy(id);
    else if (!strcmp(argv[1], "shutdown"))
        rc = shutdown_domain(id);
    if (rc)
        printf("xm-lite: %s %s failed (%ld)\n", argv[1], name, rc);
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------------ xenstore */

static void show_node(const char *path, const void *value, size_t len, uint16_t owner,
                      const char *perms, unsigned int depth, void *ctx)
{
    const char *leaf = basename(path);
    printf("%*s%s = \"%.*s\"   (%s)\n", (int)depth * 2, "", *leaf ? leaf : "/", (int)len,
           (const char *)value, perms);
}

static int cmd_store(int argc, char **argv)
{
    const char *root = "/";
    if (argc > 3)
        root = argv[3];
    else if (argc > 2 && strcmp(argv[2], "ls"))
        root = argv[2];
    if (argc > 2 && !strcmp(argv[1], "store") && strcmp(argv[2], "ls")) {
        printf("usage: xm-lite store ls [PATH]\n");
        return -1;
    }
    if (xs_store_walk(xenstore, root, show_node, NULL)) {
        printf("xm-lite: %s: no such node\n", root);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ bench-create */

/* Create a domain, wait for its first console output, report how long that took, destroy it. */
static int cmd_bench_create(int argc, char **argv)
{
    uint64_t t0 = rdtsc(), ns0 = monotonic_ns();
    char *args[5] = {"xm-lite", "create", argc > 2 ? argv[2] : "/etc/xm/nodisk.cfg", "name=bench",
                     NULL};
    if (cmd_create(4, args))
        return -1;
    domid_t id;
    char name[32];
    if (lookup("bench", &id, name))
        return -1;
    while (!consoled_first_output_tsc(id)) {
        uint32_t seen = event_count;
        run_services();
        if (!consoled_first_output_tsc(id))
            block_until(&event_count, seen);
    }
    uint64_t ticks = consoled_first_output_tsc(id) - t0, ns = monotonic_ns() - ns0;
    printf("BENCH create_to_first_console_line tsc=%u ns=%u\n", (uint32_t)ticks, (uint32_t)ns);
    return destroy(id);
}

/* ------------------------------------------------------------------ evtping */

static volatile uint32_t pongs;
static void pong(evtchn_port_t port, void *data)
{
    pongs++;
}

/*
 * Event-channel ping-pong with a domU running `evtping` (minios): we allocate
 * a port for it and publish it in its xenstore directory; it binds and
 * answers every event with one of its own.  Prints the round trip in TSC ticks.
 */
static int cmd_evtping(int argc, char **argv)
{
    domid_t id;
    char name[32], path[64], val[16];
    uint32_t n = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
    if (argc < 3 || lookup(argv[2], &id, name) || id == 0 || n == 0)
        return printf("usage: xm-lite evtping DOMAIN [COUNT]\n"), -1;
    struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = id};
    if (HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op))
        return printf("xm-lite: no free event channel\n"), -1;
    bind_port(op.port, pong, NULL);
    snprintf(path, sizeof(path), "/local/domain/%u/evtping/ready", id);
    xs_local_rm(xenstore, path);
    snprintf(path, sizeof(path), "/local/domain/%u/evtping/port", id);
    snprintf(val, sizeof(val), "%u", op.port);
    xs_local_write_str(xenstore, path, val);
    snprintf(path, sizeof(path), "/local/domain/%u/evtping/ready", id);
    uint64_t t0 = monotonic_ns();
    while (xs_local_read(xenstore, path, val, sizeof(val)) < 0) {
        if (monotonic_ns() - t0 > 5000000000ull) {
            printf("xm-lite: %s did not bind (is it running evtping?)\n", name);
            close_port(op.port);
            return -1;
        }
        uint32_t seen = event_count;
        run_services();
        block_until(&event_count, seen);
    }
    uint32_t start = pongs;
    uint64_t c0 = rdtsc();
    for (uint32_t i = 0; i < n; i++) {
        notify_remote(op.port);
        while (pongs == start + i)
            block_until(&pongs, start + i);
    }
    uint64_t ticks = rdtsc() - c0;
    close_port(op.port);
    printf("evtping: %u round trips with %s, %u.%03u TSC ticks each\n", n, name,
           (uint32_t)(ticks / n), (uint32_t)(ticks % n * 1000 / n));
    printf("BENCH evtping_round_trip tsc=%u.%03u\n", (uint32_t)(ticks / n),
           (uint32_t)(ticks % n * 1000 / n));
    return 0;
}

/* xm-lite wait DOMAIN KEY: show the domain's console until it writes KEY (or 60 s pass). */
static int cmd_wait(int argc, char **argv)
{
    domid_t id;
    char name[32], path[96], val[16];
    if (argc < 4 || lookup(argv[2], &id, name))
        return printf("usage: xm-lite wait DOMAIN KEY\n"), -1;
    snprintf(path, sizeof(path), "/local/domain/%u/%s", id, argv[3]);
    uint64_t deadline = monotonic_ns() + 60000000000ull;
    consoled_follow(id, 1);
    while (xs_local_read(xenstore, path, val, sizeof(val)) < 0 && monotonic_ns() < deadline) {
        uint32_t seen = event_count;
        run_services();
        if (xs_local_read(xenstore, path, val, sizeof(val)) < 0)
            block_until(&event_count, seen);
    }
    consoled_follow(id, 0);
    return 0;
}

/* ------------------------------------------------------------------ services */

static void report_exit(const struct xen_domctl_getdomaininfo *info, struct managed *m)
{
    static const char *const reasons[] = {"poweroff", "reboot", "suspend", "crash"};
    uint32_t reason = (info->flags >> XEN_DOMINF_shutdownshift) & 0xFF;
    m->reported = 1;
    if (info->flags & XEN_DOMINF_pvlab_crashed) {
        printf("\nxm-lite: domain %s (%u) crashed: %s\n", m->name, m->id, info->crash_reason);
        if (m->on_crash == XM_ON_CRASH_PRESERVE) {
            printf("xm-lite: keeping it for inspection (on_crash = \"preserve\")\n");
            return;
        }
    } else {
        printf("\nxm-lite: domain %s (%u) shut down (%s)\n", m->name, m->id,
               reason < 4 ? reasons[reason] : "?");
    }
    destroy(m->id);
}

static void check_domain_exits(void)
{
    if (dom_exc_events == dom_exc_seen)
        return;
    dom_exc_seen = dom_exc_events;
    for (int i = 0; i < MAX_MANAGED; i++) {
        struct managed *m = &managed[i];
        struct xen_domctl_getdomaininfo info;
        if (!m->in_use || m->reported || getinfo(m->id, &info))
            continue;
        if (info.flags & XEN_DOMINF_shutdown)
            report_exit(&info, m);
    }
}

static void xm_services(void)
{
    xenstored_poll();
    blkback_poll();
    consoled_poll();
    check_domain_exits();
    check_shutdown_deadlines();
}

static void dom_exc(evtchn_port_t port, void *data)
{
    dom_exc_events++;
}

void xm_init(void)
{
    if (xenstored_init())
        printf("xm-lite: no memory for the xenstore\n");
    if (bind_virq(VIRQ_DOM_EXC, dom_exc, NULL) < 0)
        printf("xm-lite: cannot bind VIRQ_DOM_EXC\n");
    xs_local_write_str(xenstore, "/local/domain/0/name", "Domain-0");
    xs_local_write_str(xenstore, "/local/domain/0/domid", "0");
    service_hook = xm_services;
    size_t len;
    archive(&len);
    printf("xm-lite: boot archive of %u bytes; configs in /etc/xm\n", (uint32_t)len);
}

static long trace_op(struct pvlab_trace_op *t)
{
    struct xen_sysctl op = {.cmd = XEN_SYSCTL_pvlab_trace,
                            .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    op.u.trace = *t;
    long rc = xm_sysctl(&op);
    *t = op.u.trace;
    return rc;
}

/* Print every record still in the buffer, one "T" line each, for tools/trace/pvlab-trace.py. */
static int trace_dump(void)
{
    static struct trace_record recs[256];
    struct pvlab_trace_op t = {.op = PVLAB_TRACE_INFO};
    if (trace_op(&t) || t.size == 0)
        return printf("xm-lite: trace: nothing traced yet ('xm-lite trace start')\n"), -1;
    printf("trace: dump: %u records written, %u dropped (the oldest), buffer of %u\n",
           (uint32_t)t.written, (uint32_t)t.oldest, t.size);
    for (uint64_t next = t.oldest;;) {
        t = (struct pvlab_trace_op){
            .op = PVLAB_TRACE_READ, .records = 256, .buffer = (uint32_t)recs, .first = next};
        if (trace_op(&t) || t.records == 0)
            break;
        for (uint32_t i = 0; i < t.records; i++)
            printf("T %08x%08x %u %u %x\n", (uint32_t)(recs[i].tsc >> 32), (uint32_t)recs[i].tsc,
                   recs[i].event, recs[i].domain, recs[i].data);
        next = t.first + t.records;
    }
    printf("trace: end\n");
    return 0;
}

/* xm-lite trace start [RECORDS] | stop | dump: the hypervisor's trace buffer (xentrace). */
static int cmd_trace(int argc, char **argv)
{
    const char *sub = argc > 2 ? argv[2] : "";
    struct pvlab_trace_op t = {0};
    if (!strcmp(sub, "start")) {
        t.op = PVLAB_TRACE_START;
        t.records = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;
    } else if (!strcmp(sub, "stop")) {
        t.op = PVLAB_TRACE_STOP;
    } else if (!strcmp(sub, "dump")) {
        return trace_dump();
    } else {
        return printf("usage: xm-lite trace start [RECORDS] | stop | dump\n"), -1;
    }
    long rc = trace_op(&t);
    if (rc)
        return printf("xm-lite: trace %s: error %ld\n", sub, rc), -1;
    printf("trace: %s, buffer of %u records, %u written\n", t.running ? "running" : "stopped",
           t.size, (uint32_t)t.written);
    return 0;
}

/*
 * xm-lite grant-map DOMAIN GREF / grant-unmap: map one of a domain's grants
 * in dom0 and keep it, then let it go.  A test aid: a mapping that outlives
 * its granter is how a destroyed domain's frame stays in use (hv/page_alloc.c:
 * orphan frames).
 */
static void *held_va;
static grant_handle_t held_handle;

static int cmd_grant_map(int argc, char **argv)
{
    domid_t id;
    char name[32];
    if (argc < 4 || lookup(argv[2], &id, name))
        return printf("usage: xm-lite grant-map DOMAIN GREF\n"), -1;
    if (held_va)
        return printf("xm-lite: a grant is held already (xm-lite grant-unmap)\n"), -1;
    int16_t st;
    held_va = gnttab_map(id, (grant_ref_t)strtoul(argv[3], NULL, 0), 1, &held_handle, &st);
    if (!held_va)
        return printf("xm-lite: grant-map: refused (status %d)\n", st), -1;
    printf("xm-lite: holding grant %s of %s at %p\n", argv[3], name, held_va);
    return 0;
}

static int cmd_grant_unmap(void)
{
    if (!held_va)
        return printf("xm-lite: no grant is held\n"), -1;
    int rc = gnttab_unmap(held_va, held_handle);
    held_va = NULL;
    printf("xm-lite: grant released (%d)\n", rc);
    return rc;
}

int xm_main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "help")) {
        printf("usage: xm-lite list | info | sched | dmesg | create CONFIG [-c] [name=N] "
               "[memory=MB] |\n"
               "               console DOMAIN | pause DOMAIN | unpause DOMAIN | shutdown DOMAIN |\n"
               "               destroy DOMAIN | store ls [PATH] | xenstore-ls [PATH] |\n"
               "               evtping DOMAIN [COUNT] | block-list DOMAIN | wait DOMAIN KEY |\n"
               "               trace start [RECORDS] | trace stop | trace dump |\n"
               "               bench-create [CONFIG]\n");
        return argc < 2 ? -1 : 0;
    }
    const char *c = argv[1];
    if (!strcmp(c, "list"))
        return xm_list();
    if (!strcmp(c, "info"))
        return xm_info();
    if (!strcmp(c, "sched"))
        return xm_sched();
    if (!strcmp(c, "trace"))
        return cmd_trace(argc, argv);
    if (!strcmp(c, "grant-map"))
        return cmd_grant_map(argc, argv);
    if (!strcmp(c, "grant-unmap"))
        return cmd_grant_unmap();
    if (!strcmp(c, "dmesg"))
        return xm_dmesg();
    if (!strcmp(c, "create"))
        return cmd_create(argc, argv);
    if (!strcmp(c, "store") || !strcmp(c, "xenstore-ls"))
        return cmd_store(argc, argv);
    if (!strcmp(c, "evtping"))
        return cmd_evtping(argc, argv);
    if (!strcmp(c, "block-list")) {
        domid_t id;
        char name[32];
        if (argc < 3 || lookup(argv[2], &id, name))
            return printf("usage: xm-lite block-list DOMAIN\n"), -1;
        blkback_list(id);
        return 0;
    }
    if (!strcmp(c, "wait"))
        return cmd_wait(argc, argv);
    if (!strcmp(c, "bench-create"))
        return cmd_bench_create(argc, argv);
    if (!strcmp(c, "console") || !strcmp(c, "pause") || !strcmp(c, "unpause") ||
        !strcmp(c, "shutdown") || !strcmp(c, "destroy"))
        return cmd_on_domain(argc, argv);
    printf("xm-lite: unknown command '%s' (try 'xm-lite help')\n", c);
    return -1;
}
