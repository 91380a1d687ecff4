/*
 * xm_query.h - xm-lite's looking commands (xm_query.c), and what they need
 * from the program that links them (/bin/xm-lite or /bin/xl): privcmd.
 */
#ifndef XM_QUERY_H
#define XM_QUERY_H

#include <stdint.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/version.h>

/* Supplied by the linking side: the hypercalls, and output to the console. */
long xm_domctl(struct xen_domctl *op);
long xm_sysctl(struct xen_sysctl *op);
long xm_xen_version(int cmd, void *arg);
void xm_write(const char *s, uint32_t n);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int xm_list(void);                      /* xm-lite list */
int xm_info(void);                      /* xm-lite info */
int xm_sched(void);                     /* xm-lite sched */
int xm_dmesg(void);                     /* xm-lite dmesg */
int xm_physinfo(struct xen_sysctl *op); /* XEN_SYSCTL_physinfo into *op; 0 or an error */
/* The domain a command line names (an id, or a name) into op's getdomaininfo; 0, or -1. */
int xm_find_domain(const char *arg, struct xen_domctl *op);

#endif
