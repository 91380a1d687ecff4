/*
 * console.h - the hypervisor's log: printk to the serial line and to a
 * memory ring that dom0 can read back, and panic for hypervisor bugs.
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <public/xen.h>

/* An unprivileged domain's use of the console (hv/console.c: console_write_guest). */
struct guest_console {
    uint32_t budget;      /* bytes it may still write now */
    uint64_t refilled_at; /* ns */
    uint32_t dropped;     /* bytes over budget since the last report */
    uint64_t reported_at; /* ns */
    int mid_line;         /* its last byte was not a newline */
};

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void console_write(const char *s, size_t n);
uint32_t console_rx_read(char *dst, uint32_t n);  /* dom0's console input, for console_io */
uint32_t console_read_log(char *dst, uint32_t n); /* the log, for sysctl readconsole */
void console_write_guest(domid_t domid, struct guest_console *gc, const char *s, size_t n,
                         uint64_t now);
void console_guest_report(domid_t domid, struct guest_console *gc, uint64_t now);

#define BUG_ON(c)                                                                                  \
    do {                                                                                           \
        if (c)                                                                                     \
            panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__);                                  \
    } while (0)

#endif
