/*
 * mark - execute the lab's marker instruction, `xchg %bx,%bx` (Simics'
 * magic-instruction convention), once.  The lab's QEMU plugin closes a window
 * of counts at each marker, so `mark; COMMAND; mark` measures COMMAND from
 * outside the machine (docs/instruments.md).  Outside the plugin it does
 * nothing: exchanging a register with itself.
 */
int main(void)
{
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory");
    return 0;
}
