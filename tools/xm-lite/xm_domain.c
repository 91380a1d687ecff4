/*
 * xm_domain.c - xm-lite's commands on one running domain, and what every
 * part of xm-lite uses to name and reach a domain: domctl through privcmd,
 * dom0's kernel services through SYS_domsvc (guests/minios/proc/domsvc.c),
 * a domain by name or id.
 *
 *   console DOMAIN        attached until Ctrl-] (the kernel's console service)
 *   pause|unpause|destroy DOMAIN
 *   shutdown DOMAIN       control/shutdown first, as xl does; the hypervisor
 *                         after a grace period
 *   grant-map DOMAIN GREF / grant-unmap   a test aid (gntdev's job)
 *   block-list DOMAIN     its virtual disks, from blkback
 */
#include "xm.h"

long domsvc(uint32_t op, uint32_t dom, const void *arg, uint32_t arg2)
{
    return syscall5(SYS_domsvc, op, dom, (uint32_t)arg, arg2, 0);
}

long domctl(uint32_t cmd, domid_t dom, struct xen_domctl *op)
{
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
    return xm_domctl(op);
}

void pause_briefly(void)
{
    struct pvlab_timespec ts = {0, POLL_NS};
    nanosleep(&ts);
}

/* A domain named on the command line, by id or name (xm_find_domain()): its id and name. */
int lookup(const char *arg, domid_t *id, char *name)
{
    struct xen_domctl op;
    if (xm_find_domain(arg, &op))
        return printf("xm-lite: no domain '%s'\n", arg), -1;
    *id = op.domain;
    strlcpy(name, op.u.getdomaininfo.name, 32);
    return 0;
}

const char *basename(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/')
            b = p + 1;
    return b;
}

int destroy(domid_t id)
{
    struct xen_domctl op;
    memset(&op, 0, sizeof(op));
    return (int)domctl(XEN_DOMCTL_destroydomain, id, &op);
}

/* Attached to the domain's console until Ctrl-]; the kernel's console service does the work. */
int console(domid_t id, const char *name)
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

int cmd_on_domain(int argc, char **argv)
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

/*
 * xm-lite grant-map DOMAIN GREF / grant-unmap: dom0's kernel maps one of a
 * domain's grants and keeps it, then lets it go.  A test aid: a mapping
 * that outlives its granter is how a destroyed domain's frame stays in use
 * (hv/frame_alloc.c: orphan frames).
 */
int cmd_grant_map(int argc, char **argv)
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

int cmd_grant_unmap(void)
{
    long rc = domsvc(DOMSVC_GRANT_RELEASE, 0, NULL, 0);
    if (rc == -E_NOENT)
        return printf("xm-lite: no grant is held\n"), -1;
    printf("xm-lite: grant released (%ld)\n", rc);
    return rc ? -1 : 0;
}

int cmd_block_list(int argc, char **argv)
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
