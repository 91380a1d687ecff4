/*
 * entry.S - every way into and out of the hypervisor.
 *
 * While a guest runs, CR3 holds the per-CPU guest root (arch/x86/hv_mappings.c):
 * the guest's own mappings plus the entry area, and nothing else of the
 * hypervisor.  So the first instructions after a trap, and the last before an
 * iret to a guest, live in the entry area (section .entry.text) and run on the
 * small entry stack there.
 *
 * In:  each IDT vector has a stub that makes the stack look the same (an
 *      error-code word, with the vector number in its upper half) and jumps to
 *      tramp_entry.  From a guest, tramp_entry loads the full page directory
 *      (tramp_full_cr3), moves the hardware frame to the top of the hypervisor
 *      stack and continues in common_entry, which saves the general registers
 *      below it: the whole frame is then a struct cpu_user_regs at the top of
 *      the hypervisor stack.  It switches to the hypervisor's data segments and
 *      calls do_entry() in C.
 *
 * Out: for a guest frame, leave_hypervisor() first runs the scheduler and
 *      delivers pending events (it may replace the whole frame with another
 *      vCPU's).  Then the frame is copied to the entry stack, the guest's
 *      segments are reloaded, and tramp_exit loads the guest root and irets.
 *
 * Tour 22/37 - after hv/chain.c, before arch/x86/traps.c.
 */
#include <public/arch-x86_32.h>
#include <hv/uregs.h> /* UREGS_*: offsets in struct cpu_user_regs, checked by the compiler */
/* Where the hardware part of a guest frame (error word .. ss) sits on each stack. */
#define HV_FRAME     (hv_stack_top - UREGS_SIZE)
#define ENTRY_FRAME  (entry_stack_top - UREGS_SIZE)

    .section .entry.text, "ax"

.macro VECTOR n, has_error_code
    .globl vector_\n
vector_\n:
    .if \has_error_code == 0
    pushl $0
    .endif
    movw $\n, 2(%esp)
    jmp tramp_entry
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
    /* The hypercall gate. */
    VECTOR 130, 0

/*
 * On the stack: error word, eip, cs, eflags [, esp, ss].  %ss is the
 * hypervisor's data segment (from the TSS, or already so in ring 0); %ds may
 * still be the guest's, so every memory operand here names %ss.
 */
tramp_entry:
    cld
    testb $3, (UREGS_cs - UREGS_error_code)(%esp)
    jz .Lfrom_ring0
    /* From a guest: on the entry stack, under the guest root. */
    pushl %eax
    movl %ss:tramp_full_cr3, %eax
    movl %eax, %cr3
    .irp off, 0, 4, 8, 12, 16, 20
    movl %ss:4+\off(%esp), %eax
    movl %eax, %ss:HV_FRAME+UREGS_error_code+\off
    .endr
    popl %eax
    movl $(HV_FRAME + UREGS_error_code), %esp
    jmp common_entry
.Lfrom_ring0:
    /* The hypervisor itself was interrupted.  Only in the last few
     * instructions of tramp_exit can the guest root still be loaded. */
    pushl %eax
    movl %cr3, %eax
    cmpl %ss:tramp_guest_cr3, %eax
    jne 1f
    movl %ss:tramp_full_cr3, %eax
    movl %eax, %cr3
1:  popl %eax
    jmp common_entry

/* On the entry stack with the guest's registers in a struct cpu_user_regs. */
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
common_entry:
    pushl %eax
    pushl %ebp
    pushl %edi
    pushl %esi
    pushl %edx
    pushl %ecx
    pushl %ebx
    testb $3, UREGS_cs(%esp)
    jz 1f
    movw %ds, UREGS_ds(%esp)
    movw %es, UREGS_es(%esp)
    movw %fs, UREGS_fs(%esp)
    movw %gs, UREGS_gs(%esp)
    /* Always, even from ring 0: a fault on the way out (a guest segment or the
     * iret refused) arrives with the guest's segments already loaded. */
1:  movl $__HYPERVISOR_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    pushl %esp
    call *entry_handler /* do_entry, or do_entry_traced while the trace runs */
    addl $4, %esp
    .globl ret_from_entry
ret_from_entry:
    testb $3, UREGS_cs(%esp)
    jz restore_regs
    pushl %esp
    call leave_hypervisor
    addl $4, %esp
    /* Move the frame to the entry stack, which the guest root maps too. */
    movl %esp, %esi
    movl $ENTRY_FRAME, %edi
    movl $UREGS_WORDS, %ecx
    rep movsl
    movl $ENTRY_FRAME, %esp
.Lload_gs:
    movw UREGS_gs(%esp), %gs
.Lload_fs:
    movw UREGS_fs(%esp), %fs
.Lload_es:
    movw UREGS_es(%esp), %es
.Lload_ds:
    movw UREGS_ds(%esp), %ds
    jmp tramp_exit
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
    movl $(hv_stack_top - UREGS_SIZE), %esp
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
    movl $(hv_stack_top - UREGS_SIZE), %esp
    jmp *%eax

/* return_to_guest(): leave through the normal exit path with the guest frame. */
    .globl return_to_guest
return_to_guest:
    movl $(hv_stack_top - UREGS_SIZE), %esp
    jmp ret_from_entry

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

/* The entry stack: the CPU pushes a guest's trap frame here (TSS.esp0). */
    .section .entry.stack, "aw"
    .align 4096
    .globl entry_stack, entry_stack_top
entry_stack:
    .space 4096
entry_stack_top: /* TSS.esp0 is 16 bytes below: room for es, ds, fs, gs */
