/*
 * native_haps.S - a tiny native kernel whose marker windows hold exactly known
 * events, to check the lab's QEMU plugin (tests/instrument_tests.py).
 *
 * It boots from multiboot straight onto the bare (emulated) machine, with no
 * hypervisor: ring 0 kernel at 0xC0100000 (4 MiB pages: the same physical
 * 4 MiB is mapped there for the kernel and at 0 for user code), a ring 3
 * "user program" that runs at its physical address, an IDT with gates for
 * int $0x30 (kernel only), int $0x80 and int $0x82 (callable from ring 3),
 * and the sysenter MSRs.  Then it runs three windows, each between two
 * `xchg %bx,%bx` markers, and prints the parameters of each on the serial
 * line so the test predicts the plugin's counts from them, not from the
 * plugin:
 *
 *   window 1: K writes of CR3 (two registers), C `int $0x30` from ring 0,
 *             then one trip to ring 3 (iret), where the user program makes A
 *             `int $0x80` system calls (each iret'ed back), S sysenter /
 *             sysexit round trips, and returns for good with `int $0x82`.
 *             Mode changes: 2 + 2A + 2S; irets: C + 1 + A.
 *   windows 2 and 3: a sweep that reads a buffer with a fixed stride, several
 *             times over, in a 64-byte-aligned loop with no other memory
 *             access, so the D-cache hit rates follow from the buffer size.
 *
 * It ends by powering the machine off (ACPI, exit status 0).  Any unexpected
 * interrupt or fault prints a line and exits through isa-debug-exit (status 3).
 */
#define KBASE      0xC0000000
#define PA(x)      ((x) - KBASE)
#define SEL_KCODE  0x08
#define SEL_KDATA  0x10
#define SEL_UCODE  0x1b /* 0x18, RPL 3: SYSENTER_CS + 16, as sysexit requires */
#define SEL_UDATA  0x23 /* 0x20, RPL 3: SYSENTER_CS + 24 */
#define SEL_TSS    0x28
#define COM1       0x3f8
#define GATE_KERN  0x8e /* present, DPL 0, 32-bit interrupt gate */
#define GATE_USER  0xee /* present, DPL 3 */

#define K_CR3      12  /* even: the loop writes CR3 twice per turn */
#define C_INT30    3
#define A_INT80    7
#define S_SYSENTER 5
#define SWEEP2_BYTES  98304 /* window 2: 96 KiB, stride 16, 3 passes */
#define SWEEP2_STRIDE 16
#define SWEEP2_PASSES 3
#define SWEEP3_BYTES  196608 /* window 3: 192 KiB, stride 32, 3 passes */
#define SWEEP3_STRIDE 32
#define SWEEP3_PASSES 3

#define XSTR(x) STR(x)
#define STR(x)  #x

    .section .multiboot, "a"
    .p2align 2
    .long 0x1BADB002, 0, -0x1BADB002 /* magic, flags (an ELF: no address fields), checksum */

    .text
    .globl start
/* Entered at start_phys with paging off: only position-independent code until `high`. */
start:
    cli
    movl %cr4, %ecx
    orl $0x10, %ecx /* PSE: 4 MiB pages */
    movl %ecx, %cr4
    movl $PA(boot_pgdir), %eax
    movl %eax, %cr3
    movl %cr0, %ecx
    orl $0x80000000, %ecx
    movl %ecx, %cr0
    movl $high, %ecx
    jmp *%ecx
high:
    lgdt gdt_desc
    ljmp $SEL_KCODE, $1f
