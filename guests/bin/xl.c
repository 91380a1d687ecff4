/*
 * xl - the first toolstack commands that run in ring 3: they reach the
 * hypervisor through the privcmd system call and the xenstore through the
 * xenbus one (guests/minios/proc/privcmd.c), as Xen's xl does through
 * /dev/xen/privcmd and /dev/xen/xenbus.  Creating and destroying domains is
 * still the kernel's `xm-lite`.
 *
 *   xl list                  the domains, as `xm-lite list` shows them
 *   xl dmesg                 the hypervisor's log (sysctl readconsole)
 *   xl read PATH             a xenstore value
 *   xl write PATH VALUE      set one
 *   xl ls PATH               a xenstore directory
 */
#include <ulib.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/io/xs_wire.h>

static int fail(const char *what, int rc)
{
    printf("xl: %s: %s%s\n", what, strerror(-rc),
           rc == -E_PERM ? " (only dom0's processes with the right may reach the hypervisor)" : "");
    return 1;
}

static void state_string(uint32_t f, char *s)
{
    strlcpy(s, "------", 7);
    const uint32_t bits[6] = {XEN_DOMINF_running,  XEN_DOMINF_blocked,       XEN_DOMINF_paused,
                              XEN_DOMINF_shutdown, XEN_DOMINF_pvlab_crashed, XEN_DOMINF_dying};
    for (int i = 0; i < 6; i++)
        if (f & bits[i])
            s[i] = "rbpscd"[i];
    if (f & XEN_DOMINF_pvlab_crashed)
        s[3] = '-';
}

/* Every domain through privcmd(domctl getdomaininfo), as xm-lite list prints them. */
static int list(void)
{
    struct xen_domctl op;
    int rc = 0;
    for (domid_t next = 0;; next = op.domain + 1) {
        memset(&op, 0, sizeof(op));
        op.cmd = XEN_DOMCTL_getdomaininfo;
        op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
        op.domain = next;
        if ((rc = privcmd(__HYPERVISOR_domctl, &op)))
            break;
        const struct xen_domctl_getdomaininfo *i = &op.u.getdomaininfo;
        char state[8];
        state_string(i->flags, state);
        uint32_t ds = (uint32_t)(i->cpu_time / 100000000u);
        if (next == 0)
            printf("Name              ID   Mem VCPUs State   Time(s)\n");
        printf("%-16s %3u %5u %5u %s %7u.%u\n", i->name, op.domain, i->tot_pages / 256,
               i->nr_online_vcpus, state, ds / 10, ds % 10);
    }
    return rc == -E_PERM ? fail("privcmd", rc) : 0;
}

/* The hypervisor's log through privcmd(sysctl readconsole). */
static int dmesg(void)
{
    static char buf[8192];
    struct xen_sysctl op = {.cmd = XEN_SYSCTL_readconsole,
                            .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    op.u.readconsole.buffer = (uint32_t)buf;
    op.u.readconsole.count = sizeof(buf);
    int rc = privcmd(__HYPERVISOR_sysctl, &op);
    if (rc)
        return fail("privcmd", rc);
    write(1, buf, op.u.readconsole.count);
    return 0;
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
    if (!strcmp(c, "list"))
        return list();
    if (!strcmp(c, "dmesg"))
        return dmesg();
    if (!strcmp(c, "read") && argc == 3)
        return store(XS_READ, argv[2], NULL);
    if (!strcmp(c, "write") && argc == 4)
        return store(XS_WRITE, argv[2], argv[3]);
    if (!strcmp(c, "ls") && argc == 3)
        return store(XS_DIRECTORY, argv[2], NULL);
    printf("usage: xl list | dmesg | read PATH | write PATH VALUE | ls PATH\n");
    return 2;
}
