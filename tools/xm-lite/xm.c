/*
 * xm.c - xm-lite: dom0's toolstack, after Xen's xm/xl, a ring-3 program
 * (/bin/xm-lite).
 *
 *   xm-lite list | info | sched | dmesg
 *   xm-lite create CONFIG [-c]      build a domain from a config file (ext2, or the boot archive)
 *   xm-lite console|pause|unpause|shutdown|destroy DOMAIN   (a name or an id; shutdown asks
 *                                   the domain through control/shutdown first)
 *   xm-lite store ls [PATH]         (also: xm-lite xenstore-ls) show the xenstore tree
 *
 * It reaches the hypervisor through the privcmd system call, the xenstore
 * through the xenbus one (guests/minios/proc/privcmd.c), and the services
 * that stay in dom0's kernel -- the console service, the xenstore's rings,
 * the block backend, domain-exit handling -- through SYS_domsvc
 * (guests/minios/proc/domsvc.c), as xl uses /dev/xen/privcmd,
 * /dev/xen/xenbus, xenconsoled and the backends.
 *
 * create reads the config file through the file system (so a config written
 * at the prompt on the ext2 root works), else from the boot archive, and
 * the kernel image from the boot archive into its own memory; checks
 * everything; then asks the hypervisor to create the domain and build it
 * from that memory (domctl; the kernel checks the image pointer is ours),
 * plugs the new domain's console and xenstore pages into dom0's services,
 * records it in the xenstore, hands its disks to blkback, and unpauses it.
 * When it shuts down or crashes, dom0's kernel reports it and destroys it
 * (unless its config says on_crash = "preserve"): a program that has exited
 * cannot.  In a domU privcmd answers -E_PERM and xm-lite says it needs
 * dom0's privilege.
 */
#include <ulib.h>
#include <hv/elf.h>
#include <public/domctl.h>
#include <public/io/blkif.h>
#include <public/io/xenbus.h>
#include <public/io/xs_wire.h>
#include <public/sched.h>
#include <public/sysctl.h>
#include <public/xen.h>
#include "xm_query.h"
#include "xmconfig.h"

#define CONFIG_MAX (XM_MAX_FILE_SIZE + 1) /* one more: a file over the limit is seen as such */
#define POLL_NS    1000000u               /* how often a wait looks again */

static long domsvc(uint32_t op, uint32_t dom, const void *arg, uint32_t arg2)
{
    return syscall5(SYS_domsvc, op, dom, (uint32_t)arg, arg2, 0);
}

static long domctl(uint32_t cmd, domid_t dom, struct xen_domctl *op)
{
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
    return xm_domctl(op);
}

