/*
 * hypercall.h - minios's hypercall wrappers.  `int $0x82` with the number in
 * %eax and the arguments in %ebx %ecx %edx %esi %edi; the result comes back
 * in %eax.
 */
#ifndef MINIOS_HYPERCALL_H
#define MINIOS_HYPERCALL_H

#include <stdint.h>
#include <public/xen.h>
#include <public/event_channel.h>
#include <public/sched.h>
#include <public/sysctl.h>
#include <public/domctl.h>
#include <public/grant_table.h>
#include <public/vcpu.h>
#include <public/version.h>

static inline long hypercall5(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4,
                              uint32_t a5)
{
    long ret;
    __asm__ volatile("int $0x82"
                     : "=a"(ret), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5)
                     : "a"(nr)
                     : "memory");
    return ret;
}
/*
 * For the calls on the event paths (a ping-pong crosses three a round trip) and the grant
 * operations (a backend maps and unmaps a grant per request), inlined in a LEAN caller: only
 * the registers the call reads or changes.  A hypercall returns %ecx and %edx zero and hands
 * %ebx, %esi, %edi and %ebp back unchanged unless it is continued, which these calls (event
 * send, block, xen_version, grant_table_op) never are (docs/hypercalls.md): lean_hypercall3()
 * (grant_table_op) tells the compiler so, and keeps its own values in %ebx across the call.
 */
static inline long lean_hypercall2(uint32_t nr, uint32_t a1, uint32_t a2)
{
    long ret;
    __asm__ volatile("int $0x82" : "=a"(ret), "+b"(a1), "+c"(a2) : "a"(nr) : "edx", "memory");
    return ret;
}
static inline long lean_hypercall3(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3)
{
    long ret;
    __asm__ volatile("int $0x82" : "=a"(ret), "+c"(a2), "+d"(a3) : "a"(nr), "b"(a1) : "memory");
    return ret;
}
#define hypercall0(nr)          hypercall5(nr, 0, 0, 0, 0, 0)
#define hypercall1(nr, a)       hypercall5(nr, (uint32_t)(a), 0, 0, 0, 0)
#define hypercall2(nr, a, b)    hypercall5(nr, (uint32_t)(a), (uint32_t)(b), 0, 0, 0)
#define hypercall3(nr, a, b, c) hypercall5(nr, (uint32_t)(a), (uint32_t)(b), (uint32_t)(c), 0, 0)
#define hypercall4(nr, a, b, c, d)                                                                 \
    hypercall5(nr, (uint32_t)(a), (uint32_t)(b), (uint32_t)(c), (uint32_t)(d), 0)

static inline long HYPERVISOR_set_trap_table(const struct trap_info *t)
{
    return hypercall1(__HYPERVISOR_set_trap_table, t);
}
static inline long HYPERVISOR_mmu_update(const struct mmu_update *req, uint32_t count,
                                         uint32_t *done, domid_t dom)
{
    return hypercall4(__HYPERVISOR_mmu_update, req, count, done, dom);
}
static inline long HYPERVISOR_stack_switch(uint32_t ss, uint32_t esp)
{
    return hypercall2(__HYPERVISOR_stack_switch, ss, esp);
}
static inline long HYPERVISOR_set_callbacks(uint32_t ev_cs, void (*ev)(void), uint32_t fs_cs,
                                            void (*fs)(void))
{
    return hypercall4(__HYPERVISOR_set_callbacks, ev_cs, ev, fs_cs, fs);
}
static inline long HYPERVISOR_update_va_mapping(uint32_t va, uint32_t pte, uint32_t flags)
{
    return hypercall3(__HYPERVISOR_update_va_mapping, va, pte, flags);
}
/* set != 0: the guest's own CR0.TS, so its next FPU instruction raises #NM in the guest. */
static inline long HYPERVISOR_fpu_taskswitch(int set)
{
    return hypercall1(__HYPERVISOR_fpu_taskswitch, set);
}
static inline long HYPERVISOR_set_timer_op(uint64_t deadline)
{
    return hypercall2(__HYPERVISOR_set_timer_op, (uint32_t)deadline, (uint32_t)(deadline >> 32));
}
static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}
static inline long HYPERVISOR_console_io(int cmd, uint32_t count, const char *buf)
{
    return hypercall3(__HYPERVISOR_console_io, cmd, count, buf);
}
static inline long HYPERVISOR_vcpu_op(int cmd, int vcpu, void *arg)
{
    return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}
static inline long HYPERVISOR_mmuext_op(const struct mmuext_op *op, uint32_t count, uint32_t *done,
                                        domid_t dom)
{
    return hypercall4(__HYPERVISOR_mmuext_op, op, count, done, dom);
}
static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}
static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}
static inline long HYPERVISOR_sysctl(struct xen_sysctl *op)
{
    return hypercall1(__HYPERVISOR_sysctl, op);
}
static inline long HYPERVISOR_domctl(struct xen_domctl *op)
{
    return hypercall1(__HYPERVISOR_domctl, op);
}
static inline long HYPERVISOR_physdev_op(uint32_t cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_physdev_op, cmd, arg);
}
/* Never continued (hv/grant_table.c), so lean: a backend maps and unmaps a grant per request. */
static inline long HYPERVISOR_grant_table_op(uint32_t cmd, void *uop, uint32_t count)
{
    return lean_hypercall3(__HYPERVISOR_grant_table_op, cmd, (uint32_t)uop, count);
}

#endif
