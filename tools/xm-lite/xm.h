/*
 * xm.h - what the parts of xm-lite (xm.c and its xm_*.c files) share: the
 * ways to reach the hypervisor, dom0's kernel and the xenstore, a domain by
 * name, and each command's entry point (argv as typed: argv[1] is the
 * command).
 */
#ifndef XM_H
#define XM_H

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

#define POLL_NS 1000000u /* how often a wait looks again */

/* xm_domain.c: reaching things */
long domsvc(uint32_t op, uint32_t dom, const void *arg, uint32_t arg2); /* SYS_domsvc */
long domctl(uint32_t cmd, domid_t dom, struct xen_domctl *op);          /* through privcmd */
void pause_briefly(void);                                               /* POLL_NS of sleep */
int lookup(const char *arg, domid_t *id, char *name); /* a name or an id; name[32] */
const char *basename(const char *path);
int destroy(domid_t id);
int console(domid_t id, const char *name); /* attached until Ctrl-] */

/* xm_store.c: one xenstore request; xs() leaves the reply in xs_rep */
struct xs_msg {
    struct xsd_sockmsg h;
    char payload[XENSTORE_PAYLOAD_MAX];
};
extern struct xs_msg xs_req, xs_rep;
int xs(uint32_t type, const char *path, const char *value); /* payload length, or -1 */
int xs_read(const char *path, char *val, uint32_t cap);
void xs_write_dom(domid_t id, const char *key, const char *value); /* /local/domain/ID/KEY */

/* The commands */
int cmd_create(int argc, char **argv);           /* xm_create.c */
extern domid_t xm_created;                       /* ... and the id it gave the domain */
int cmd_on_domain(int argc, char **argv);        /* xm_domain.c: console, pause, ... */
int cmd_grant_map(int argc, char **argv);        /* xm_domain.c */
int cmd_grant_unmap(void);                       /* xm_domain.c */
int cmd_block_list(int argc, char **argv);       /* xm_domain.c */
int cmd_store(int argc, char **argv);            /* xm_store.c */
int cmd_bench_create(int argc, char **argv);     /* xm_bench.c */
int cmd_bench_list(int argc, char **argv);       /* xm_bench.c */
int cmd_bench_wake(int argc, char **argv);       /* xm_bench.c */
int cmd_bench_destroy(int argc, char **argv);    /* xm_bench.c */
int cmd_bench_lookup(int argc, char **argv);     /* xm_bench.c */
int cmd_wait(int argc, char **argv);             /* xm_bench.c */
int cmd_evtping(int argc, char **argv);          /* xm_bench.c */
int cmd_trace(int argc, char **argv);            /* xm_trace.c */
int cmd_monitor(int argc, char **argv);          /* xm_monitor.c */
void start_monitor(domid_t id, uint32_t serial); /* xm_monitor.c: from create */

#endif
