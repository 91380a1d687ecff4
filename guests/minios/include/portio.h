/*
 * portio.h - x86 port I/O for the drivers that touch ports themselves: the
 * bare machine's devices (arch/native/) and the IDE disk (ide.c), which dom0
 * drives through ports the hypervisor grants it and a native boot drives
 * directly.
 */
#ifndef MINIOS_PORTIO_H
#define MINIOS_PORTIO_H

#include <stdint.h>

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

#endif
