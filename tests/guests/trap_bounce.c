/*
 * trap_bounce - guest exceptions reach the guest's own handlers.  Each fault
 * is raised in ring 1 and must arrive at minios's handler for that vector,
 * through the hypervisor's bounce, with the right error code; a #PF brings
 * its faulting address in vcpu_info.arch.cr2.  int3 and into, whose gates
 * are open to guests, arrive as #BP and #OF.
 */
#include "xtf.h"

const char test_title[] =
    "exceptions are bounced to the guest's handlers (#DE #UD #BP #OF #GP #PF)";

static volatile uint32_t seen_vector, seen_error, seen_eip;

static int record(struct trap_frame *f)
{
    seen_vector = f->vector;
    seen_error = f->error_code;
    seen_eip = f->eip;
    /* #BP and #OF are traps: eip is already past the instruction, so just return. */
    return f->vector == 3 || f->vector == 4;
}

static void expect_vector(int got, int want, const char *what)
{
    if (got != want)
        xtf_failure("%s: vector %d, expected %d", what, got, want);
}

void test_main(void)
{
    static const int vectors[] = {0, 3, 4, 6, 13, 14};
    for (unsigned int i = 0; i < ARRAY_SIZE(vectors); i++)
        set_trap_hook(vectors[i], record);
    uint32_t zero = 0;

    expect_vector(TRY_INSN("divl %0", : : "r"(zero), "a"(1), "d"(0) : "memory"), 0, "divide by 0");
    expect_vector(TRY_INSN("ud2", : : : "memory"), 6, "ud2");
    expect_vector(TRY_INSN("int3", : : : "memory"), -1, "int3 (a trap: resumes by itself)");
    if (seen_vector != 3)
        xtf_failure("int3 arrived as vector %u", seen_vector);
    seen_vector = 0;
    /* into traps only when OF is set: 0x7fffffff + 1 overflows. */
    expect_vector(TRY_INSN("addl $1, %%eax; into",
                           :
                           : "a"(0x7FFFFFFF)
                           : "memory", "cc"),
                  -1, "into");
    if (seen_vector != 4)
        xtf_failure("into arrived as vector %u", seen_vector);

    /* int $0x40 has no gate a guest may use: #GP with error code (0x40 << 3) | 2. */
    expect_vector(TRY_INSN("int $0x40", : : : "memory"), 13, "int $0x40");
    if (seen_error != ((0x40 << 3) | 2))
        xtf_failure("int $0x40: #GP error code %x, expected %x", seen_error, (0x40 << 3) | 2);

    /* A write to an unmapped page: #PF, error code "write, not present, supervisor". */
    volatile uint32_t *p = (volatile uint32_t *)0x00003004;
    expect_vector(TRY_INSN("movl $1, (%0)", : : "r"(p) : "memory"), 14, "write to unmapped");
    uint32_t cr2 = HYPERVISOR_shared_info->vcpu_info[0].arch.cr2;
    if (cr2 != 0x00003004)
        xtf_failure("#PF: cr2 in vcpu_info is %08x, expected 00003004", cr2);
    if (seen_error != 0x2)
        xtf_failure("#PF: error code %x, expected 2 (write, not present)", seen_error);
}
