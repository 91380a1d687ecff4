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

/* A vCPU's part of the FPU, which struct vcpu holds as `fpu` (hv/domain.h): the hardware
 * layer's record, defined here so that the switch's test below can read it. */
struct vcpu_fpu {
    int guest_ts;          /* the guest's own CR0.TS (fpu_taskswitch): #NM goes to it */
    int used;              /* regs holds its state (else it starts from a clean image) */
    struct fpu_state regs; /* its x87/MMX registers while another vCPU owns the FPU */
};

void fpu_init(void);               /* at boot: x87 on, every vCPU lazily switched */
extern struct vcpu_fpu *fpu_owner; /* whose registers the FPU holds, or NULL (arch/x86/fpu.c) */
extern int fpu_ts_set;             /* CR0.TS as last written */
void fpu_set_ts(int want_ts);      /* write CR0.TS */
/* On a context switch, inline (two a round trip between domains): the next vCPU owns the
 * registers already, or will fault on its first use of them. */
static inline void fpu_switch_to(const struct vcpu_fpu *next)
{
    int want_ts = next != fpu_owner || next->guest_ts;
    if (want_ts != fpu_ts_set) /* rare: nobody uses the FPU, so TS stays set */
        fpu_set_ts(want_ts);
}
int fpu_device_not_available(void);  /* #NM from the current vCPU: 1 if it is the guest's */
long fpu_taskswitch(int set);        /* the hypercall: set or clear the guest's own CR0.TS */
void fpu_forget(struct vcpu_fpu *f); /* its vCPU is going away */

#endif
