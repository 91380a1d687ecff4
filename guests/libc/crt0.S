/*
 * crt0.S - where every program starts.  minios's spawn leaves argc at
 * (%esp) and a pointer to argv at 4(%esp) (proc.c: load_stack); _start calls
 * main(argc, argv) and passes its return value to exit().
 */
    .text
    .globl _start
_start:
    xorl %ebp, %ebp
    movl (%esp), %eax
    movl 4(%esp), %ecx
    andl $~15, %esp
    subl $8, %esp
    pushl %ecx
    pushl %eax
    call main
    pushl %eax
    call exit
1:  jmp 1b
