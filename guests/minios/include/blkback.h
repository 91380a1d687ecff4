/*
 * blkback.h - dom0's block backend (blkback.c).
 */
#ifndef MINIOS_BLKBACK_H
#define MINIOS_BLKBACK_H

#include <stddef.h>
#include <stdint.h>
#include <public/xen.h>

struct blkdev;

/*
 * Export dom0 device `target` (hda, hda1, ...) to domain `dom` as `vdev` (xvda,
 * ...).  The backend describes the disk after `delay_ms` (0: at once; tests use a
 * delay to have the frontend start first).  bemode (BEMODE_*, xm-lite create
 * bemode=map|copy) says whether the backend maps the frontend's pages and does
 * the I/O in place, or copies with the hypervisor; by default it maps for a
 * device that is not memory and copies for one that is (blkback.c).
 */
int blkback_add(domid_t dom, const char *target, const char *vdev, int readonly, uint32_t delay_ms,
                uint32_t bemode);
void blkback_remove(domid_t dom);                        /* close every device of `dom` */
void blkback_poll(void);                                 /* follow handshakes and serve requests */
size_t blkback_list(domid_t dom, char *buf, size_t cap); /* xm-lite block-list: text, its length */
/* The virtual disk name (xvda) of a domain's device overlapping `dev`, or NULL. */
const char *blkback_holder(struct blkdev *dev);

#endif
