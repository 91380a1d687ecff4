/*
 * marker.c - mark a window from Linux user space: execute `xchg %bx,%bx`
 * once and exit (the lab's /init runs it before and after dbench).
 *
 * The lab's QEMU plugins treat `xchg %bx,%bx` (66 87 DB, Simics' and Bochs'
 * magic instruction) as a marker: pvlab-cache starts or ends a window there
 * and lab/plugin/gate.c counts it to know where a checkpoint goes.  Linux's
 * user space has no such instruction, so /init runs this program at the same
 * points where minios executes it itself.  A marker program rather than the
 * plugin's marker_pc= or a fixed window after a console line: it is exact
 * (the marker is an instruction in the guest's own instruction stream, so
 * it lands at the same place in every run) and needs nothing from Linux.
 *
 * Built with gcc -m32 -static -nostdlib -nostartfiles: no libc, 2 system
 * calls' worth of code.  It is linked at 0x0a000000 (-Ttext) so its
 * instructions sit at an address no other program on the lab's initramfs
 * uses, which keeps an address breakpoint on it unambiguous.
 */
void _start(void) __attribute__((noreturn));

void _start(void)
{
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory");
    /* exit(0) with int $0x80: eax = __NR_exit (1), ebx = status */
    __asm__ volatile("int $0x80" ::"a"(1), "b"(0));
    for (;;)
        ;
}