static void pause_briefly(void)
{
    struct pvlab_timespec ts = {0, POLL_NS};
    nanosleep(&ts);
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

static const char *basename(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/')
            b = p + 1;
    return b;
}

/* ------------------------------------------------------------------ the xenstore */

static struct {
    struct xsd_sockmsg h;
    char payload[XENSTORE_PAYLOAD_MAX];
} xs_req, xs_rep;

/* One request through SYS_xenbus: the reply's payload length, or -1 (an error reply too). */
static int xs(uint32_t type, const char *path, const char *value)
{
    uint32_t plen = (uint32_t)strlen(path) + 1, vlen = value ? (uint32_t)strlen(value) : 0;
    if (plen + vlen > sizeof(xs_req.payload))
        return -1;
    xs_req.h = (struct xsd_sockmsg){type, 1, 0, plen + vlen};
    memcpy(xs_req.payload, path, plen);
    memcpy(xs_req.payload + plen, value, vlen);
    int n = xenbus(&xs_req, sizeof(xs_req.h) + plen + vlen, &xs_rep, sizeof(xs_rep));
    if (n < (int)sizeof(xs_rep.h) || xs_rep.h.type == XS_ERROR)
        return -1;
    return (int)xs_rep.h.len;
}

static int xs_read(const char *path, char *val, uint32_t cap)
{
    int n = xs(XS_READ, path, NULL);
    if (n < 0 || (uint32_t)n >= cap)
        return -1;
    memcpy(val, xs_rep.payload, (uint32_t)n);
    val[n] = 0;
    return n;
}

static void xs_write_dom(domid_t id, const char *key, const char *value)
{
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%u/%s", id, key);
    xs(XS_WRITE, path, value);
}

/* ------------------------------------------------------------------ files */

/* Where the boot archive is mounted ("" for /, "/boot" under an ext2 root); NULL if nowhere. */
static const char *archive_prefix(void)
{
    static struct pvlab_mountinfo mi;
    for (int i = 0; mountinfo(i, &mi) == 0; i++)
        if (!strcmp(mi.type, "cpio"))
            return strcmp(mi.path, "/") ? mi.path : "";
    return NULL;
}

/* The whole of `path` into malloc'd memory (at most max bytes): 0, or -E_*. */
static int read_file(const char *path, uint32_t max, char **data, uint32_t *size)
{
    struct pvlab_stat st;
    int fd = open(path, O_RDONLY), n = 0;
    if (fd < 0)
        return fd;
    if (fstat(fd, &st) || (st.st_mode & S_IFMT) != S_IFREG) {
        close(fd);
        return -E_NOENT;
    }
    uint32_t len = MIN(st.st_size, max), got = 0;
    char *buf = malloc(len + 1);
    while (buf && got < len && (n = read(fd, buf + got, len - got)) > 0)
        got += (uint32_t)n;
    close(fd);
    if (!buf || n < 0) {
        free(buf);
        return buf ? n : -E_NOMEM;
    }
    *data = buf, *size = got;
    return 0;
}

/* `path` inside the boot archive (leading "/" optional). */
static int read_archive(const char *path, uint32_t max, char **data, uint32_t *size)
{
    char full[PATH_MAX_LEN];
    const char *prefix = archive_prefix();
    if (!prefix)
        return -E_NOENT;
    snprintf(full, sizeof(full), "%s%s%s", prefix, path[0] == '/' ? "" : "/", path);
    return read_file(full, max, data, size);
}

/* ------------------------------------------------------------------ create */

struct create_args {
    struct xm_config cfg;
    char *kernel;
    uint32_t kernel_len;
    int attach;
    struct pvlab_disk disk_opts; /* bedelay=, bemode= for every disk */
};

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

/* xm's command-line overrides: name=X, memory=N or extra=WORD after the config. */
static int apply_overrides(int argc, char **argv, struct create_args *a)
{
    struct xm_config *cfg = &a->cfg;
    for (int i = 3; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-c"))
            a->attach = 1;
        else if (!strncmp(s, "name=", 5) && s[5] && strlen(s + 5) < sizeof(cfg->name))
            strlcpy(cfg->name, s + 5, sizeof(cfg->name));
        else if (!strncmp(s, "memory=", 7) && strtoul(s + 7, NULL, 10) >= 4 &&
                 strtoul(s + 7, NULL, 10) <= 900)
            cfg->memory_mb = strtoul(s + 7, NULL, 10);
        else if (!strncmp(s, "extra=", 6))
            strlcpy(cfg->extra, s + 6, sizeof(cfg->extra));
        else if (!strncmp(s, "bedelay=", 8))
            a->disk_opts.delay_ms = strtoul(s + 8, NULL, 10);
        else if (!strcmp(s, "bemode=map") || !strcmp(s, "bemode=copy"))
            a->disk_opts.map_mode = !strcmp(s, "bemode=map");
        else
            return printf("xm-lite: create: bad argument '%s' (-c, name=, memory=4..900, extra=, "
                          "bedelay=, bemode=map|copy)\n",
                          s),
                   -1;
    }
    return 0;
}

/* The config: from the file systems first (a config typed at dom0's prompt lives on the ext2
 * root), else from the boot archive; parsed, with the command line's overrides. */
static int read_config(const char *path, int argc, char **argv, struct create_args *a)
{
    char *text, err[160];
    uint32_t len;
    if (read_file(path, CONFIG_MAX, &text, &len) && read_archive(path, CONFIG_MAX, &text, &len))
        return printf("xm-lite: %s: no such file in the boot archive\n", path), -1;
    int rc = xm_config_parse(basename(path), text, len, &a->cfg, err, sizeof(err));
    free(text);
    if (rc)
        return printf("xm-lite: %s\n", err), -1;
    return apply_overrides(argc, argv, a);
}

/* Read and check everything before asking the hypervisor for anything. */
static int prepare(const char *path, int argc, char **argv, struct create_args *a)
{
    const char *cfgname = basename(path), *why;
    struct elf_image img;
    struct xen_sysctl op;
    if (read_config(path, argc, argv, a))
        return -1;
    int rc = read_archive(a->cfg.kernel, 8u << 20, &a->kernel, &a->kernel_len);
    if (rc == -E_NOMEM)
        return printf("xm-lite: %s: kernel '%s' does not fit in xm-lite's memory\n", cfgname,
                      a->cfg.kernel),
               -1;
    if (rc)
        return printf("xm-lite: %s: kernel '%s' is not in the boot archive\n", cfgname,
                      a->cfg.kernel),
               -1;
    if (elf_parse(a->kernel, a->kernel_len, &img, &why))
        return printf("xm-lite: %s: kernel '%s': %s\n", cfgname, a->cfg.kernel, why), -1;
    if (name_taken(a->cfg.name))
        return printf("xm-lite: %s: a domain named '%s' already exists\n", cfgname, a->cfg.name),
               -1;
    if (xm_physinfo(&op) == 0 && op.u.physinfo.free_pages < a->cfg.memory_mb * 256 + 64)
        return printf("xm-lite: %s: not enough free memory: %u MiB wanted, %u MiB free\n", cfgname,
                      a->cfg.memory_mb, op.u.physinfo.free_pages / 256),
               -1;
    return 0;
}

static int destroy(domid_t id)
{
    struct xen_domctl op;
    memset(&op, 0, sizeof(op));
    return (int)domctl(XEN_DOMCTL_destroydomain, id, &op);
}

/*
 * A disk's frontend directory in the domain's part of the xenstore, written by the toolstack
 * before the backend starts, as Xen's does: where its backend is, the disk's number and name,
 * and the frontend's first state.  The domain owns the nodes (they inherit its directory's
 * permissions), so its blkfront may write its ring and event channel there.
 */
static int write_frontend(domid_t id, const char *vdev)
{
    char dir[64], path[96], backend[64], devnum[12], state[4];
    uint32_t devid;
    if (xvd_devid(vdev, &devid))
        return printf("xm-lite: '%s' is not a virtual disk name (xvda..xvdp)\n", vdev), -1;
    snprintf(dir, sizeof(dir), "/local/domain/%u/device/vbd/%u", id, devid);
    snprintf(backend, sizeof(backend), "/local/domain/0/backend/vbd/%u/%u", id, devid);
    snprintf(devnum, sizeof(devnum), "%u", devid);
    snprintf(state, sizeof(state), "%d", XenbusStateInitialising);
    const char *const kv[][2] = {{"backend", backend},
                                 {"backend-id", "0"},
                                 {"virtual-device", devnum},
                                 {"dev", vdev},
                                 {"state", state}};
    for (unsigned int i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, kv[i][0]);
        if (xs(XS_WRITE, path, kv[i][1]) < 0)
            return printf("xm-lite: cannot write %s\n", path), -1;
    }
    return 0;
}

