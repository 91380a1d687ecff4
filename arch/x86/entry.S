/*
 * entry.S - every way into and out of the hypervisor.
 *
 * While a guest runs, CR3 holds the per-CPU guest root (arch/x86/hv_mappings.c):
 * the guest's own mappings plus the entry area, and nothing else of the
 * hypervisor.  So the first instructions after a trap, and the last before an
 * iret to a guest, live in the entry area (section .entry.text).
 *
 * The frame.  The hypervisor stack (.entry.stack, at the end of this file) ends
 * with the first 68 bytes of a page, and those bytes are the guest frame: the
 * struct cpu_user_regs of the running vCPU (guest_cpu_user_regs()).  TSS.esp0
 * points into it, so the CPU pushes a guest's eip, cs, eflags, esp and ss
 * straight into their places, and the stubs push the rest below them.  The
 * guest root maps that one page and not the stack pages under it: the frame
 * is where the CPU needs it, and the hypervisor's own stack, which continues
 * below the frame once the full page directory is loaded, is out of the
 * guest's reach.  Nothing is copied on the way in or out, nor at a switch:
 * the page mapped there is the running vCPU's own frame page, a frame of
 * its domain's memory (hv/frame_alloc.c: frame_page_take()), and a switch
 * maps the next one's (arch/x86/hv_mappings.c: load_guest_pagetable()).
 *
 * In:  the hypercall gate (0x82) enters at tramp_entry, which saves the
 *      registers, loads the full page directory (tramp_full_cr3) and the
 *      hypervisor's %ds and %es, and calls hypercall_table[%eax] directly:
 *      the frame's %ebx..%edi are its arguments.  Every other vector has a
 *      stub that makes the stack look the same (an error-code word with the
 *      vector in its upper half) and joins at tramp_trap_entry, which does the
 *      same saving and calls do_entry() in C (arch/x86/traps.c).  No entry
 *      touches %fs or %gs, which the hypervisor never uses.
 *
 * Out: one test (EXIT_TEST): if no vCPU switch is asked for, no event is
 *      pending and the return address is inside the guest's segments, the
 *      guest's %ds and %es are reloaded and the guest root loaded before the
 *      iret.  A hypercall leaves its own short way, restoring only what C
 *      may have changed; an exception or interrupt leaves through
 *      ret_to_guest and tramp_exit, with every register from the frame.
 *      Otherwise leave_hypervisor() (hv/exit.c) does the work first (it may
 *      replace the whole frame with another vCPU's), and every register and
 *      segment comes from the frame.
 *
 * Tour 22/37 - after hv/chain.c, before arch/x86/traps.c.
 */
#include <public/arch-x86_32.h>
#include <public/errno.h>
#include <hv/asm_offsets.h>
#include <hv/config.h> /* HV_STACK_SIZE */
#include <hv/uregs.h> /* UREGS_*: offsets in struct cpu_user_regs, checked by the compiler */
/* The guest frame: the first bytes of the page the guest root maps (see .entry.stack). */
#define FRAME (hv_stack_top - UREGS_SIZE)

    .section .entry.text, "ax"

.macro VECTOR n, has_error_code
    .globl vector_\n
vector_\n:
    .if \has_error_code == 0
    pushl $0
    .endif
    movw $\n, 2(%esp)
    jmp tramp_trap_entry
.endm

    /* Exceptions: 8, 10-14 and 17 push an error code. */
    VECTOR 0, 0
    VECTOR 1, 0
    VECTOR 2, 0
    VECTOR 3, 0
    VECTOR 4, 0
    VECTOR 5, 0
    VECTOR 6, 0
    VECTOR 7, 0
    VECTOR 8, 1
    VECTOR 9, 0
    VECTOR 10, 1
    VECTOR 11, 1
    VECTOR 12, 1
    VECTOR 13, 1
    VECTOR 14, 1
    VECTOR 15, 0
    VECTOR 16, 0
    VECTOR 17, 1
    VECTOR 18, 0
    VECTOR 19, 0
    /* Hardware interrupts from the two 8259s, remapped to 0x20-0x2f. */
    VECTOR 32, 0
    VECTOR 33, 0
    VECTOR 34, 0
    VECTOR 35, 0
    VECTOR 36, 0
    VECTOR 37, 0
    VECTOR 38, 0
    VECTOR 39, 0
    VECTOR 40, 0
    VECTOR 41, 0
    VECTOR 42, 0
    VECTOR 43, 0
    VECTOR 44, 0
    VECTOR 45, 0
    VECTOR 46, 0
    VECTOR 47, 0

