/*
 * domsvc.c - what stays of the toolstack in dom0's kernel: the services a
 * domain needs while it lives, and SYS_domsvc, through which the ring-3
 * xm-lite (tools/xm-lite/xm.c) asks for them.
 *
 * Xen's toolstack is a program (xl) that builds domains through
 * /dev/xen/privcmd and leaves each to daemons and drivers: xenconsoled keeps
 * its console, xenstored its store, blkback serves its disks, and xl's own
 * background process waits for it to die.  pvlab's xm-lite is the same kind
 * of program: it parses the config, reads the kernel image, creates and
 * builds the domain with privcmd (privcmd.c), and then asks this file to
 * plug the new domain into the services that live in dom0's kernel:
 *
 *   console    consoled_add(), consoled_attach() (tools/console/consoled.c)
 *   xenstore   xenstored_introduce() (tools/xenstore/xenstored.c)
 *   disks      blkback_add(), blkback_list() (blkback.c)
 *   its exit   when a domain shuts down or crashes the hypervisor raises
 *              VIRQ_DOM_EXC, and DOMSVC_WAIT_EXIT wakes the monitor: one
 *              ring-3 `xm-lite monitor` for every domain handed to it
 *              (DOMSVC_MONITOR), which create starts in the background when
 *              none runs; it reports each exit and, unless the config says
 *              on_crash = "preserve", destroys the domain, and it ends when
 *              no domain is left to watch.  xl keeps a background process
 *              per domain; one per domain here filled dom0's process table
 *              at about 30 domUs (issue 15), and a process costs dom0 pages
 *              where a watched domain costs two words of its record
 *   shutdown   control/shutdown first, the hypervisor after SHUTDOWN_GRACE_NS
 *
 * plus two test and benchmark aids: an event channel dom0 pings a domU on
 * (/dev/xen/evtchn's job), timed here in the kernel so the figure is the
 * event path alone, and one grant of a domain's held mapped (gntdev's).
 *
 * A domain destroyed through privcmd leaves these services first
 * (domsvc_forget()), so dom0 never keeps a mapping or a port to a domain
 * that is gone.  Every operation needs the privcmd right; a domU gets
 * -E_PERM.
 *
 * Tour 39/58 - after proc/privcmd.c, before proc/control.c.
 */
#include <os.h>
#include <blkback.h>
#include <proc.h>
#include <table.h>
#include "consoled.h"
#include "xenstored.h"

#define SHUTDOWN_GRACE_NS 3000000000ull
#define MAX_PINGS         1000000u

/* What the services remember about the domains xm-lite created. */
struct managed {
    int in_use; /* first: a table record (guests/minios/table.c) */
    domid_t id;
    char name[32];
    int preserve_on_crash;
    uint32_t serial;            /* which create this is: DOMSVC_MONITOR names it so */
    int watched;                /* handed to the monitor, and its end not yet reported */
    uint64_t shutdown_deadline; /* asked to shut down: stopped by the hypervisor after this */
    struct managed *next_ended; /* on the ended list: stopped, its end not yet reported */
    int on_ended;
};

static struct table managed = TABLE_OF(struct managed); /* grows with the domains */
static uint32_t last_serial;
static uint32_t deadlines_armed; /* records with a shutdown_deadline: the services look only then */
static volatile uint32_t dom_exc_events;
static uint32_t dom_exc_seen;
static int dom_exc_chan;      /* the monitor sleeps here until a domain ends or is destroyed */
static uint32_t watched;      /* records with watched set */
static int monitor_pid;       /* the process in DOMSVC_WAIT_EXIT, 0 if none */
static int monitor_look;      /* a domain may have ended, or was handed over, since the last look */
static struct managed *ended; /* records known stopped, not yet reported (the monitor's look) */

static struct managed *find_managed(domid_t id)
{
    return table_by_id(&managed, id);
}

/* m has stopped: onto the ended list, for the monitor to report once it watches m. */
static void list_ended(struct managed *m)
{
    if (m->on_ended)
        return;
    m->on_ended = 1;
    m->next_ended = ended;
    ended = m;
}

static void unlist_ended(struct managed *m)
{
    for (struct managed **p = &ended; m->on_ended && *p; p = &(*p)->next_ended)
        if (*p == m) {
            *p = m->next_ended;
            m->on_ended = 0;
        }
}

