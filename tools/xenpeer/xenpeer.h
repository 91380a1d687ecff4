/*
 * xenpeer.h - what the two halves of bench-xen's measurement share: the
 * kernel module (module/xenpeer.c) and the user program (xenpeer_user.c)
 * both run every path XENPEER_REPEATS times, each a window of XENPEER_N
 * round trips between two `xchg %bx,%bx` markers, and print one line per
 * window in this format (read by xenpeer_report.py).
 */
#ifndef XENPEER_H
#define XENPEER_H

#define XENPEER_N       1000
#define XENPEER_REPEATS 3
#define XENPEER_LINE    "xenpeer: window name=%s n=%d check=%ld\n"

#endif
