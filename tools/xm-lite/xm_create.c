/*
 * xm_create.c - `xm-lite create CONFIG [-c] [name=] [memory=] [extra=]`:
 * building a domain, as xl create does.
 *
 * The config is read through the file system (so a config written at the
 * prompt on the ext2 root works), else from the boot archive, and the
 * kernel image from the boot archive into xm-lite's own memory, in large
 * reads.  Everything is checked before the hypervisor is asked for
 * anything: the config (xmconfig.c), the image (hv/elf.c), the name, the
 * free memory.  Then: createdomain and build from that memory (the kernel
 * checks the image pointer is ours), the new domain's console and xenstore
 * pages plugged into dom0's services, its xenstore directory, each disk's
 * frontend directory and then blkback (write_frontend(), attach_disks()),
 * and unpause.  Any failure destroys the half-built domain.
 */
#include "xm.h"
#include <public/errno.h>

#define CONFIG_MAX (XM_MAX_FILE_SIZE + 1) /* one more: a file over the limit is seen as such */

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
    uint32_t serial;             /* dom0's services' number for this create (DOMSVC_MANAGE) */
};

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
        else if (!strncmp(s, "memory=", 7) && strtoul(s + 7, NULL, 10) >= XM_MIN_MEMORY_MB &&
                 strtoul(s + 7, NULL, 10) <= XM_MAX_MEMORY_MB)
            cfg->memory_mb = strtoul(s + 7, NULL, 10);
        else if (!strncmp(s, "extra=", 6))
            strlcpy(cfg->extra, s + 6, sizeof(cfg->extra));
        else if (!strncmp(s, "bedelay=", 8))
            a->disk_opts.delay_ms = strtoul(s + 8, NULL, 10);
        else if (!strcmp(s, "bemode=map") || !strcmp(s, "bemode=copy"))
            a->disk_opts.bemode = !strcmp(s, "bemode=map") ? BEMODE_MAP : BEMODE_COPY;
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
    if (xm_physinfo(&op) == 0 && op.u.physinfo.free_pages < a->cfg.memory_mb * 256 + 64)
        return printf("xm-lite: %s: not enough free memory: %u MiB wanted, %u MiB free\n", cfgname,
                      a->cfg.memory_mb, op.u.physinfo.free_pages / 256),
               -1;
    return 0;
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
                           struct create_args *a)
{
    char val[16];
    struct pvlab_manage m = {.preserve_on_crash = a->cfg.on_crash == XM_ON_CRASH_PRESERVE};
    if (domsvc(DOMSVC_CONSOLE_ADD, id, (void *)b->console_port, 0))
        return "its console could not be attached";
    if (domsvc(DOMSVC_STORE_INTRODUCE, id, (void *)b->store_port, 0))
        return "it could not be introduced to the xenstore";
    strlcpy(m.name, a->cfg.name, sizeof(m.name));
    long serial = domsvc(DOMSVC_MANAGE, id, &m, 0);
    if (serial <= 0)
        return "dom0's services cannot take another domain";
    a->serial = (uint32_t)serial;
    xs_write_dom(id, "name", a->cfg.name);
    snprintf(val, sizeof(val), "%u", id);
    xs_write_dom(id, "domid", val);
    snprintf(val, sizeof(val), "%u", a->cfg.memory_mb * 1024);
    xs_write_dom(id, "memory/target", val);
    return NULL;
}

static int build_and_start(struct create_args *a)
{
    struct xen_domctl op;
    memset(&op, 0, sizeof(op));
    strlcpy(op.u.createdomain.name, a->cfg.name, sizeof(op.u.createdomain.name));
    long rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
    if (rc == -XEN_EEXIST) /* the hypervisor checks names: no walk over every domain here */
        return printf("xm-lite: a domain named '%s' already exists\n", a->cfg.name), -1;
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

domid_t xm_created; /* the id of the domain cmd_create made last */

int cmd_create(int argc, char **argv)
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
    xm_created = (domid_t)id;
    /* -c: attached first, so nothing the domain says is missed; its monitor after, which then
     * finds it ended if that is why the console let go */
    int rc = a.attach ? console((domid_t)id, a.cfg.name) : 0;
    start_monitor((domid_t)id, a.serial);
    return rc;
}