static int getinfo(domid_t dom, struct xen_domctl_getdomaininfo *info)
{
    struct xen_domctl op = {.cmd = XEN_DOMCTL_getdomaininfo,
                            .interface_version = XEN_DOMCTL_INTERFACE_VERSION,
                            .domain = dom};
    if (HYPERVISOR_domctl(&op) || op.domain != dom)
        return -1;
    *info = op.u.getdomaininfo;
    return 0;
}

void domsvc_forget(domid_t id)
{
    blkback_remove(id);
    consoled_remove(id);
    xenstored_release(id);
    struct managed *m = find_managed(id);
    if (m) {
        unlist_ended(m);
        deadlines_armed -= m->shutdown_deadline != 0;
        m->shutdown_deadline = 0;
        watched -= m->watched != 0;
        table_set_id(&managed, id, NULL);
        table_free(&managed, m);
    }
    wakeup(&dom_exc_chan); /* the monitor ends if it has nothing left to watch */
}

static int manage(domid_t id, uint32_t uarg)
{
    struct pvlab_manage req;
    int rc = copy_from_user(&req, uarg, sizeof(req));
    if (rc)
        return rc;
    if (find_managed(id))
        return -E_EXIST;
    struct managed *m = table_new(&managed);
    if (!m || table_set_id(&managed, id, m))
        return -E_NOMEM;
    *m = (struct managed){.in_use = 1,
                          .id = id,
                          .preserve_on_crash = req.preserve_on_crash != 0,
                          .serial = ++last_serial};
    strlcpy(m->name, req.name, sizeof(m->name));
    return (int)(last_serial & 0x7FFFFFFF);
}

/* ------------------------------------------------------------------ exits and shutdowns */

/* A domain has shut down or crashed (VIRQ_DOM_EXC): wake the monitor to look. */
static void check_domain_exits(void)
{
    if (dom_exc_events == dom_exc_seen)
        return;
    dom_exc_seen = dom_exc_events;
    monitor_look = 1;
    wakeup(&dom_exc_chan);
    wakeup(&tty_chan); /* an attached console whose domain ended lets go */
}

/* Has domain id stopped (shut down or crashed), or gone?  An attached console lets go then. */
static int domain_ended(domid_t id)
{
    struct xen_domctl_getdomaininfo info;
    return getinfo(id, &info) || (info.flags & XEN_DOMINF_shutdown);
}

/* DOMSVC_MONITOR: the domain of create `serial` is the monitor's to watch from now on. */
static int hand_to_monitor(domid_t id, uint32_t serial)
{
    struct managed *m = find_managed(id);
    if (!m || (m->serial & 0x7FFFFFFF) != serial)
        return -E_NOENT;
    if (!m->watched) {
        m->watched = 1;
        watched++;
    }
    if (domain_ended(id)) { /* already (create -c lets go then): the monitor looks */
        list_ended(m);
        monitor_look = 1;
        wakeup(&dom_exc_chan);
    } /* else its VIRQ_DOM_EXC will say so: no look at every watched domain for each create */
    int slot = monitor_pid ? pt_find(&ptab, monitor_pid) : -1;
    return slot < 0 || ptab.e[slot].state == PT_ZOMBIE; /* 1: the caller starts one */
}

/*
 * The domains whose state changed since the last look, one XEN_DOMCTL_get_domain_state each
 * (Xen's, 4.20): those of ours that stopped go onto the ended list.  A look costs the domains
 * that changed, not a hypercall per watched domain (issue 15).
 */
static void collect_ended(void)
{
    struct xen_domctl op = {.cmd = XEN_DOMCTL_get_domain_state,
                            .interface_version = XEN_DOMCTL_INTERFACE_VERSION,
                            .domain = DOMID_FREE}; /* Xen's DOMID_INVALID: the next changed */
    while (HYPERVISOR_domctl(&op) == 0) {
        struct managed *m = find_managed(op.domain);
        if (m && (op.u.get_domain_state.state & XEN_DOMCTL_GETDOMSTATE_STATE_SHUTDOWN))
            list_ended(m);
        op.domain = DOMID_FREE;
    }
}

