/*
 * privcmd.c - the privcmd- and xenbus-style system calls: how a ring-3
 * program of dom0 reaches the hypervisor and the xenstore, as `xl` does
 * through Linux's /dev/xen/privcmd and /dev/xen/xenbus.
 *
 * SYS_privcmd passes a domctl or sysctl through to the hypervisor.  dom0's
 * kernel is the one that may make those hypercalls, so it decides who may
 * ask: only a process of the initial domain that holds the right (inherited
 * from its parent, given up for good with SYS_privdrop) -- anyone else gets
 * -E_PERM.  The request is copied in, and every pointer inside it checked
 * against the caller's regions before the hypervisor sees it: the kernel
 * must not become a confused deputy that lets a process make the hypervisor
 * read or write kernel memory on its behalf.  The commands passed are the
 * toolstack's: domain information, create, build (its image pointer must be
 * the caller's own, readable), pause, unpause and destroy (dom0 itself is
 * refused; the kernel's services let go of the domain first,
 * domsvc_forget()); the hypervisor's log, physinfo, counters and trace
 * buffer (its record buffer checked writable); its version.  Anything else
 * gets -E_NOSYS.
 *
 * SYS_xenbus carries one xenstore request in the wire format of
 * public/io/xs_wire.h (read, write, directory, mkdir, rm, get-perms): in dom0 it goes to
 * the store in this kernel, as the process's own domain; in a domU, over the
 * domain's xenstore ring.  It needs the same right, but works in a domU too.
 *
 * Tour 38/58 - after proc/procfs.c, before proc/domsvc.c.
 */
#include <os.h>
#include <proc.h>
#include "xenstored.h"
#include "xs_store.h"

/* Does the caller hold the right to privcmd and xenbus? */
static int right(void)
{
    return current_proc->may_privcmd ? 0 : -E_PERM;
}

/* May this domctl go to the hypervisor?  0, or why not. */
static int domctl_allowed(const struct xen_domctl *op)
{
    struct proc *p = current_proc;
    switch (op->cmd) {
    case XEN_DOMCTL_getdomaininfo:
    case XEN_DOMCTL_pvlab_info_by_name:
    case XEN_DOMCTL_createdomain:
    case XEN_DOMCTL_pausedomain:
    case XEN_DOMCTL_unpausedomain:
        return 0;
    case XEN_DOMCTL_pvlab_build: /* the hypervisor reads the image through this pointer */
        return user_range_ok(p->regions, p->nr_regions, op->u.build.image, op->u.build.image_len, 0)
                   ? 0
                   : -E_FAULT;
    case XEN_DOMCTL_destroydomain:
        if (op->domain == 0 || op->domain >= DOMID_SELF)
            return -E_INVAL; /* dom0 itself */
        domsvc_forget(op->domain);
        return 0;
    }
    return -E_NOSYS;
}

/* Pass one of the toolstack's domctls. */
static int domctl(uint32_t uarg)
{
    struct xen_domctl op;
    int rc = copy_from_user(&op, uarg, sizeof(op));
    if (rc || (rc = domctl_allowed(&op)))
        return rc;
    rc = (int)HYPERVISOR_domctl(&op);
    int crc = copy_to_user(uarg, &op, sizeof(op));
    return rc ? rc : crc;
}

/* Pass a sysctl, its buffer pointer checked first. */
static int sysctl(uint32_t uarg)
{
    struct xen_sysctl op;
    int rc = copy_from_user(&op, uarg, sizeof(op));
    if (rc)
        return rc;
    if (op.cmd == XEN_SYSCTL_readconsole) {
        /* the hypervisor writes through this pointer: it must be the caller's, writable */
        if (!user_range_ok(current_proc->regions, current_proc->nr_regions, op.u.readconsole.buffer,
                           op.u.readconsole.count, 1))
            return -E_FAULT;
    } else if (op.cmd == XEN_SYSCTL_pvlab_trace && op.u.trace.op == PVLAB_TRACE_READ) {
        if (op.u.trace.records > 0x10000 ||
            !user_range_ok(current_proc->regions, current_proc->nr_regions, op.u.trace.buffer,
                           op.u.trace.records * (uint32_t)sizeof(struct trace_record), 1))
            return -E_FAULT;
    } else if (op.cmd != XEN_SYSCTL_physinfo && op.cmd != XEN_SYSCTL_pvlab_counters &&
               op.cmd != XEN_SYSCTL_pvlab_trace) {
        return -E_NOSYS;
    }
    rc = (int)HYPERVISOR_sysctl(&op);
    int crc = copy_to_user(uarg, &op, sizeof(op));
    return rc ? rc : crc;
}

