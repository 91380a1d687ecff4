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
 * guest's reach.  Nothing is copied on the way in or out.
 *
 * In:  the hypercall gate (0x82) enters at tramp_entry, which saves the
 *      registers, loads the full page directory (tramp_full_cr3) and the
 *      hypervisor's data segments, and calls hypercall_table[%eax] directly
 *      with the guest's %ebx..%edi as arguments.  Every other vector has a stub
 *      that makes the stack look the same (an error-code word with the vector
 *      in its upper half) and joins at .Ltrap_entry, which does the same
 *      saving and calls do_entry() in C (arch/x86/traps.c).
 *
 * Out: ret_to_guest makes one pass over the frame: if no vCPU switch is
 *      asked for, no event upcall is due and the return address is inside the
 *      guest's segments, the guest's segments are reloaded, tramp_exit loads
 *      the guest root and irets.  Otherwise leave_hypervisor() (hv/exit.c)
 *      does that work first (it may replace the whole frame with another
 *      vCPU's).
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
    jmp .Ltrap_entry
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
 * guest's data segments in the frame and load the hypervisor's.  %ss is
 * already the hypervisor's (from the TSS), so memory operands name it until
 * %ds is loaded.  \scratch is a register already saved.
 */
.macro ENTER_HYPERVISOR scratch
    movl %ss:tramp_full_cr3, \scratch
    movl \scratch, %cr3
    movw %ds, UREGS_ds(%esp)
    movw %es, UREGS_es(%esp)
    movw %fs, UREGS_fs(%esp)
    movw %gs, UREGS_gs(%esp)
    movl $__HYPERVISOR_DS, \scratch
    movl \scratch, %ds
    movl \scratch, %es
.endm

/*
 * The hypercall gate.  The guest's %ebx..%edi are still in their registers
 * after saving, so they are pushed once more as the handler's arguments: the
 * handler may write its argument slots (C allows it), never the frame.  The
 * result goes to the frame's %eax; a continuation's result is the call's own
 * number (hv/hypercall.c: hypercall_continue()).
 */
    .globl tramp_entry
tramp_entry:
    pushl $(ASM_HYPERCALL_VECTOR << 16)
    cld
    SAVE_GPRS
    ENTER_HYPERVISOR %ebp
    movl current_counters, %ebp
    addl $1, PVLAB_hv_entries(%ebp)
    adcl $0, PVLAB_hv_entries+4(%ebp)
    addl $1, PVLAB_hypercalls(%ebp)
    adcl $0, PVLAB_hypercalls+4(%ebp)
    cmpl $NR_HYPERCALLS, %eax
    jae .Lno_such_hypercall
    pushl %edi
    pushl %esi
    pushl %edx
    pushl %ecx
    pushl %ebx
    call *hypercall_table(,%eax,4)
    addl $20, %esp
    testl %eax, %eax
    js .Lhypercall_error
.Lhypercall_result:
    movl %eax, UREGS_eax(%esp)
    jmp ret_to_guest
.Lno_such_hypercall:
    movl $-XEN_ENOSYS, %eax
.Lhypercall_error:
    movl current_counters, %ebp
    addl $1, PVLAB_hypercall_errors(%ebp)
    adcl $0, PVLAB_hypercall_errors+4(%ebp)
    jmp .Lhypercall_result

/*
 * Every other vector.  On the stack: error word, eip, cs, eflags [, esp, ss].
 * From a guest that is the frame, filling down to the page's first byte.
 */
.Ltrap_entry:
    cld
    testb $3, (UREGS_cs - UREGS_error_code)(%esp)
    jz .Lfrom_ring0
    SAVE_GPRS
    ENTER_HYPERVISOR %eax
    jmp .Lcall_handler
.Lfrom_ring0:
    /* The hypervisor itself was interrupted, on its own stack.  Only in the
     * last few instructions of tramp_exit can the guest root still be loaded
     * (then %esp is inside the frame, and the one word pushed here fits). */
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
.Lcall_handler:
    pushl %esp
    call *entry_handler /* do_entry, or do_entry_traced while the trace runs */
    addl $4, %esp
    jmp ret_from_entry

/* With the frame restored but for the general registers: the last steps out. */
tramp_exit:
    movl %ss:tramp_guest_cr3, %eax
    movl %eax, %cr3
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

    .text
    .globl ret_from_entry
ret_from_entry:
    testb $3, UREGS_cs(%esp)
    jz restore_regs
/*
 * Back to the guest in the frame.  The one pass: nothing is left to do if no
 * switch is asked for, the return address is inside the guest's segments
 * (beyond them a real CPU would refuse the iret; QEMU would not) and no
 * upcall is due (pending and not masked).  Else leave_hypervisor() does it.
 */
ret_to_guest:
    cmpl $0, need_resched
    jne .Lexit_work
    cmpl $HYPERVISOR_VIRT_START, UREGS_eip(%esp)
    jae .Lexit_work
    movl current_vcpu_info, %eax
    cmpb $0, VCPU_INFO_upcall_pending(%eax)
    jne .Lupcall_pending
.Lload_gs:
    movw UREGS_gs(%esp), %gs
.Lload_fs:
    movw UREGS_fs(%esp), %fs
.Lload_es:
    movw UREGS_es(%esp), %es
.Lload_ds:
    movw UREGS_ds(%esp), %ds
    jmp tramp_exit
.Lupcall_pending:
    cmpb $0, VCPU_INFO_upcall_mask(%eax)
    jne .Lload_gs
.Lexit_work:
    pushl %esp
    call leave_hypervisor
    addl $4, %esp
    jmp .Lload_gs

restore_regs:
    popl %ebx
    popl %ecx
    popl %edx
    popl %esi
    popl %edi
    popl %ebp
    popl %eax
    addl $4, %esp
    iret

    /* A guest segment that will not load is replaced by the null selector. */
.Lfix_gs:
    xorl %eax, %eax
    movl %eax, %gs
    jmp .Lload_fs
.Lfix_fs:
    xorl %eax, %eax
    movl %eax, %fs
    jmp .Lload_es
.Lfix_es:
    xorl %eax, %eax
    movl %eax, %es
    jmp .Lload_ds
.Lfix_ds:
    xorl %eax, %eax
    movl %eax, %ds
    jmp tramp_exit
    /* An iret the CPU refuses cannot be repaired: the domain is crashed. */
.Lfix_iret:
    movl $__HYPERVISOR_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    movl $FRAME, %esp
    call crash_on_bad_iret

    .section .ex_table, "a"
    .long .Lload_gs, .Lfix_gs
    .long .Lload_fs, .Lfix_fs
    .long .Lload_es, .Lfix_es
    .long .Lload_ds, .Lfix_ds
    .long .Liret, .Lfix_iret
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
    jmp .Lexit_work

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

/*
 * The hypervisor stack, ending with the guest frame.  hv_stack_top is the end
 * of the frame, 68 bytes into the last page: the guest root maps that page
 * (arch/x86/hv_mappings.c), so the CPU can push a guest's trap frame into it
 * (TSS.esp0 = hv_stack_top - 16, leaving room for es, ds, fs and gs), but not
 * the HV_STACK_SIZE bytes below it, where the hypervisor's C code runs.  The
 * rest of the page is never used.  At boot, before the entry area is mapped,
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
