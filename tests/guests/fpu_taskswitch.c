/*
 * fpu_taskswitch - a guest's own CR0.TS, for lazy FPU switching between its
 * processes (Xen's hypercall 5; the FPU-state class of issue 14's defect 2).
 * Without it no #NM reaches the guest: the hypervisor's own lazy switching
 * is invisible.  With the guest's TS set, its next FPU instruction raises #NM
 * in the guest exactly once - the guest's TS is cleared as the fault is
 * delivered, so the instruction then runs - also after a yield to other
 * domains, and with the x87 registers the guest had before (nobody else's).
 * Setting then clearing it raises nothing; any non-zero argument means set.
 */
#include "xtf.h"

const char test_title[] = "fpu_taskswitch: the guest's own CR0.TS raises #NM in it once (FPU "
                          "state) (XSA-190s' lazy-FPU class)";

static volatile uint32_t nm_seen;

static int count_nm(struct trap_frame *f)
{
    (void)f;
    nm_seen++;
    return 1; /* #NM is a fault: returning re-executes the instruction, now with TS clear */
}

static uint32_t nm_after(const char *what, long set_rc, void (*use)(void))
{
    if (set_rc != 0)
        xtf_failure("%s: fpu_taskswitch returned %ld", what, set_rc);
    uint32_t before = nm_seen;
    use();
    return nm_seen - before;
}

static void fld1_fstp(void)
{
    __asm__ volatile("fld1; fstp %%st(0)" ::: "memory");
}

static void expect_nm(const char *what, uint32_t got, uint32_t want)
{
    if (got != want)
        xtf_failure("%s: %u #NM in the guest, expected %u", what, got, want);
}

void test_main(void)
{
    set_trap_hook(7, count_nm);
    __asm__ volatile("fninit" ::: "memory");
    expect_nm("no TS of its own", nm_after("none", 0, fld1_fstp), 0);
    expect_nm("TS set", nm_after("set", HYPERVISOR_fpu_taskswitch(1), fld1_fstp), 1);
    expect_nm("the next instruction", nm_after("after", 0, fld1_fstp), 0);
    long rc = HYPERVISOR_fpu_taskswitch(1);
    expect_nm("set then cleared",
              nm_after("clear", rc ? rc : HYPERVISOR_fpu_taskswitch(0), fld1_fstp), 0);
    expect_nm("set with -1", nm_after("-1", HYPERVISOR_fpu_taskswitch(-1), fld1_fstp), 1);

    /* 1 + 1 on the x87 stack, TS set, other domains run: the guest's #NM, then its own 2. */
    int32_t two = 0;
    __asm__ volatile("fld1; fld1; faddp" ::: "memory");
    if (HYPERVISOR_fpu_taskswitch(1))
        xtf_failure("fpu_taskswitch(1) refused");
    for (int i = 0; i < 3; i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    uint32_t before = nm_seen;
    __asm__ volatile("fistpl %0" : "=m"(two)::"memory");
    expect_nm("after yields", nm_seen - before, 1);
    if (two != 2)
        xtf_failure("the x87 stack held %d after the #NM, expected 2", (int)two);
}