/* A watched domain that has shut down or crashed, no longer watched, into *ex; 0 if none. */
static int ended_watched(struct pvlab_domexit *ex)
{
    static const struct pvlab_domexit none;
    struct xen_domctl_getdomaininfo info;
    collect_ended();
    for (struct managed *m = ended, *next; m; m = next) {
        next = m->next_ended;
        if (!m->watched)
            continue; /* reported once handed over (hand_to_monitor lists it again) */
        unlist_ended(m);
        if (getinfo(m->id, &info) || !(info.flags & XEN_DOMINF_shutdown))
            continue;
        m->watched = 0;
        watched--;
        *ex = none;
        ex->domid = m->id;
        strlcpy(ex->name, m->name, sizeof(ex->name));
        ex->crashed = (info.flags & XEN_DOMINF_pvlab_crashed) != 0;
        ex->reason = (info.flags >> XEN_DOMINF_shutdownshift) & 0xFF;
        ex->preserve = ex->crashed && m->preserve_on_crash;
        strlcpy(ex->crash_reason, info.crash_reason, sizeof(ex->crash_reason));
        return 1;
    }
    return 0;
}

/*
 * DOMSVC_WAIT_EXIT: the monitor sleeps until a watched domain shuts down or
 * crashes (0, which and how in *uout) or none is left to watch (-E_NOENT:
 * it ends, and the next create starts another).  It looks only when one may
 * have ended (VIRQ_DOM_EXC, or one handed over already stopped), and then
 * at the domains that changed (collect_ended()), not at every watched one.
 * Kernel code is not preempted, so no wake-up falls between the look and the
 * sleep.
 */
static int wait_exit(uint32_t uout)
{
    int self = proc_pid(current_proc);
    int slot = monitor_pid && monitor_pid != self ? pt_find(&ptab, monitor_pid) : -1;
    if (slot >= 0 && ptab.e[slot].state != PT_ZOMBIE)
        return -E_BUSY;
    monitor_pid = self;
    for (;;) {
        struct pvlab_domexit ex;
        if (monitor_look && ended_watched(&ex))
            return copy_to_user(uout, &ex, sizeof(ex)); /* monitor_look stays: there may be more */
        monitor_look = 0;
        if (!watched || current_proc->killed) {
            monitor_pid = 0;
            return watched ? -E_INTR : -E_NOENT;
        }
        sleep_on(&dom_exc_chan);
    }
}

static long shutdown_by_hypervisor(domid_t id)
{
    struct sched_remote_shutdown s = {.domain_id = id, .reason = SHUTDOWN_poweroff};
    return HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &s);
}

/*
 * Ask the domain to power itself off, as xl does: "poweroff" in its
 * control/shutdown key, which a minios domU polls (proc/control.c) and answers
 * by writing its file systems back and shutting down.  A domain still running
 * SHUTDOWN_GRACE_NS later is shut down by hypercall (one xm-lite did not
 * create, at once).
 */
static int shutdown_domain(domid_t id)
{
    char path[64];
    struct managed *m = find_managed(id);
    if (!m)
        return (int)shutdown_by_hypervisor(id);
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", id);
    xs_local_write_str(xenstore, path, "poweroff");
    deadlines_armed += m->shutdown_deadline == 0;
    m->shutdown_deadline = monotonic_ns() + SHUTDOWN_GRACE_NS;
    return 0;
}

/* Domains asked to shut down that have not, after the grace period: the hypervisor stops them.
 * This runs at every wake-up of dom0: it visits the domains only while one has a deadline. */
static void check_shutdown_deadlines(void)
{
    uint64_t now = 0;
    if (!deadlines_armed)
        return;
    for (uint32_t i = 0; i < table_slots(&managed); i++) {
        struct managed *m = table_at(&managed, i);
        struct xen_domctl_getdomaininfo info;
        if (!m->in_use || !m->shutdown_deadline)
            continue;
        if (!now)
            now = monotonic_ns();
        if (now < m->shutdown_deadline)
            continue;
        m->shutdown_deadline = 0;
        deadlines_armed--;
        if (getinfo(m->id, &info) || (info.flags & XEN_DOMINF_shutdown))
            continue;
        printf("xm-lite: %s did not answer control/shutdown within 3 s; the hypervisor shuts it "
               "down\n",
               m->name);
        shutdown_by_hypervisor(m->id);
    }
}