/* disk = [ 'phy:TARGET,VDEV,MODE' ]: its frontend directory, then hand it to blkback, before the
 * domain runs. */
static int attach_disks(domid_t id, const struct create_args *a)
{
    for (unsigned int i = 0; i < a->cfg.nr_disks; i++) {
        char spec[XM_DISK_LEN], *target = spec, *vdev, *mode;
        struct pvlab_disk d = a->disk_opts;
        strlcpy(spec, a->cfg.disk[i], sizeof(spec));
        if (!strncmp(spec, "phy:", 4))
            target += 4;
        vdev = strchr(target, ',');
        mode = vdev ? strchr(vdev + 1, ',') : NULL;
        if (!vdev || !mode)
            return printf("xm-lite: disk '%s': expected 'phy:TARGET,VDEV,MODE'\n", a->cfg.disk[i]),
                   -1;
        *vdev++ = 0;
        *mode++ = 0;
        strlcpy(d.target, target, sizeof(d.target));
        strlcpy(d.vdev, vdev, sizeof(d.vdev));
        d.readonly = mode[0] == 'r';
        if (write_frontend(id, vdev) || domsvc(DOMSVC_DISK_ADD, id, &d, 0))
            return -1;
    }
    return 0;
}

/* The new domain in the xenstore, in dom0's services, with its disks; NULL, or what failed. */
static const char *connect(domid_t id, const struct xen_domctl_pvlab_build *b,
                           const struct create_args *a)
{
    char val[16];
    struct pvlab_manage m = {.preserve_on_crash = a->cfg.on_crash == XM_ON_CRASH_PRESERVE};
    if (domsvc(DOMSVC_CONSOLE_ADD, id, (void *)b->console_port, 0))
        return "its console could not be attached";
    if (domsvc(DOMSVC_STORE_INTRODUCE, id, (void *)b->store_port, 0))
        return "it could not be introduced to the xenstore";
    strlcpy(m.name, a->cfg.name, sizeof(m.name));
    domsvc(DOMSVC_MANAGE, id, &m, 0);
    xs_write_dom(id, "name", a->cfg.name);
    snprintf(val, sizeof(val), "%u", id);
    xs_write_dom(id, "domid", val);
    snprintf(val, sizeof(val), "%u", a->cfg.memory_mb * 1024);
    xs_write_dom(id, "memory/target", val);
    return NULL;
}

