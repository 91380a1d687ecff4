/*
 * sched.h - sched_op: how a guest gives up the CPU, waits for events, or ends.
 */
#ifndef PUBLIC_SCHED_H
#define PUBLIC_SCHED_H

#include <stdint.h>

#define SCHEDOP_yield           0 /* let another runnable vCPU run */
#define SCHEDOP_block           1 /* enable events and sleep until one is pending */
#define SCHEDOP_shutdown        2 /* arg: struct sched_shutdown */
#define SCHEDOP_poll            3 /* arg: struct sched_poll */
#define SCHEDOP_remote_shutdown 4 /* dom0 only; arg: struct sched_remote_shutdown */
/* pvlab: sleep until an event is pending (evtchn_upcall_pending), leaving events masked as they
 * are: no upcall on waking, the guest dispatches its pending ports itself (docs/hypercalls.md). */
#define SCHEDOP_pvlab_block_masked 0x70

struct sched_shutdown {
    uint32_t reason; /* SHUTDOWN_* */
};

#define SCHED_POLL_MAX_PORTS 128 /* ports one SCHEDOP_poll may wait on */

struct sched_poll {
    uint32_t ports; /* guest pointer to an array of evtchn_port_t */
    uint32_t nr_ports;
    uint64_t timeout; /* absolute system time in ns; 0 = wait forever */
};

struct sched_remote_shutdown {
    uint16_t domain_id;
    uint16_t _pad;
    uint32_t reason; /* SHUTDOWN_* */
};

#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot   1
#define SHUTDOWN_suspend  2
#define SHUTDOWN_crash    3

#endif