/* xen_version: the version number, or the 16-byte extra version into the caller's buffer. */
static int xen_version(uint32_t cmd, uint32_t uarg)
{
    char extra[16] = "";
    if (cmd == XENVER_version)
        return (int)HYPERVISOR_xen_version(XENVER_version, NULL);
    if (cmd != XENVER_extraversion)
        return -E_NOSYS;
    int rc = (int)HYPERVISOR_xen_version(XENVER_extraversion, extra);
    return rc ? rc : copy_to_user(uarg, extra, sizeof(extra));
}

/* Natively there is nothing behind privcmd or xenbus: say so once per call, plainly. */
static int no_hypervisor(const char *what)
{
    printf("minios: %s needs the pvlab hypervisor; minios is running natively\n", what);
    return -E_NOSYS;
}

int sys_privcmd(uint32_t nr, uint32_t uarg, uint32_t c, uint32_t d)
{
    if (is_native())
        return no_hypervisor("privcmd");
    int rc = is_initial_domain() ? right() : -E_PERM;
    if (rc)
        return rc;
    if (nr == __HYPERVISOR_domctl)
        return domctl(uarg);
    if (nr == __HYPERVISOR_sysctl)
        return sysctl(uarg);
    if (nr == __HYPERVISOR_xen_version)
        return xen_version(uarg, c);
    return -E_NOSYS;
}

/* One request, one reply; static buffers: the kernel is not preempted while it uses them. */
static struct {
    struct xsd_sockmsg h;
    char payload[XENSTORE_PAYLOAD_MAX];
} req, rep;

/* The requests a process may send: no watches, no transactions. */
static int allowed_type(uint32_t type)
{
    return type == XS_READ || type == XS_WRITE || type == XS_DIRECTORY || type == XS_MKDIR ||
           type == XS_RM || type == XS_GET_PERMS;
}

/* A domU: over the ring, through xenbus.c; the reply rebuilt as a message. */
static uint32_t ring_request(void)
{
    uint32_t alen = (uint32_t)strnlen(req.payload, req.h.len);
    if (alen == req.h.len)
        return 0;
    int n = xenbus_request(req.h.type, req.payload, req.payload + alen + 1, req.h.len - alen - 1,
                           rep.payload, sizeof(rep.payload));
    uint32_t len =
        n < 0 ? (uint32_t)strlen(rep.payload) + 1 : MIN((uint32_t)n, XENSTORE_PAYLOAD_MAX);
    rep.h = (struct xsd_sockmsg){n < 0 ? XS_ERROR : req.h.type, req.h.req_id, 0, len};
    return sizeof(rep.h) + len;
}

int sys_xenbus(uint32_t umsg, uint32_t len, uint32_t ureply, uint32_t cap)
{
    if (is_native())
        return no_hypervisor("xenbus");
    int rc = right();
    if (rc)
        return rc;
    if (len < sizeof(req.h) || len > sizeof(req))
        return -E_INVAL;
    if ((rc = copy_from_user(&req, umsg, len)))
        return rc;
    if (!user_range_ok(current_proc->regions, current_proc->nr_regions, ureply, cap, 1))
        return -E_FAULT;
    if (req.h.len != len - sizeof(req.h) || !allowed_type(req.h.type) || req.h.tx_id)
        return -E_INVAL;
    uint32_t n =
        xenstore ? (uint32_t)xs_store_handle(xenstore, 0, &req.h, req.payload, &rep, sizeof(rep))
                 : ring_request();
    if (n == 0)
        return -E_IO;
    if (n > cap)
        return -E_2BIG;
    return copy_to_user(ureply, &rep, n) ? -E_FAULT : (int)n;
}

int sys_privdrop(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    current_proc->may_privcmd = 0;
    return 0;
}
