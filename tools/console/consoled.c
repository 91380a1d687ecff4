/*
 * consoled.c - dom0's console service: the other end of every domU's console
 * page (Xen's xenconsoled).  It stays in dom0's kernel; the ring-3 xm-lite
 * reaches it through SYS_domsvc (guests/minios/proc/domsvc.c).
 *
 * When xm-lite creates a domain, consoled_add() maps its console page (grant
 * reference 0, granted to dom0 by the domain builder) and binds its console
 * event channel, before the domain has run a single instruction.  From then
 * on everything the domain writes is copied into a 16 KiB log here, whether
 * or not anyone is watching: `xm-lite console` (consoled_attach(), in the
 * xm-lite process's system call) shows the log first, then follows it live
 * and forwards what is typed, raw, until Ctrl-] detaches.  The process
 * sleeps meanwhile: the scheduler's housekeeping drains the rings and shows
 * new output (consoled_poll()), and the console's line discipline hands the
 * attached process every key, Ctrl-C included (proc/tty.c's raw mode).
 *
 * consoled_poll() runs at every wake-up of dom0, whatever woke it, so it does
 * not visit every domain's console: a console's event puts it on a pending
 * list (mark_pending(), in the upcall), and the poll drains only the consoles
 * on it.  With a thousand domUs a block request's wake-up would otherwise pay
 * a thousand looks at consoles that have nothing new.
 *
 * The log keeps the newest LOG_SIZE bytes.  Nothing is lost silently: when a
 * user attaches after the log has wrapped, or a producer overran its ring,
 * one line says how many bytes are missing before what follows.
 */
#include <os.h>
#include <pending.h>
#include <proc.h>
#include <public/io/console.h>
#include <table.h>
#include "consoled.h"

#define LOG_PAGES     4
#define LOG_SIZE      (LOG_PAGES * PAGE_SIZE)
#define CTRL_RBRACKET 0x1D

struct console {
    int in_use;                  /* first: a table record (guests/minios/table.c) */
    struct pending_link pending; /* its channel fired since the last drain */
    domid_t dom;
    struct xencons_interface *ring;
    grant_handle_t handle;
    evtchn_port_t port;
    char *log;
    uint32_t log_prod; /* bytes ever written to the log */
    uint32_t shown;    /* bytes of the log already printed to an attached user */
    uint64_t first_output_tsc;
};

static struct table consoles = TABLE_OF(struct console); /* grows with the domains */
static struct console *attached;
static struct pending_list pending_list; /* the consoles whose channel fired since the last poll */

static struct console *find(domid_t dom)
{
    return table_by_id(&consoles, dom);
}

/* With events masked (the upcall, or a caller that masked them): c joins the pending list. */
static void mark_pending(evtchn_port_t port, void *data)
{
    pending_add(&pending_list, &((struct console *)data)->pending);
}

static void free_log(struct console *c)
{
    for (int i = 0; i < LOG_PAGES; i++)
        free_page(c->log + i * PAGE_SIZE);
}

int consoled_add(domid_t dom, uint32_t remote_port)
{
    struct console *c = table_new(&consoles);
    if (!c) {
        printf("consoled: out of memory for domain %u's console record\n", dom);
        return -1;
    }
    *c = (struct console){.dom = dom};
    c->log = alloc_pages(LOG_PAGES);
    if (!c->log) {
        printf("consoled: out of memory for domain %u's console log\n", dom);
        return -1;
    }
    struct gnttab_map_grant_ref map;
    gnttab_map_args(&map, dom, GNTTAB_RESERVED_CONSOLE, 0);
    c->ring = gnttab_map(&map);
    if (!c->ring) {
        free_log(c);
        if (map.status == GNTST_no_device_space)
            printf("consoled: cannot map domain %u's console: dom0's grant area is full (%u "
                   "mappings)\n",
                   dom, GRANT_AREA_SIZE / PAGE_SIZE);
        else
            printf("consoled: cannot map domain %u's console (status %d)\n", dom, map.status);
        return -1;
    }
    c->handle = map.handle;
    int port = bind_interdomain(dom, remote_port, mark_pending, c);
    if (port < 0) {
        gnttab_unmap(c->ring, c->handle);
        free_log(c);
        if (port == -XEN_ENOSPC)
            printf("consoled: cannot bind domain %u's console channel: dom0's %u event "
                   "channels are all in use\n",
                   dom, NR_EVENT_CHANNELS);
        else
            printf("consoled: cannot bind domain %u's console channel (%d)\n", dom, port);
        return -1;
    }
    c->port = (evtchn_port_t)port;
    if (table_set_id(&consoles, dom, c)) {
        unbind_port(c->port, mark_pending, c);
        gnttab_unmap(c->ring, c->handle);
        free_log(c);
        printf("consoled: out of memory for domain %u's entry in the index\n", dom);
        return -1;
    }
    c->in_use = 1;
    int old = local_events_disable();
    mark_pending(c->port, c); /* what it wrote before its channel was bound */
    local_events_restore(old);
    return 0;
}

static void log_append(struct console *c, const char *buf, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        c->log[c->log_prod++ % LOG_SIZE] = buf[i];
}