static int console(domid_t id, const char *name);

static int build_and_start(const struct create_args *a)
{
    struct xen_domctl op;
    memset(&op, 0, sizeof(op));
    strlcpy(op.u.createdomain.name, a->cfg.name, sizeof(op.u.createdomain.name));
    long rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
    if (rc)
        return printf("xm-lite: cannot create domain '%s' (%ld)\n", a->cfg.name, rc), -1;
    domid_t id = op.domain;
    memset(&op, 0, sizeof(op));
    op.u.build.image = (uint32_t)a->kernel;
    op.u.build.image_len = a->kernel_len;
    op.u.build.mem_mb = a->cfg.memory_mb;
    strlcpy(op.u.build.cmdline, a->cfg.extra, sizeof(op.u.build.cmdline));
    rc = domctl(XEN_DOMCTL_pvlab_build, id, &op);
    const char *failed =
        rc ? "the hypervisor could not build it (see xm-lite dmesg)" : connect(id, &op.u.build, a);
    if (failed) {
        printf("xm-lite: cannot create domain '%s': %s\n", a->cfg.name, failed);
        destroy(id);
        return -1;
    }
    if (attach_disks(id, a)) {
        printf("xm-lite: cannot give '%s' its disks; destroying it\n", a->cfg.name);
        destroy(id);
        return -1;
    }
    memset(&op, 0, sizeof(op));
    domctl(XEN_DOMCTL_unpausedomain, id, &op);
    printf("Started domain %s (id=%u)\n", a->cfg.name, id);
    return id;
}

static int cmd_create(int argc, char **argv)
{
    static struct create_args a;
    memset(&a, 0, sizeof(a));
    if (argc < 3)
        return printf("usage: xm-lite create CONFIG [-c] [name=NAME] [memory=MB] [extra=WORD]\n"),
               -1;
    int id = prepare(argv[2], argc, argv, &a) ? -1 : build_and_start(&a);
    free(a.kernel); /* the hypervisor copied it */
    if (id < 0)
        return -1;
    return a.attach ? console((domid_t)id, a.cfg.name) : 0;
}

/* ------------------------------------------------------------------ one domain */

/* Attached to the domain's console until Ctrl-]; the kernel's console service does the work. */
static int console(domid_t id, const char *name)
{
    uint64_t tsc;
    if (domsvc(DOMSVC_FIRST_OUTPUT, id, &tsc, 0) == -E_NOENT)
        return printf("xm-lite: %s has no console\n", name), -1;
    printf("xm-lite: attached to %s's console; Ctrl-] detaches\n", name);
    long rc = domsvc(DOMSVC_CONSOLE_ATTACH, id, NULL, 0);
    if (rc == 1)
        printf("\nxm-lite: %s's console went away\n", name);
    else
        printf("\n");
    return rc < 0 ? -1 : 0;
}

