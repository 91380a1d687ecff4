/*
 * xl - a few toolstack commands in ring 3, beside xm-lite: they reach the
 * hypervisor through the privcmd system call and the xenstore through the
 * xenbus one (guests/minios/proc/privcmd.c), as Xen's xl does through
 * /dev/xen/privcmd and /dev/xen/xenbus.  list, info, sched and dmesg are
 * xm-lite's code (tools/xm-lite/xm_query.c, linked into both programs), so
 * their output is the same.  Creating and destroying domains is xm-lite's
 * (tools/xm-lite/xm.c), which plugs them into dom0's kernel services.
 *
 *   xl list | info | sched   the domains, memory, CPU time, as xm-lite shows them
 *   xl dmesg                 the hypervisor's log (sysctl readconsole)
 *   xl pause|unpause DOMAIN  stop and restart a domain's vCPU
 *   xl read PATH             a xenstore value
 *   xl write PATH VALUE      set one
 *   xl ls PATH               a xenstore directory
 */
#include <ulib.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/io/xs_wire.h>
#include <public/xen.h>
#include "xm_query.h"

static int fail(const char *what, int rc)
{
    printf("xl: %s: %s%s\n", what, strerror(-rc),
           rc == -E_PERM ? " (only dom0's processes with the right may reach the hypervisor)" : "");
    return 1;
}

/* May this process reach the hypervisor?  One harmless domctl tells. */
static int privileged(void)
{
    struct xen_domctl op;
    memset(&op, 0, sizeof(op));
    op.cmd = XEN_DOMCTL_getdomaininfo;
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    int rc = (int)xm_domctl(&op);
    if (rc == -E_PERM)
        printf("xl: only dom0 runs the toolstack (privcmd: %s)\n", strerror(E_PERM));
    return rc != -E_PERM;
}

/* The id of the domain named (by name or number); -1 after a message if there is none. */
static int domain_id(const char *arg)
{
    struct xen_domctl op;
    if (!xm_find_domain(arg, &op))
        return op.domain;
    printf("xl: no domain '%s'\n", arg);
    return -1;
}

/* xl pause|unpause DOMAIN: one domctl, which the kernel's services need not hear of. */
static int pause_op(const char *arg, uint32_t cmd)
{
    int id = privileged() ? domain_id(arg) : -1;
    if (id < 0)
        return 1;
    if (id == 0)
        return printf("xl: that is dom0 itself\n"), 1;
    struct xen_domctl op;
    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op.domain = (domid_t)id;
    long rc = xm_domctl(&op);
    return rc ? fail(arg, (int)rc) : 0;
}

/* One xenstore request: type, "path\0" and an optional raw value; prints the reply. */
static int store(uint32_t type, const char *path, const char *value)
{
    static struct {
        struct xsd_sockmsg h;
        char payload[1024];
    } req, rep;
    uint32_t plen = (uint32_t)strlen(path) + 1, vlen = value ? (uint32_t)strlen(value) : 0;
    if (plen + vlen > sizeof(req.payload))
        return fail(path, -E_2BIG);
    req.h = (struct xsd_sockmsg){type, 1, 0, plen + vlen};
    memcpy(req.payload, path, plen);
    memcpy(req.payload + plen, value, vlen);
    int n = xenbus(&req, sizeof(req.h) + plen + vlen, &rep, sizeof(rep));
    if (n < 0)
        return fail("xenbus", n);
    if (rep.h.type == XS_ERROR) {
        printf("xl: %s: %s\n", path, rep.payload);
        return 1;
    }
    for (uint32_t i = 0; i < rep.h.len; i++) /* a directory's entries are NUL-separated */
        if (rep.payload[i] == 0)
            rep.payload[i] = '\n';
    if (rep.h.len)
        printf("%.*s%s", (int)rep.h.len, rep.payload,
               rep.payload[rep.h.len - 1] == '\n' ? "" : "\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";
    int (*const looking[])(void) = {xm_list, xm_info, xm_sched, xm_dmesg};
    const char *names[] = {"list", "info", "sched", "dmesg"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(c, names[i]))
            return privileged() ? (looking[i]() ? 1 : 0) : 1;
    if (!strcmp(c, "pause") && argc == 3)
        return pause_op(argv[2], XEN_DOMCTL_pausedomain);
    if (!strcmp(c, "unpause") && argc == 3)
        return pause_op(argv[2], XEN_DOMCTL_unpausedomain);
    if (!strcmp(c, "read") && argc == 3)
        return store(XS_READ, argv[2], NULL);
    if (!strcmp(c, "write") && argc == 4)
        return store(XS_WRITE, argv[2], argv[3]);
    if (!strcmp(c, "ls") && argc == 3)
        return store(XS_DIRECTORY, argv[2], NULL);
    printf("usage: xl list | info | sched | dmesg | pause DOMAIN | unpause DOMAIN |\n"
           "          read PATH | write PATH VALUE | ls PATH\n");
    return 2;
}
