/*
 * test_x86_haps.c - the plugin's instruction classifier
 * (tools/plugin/x86_haps.c): every hap is recognised from the bytes an
 * assembler really emits for it, prefixes do not hide one, and neighbours
 * that differ by a field (mov to CR0 or CR4, mov from CR3, xchg of other
 * registers) are not mistaken for one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "x86_haps.h"

#define DECODE(...)                                                                                \
    ({                                                                                             \
        static const uint8_t b[] = {__VA_ARGS__};                                                  \
        hap_decode(b, sizeof(b));                                                                  \
    })

static void cr3_writes_from_any_register(void **state)
{
    (void)state;
    assert_int_equal(DECODE(0x0F, 0x22, 0xD8), HAP_CR3_WRITE); /* mov %eax,%cr3 */
    assert_int_equal(DECODE(0x0F, 0x22, 0xD9), HAP_CR3_WRITE); /* mov %ecx,%cr3 */
    assert_int_equal(DECODE(0x0F, 0x22, 0xDF), HAP_CR3_WRITE); /* mov %edi,%cr3 */
    assert_int_equal(DECODE(0x0F, 0x22, 0x18), HAP_CR3_WRITE); /* mod bits are ignored */
    assert_int_equal(DECODE(0x3E, 0x0F, 0x22, 0xD8), HAP_CR3_WRITE);
    assert_int_equal(DECODE(0x0F, 0x22, 0xC0), HAP_NONE); /* mov %eax,%cr0 */
    assert_int_equal(DECODE(0x0F, 0x22, 0xE0), HAP_NONE); /* mov %eax,%cr4 */
    assert_int_equal(DECODE(0x0F, 0x20, 0xD8), HAP_NONE); /* mov %cr3,%eax: a read */
    assert_int_equal(DECODE(0x0F, 0x22), HAP_NONE);       /* truncated */
}

static void software_interrupts_by_vector(void **state)
{
    (void)state;
    assert_int_equal(DECODE(0xCD, 0x80), HAP_INT80);
    assert_int_equal(DECODE(0xCD, 0x82), HAP_INT82);
    assert_int_equal(DECODE(0xCD, 0x30), HAP_INT_OTHER);
    assert_int_equal(DECODE(0xCE), HAP_INT_OTHER);
    assert_int_equal(DECODE(0xF1), HAP_INT_OTHER);
    assert_int_equal(DECODE(0xCC), HAP_INT3);
    assert_int_equal(DECODE(0xCD), HAP_NONE);
}

static void fast_system_calls_and_iret(void **state)
{
    (void)state;
    assert_int_equal(DECODE(0x0F, 0x34), HAP_SYSENTER);
    assert_int_equal(DECODE(0x0F, 0x35), HAP_SYSEXIT);
    assert_int_equal(DECODE(0xCF), HAP_IRET);
    assert_int_equal(DECODE(0x66, 0xCF), HAP_IRET); /* iretw */
    assert_int_equal(DECODE(0x0F, 0x05), HAP_NONE); /* syscall: not on i386 */
}

static void the_marker_exactly(void **state)
{
    (void)state;
    assert_int_equal(DECODE(0x66, 0x87, 0xDB), HAP_MARKER); /* xchg %bx,%bx */
    assert_int_equal(DECODE(0x87, 0xDB), HAP_NONE);         /* xchg %ebx,%ebx */
    assert_int_equal(DECODE(0x66, 0x87, 0xC9), HAP_NONE);   /* xchg %cx,%cx */
    assert_int_equal(DECODE(0x90), HAP_NONE);
    assert_int_equal(DECODE(0x66, 0x66), HAP_NONE); /* nothing after the prefixes */
}

static void sti_alone_opens_interrupts(void **state)
{
    (void)state;
    static const uint8_t sti[] = {0xFB}, cli[] = {0xFA}, hlt[] = {0xF4};
    static const uint8_t psubq[] = {0x0F, 0xFB, 0xC1}, mov_ebx[] = {0x89, 0xFB};
    assert_true(insn_is_sti(sti, sizeof(sti)));
    assert_false(insn_is_sti(cli, sizeof(cli)));
    assert_false(insn_is_sti(hlt, sizeof(hlt)));
    assert_false(insn_is_sti(psubq, sizeof(psubq)));     /* FB as a second opcode byte */
    assert_false(insn_is_sti(mov_ebx, sizeof(mov_ebx))); /* FB as a ModRM byte */
    assert_false(insn_is_sti(sti, 0));
    assert_int_equal(DECODE(0xFB), HAP_NONE); /* not a hap: counted nowhere */
}

static void names_for_the_reports(void **state)
{
    (void)state;
    assert_string_equal(hap_name(HAP_CR3_WRITE), "cr3_writes");
    assert_string_equal(hap_name(HAP_INT80), "int80");
    assert_string_equal(hap_name(HAP_SYSEXIT), "sysexit");
    assert_string_equal(hap_name(HAP_KINDS), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cr3_writes_from_any_register),
        cmocka_unit_test(software_interrupts_by_vector),
        cmocka_unit_test(fast_system_calls_and_iret),
        cmocka_unit_test(the_marker_exactly),
        cmocka_unit_test(sti_alone_opens_interrupts),
        cmocka_unit_test(names_for_the_reports),
    };
    return cmocka_run_group_tests_name("x86_haps", tests, NULL, NULL);
}
