/*
 * test_io_decode.c - arch/x86/io_decode.c, which the hypervisor uses to carry
 * out dom0's port I/O, on the host: every form a driver uses decodes to the
 * right port, size, direction and length; everything else is refused, so the
 * guest gets its #GP.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <hv/io_decode.h>

#define DECODE(io, ...)                                                                            \
    ({                                                                                             \
        static const uint8_t b_[] = {__VA_ARGS__};                                                 \
        io_decode(b_, sizeof(b_), (io));                                                           \
    })

static void test_in_and_out_with_an_immediate_port(void **state)
{
    (void)state;
    struct io_insn io;
    assert_int_equal(DECODE(&io, 0xE4, 0x60), 2); /* in $0x60, %al */
    assert_true(io.in && !io.port_in_dx && !io.string);
    assert_int_equal(io.port, 0x60);
    assert_int_equal(io.size, 1);
    assert_int_equal(DECODE(&io, 0xE7, 0x70), 2); /* out %eax, $0x70 */
    assert_true(!io.in && io.size == 4 && io.port == 0x70);
    assert_int_equal(DECODE(&io, 0x66, 0xE5, 0x80), 3); /* in $0x80, %ax */
    assert_true(io.in && io.size == 2);
}

static void test_in_and_out_through_dx(void **state)
{
    (void)state;
    struct io_insn io;
    assert_int_equal(DECODE(&io, 0xEC), 1); /* inb (%dx) */
    assert_true(io.in && io.port_in_dx && io.size == 1);
    assert_int_equal(DECODE(&io, 0xEE), 1); /* outb (%dx) */
    assert_true(!io.in && io.size == 1);
    assert_int_equal(DECODE(&io, 0x66, 0xEF), 2); /* outw (%dx) */
    assert_true(!io.in && io.size == 2);
    assert_int_equal(DECODE(&io, 0xED), 1); /* inl (%dx) */
    assert_true(io.in && io.size == 4);
}

static void test_string_forms_with_and_without_rep(void **state)
{
    (void)state;
    struct io_insn io;
    assert_int_equal(DECODE(&io, 0x66, 0xF3, 0x6D), 3); /* rep insw: a sector */
    assert_true(io.in && io.string && io.rep && io.size == 2 && io.port_in_dx);
    assert_int_equal(DECODE(&io, 0xF3, 0x66, 0x6F), 3); /* rep outsw, prefixes swapped */
    assert_true(!io.in && io.string && io.rep && io.size == 2);
    assert_int_equal(DECODE(&io, 0x6C), 1); /* insb */
    assert_true(io.in && io.string && !io.rep && io.size == 1);
    assert_int_equal(DECODE(&io, 0x6F), 1); /* outsl */
    assert_true(!io.in && io.size == 4);
    assert_int_equal(DECODE(&io, 0x66, 0x66, 0x66, 0x66, 0xEC), 5); /* redundant prefixes */
    assert_true(io.in && io.size == 1);
}

static void test_anything_else_is_refused(void **state)
{
    (void)state;
    struct io_insn io;
    assert_int_equal(DECODE(&io, 0xFA), 0);       /* cli */
    assert_int_equal(DECODE(&io, 0xF3, 0xEC), 0); /* rep on a non-string in */
    assert_int_equal(DECODE(&io, 0x2E, 0x6E), 0); /* a segment override */
    assert_int_equal(DECODE(&io, 0xF0, 0xEE), 0); /* lock */
    assert_int_equal(DECODE(&io, 0xE4), 0);       /* the immediate is missing */
    assert_int_equal(DECODE(&io, 0x66, 0x66, 0x66, 0x66, 0x66, 0xEC), 0); /* over 4 prefixes */
    assert_int_equal(io_decode(NULL, 0, &io), 0); /* nothing could be read */
}

/* The quick test answers 1 for exactly the bytes an accepted instruction can begin with. */
static void test_first_byte_decides_most_gp(void **state)
{
    (void)state;
    struct io_insn io;
    unsigned int starters = 0;
    for (unsigned int b = 0; b < 256; b++) {
        int may = io_insn_may_start((uint8_t)b);
        starters += may != 0;
        const uint8_t tails[][3] = {{b, 0xEC, 0}, {b, 0x6C, 0}, {b, 0x60, 0}, {b, 0xF3, 0x6E}};
        int accepted = 0;
        for (unsigned int t = 0; t < 4; t++)
            accepted |= io_decode(tails[t], 3, &io) != 0;
        if (!may)
            assert_false(accepted); /* never a false "no" */
        else
            assert_true(accepted); /* and each "maybe" has an accepted instruction */
    }
    assert_int_equal(starters, 14);        /* 0x66, 0xF3, E4-E7, EC-EF, 6C-6F */
    assert_false(io_insn_may_start(0xFA)); /* cli: the #GP bounce benchmark's instruction */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_and_out_with_an_immediate_port),
        cmocka_unit_test(test_in_and_out_through_dx),
        cmocka_unit_test(test_string_forms_with_and_without_rep),
        cmocka_unit_test(test_anything_else_is_refused),
        cmocka_unit_test(test_first_byte_decides_most_gp),
    };
    return cmocka_run_group_tests_name("test_io_decode", tests, NULL, NULL);
}