static int cmd_on_domain(int argc, char **argv)
{
    domid_t id;
    char name[32];
    struct xen_domctl op;
    if (argc < 3)
        return printf("usage: xm-lite %s DOMAIN\n", argv[1]), -1;
    if (lookup(argv[2], &id, name))
        return -1;
    if (id == 0)
        return printf("xm-lite: that is dom0 itself\n"), -1;
    memset(&op, 0, sizeof(op));
    long rc = -1;
    if (!strcmp(argv[1], "console"))
        return console(id, name);
    if (!strcmp(argv[1], "pause"))
        rc = domctl(XEN_DOMCTL_pausedomain, id, &op);
    else if (!strcmp(argv[1], "unpause"))
        rc = domctl(XEN_DOMCTL_unpausedomain, id, &op);
    else if (!strcmp(argv[1], "destroy"))
        rc = destroy(id);
    else if (!strcmp(argv[1], "shutdown"))
        rc = domsvc(DOMSVC_SHUTDOWN, id, NULL, 0);
    if (rc)
        printf("xm-lite: %s %s failed (%ld)\n", argv[1], name, rc);
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------------ xenstore */

/* One node: its value and permissions, then its children, depth first. */
static int show_tree(const char *path, unsigned int depth)
{
    char value[1024], perms[64]; /* a value is at most 1024 bytes (tools/xenstore) */
    int n = xs(XS_READ, path, NULL);
    if (n < 0)
        return -1;
    memcpy(value, xs_rep.payload, (uint32_t)MIN(n, (int)sizeof(value)));
    int vlen = MIN(n, (int)sizeof(value));
    int p = xs(XS_GET_PERMS, path, NULL);
    for (int i = 0; i < p && i < (int)sizeof(perms) - 1; i++)
        perms[i] = xs_rep.payload[i] ? xs_rep.payload[i] : ',';
    perms[p > 0 ? MIN(p - 1, (int)sizeof(perms) - 1) : 0] = 0;
    const char *leaf = basename(path);
    printf("%*s%s = \"%.*s\"   (%s)\n", (int)depth * 2, "", *leaf ? leaf : "/", vlen, value, perms);
    int len = xs(XS_DIRECTORY, path, NULL);
    if (len <= 0)
        return 0;
    char *names = malloc((uint32_t)len), child[XENSTORE_ABS_PATH_MAX + 1];
    if (!names)
        return 0;
    memcpy(names, xs_rep.payload, (uint32_t)len);
    for (int i = 0; i < len; i += (int)strlen(names + i) + 1) {
        snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "", names + i);
        show_tree(child, depth + 1);
    }
    free(names);
    return 0;
}

static int cmd_store(int argc, char **argv)
{
    const char *root = "/";
    if (argc > 3)
        root = argv[3];
    else if (argc > 2 && strcmp(argv[2], "ls"))
        root = argv[2];
    if (argc > 2 && !strcmp(argv[1], "store") && strcmp(argv[2], "ls"))
        return printf("usage: xm-lite store ls [PATH]\n"), -1;
    if (show_tree(root, 0))
        return printf("xm-lite: %s: no such node\n", root), -1;
    return 0;
}

/* ------------------------------------------------------------------ bench-create, wait */

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Create a domain, wait for its first console output, report how long that took, destroy it. */
static int cmd_bench_create(int argc, char **argv)
{
    uint64_t t0 = rdtsc(), ns0 = now_ns(), first = 0;
    char *args[5] = {"xm-lite", "create", argc > 2 ? argv[2] : "/etc/xm/nodisk.cfg", "name=bench",
                     NULL};
    domid_t id;
    char name[32];
    if (cmd_create(4, args) || lookup("bench", &id, name))
        return -1;
    while (domsvc(DOMSVC_FIRST_OUTPUT, id, &first, 0) == 0 && !first)
        pause_briefly();
    /* the kernel stamped the first output in TSC ticks; our polling is later, so the guest ns
     * at that moment are scaled from the TSC over the whole wait */
    uint64_t t1 = rdtsc(), ns1 = now_ns(), ticks = first - t0;
    uint64_t ns = t1 > t0 ? ticks * (ns1 - ns0) / (t1 - t0) : 0;
    printf("BENCH create_to_first_console_line tsc=%u ns=%u\n", (uint32_t)ticks, (uint32_t)ns);
    return destroy(id);
}

