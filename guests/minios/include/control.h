/*
 * control.h - the toolstack's requests to a domU (proc/control.c): today
 * control/shutdown, written by xm-lite shutdown.
 */
#ifndef MINIOS_CONTROL_H
#define MINIOS_CONTROL_H

/* The scheduler, between processes: act on a pending request (a shutdown does not return). */
void control_poll(void);

#endif