/* The general registers, in struct cpu_user_regs order (%ebx lowest). */
.macro SAVE_GPRS
    pushl %eax
    pushl %ebp
    pushl %edi
    pushl %esi
    pushl %edx
    pushl %ecx
    pushl %ebx
.endm

/*
 * From a guest, with the frame complete up to %ebx and %esp at it: load the
 * full page directory (only then may anything go below the frame), keep the
 * guest's %ds and %es in the frame and load the hypervisor's.  %ss is already
 * the hypervisor's (from the TSS), so memory operands name it until %ds is
 * loaded.  \scratch is a register already saved.
 *
 * %fs and %gs are not touched: the hypervisor never uses them, so the
 * guest's stay loaded until the way out.  Only the slow way out
 * (.Lexit_work), where a vCPU switch may happen, writes them into the frame
 * and loads them from it.
 */
.macro ENTER_HYPERVISOR scratch
    movl %ss:tramp_full_cr3, \scratch
    movl \scratch, %cr3
    movw %ds, UREGS_ds(%esp)
    movw %es, UREGS_es(%esp)
    movw %ss:hypervisor_ds, %ds
    movw %ss:hypervisor_ds, %es
.endm

/*
 * Load a guest's data segment from the frame.  A selector that no longer
 * loads (its descriptor changed since the guest loaded it) becomes the null
 * selector, as on Xen; the fix-up needs no register.
 */
.macro LOAD_GUEST_SEGMENT seg, slot
.Lload_\@:
    movw \slot(%esp), %\seg
.Lloaded_\@:
    .pushsection .text.fixup, "ax" /* out of line, in .text */
.Lfix_\@:
    pushl $0
    popl %\seg
    jmp .Lloaded_\@
    .popsection
    .pushsection .ex_table, "a"
    .long .Lload_\@, .Lfix_\@
    .popsection
.endm

/*
 * The test on the way out: leave through \work unless nothing is to be done.
 * Something is when a vCPU switch is asked for (need_resched) or the guest
 * has an event pending (its upcall_pending; leave_hypervisor() looks at the
 * mask).  ret_to_guest also tests the return address.  Clobbers %ecx.
 */
.macro EXIT_TEST work
    movzbl RUNNING_VCPU_INFO+VCPU_INFO_upcall_pending, %ecx
    orl need_resched, %ecx
    jnz \work
.endm

/*
 * The hypercall gate: the path of every hypercall, in and out.
 *
 * In.  The frame is filled, the hypervisor's page directory and data
 * segments loaded, the call counted (in the running domain's counters, at a
 * constant address: include/hv/domain.h), and the handler called with the
 * frame's %ebx..%edi, which lie at %esp in argument order: they are the five
 * C arguments, and nothing is copied.  C lets a handler write its argument
 * slots, so after the call they may no longer hold the guest's registers.
 *
 * Out, the fast way.  The registers the C convention preserves (%ebx, %esi,
 * %edi, %ebp) still hold the guest's values, untouched since the gate, and
 * %eax holds the result; %ecx and %edx were the handler's scratch and come
 * back zero, so nothing of the hypervisor reaches the guest through them
 * (docs/hypercalls.md: the calling convention).  With the exit test passed,
 * only the data segments, the guest root and the iret are left.  The return
 * address needs no test: it is the guest's own, just past its `int $0x82`
 * (on it, if continued).  It lies beyond the guest's segments only if that
 * int ends exactly at the limit; then a real CPU refuses the iret (the
 * fix-up crashes the domain) and QEMU returns to 0xFC000000, where the guest
 * root maps nothing: a fault in the guest either way, never in the
 * hypervisor.
 *
 * Out, the slow way.  Whatever the exit test sends to leave_hypervisor()
 * (a switch, an upcall, a bad return address) leaves through the full frame,
 * so the fast way's registers are written into it first.  A negative result
 * is counted as an error, unless it is HYPERCALL_CONTINUED: then
 * hypercall_continue() has already written the next call into the frame
 * (hv/hypercall.c), and the frame leaves as it is.
 */
    .globl tramp_entry
