/*
 * xtf.h - a tiny test framework for hostile-guest tests, after the Xen Test
 * Framework.  Each test is one small guest: minios's core plus one file that
 * defines test_title and test_main().  The framework prints the title, runs
 * the test, and prints exactly one verdict line:
 *
 *     XTF: <name>: SUCCESS
 *     XTF: <name>: FAILURE: <first thing the hypervisor got wrong>
 *     XTF: <name>: ERROR: <the test's own setup broke, so nothing was tested>
 *     XTF: <name>: SKIP: <what this machine lacks>
 *
 * as the Xen Test Framework does; a failure outranks an error, an error a
 * skip.  tests/run_tests.py passes SUCCESS and SKIP and reports the rest.
 */
#ifndef XTF_H
#define XTF_H

#include <os.h>

extern const char test_title[];
void test_main(void);

/* Record a failure (the first one is reported in the verdict). */
void xtf_failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Record that the test's own setup broke: its result would mean nothing. */
void xtf_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Record that the test cannot run here (and why). */
void xtf_skip(const char *why);

/* Check that a hypercall returned `want`; a mismatch is a failure. */
void expect_rc(long rc, long want, const char *what);
/* Check that a hypercall failed (any negative errno). */
void expect_refused(long rc, const char *what);

/* For the domU tests that play a split device's frontend: the xenbus state in directory dir
 * (its "state" key; 0 if it has none), and a wait of up to 5 s for it to be `want` (0, or -1). */
uint32_t xtf_xenbus_state(const char *dir);
int xtf_wait_xenbus_state(const char *dir, uint32_t want);
/* The first virtual disk's frontend directory (dir, 48 bytes), its backend's (backend, 64) and
 * the backend's domain, once the backend waits for us (InitWait): 0, or -1. */
int xtf_find_vbd(char *dir, char *backend, domid_t *be);

/* Remap one of our pages read-only (before it may become a page table). */
void make_page_readonly(void *va);

/* This domain's hypervisor counters. */
struct pvlab_counters read_counters(void);

/*
 * TRY_INSN(asm) runs one instruction; if it faults, the fault is bounced to
 * minios, which resumes after it through the exception table.  Evaluates to
 * the vector of the fault, or -1 if the instruction completed.
 */
#define TRY_INSN(insn, ...)                                                                        \
    ({                                                                                             \
        uint32_t __before = faults_fixed_up;                                                       \
        __asm__ volatile("1: " insn "\n2:\n"                                                       \
                         ".pushsection .ex_table, \"a\"\n.long 1b, 2b\n.popsection" __VA_ARGS__);  \
        faults_fixed_up != __before ? (int)last_fault_vector : -1;                                 \
    })

#define VEC_GP 13
#define VEC_PF 14
#define VEC_UD 6

#endif
