/*
 * vcpu.h - vcpu_op: per-vCPU controls.  pvlab implements the periodic timer.
 */
#ifndef PUBLIC_VCPU_H
#define PUBLIC_VCPU_H

#include <stdint.h>

#define VCPUOP_set_periodic_timer  6 /* arg: struct vcpu_set_periodic_timer */
#define VCPUOP_stop_periodic_timer 7

struct vcpu_set_periodic_timer {
    uint64_t period_ns; /* at least 1 ms */
};

#endif