/* run_services(): after every wake-up of dom0, between processes. */
static void domsvc_services(void)
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

void domsvc_init(void)
{
    if (xenstored_init())
        printf("xm-lite: no memory for the xenstore\n");
    if (bind_virq(VIRQ_DOM_EXC, dom_exc, NULL) < 0)
        printf("xm-lite: cannot bind VIRQ_DOM_EXC\n");
    xs_local_write_str(xenstore, "/local/domain/0/name", "Domain-0");
    xs_local_write_str(xenstore, "/local/domain/0/domid", "0");
    service_hook = domsvc_services;
    printf("xm-lite: boot archive of %u bytes; configs in /etc/xm\n", start_info.mod_len);
}

/* ------------------------------------------------------------------ disks */

static int disk_add(domid_t id, uint32_t uarg)
{
    struct pvlab_disk d;
    int rc = copy_from_user(&d, uarg, sizeof(d));
    if (rc)
        return rc;
    d.target[sizeof(d.target) - 1] = d.vdev[sizeof(d.vdev) - 1] = 0;
    return blkback_add(id, d.target, d.vdev, d.readonly != 0, d.delay_ms, d.bemode) ? -E_INVAL : 0;
}

static int disk_list(domid_t id, uint32_t ubuf, uint32_t cap)
{
    static char text[2048];
    uint32_t n = (uint32_t)blkback_list(id, text, sizeof(text));
    if (n > cap)
        return -E_2BIG;
    return copy_to_user(ubuf, text, n) ? -E_FAULT : (int)n;
}

/* ------------------------------------------------------------------ evtping and grants */

static evtchn_port_t ping_port; /* the one port a process may ping on (0: none) */
/* The domU's answers, counted by pong() in the dispatch that ping_pong()'s wait_for_events()
 * calls (no upcall: events are masked), so not volatile, and the count is one instruction. */
static uint32_t pongs;
static void *held_va;
static grant_handle_t held_handle;

static void pong(evtchn_port_t port, void *data)
{
    pongs++;
}

static void ping_close(void)
{
    if (ping_port)
        close_port(ping_port);
    ping_port = 0;
}

static int ping_alloc(domid_t id)
{
    struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = id};
    ping_close();
    if (HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op))
        return -E_AGAIN;
    bind_port(op.port, pong, NULL);
    ping_port = op.port;
    return (int)op.port;
}

/*
 * A round trip takes one of two paths, and the hypervisor's scheduler picks
 * it: the domU, woken by the ping, takes the CPU at once if it is more than
 * the preemption margin behind dom0 in virtual time; otherwise dom0 goes on
 * until it blocks, one guest entry and exit more.  Both sides then use about
 * the same CPU per trip, so the state at the start picks the path for the
 * whole loop, and that state is whatever dom0 and the domU did before
 * (creating the domain, spawning programs).  So the loop starts from a fixed
 * state: dom0 first computes for longer than the credit a sleeper may bring
 * back (hv/sched_policy.c: the wake lag, 10 ms), so the domU wakes as far
 * behind as the scheduler lets any vCPU be, and every ping hands it the CPU
 * at once: the path a woken vCPU takes, as Xen's BOOST gives it.
 */
#define PING_SETTLE_NS 20000000ull

static void ping_settle(void)
{
    uint64_t t0 = monotonic_ns();
    while (monotonic_ns() - t0 < PING_SETTLE_NS)
        barrier();
}

/*
 * count round trips: notify, then wait for the domU's answer.  The domain
 * blocks in the hypervisor between them, as the kernel's xm-lite did, so the
 * figure is the event path alone, with no process switch in it.  Events stay
 * masked from the notification to the answer, as a kernel waits for a reply:
 * the answer, which comes while the send still runs (the domU takes the CPU
 * at once), is then dispatched by the wait, not by an upcall on the send's
 * way out.  The loop masks once and calls wait_for_events() itself (no
 * block_until() to save and restore the mask at each wait), and waits at
 * least once before it looks at the count: with events masked only that
 * dispatch can count the answer.  LEAN: no alignment padding is run inside
 * the loop.
 */