/* Copy what the domain wrote since last time into its log. */
static void drain(struct console *c)
{
    struct xencons_interface *r = c->ring;
    XENCONS_RING_IDX cons = r->out_cons, prod = r->out_prod;
    barrier();
    if (prod - cons > sizeof(r->out)) { /* a confused or hostile producer: take the newest */
        char note[80];
        int n = snprintf(note, sizeof(note), "\n[consoled: %u bytes overran the console ring]\n",
                         prod - cons - (uint32_t)sizeof(r->out));
        log_append(c, note, (uint32_t)n);
        cons = prod - sizeof(r->out);
    }
    if (cons == prod)
        return;
    if (!c->first_output_tsc)
        c->first_output_tsc = rdtsc();
    while (cons != prod) {
        char ch = r->out[MASK_XENCONS_IDX(cons++, r->out)];
        log_append(c, &ch, 1);
    }
    barrier();
    r->out_cons = cons;
    notify_remote(c->port); /* it may be waiting for room */
}

/* Say, on a line of its own, that `n` bytes of the domain's output are not in the log. */
static void report_dropped(struct console *c, uint32_t n)
{
    printf("\n[consoled: %u bytes of domain %u's output dropped here: the log keeps the newest "
           "%u of the %u bytes it has written]\n",
           n, c->dom, LOG_SIZE, c->log_prod);
}

static void show_new_output(struct console *c)
{
    if (c->log_prod - c->shown > LOG_SIZE) {
        report_dropped(c, c->log_prod - LOG_SIZE - c->shown);
        c->shown = c->log_prod - LOG_SIZE;
    }
    while (c->shown != c->log_prod) {
        uint32_t off = c->shown % LOG_SIZE;
        uint32_t n = MIN(c->log_prod - c->shown, LOG_SIZE - off);
        console_write(c->log + off, n);
        c->shown += n;
    }
}

void consoled_remove(domid_t dom)
{
    struct console *c = find(dom);
    if (!c)
        return;
    drain(c); /* keep its last words */
    if (attached == c)
        show_new_output(c);
    unbind_port(c->port, mark_pending, c); /* the domain's store may share the port */
    pending_remove(&pending_list, &c->pending);
    gnttab_unmap(c->ring, c->handle);
    free_log(c);
    if (attached == c) {
        attached = NULL;
        wakeup(&tty_chan); /* the attached process returns: the console went away */
    }
    table_set_id(&consoles, dom, NULL);
    table_free(&consoles, c);
}

void consoled_follow(domid_t dom, int on)
{
    struct console *c = find(dom);
    if (on && c) {
        c->shown = c->log_prod; /* from now on */
        attached = c;
    } else if (!on) {
        attached = NULL;
    }
}

int consoled_has(domid_t dom)
{
    return find(dom) != NULL;
}

uint64_t consoled_first_output_tsc(domid_t dom)
{
    struct console *c = find(dom);
    return c ? c->first_output_tsc : 0;
}

void consoled_poll(void)
{
    for (struct pending_link *l = pending_take(&pending_list), *next; l; l = next) {
        next = pending_next(l);
        struct console *c = pending_record(l, struct console, pending);
        if (c->in_use)
            drain(c);
    }
    if (attached)
        show_new_output(attached);
}

static void send_input(struct console *c, const char *buf, int n)
{
    struct xencons_interface *r = c->ring;
    XENCONS_RING_IDX prod = r->in_prod;
    for (int i = 0; i < n && prod - r->in_cons < sizeof(r->in); i++)
        r->in[MASK_XENCONS_IDX(prod++, r->in)] = buf[i];
    barrier();
    r->in_prod = prod;
    notify_remote(c->port);
}

/* Forward what was typed since last time; 1 if Ctrl-] was (what follows it stays typed ahead). */
static int forward_input(struct console *c)
{
    char buf[64];
    int n;
    while ((n = tty_take(buf, sizeof(buf), CTRL_RBRACKET)) > 0) {
        int detach = buf[n - 1] == CTRL_RBRACKET;
        send_input(c, buf, detach ? n - 1 : n);
        if (detach)
            return 1;
    }
    return 0;
}

int consoled_attach(domid_t dom, int (*ended)(domid_t dom))
{
    struct console *c = find(dom);
    int rc = 0;
    if (!c)
        return -E_NOENT;
    c->shown = 0; /* everything since the domain was created */
    attached = c;
    tty_set_raw(1);
    for (;;) {
        /* Look for the end first, then show: the domain may print its last words and end
         * between a look at its ring and a look at its state, and its event for those words
         * may not have listed it yet. */
        int over = attached != c || (ended && ended(dom));
        consoled_poll();
        if (over) {
            if (attached == c) { /* not removed yet: read its ring ourselves */
                drain(c);
                show_new_output(c);
            }
            rc = 1;
            break;
        }
        if (forward_input(c) || current_proc->killed)
            break;
        sleep_on(&tty_chan); /* a key, consoled_remove(), or a domain's end */
    }
    tty_set_raw(0);
    if (attached == c)
        attached = NULL;
    return rc;
}
