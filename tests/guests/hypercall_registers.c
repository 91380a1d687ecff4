/*
 * hypercall_registers - what a hypercall hands back in each register
 * (docs/hypercalls.md, the calling convention).  The hypercall path leaves
 * the registers the C convention preserves (%ebx, %esi, %edi, %ebp) as the
 * guest had them and returns %ecx and %edx zero, so nothing the hypervisor's
 * C code left in its scratch registers reaches the guest.  The rule must hold
 * on every way out: the fast one (xen_version), a refused call (an
 * unimplemented number, a number beyond the table), and the slow one through
 * leave_hypervisor() (SCHEDOP_yield asks for a switch; the frame is written
 * back and restored whole).  A continued call (a console write of 2 KiB and
 * 16 bytes, two continuations) ends with %edi and %ebp as they were.
 */
#include "xtf.h"
#include <public/errno.h>
#include <public/sched.h>
#include <public/version.h>

const char test_title[] =
    "a hypercall preserves %ebx %esi %edi %ebp and returns %ecx %edx zero, on every way out";

struct regs {
    uint32_t eax, ebx, ecx, edx, esi, edi, ebp;
};

/* hypercall_regs(r): load r's seven registers, int $0x82, store them back into r. */
void hypercall_regs(struct regs *r);
__asm__(".text\n"
        ".globl hypercall_regs\n"
        "hypercall_regs:\n"
        "    pushl %ebp\n"
        "    pushl %ebx\n"
        "    pushl %esi\n"
        "    pushl %edi\n"
        "    movl 20(%esp), %eax\n" /* r */
        "    pushl %eax\n"
        "    movl 4(%eax), %ebx\n"
        "    movl 8(%eax), %ecx\n"
        "    movl 12(%eax), %edx\n"
        "    movl 16(%eax), %esi\n"
        "    movl 20(%eax), %edi\n"
        "    movl 24(%eax), %ebp\n"
        "    movl 0(%eax), %eax\n"
        "    int $0x82\n"
        "    xchgl %eax, (%esp)\n" /* %eax = r; the result on the stack */
        "    movl %ebx, 4(%eax)\n"
        "    movl %ecx, 8(%eax)\n"
        "    movl %edx, 12(%eax)\n"
        "    movl %esi, 16(%eax)\n"
        "    movl %edi, 20(%eax)\n"
        "    movl %ebp, 24(%eax)\n"
        "    popl %ebx\n"
        "    movl %ebx, 0(%eax)\n"
        "    popl %edi\n"
        "    popl %esi\n"
        "    popl %ebx\n"
        "    popl %ebp\n"
        "    ret\n");

/* Make call nr with ebx as its first argument and marked values elsewhere; check the rule. */
static void check_call(const char *what, uint32_t nr, uint32_t ebx, long want)
{
    struct regs r = {nr, ebx, 0x11111111, 0x22222222, 0x33333333, 0x44444444, 0x55555555};
    hypercall_regs(&r);
    if ((long)r.eax != want)
        xtf_failure("%s: returned %ld, expected %ld", what, (long)r.eax, want);
    if (r.ebx != ebx || r.esi != 0x33333333 || r.edi != 0x44444444 || r.ebp != 0x55555555)
        xtf_failure("%s: ebx %08x esi %08x edi %08x ebp %08x changed", what, r.ebx, r.esi, r.edi,
                    r.ebp);
    if (r.ecx != 0 || r.edx != 0)
        xtf_failure("%s: ecx %08x edx %08x, expected zero", what, r.ecx, r.edx);
}

static char text[2 * 1024 + 16]; /* three chunks of a console write: two continuations */

void test_main(void)
{
    check_call("xen_version", __HYPERVISOR_xen_version, XENVER_version,
               (PVLAB_VERSION_MAJOR << 16) | PVLAB_VERSION_MINOR);
    check_call("an unimplemented hypercall", 63, 0, -XEN_ENOSYS);
    check_call("a number beyond the table", 1000, 0, -XEN_ENOSYS);
    check_call("sched_op yield (the slow way out)", __HYPERVISOR_sched_op, SCHEDOP_yield, 0);

    memset(text, '.', sizeof(text));
    text[sizeof(text) - 1] = '\n';
    struct regs r = {__HYPERVISOR_console_io,
                     CONSOLEIO_write,
                     sizeof(text),
                     (uint32_t)text,
                     0,
                     0x44444444,
                     0x55555555};
    hypercall_regs(&r);
    if (r.eax != 0 || r.edi != 0x44444444 || r.ebp != 0x55555555)
        xtf_failure("a continued console write: eax %d edi %08x ebp %08x", (int)r.eax, r.edi,
                    r.ebp);
}
