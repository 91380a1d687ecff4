/*
 * user.h - running code in ring 3 (user.c, usermode.S).
 */
#ifndef MINIOS_USER_H
#define MINIOS_USER_H

#include <stdint.h>

/* Time `iterations` null int $0x80 system calls from ring 3; TSC ticks in *cycles. */
int user_int80_bench(uint32_t iterations, uint64_t *cycles);

#endif
