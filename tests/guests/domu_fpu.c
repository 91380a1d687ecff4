/*
 * domu_fpu - one domain's x87/MMX registers are not another's (issue 14: only
 * the general registers were switched, so a value left in %mm0 by one domain
 * was read by the next).
 *
 * xm-lite's extra= names the instance, its value and how many seconds it
 * runs: "fpu-1111-6".  It first checks that it starts from a clean FPU (%mm0 zero, control word
 * 0x037F) whatever ran before, then plants its value in %mm0 and its own
 * control word, and for a few seconds yields again and again, checking after
 * each yield that both are still its own while other instances run with
 * theirs.
 */
#include "xtf.h"

const char test_title[] =
    "FPU and MMX state is per domain, and a new domain starts clean (XSA-190s' lazy-FPU class)";

static uint64_t read_mm0(void)
{
    uint64_t v;
    __asm__ volatile("movq %%mm0, %0" : "=m"(v));
    return v;
}

static void write_mm0(uint64_t v)
{
    __asm__ volatile("movq %0, %%mm0" ::"m"(v));
}

static uint16_t read_fcw(void)
{
    uint16_t cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}

static void write_fcw(uint16_t cw)
{
    __asm__ volatile("fldcw %0" ::"m"(cw));
}

void test_main(void)
{
    const char *arg = start_info.cmd_line;
    while (*arg && *arg != '-')
        arg++;
    const char *end;
    uint32_t tag = strtoul(*arg ? arg + 1 : arg, &end, 16);
    uint32_t seconds = *end == '-' ? strtoul(end + 1, NULL, 10) : 3;
    uint64_t mine = ((uint64_t)tag << 32) | (tag ^ 0xA5A5A5A5u);
    uint16_t my_cw = (uint16_t)(0x0060 | ((tag & 3) << 8)); /* masks and a precision of our own */
    uint64_t first = read_mm0();
    uint16_t first_cw = read_fcw();
    if (first != 0 || first_cw != 0x037F)
        xtf_failure("started with mm0 %08x%08x and control word %04x: not a clean FPU",
                    (uint32_t)(first >> 32), (uint32_t)first, first_cw);
    write_mm0(mine);
    write_fcw(my_cw);
    uint64_t start = monotonic_ns();
    uint32_t yields = 0;
    while (monotonic_ns() - start < seconds * 1000000000ull) {
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        yields++;
        uint64_t now = read_mm0();
        if (now != mine || read_fcw() != my_cw) {
            xtf_failure("after %u yields mm0 is %08x%08x, control word %04x", yields,
                        (uint32_t)(now >> 32), (uint32_t)now, read_fcw());
            break;
        }
    }
    __asm__ volatile("emms");
    printf("%s: %u yields\n", start_info.cmd_line, yields);
}
