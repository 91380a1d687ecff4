/*
 * lib.h - the small freestanding C library shared by the hypervisor and
 * minios: memory and string helpers and a vsnprintf.  Neither has a libc;
 * this is all of it.
 */
#ifndef LIB_H
#define LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strncpy(char *dst, const char *src, size_t n);
size_t strlcpy(char *dst, const char *src, size_t size);
unsigned long strtoul(const char *s, const char **end, int base);
/* Parses "64", "64M", "512K", "1G" into bytes; returns 0 on a malformed size. */
uint64_t parse_size(const char *s, const char **end);

/* TSC ticks to nanoseconds: ((delta << shift) * mul) >> 32, as in vcpu_time_info. */
uint64_t scale_delta(uint64_t delta, uint32_t mul, int8_t shift);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The time-stamp counter: under QEMU's -icount shift=0, instructions since reset. */
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)     ((a) < (b) ? (a) : (b))
#define MAX(a, b)     ((a) > (b) ? (a) : (b))
#define ROUNDUP(x, a) (((x) + (a)-1) & ~((a)-1))

#endif
