/*
 * xm.h - xm-lite, the toolstack in dom0 (xm.c).
 */
#ifndef XM_H
#define XM_H

void xm_init(void);                 /* dom0 start of day: services and the boot archive */
int xm_main(int argc, char **argv); /* one `xm-lite ...` command */

#endif