tramp_entry:
    pushl $(ASM_HYPERCALL_VECTOR << 16)
    cld
    SAVE_GPRS
    ENTER_HYPERVISOR %ecx
    addl $1, RUNNING_COUNTERS+PVLAB_hypercalls /* the running domain's own, in its window */
    adcl $0, RUNNING_COUNTERS+PVLAB_hypercalls+4
    cmpl $NR_HYPERCALLS, %eax
    jae .Lno_such_hypercall
    call *hypercall_table(,%eax,4)
    testl %eax, %eax
    js .Lhypercall_refused
    /* A symbol of its own, so the plugin's CR3 sites tell entries from exits. */
    .globl tramp_hypercall_exit
tramp_hypercall_exit:
    EXIT_TEST .Lhypercall_exit_work
    LOAD_GUEST_SEGMENT es, UREGS_es
    LOAD_GUEST_SEGMENT ds, UREGS_ds
    movl %ss:tramp_guest_cr3, %ecx
    movl %ecx, %cr3
    xorl %ecx, %ecx
    xorl %edx, %edx
    addl $UREGS_eip, %esp
.Lhypercall_iret:
    iret

.Lno_such_hypercall:
    movl $-XEN_ENOSYS, %eax
.Lhypercall_refused:
    cmpl $HYPERCALL_CONTINUED, %eax
    je .Lexit_work
    addl $1, RUNNING_COUNTERS+PVLAB_hypercall_errors
    adcl $0, RUNNING_COUNTERS+PVLAB_hypercall_errors+4
    jmp tramp_hypercall_exit
.Lhypercall_exit_work:
    movl %eax, UREGS_eax(%esp)
    movl %ebx, UREGS_ebx(%esp)
    movl %esi, UREGS_esi(%esp)
    movl %edi, UREGS_edi(%esp)
    xorl %ecx, %ecx
    movl %ecx, UREGS_ecx(%esp)
    movl %ecx, UREGS_edx(%esp)
    jmp .Lexit_work

/*
 * Every other vector.  On the stack: error word, eip, cs, eflags [, esp, ss].
 * From a guest that is the frame, filling down to the page's first byte, and
 * the handler finds it where it always is (guest_cpu_user_regs()), so it is
 * called with no argument, and the way back to the guest follows the call:
 * the exit test, the return address, the data segments, then tramp_exit.
 */
    .globl tramp_trap_entry
tramp_trap_entry:
    cld
    testb $3, (UREGS_cs - UREGS_error_code)(%esp)
    jz .Lfrom_ring0
    SAVE_GPRS
    ENTER_HYPERVISOR %eax
    call *entry_handler /* do_guest_entry, or do_guest_entry_traced while the trace runs */
ret_to_guest:
    EXIT_TEST .Lexit_work
    cmpl $HYPERVISOR_VIRT_START, UREGS_eip(%esp) /* a real CPU would refuse the iret; QEMU not */
    jae .Lexit_work
    LOAD_GUEST_SEGMENT es, UREGS_es
    LOAD_GUEST_SEGMENT ds, UREGS_ds
/* With the frame restored but for the general registers: the last steps out. */
tramp_exit:
    movl %ss:tramp_guest_cr3, %eax
    movl %eax, %cr3
.Lrestore_regs: /* the hypervisor interrupted goes back from here, on its own page directory */
    popl %ebx
    popl %ecx
    popl %edx
    popl %esi
    popl %edi
    popl %ebp
    popl %eax
    addl $4, %esp
.Liret:
    iret

.Lfrom_ring0:
    /* The hypervisor itself was interrupted, on its own stack.  Only at the
     * iret of tramp_exit or tramp_hypercall_exit can the guest root still be
     * loaded (then %esp is inside the frame, and the one word pushed here fits). */
    pushl %eax
    movl %cr3, %eax
    cmpl %ss:tramp_guest_cr3, %eax
    jne 1f
    movl %ss:tramp_full_cr3, %eax
    movl %eax, %cr3
1:  popl %eax
    SAVE_GPRS
    /* Even from ring 0: a fault on the way out (a guest segment or the iret
     * refused) arrives with the guest's segments already loaded. */
    movl $__HYPERVISOR_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    pushl %esp
    call do_hypervisor_entry
    addl $4, %esp
    jmp .Lrestore_regs

    .text
