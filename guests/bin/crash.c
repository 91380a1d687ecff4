/*
 * crash HOW - a program that faults: null (a bad pointer), div (divide by
 * zero), ud (invalid opcode), code (a write to its own code), kernel (a jump
 * into the kernel).  minios kills it with one line; the shell carries on.
 */
#include <ulib.h>

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "null";
    volatile uint32_t zero = 0;
    printf("crash: %s\n", how);
    if (!strcmp(how, "null"))
        return *(volatile uint32_t *)zero;
    if (!strcmp(how, "div"))
        return (int)(100 / zero);
    if (!strcmp(how, "ud"))
        __asm__ volatile("ud2");
    if (!strcmp(how, "code"))
        *(volatile uint8_t *)main = 0xCC;
    if (!strcmp(how, "kernel"))
        ((void (*)(void))0xC0000000)();
    printf("crash: still alive\n");
    return 0;
}
