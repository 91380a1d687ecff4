/*
 * bench.h - the path-length benchmarks (bench.c) and what the benchmarks
 * have a domain do at boot (bench_scripts.c).
 */
#ifndef MINIOS_BENCH_H
#define MINIOS_BENCH_H

#include <stdint.h>

extern uint64_t prompt_tsc; /* TSC when the domain was ready for its first prompt */
extern uint64_t start_tsc;  /* TSC at minios's first instruction (kernel.c) */
void run_benchmarks(void);
void bench_page_fault(void); /* a kernel #PF round trip, in every mode */

/* bench_scripts.c: what the command line asks for at boot, before the first process (bench,
 * evtping, a domU's blkbench); dom0's script for /bin/sh to type first, or NULL. */
void boot_benchmarks(void);
const char *dom0_bench_script(void);
const char *dbench_bench_script(void); /* dbenchbench=T: make bench's dbench runs, any mode */

#endif
