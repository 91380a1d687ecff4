/*
 * fpu.h - each vCPU's x87/MMX registers (arch/x86/fpu.c).
 */
#ifndef HV_FPU_H
#define HV_FPU_H

#include <stdint.h>

/* The 108-byte image fnsave writes and frstor reads (protected mode, 32-bit). */
struct fpu_state {
    uint16_t fcw, _r0, fsw, _r1, ftw, _r2;
    uint32_t fip, fcs_fop, foo, fos;
    uint8_t st[8][10];
} __attribute__((packed));

struct vcpu;
void fpu_init(void);           /* at boot: x87 on, every vCPU lazily switched */
extern struct vcpu *fpu_owner; /* whose registers the FPU holds, or NULL (arch/x86/fpu.c) */
extern int fpu_ts_set;         /* CR0.TS as last written */
void fpu_set_ts(int want_ts);  /* write CR0.TS */
/* On a context switch, inline (two a round trip between domains): the next vCPU owns the
 * registers already, or will fault on its first use of them.  guest_ts is its own CR0.TS. */
static inline void fpu_switch_to(struct vcpu *next, int guest_ts)
{
    int want_ts = next != fpu_owner || guest_ts;
    if (want_ts != fpu_ts_set) /* rare: nobody uses the FPU, so TS stays set */
        fpu_set_ts(want_ts);
}
int fpu_device_not_available(void); /* #NM from the current vCPU: 1 if it is the guest's */
long fpu_taskswitch(int set);       /* the hypercall: set or clear the guest's own CR0.TS */
void fpu_forget(struct vcpu *v);    /* a vCPU is going away */

#endif
