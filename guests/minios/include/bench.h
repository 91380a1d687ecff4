/*
 * bench.h - the path-length benchmarks (bench.c).
 */
#ifndef MINIOS_BENCH_H
#define MINIOS_BENCH_H

#include <stdint.h>

extern uint64_t prompt_tsc; /* TSC when the shell first printed its prompt */
extern uint64_t start_tsc;  /* TSC at minios's first instruction (kernel.c) */
void run_benchmarks(void);
void bench_page_fault(void); /* a kernel #PF round trip, in every mode */

#endif