/* xm-lite wait DOMAIN KEY: show the domain's console until it writes KEY (or 60 s pass). */
static int cmd_wait(int argc, char **argv)
{
    domid_t id;
    char name[32], path[96], val[16];
    if (argc < 4 || lookup(argv[2], &id, name))
        return printf("usage: xm-lite wait DOMAIN KEY\n"), -1;
    snprintf(path, sizeof(path), "/local/domain/%u/%s", id, argv[3]);
    uint64_t deadline = now_ns() + 60000000000ull;
    domsvc(DOMSVC_CONSOLE_FOLLOW, id, (void *)1, 0);
    while (xs_read(path, val, sizeof(val)) < 0 && now_ns() < deadline)
        pause_briefly();
    domsvc(DOMSVC_CONSOLE_FOLLOW, id, NULL, 0);
    return 0;
}

/* ------------------------------------------------------------------ evtping */

/*
 * Event-channel ping-pong with a domU running `evtping` (minios): dom0's
 * kernel allocates a port for it, which we publish in its xenstore
 * directory; it binds and answers every event with one of its own.  The
 * round trips are timed in the kernel (DOMSVC_EVTCHN_PINGPONG), so the
 * figure is the event path without a process switch in it.
 */
static int cmd_evtping(int argc, char **argv)
{
    domid_t id;
    char name[32], val[16];
    struct pvlab_pingpong pp = {.count = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000};
    if (argc < 3 || lookup(argv[2], &id, name) || id == 0 || pp.count == 0)
        return printf("usage: xm-lite evtping DOMAIN [COUNT]\n"), -1;
    int port = (int)domsvc(DOMSVC_EVTCHN_ALLOC, id, NULL, 0);
    if (port < 0)
        return printf("xm-lite: no free event channel\n"), -1;
    char ready[64];
    snprintf(ready, sizeof(ready), "/local/domain/%u/evtping/ready", id);
    xs(XS_RM, ready, NULL);
    snprintf(val, sizeof(val), "%u", port);
    xs_write_dom(id, "evtping/port", val);
    uint64_t t0 = now_ns();
    while (xs_read(ready, val, sizeof(val)) < 0) {
        if (now_ns() - t0 > 5000000000ull) {
            printf("xm-lite: %s did not bind (is it running evtping?)\n", name);
            domsvc(DOMSVC_EVTCHN_CLOSE, (uint32_t)port, NULL, 0);
            return -1;
        }
        pause_briefly();
    }
    long rc = domsvc(DOMSVC_EVTCHN_PINGPONG, (uint32_t)port, &pp, 0);
    domsvc(DOMSVC_EVTCHN_CLOSE, (uint32_t)port, NULL, 0);
    if (rc)
        return printf("xm-lite: evtping: %s\n", strerror((int)-rc)), -1;
    uint64_t ticks = pp.tsc_total;
    uint32_t n = pp.count;
    printf("evtping: %u round trips with %s, %u.%03u TSC ticks each\n", n, name,
           (uint32_t)(ticks / n), (uint32_t)(ticks % n * 1000 / n));
    printf("BENCH evtping_round_trip tsc=%u.%03u\n", (uint32_t)(ticks / n),
           (uint32_t)(ticks % n * 1000 / n));
    return 0;
}

/* ------------------------------------------------------------------ trace */

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

/* ------------------------------------------------------------------ grants, disks */

/*
 * xm-lite grant-map DOMAIN GREF / grant-unmap: dom0's kernel maps one of a
 * domain's grants and keeps it, then lets it go.  A test aid: a mapping
 * that outlives its granter is how a destroyed domain's frame stays in use
 * (hv/frame_alloc.c: orphan frames).
 */