static LEAN int ping_pong(uint32_t port, uint32_t uarg)
{
    struct pvlab_pingpong pp;
    int rc = copy_from_user(&pp, uarg, sizeof(pp));
    if (rc)
        return rc;
    if (!ping_port || port != ping_port)
        return -E_BADF;
    if (pp.count == 0 || pp.count > MAX_PINGS)
        return -E_INVAL;
    ping_settle();
    uint32_t answered = pongs, last = answered + pp.count;
    uint64_t c0 = rdtsc();
    int was = local_events_disable();
    while (answered != last) {
        notify_remote(port);
        do
            wait_for_events(); /* events stay masked: only its dispatch counts the answer */
        while (pongs == answered);
        answered++;
    }
    local_events_restore(was);
    pp.tsc_total = rdtsc() - c0;
    return copy_to_user(uarg, &pp, sizeof(pp));
}

static int grant_hold(domid_t id, uint32_t gref)
{
    if (held_va)
        return -E_BUSY;
    struct gnttab_map_grant_ref map;
    gnttab_map_args(&map, id, (grant_ref_t)gref, 1);
    held_va = gnttab_map(&map);
    held_handle = map.handle;
    return held_va ? 0 : map.status < 0 ? map.status : -E_INVAL;
}

static int grant_release(void)
{
    if (!held_va)
        return -E_NOENT;
    int rc = gnttab_unmap(held_va, held_handle);
    held_va = NULL;
    return rc;
}

/* ------------------------------------------------------------------ the system call */

static int console_op(uint32_t op, domid_t id, uint32_t arg)
{
    uint64_t tsc;
    if (op != DOMSVC_CONSOLE_ADD && !consoled_has(id))
        return -E_NOENT;
    switch (op) {
    case DOMSVC_CONSOLE_ADD:
        return consoled_add(id, arg) ? -E_IO : 0;
    case DOMSVC_CONSOLE_ATTACH:
        return consoled_attach(id, domain_ended);
    case DOMSVC_CONSOLE_FOLLOW:
        consoled_follow(id, arg != 0);
        return 0;
    case DOMSVC_FIRST_OUTPUT:
        tsc = consoled_first_output_tsc(id);
        return copy_to_user(arg, &tsc, sizeof(tsc));
    }
    return -E_NOSYS;
}

/* The operations on a domain other than dom0 (dom is its id). */
static int domain_op(uint32_t op, domid_t id, uint32_t arg, uint32_t arg2)
{
    switch (op) {
    case DOMSVC_STORE_INTRODUCE:
        return xenstored_introduce(id, arg) ? -E_IO : 0;
    case DOMSVC_MANAGE:
        return manage(id, arg);
    case DOMSVC_DISK_ADD:
        return disk_add(id, arg);
    case DOMSVC_DISK_LIST:
        return disk_list(id, arg, arg2);
    case DOMSVC_SHUTDOWN:
        return shutdown_domain(id);
    case DOMSVC_EVTCHN_ALLOC:
        return ping_alloc(id);
    case DOMSVC_GRANT_HOLD:
        return grant_hold(id, arg);
    case DOMSVC_MONITOR:
        return hand_to_monitor(id, arg);
    }
    return console_op(op, id, arg);
}

int sys_domsvc(uint32_t op, uint32_t dom, uint32_t arg, uint32_t arg2)
{
    if (is_native())
        return -E_NOSYS; /* no hypervisor, no domains */
    if (!is_initial_domain() || !current_proc->may_privcmd)
        return -E_PERM;
    if (op == DOMSVC_EVTCHN_PINGPONG)
        return ping_pong(dom, arg);
    if (op == DOMSVC_EVTCHN_CLOSE)
        return dom == ping_port && ping_port ? (ping_close(), 0) : -E_BADF;
    if (op == DOMSVC_GRANT_RELEASE)
        return grant_release();
    if (op == DOMSVC_WAIT_EXIT)
        return wait_exit(arg);
    if (dom == 0 || dom >= DOMID_SELF)
        return -E_INVAL; /* dom0 itself, or no domain at all */
    return domain_op(op, (domid_t)dom, arg, arg2);
}
