/*
 * console.h - the hypervisor's log: printk to the serial line and to a
 * memory ring that dom0 can read back, and panic for hypervisor bugs.
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <stddef.h>

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void console_write(const char *s, size_t n);

#define BUG_ON(c)                                                                                  \
    do {                                                                                           \
        if (c)                                                                                     \
            panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__);                                  \
    } while (0)

#endif