static int cmd_grant_map(int argc, char **argv)
{
    domid_t id;
    char name[32];
    if (argc < 4 || lookup(argv[2], &id, name))
        return printf("usage: xm-lite grant-map DOMAIN GREF\n"), -1;
    long rc = domsvc(DOMSVC_GRANT_HOLD, id, (void *)strtoul(argv[3], NULL, 0), 0);
    if (rc == -E_BUSY)
        return printf("xm-lite: a grant is held already (xm-lite grant-unmap)\n"), -1;
    if (rc)
        return printf("xm-lite: grant-map: refused (status %ld)\n", rc), -1;
    printf("xm-lite: holding grant %s of %s in dom0's kernel\n", argv[3], name);
    return 0;
}

static int cmd_grant_unmap(void)
{
    long rc = domsvc(DOMSVC_GRANT_RELEASE, 0, NULL, 0);
    if (rc == -E_NOENT)
        return printf("xm-lite: no grant is held\n"), -1;
    printf("xm-lite: grant released (%ld)\n", rc);
    return rc ? -1 : 0;
}

static int cmd_block_list(int argc, char **argv)
{
    static char text[2048];
    domid_t id;
    char name[32];
    if (argc < 3 || lookup(argv[2], &id, name))
        return printf("usage: xm-lite block-list DOMAIN\n"), -1;
    long n = domsvc(DOMSVC_DISK_LIST, id, text, sizeof(text));
    if (n < 0)
        return printf("xm-lite: block-list: %s\n", strerror((int)-n)), -1;
    write(1, text, (uint32_t)n);
    return 0;
}

/* ------------------------------------------------------------------ main */

/* Only dom0's processes that hold the right may run the toolstack: say plainly if we may not. */
static int may_run(void)
{
    struct pvlab_uname u;
    struct xen_domctl op;
    if (uname(&u) == 0 && !strcmp(u.nodename, "native"))
        return printf("xm-lite: needs the pvlab hypervisor; minios is running natively (no "
                      "hypervisor here)\n"),
               0;
    memset(&op, 0, sizeof(op));
    long rc = domctl(XEN_DOMCTL_getdomaininfo, 0, &op);
    if (rc == -E_PERM)
        return printf("xm-lite: only dom0 runs the toolstack (privcmd: %s)\n", strerror(E_PERM)), 0;
    return 1;
}

static void usage(void)
{
    printf("usage: xm-lite list | info | sched | dmesg | create CONFIG [-c] [name=N] "
           "[memory=MB] |\n"
           "               console DOMAIN | pause DOMAIN | unpause DOMAIN | shutdown DOMAIN |\n"
           "               destroy DOMAIN | store ls [PATH] | xenstore-ls [PATH] |\n"
           "               evtping DOMAIN [COUNT] | block-list DOMAIN | wait DOMAIN KEY |\n"
           "               trace start [RECORDS] | trace stop | trace dump |\n"
           "               grant-map DOMAIN GREF | grant-unmap | bench-create [CONFIG]\n");
}

static int run(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
    } commands[] = {
        {"create", cmd_create},
        {"store", cmd_store},
        {"xenstore-ls", cmd_store},
        {"evtping", cmd_evtping},
        {"block-list", cmd_block_list},
        {"wait", cmd_wait},
        {"bench-create", cmd_bench_create},
        {"trace", cmd_trace},
        {"grant-map", cmd_grant_map},
        {"console", cmd_on_domain},
        {"pause", cmd_on_domain},
        {"unpause", cmd_on_domain},
        {"shutdown", cmd_on_domain},
        {"destroy", cmd_on_domain},
    };
    int (*const looking[])(void) = {xm_list, xm_info, xm_sched, xm_dmesg};
    const char *names[] = {"list", "info", "sched", "dmesg"};
    const char *c = argv[1];
    for (unsigned int i = 0; i < 4; i++)
        if (!strcmp(c, names[i]))
            return looking[i]();
    if (!strcmp(c, "grant-unmap"))
        return cmd_grant_unmap();
    for (unsigned int i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(c, commands[i].name))
            return commands[i].fn(argc, argv);
    printf("xm-lite: unknown command '%s' (try 'xm-lite help')\n", c);
    return -1;
}

int main(int argc, char **argv)
{
    if (!may_run())
        return 1;
    if (argc < 2 || !strcmp(argv[1], "help")) {
        usage();
        return argc < 2 ? 1 : 0;
    }
    return run(argc, argv) ? 1 : 0;
}
