/*
 * user.h - running code in ring 3 (user.c, usermode.S).
 */
#ifndef MINIOS_USER_H
#define MINIOS_USER_H

#include <stdint.h>

/* Map the user pages and switch to the ring-3 trap stack; 0 on success. */
int user_mode_begin(void);
/* Time `iterations` null int $0x80 system calls made from ring 3; returns TSC ticks. */
uint64_t user_int80_loop_run(uint32_t iterations);
/* Back to the kernel's own trap stack. */
void user_mode_end(void);

#endif