1:  movl $SEL_KDATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %eax, %fs
    movl %eax, %gs
    movl $kstack_top, %esp
    call setup_tss
    call setup_idt
    call setup_sysenter
    movl $msg_hello, %esi
    call puts
    call window_haps
    movl $msg_sweep1, %esi
    call puts
    movl $sweep_buf, %ebx
    movl $SWEEP2_BYTES, %ebp
    movl $SWEEP2_STRIDE, %edi
    movl $SWEEP2_PASSES, %edx
    call sweep
    movl $msg_sweep2, %esi
    call puts
    movl $sweep_buf, %ebx
    movl $SWEEP3_BYTES, %ebp
    movl $SWEEP3_STRIDE, %edi
    movl $SWEEP3_PASSES, %edx
    call sweep
    movl $msg_done, %esi
    call puts
    movw $0x2000, %ax /* ACPI S5 on QEMU's i440fx: power off, exit status 0 */
    movw $0x604, %dx
    outw %ax, %dx
2:  hlt
    jmp 2b

/* ---------------------------------------------------------------- the windows */

window_haps:
    movl %cr3, %eax
    movl %eax, %edx
    movl $(K_CR3 / 2), %ecx
    xchg %bx, %bx /* window 1 starts */
1:  movl %eax, %cr3
    movl %edx, %cr3
    decl %ecx
    jnz 1b
    movl $C_INT30, %ecx
2:  int $0x30
    decl %ecx
    jnz 2b
    call enter_user
    xchg %bx, %bx /* window 1 ends */
    ret

/* Read [%ebx, %ebx + %ebp) every %edi bytes, %edx times, inside one window. */
    .p2align 6
sweep:
    xchg %bx, %bx
    leal (%ebx, %ebp), %ebp
1:  movl %ebx, %esi
2:  movl (%esi), %eax
    addl %edi, %esi
    cmpl %ebp, %esi
    jb 2b
    decl %edx
    jnz 1b
    xchg %bx, %bx
    ret

/* Run the user program in ring 3; returns when it executes int $0x82. */
enter_user:
    movl %esp, saved_kernel_esp
    pushl $SEL_UDATA
    pushl $PA(user_stack_top)
    pushfl
    pushl $SEL_UCODE
    pushl $PA(user_program)
    iret

/* Ring 3, at its physical address (the identity-mapped 4 MiB). */
    .p2align 6
user_program:
    movl $A_INT80, %esi
1:  int $0x80
    decl %esi
    jnz 1b
    movl $S_SYSENTER, %edi
2:  movl %esp, %ecx /* sysexit returns to %edx with %esp = %ecx */
    movl $PA(3f), %edx
    sysenter
3:  decl %edi
    jnz 2b
    int $0x82

/* ---------------------------------------------------------------- handlers */

int30_entry: /* from ring 0 */
    iret
int80_entry: /* a system call that does nothing */
    iret
sysenter_entry:
    sysexit
int82_entry: /* the user program is done: back to enter_user's caller */
    movl $SEL_KDATA, %eax /* the iret to ring 3 cleared %ds and %es */
    movl %eax, %ds
    movl %eax, %es
    movl saved_kernel_esp, %esp
    ret
unexpected:
    movl $SEL_KDATA, %eax
    movl %eax, %ds
    movl $msg_unexpected, %esi
    call puts
    movb $1, %al /* isa-debug-exit: exit status 3 */
    outb %al, $0xf4
    hlt

/* ---------------------------------------------------------------- setup */

setup_tss:
    movl $tss_desc, %edi
    movl $tss, %eax
    movw $103, (%edi)
    movw %ax, 2(%edi)
    shrl $16, %eax
    movb %al, 4(%edi)
    movb $0x89, 5(%edi) /* present, DPL 0, available 32-bit TSS */
    movb $0, 6(%edi)
    movb %ah, 7(%edi)
    movl $trap_stack_top, tss + 4 /* esp0 */
    movl $SEL_KDATA, tss + 8      /* ss0 */
    movw $104, tss + 102          /* no I/O bitmap */
    movw $SEL_TSS, %ax
    ltr %ax
    ret

