/*
 * xenstored.h - dom0's xenstore service (xenstored.c) around the store engine.
 */
#ifndef XENSTORED_H
#define XENSTORED_H

#include <stdint.h>
#include <public/xen.h>
#include "xs_store.h"

extern struct xs_store *xenstore; /* dom0 reads and writes it directly with xs_local_* */
/* Called after a domU's request changed the store (a write, mkdir, rm, permissions, or a
 * transaction's end), with its id: blkback follows that domain's frontends (NULL: nobody). */
extern void (*xenstored_changed)(domid_t dom);

int xenstored_init(void);
int xenstored_introduce(domid_t dom, uint32_t remote_port); /* map grant 1, bind the port */
void xenstored_release(domid_t dom);
void xenstored_poll(void); /* answer every pending request, deliver watch events */

#endif