/*
 * The slow way out: leave_hypervisor() (hv/exit.c) does the work the exit
 * test found, and may switch vCPUs, so the frame is made complete first
 * (%fs and %gs are still the guest's) and every segment is loaded from it
 * after.  return_to_guest comes in with a complete frame.
 */
.Lexit_work:
    movw %fs, UREGS_fs(%esp)
    movw %gs, UREGS_gs(%esp)
.Lleave_hypervisor:
    call leave_hypervisor /* with %esp at the frame, where it finds it */
    LOAD_GUEST_SEGMENT gs, UREGS_gs
    LOAD_GUEST_SEGMENT fs, UREGS_fs
    LOAD_GUEST_SEGMENT es, UREGS_es
    LOAD_GUEST_SEGMENT ds, UREGS_ds
    jmp tramp_exit

    /* An iret the CPU refuses cannot be repaired: the domain is crashed. */
.Lfix_iret:
    movl $__HYPERVISOR_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    movl $FRAME, %esp
    call crash_on_bad_iret

    .section .ex_table, "a"
    .long .Liret, .Lfix_iret
    .long .Lhypercall_iret, .Lfix_iret
    .text

/*
 * reset_stack_and_jump(fn): abandon everything on the hypervisor stack except
 * the guest frame at its top, and continue in fn (which must not return).
 */
    .globl reset_stack_and_jump
reset_stack_and_jump:
    movl 4(%esp), %eax
    movl $FRAME, %esp
    jmp *%eax

/*
 * return_to_guest(): leave with the guest frame, through leave_hypervisor()
 * always: after a switch from the idle loop the frame is a vCPU's saved one,
 * whose eflags must be made safe like any frame loaded by a switch.
 */
    .globl return_to_guest
return_to_guest:
    movl $FRAME, %esp
    jmp .Lleave_hypervisor

/*
 * copy_guest(dst, src, n): memcpy where a fault on either side is caught.
 * Returns the number of bytes NOT copied (0 on success).  Callers check that
 * guest addresses lie below the hypervisor before calling.  Words first, then
 * the last 0-3 bytes: a fault among the words leaves 4 x the words left plus
 * those bytes uncopied.
 */
    .globl copy_guest
copy_guest:
    pushl %esi
    pushl %edi
    movl 12(%esp), %edi
    movl 16(%esp), %esi
    movl 20(%esp), %ecx
    movl %ecx, %edx
    shrl $2, %ecx
    andl $3, %edx
.Lcopy_words:
    rep movsl
    movl %edx, %ecx
.Lcopy_bytes:
    rep movsb
.Lcopy_done:
    movl %ecx, %eax
    popl %edi
    popl %esi
    ret
.Lcopy_words_fault:
    leal (%edx,%ecx,4), %ecx
    jmp .Lcopy_done
    .section .ex_table, "a"
    .long .Lcopy_words, .Lcopy_words_fault
    .long .Lcopy_bytes, .Lcopy_done
    .text

/* The trampoline's two page directories (written by arch/x86/hv_mappings.c). */
    .section .entry.data, "aw"
    .align 4
    .globl tramp_full_cr3, tramp_guest_cr3
tramp_full_cr3:  .long 0 /* the running vCPU's own page directory, hypervisor slots and all */
tramp_guest_cr3: .long 0 /* the guest root */
hypervisor_ds:   .word __HYPERVISOR_DS /* loaded into %ds and %es at every entry */

/*
 * The hypervisor stack, ending with the guest frame.  hv_stack_top is the end
 * of the frame, 68 bytes into the last page: the guest root maps that page
 * (arch/x86/hv_mappings.c), so the CPU can push a guest's trap frame into it
 * (TSS.esp0 = hv_stack_top - 16, leaving room for es, ds, fs and gs), but not
 * the HV_STACK_SIZE bytes below it, where the hypervisor's C code runs.  The
 * rest of the page is never used.  This page itself is mapped there only
 * while no vCPU runs: a vCPU's own frame page takes its place.  At boot, before the entry area is mapped,
 * boot.S runs on the same stack through the direct map (_boot_stack_top).
 */
    .section .entry.stack, "aw"
    .align 4096
    .globl hv_stack, hv_stack_top, entry_frame_page
hv_stack:
    .space HV_STACK_SIZE
entry_frame_page:
    .space UREGS_SIZE
hv_stack_top:
    .space 4096 - UREGS_SIZE