/* Gate %eax -> handler %edx with type byte %cl. */
set_gate:
    leal idt(, %eax, 8), %eax
    movw %dx, (%eax)
    movw $SEL_KCODE, 2(%eax)
    movb $0, 4(%eax)
    movb %cl, 5(%eax)
    shrl $16, %edx
    movw %dx, 6(%eax)
    ret

setup_idt:
    xorl %ebx, %ebx
1:  movl %ebx, %eax
    movl $unexpected, %edx
    movb $GATE_KERN, %cl
    call set_gate
    incl %ebx
    cmpl $256, %ebx
    jb 1b
    movl $0x30, %eax
    movl $int30_entry, %edx
    movb $GATE_KERN, %cl
    call set_gate
    movl $0x80, %eax
    movl $int80_entry, %edx
    movb $GATE_USER, %cl
    call set_gate
    movl $0x82, %eax
    movl $int82_entry, %edx
    movb $GATE_USER, %cl
    call set_gate
    lidt idt_desc
    ret

setup_sysenter:
    xorl %edx, %edx
    movl $0x174, %ecx /* IA32_SYSENTER_CS */
    movl $SEL_KCODE, %eax
    wrmsr
    movl $0x175, %ecx /* IA32_SYSENTER_ESP */
    movl $sysenter_stack_top, %eax
    wrmsr
    movl $0x176, %ecx /* IA32_SYSENTER_EIP */
    movl $sysenter_entry, %eax
    wrmsr
    ret

/* Print the NUL-terminated string at %esi on COM1. */
puts:
    pushl %eax
    pushl %edx
    movw $COM1, %dx
1:  lodsb
    testb %al, %al
    jz 2f
    outb %al, %dx
    jmp 1b
2:  popl %edx
    popl %eax
    ret

/* ---------------------------------------------------------------- data */

    .data
    .p2align 12
boot_pgdir:
    .long 0x00000087 /* 0-4 MiB at 0: present, writable, user, 4 MiB page */
    .fill 767, 4, 0
    .long 0x00000083 /* the same 4 MiB at 0xC0000000, kernel only */
    .fill 255, 4, 0

gdt:
    .quad 0
    .quad 0x00cf9a000000ffff /* 0x08 kernel code */
    .quad 0x00cf92000000ffff /* 0x10 kernel data */
    .quad 0x00cffa000000ffff /* 0x18 user code */
    .quad 0x00cff2000000ffff /* 0x20 user data */
tss_desc:
    .quad 0 /* 0x28, filled by setup_tss */
gdt_end:
gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt
idt_desc:
    .word 256 * 8 - 1
    .long idt

msg_hello:
    .ascii "native_haps: window=1 cr3_writes=", XSTR(K_CR3), " int_other=", XSTR(C_INT30)
    .ascii " int80=", XSTR(A_INT80), " sysenter=", XSTR(S_SYSENTER), "\n\0"
msg_sweep1:
    .ascii "native_haps: window=2 sweep bytes=", XSTR(SWEEP2_BYTES), " stride=", XSTR(SWEEP2_STRIDE)
    .ascii " passes=", XSTR(SWEEP2_PASSES), "\n\0"
msg_sweep2:
    .ascii "native_haps: window=3 sweep bytes=", XSTR(SWEEP3_BYTES), " stride=", XSTR(SWEEP3_STRIDE)
    .ascii " passes=", XSTR(SWEEP3_PASSES), "\n\0"
msg_done:
    .asciz "native_haps: done\n"
msg_unexpected:
    .asciz "native_haps: unexpected interrupt or fault\n"

    .bss
    .p2align 12
idt:
    .space 256 * 8
tss:
    .space 104
saved_kernel_esp:
    .space 4
    .p2align 12
    .space 4096
kstack_top:
    .space 4096
trap_stack_top: /* ring 3 -> 0 through the IDT */
    .space 4096
sysenter_stack_top:
    .space 4096
user_stack_top:
    .p2align 12
sweep_buf:
    .space SWEEP3_BYTES /* the larger sweep */
