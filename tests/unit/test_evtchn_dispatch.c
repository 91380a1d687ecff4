/*
 * test_evtchn_dispatch.c - minios's event dispatch
 * (guests/minios/include/evtchn_dispatch.h) on a shared_info page the test
 * raises ports in as the hypervisor does (hv/event_channel.c: set_pending()):
 * one port, one call; several ports pending at once, each served, lowest
 * first; a masked port left pending and not served; a port a handler raises
 * in the word being served, or in a word the selector still names, served
 * in the same call, and one raised in a word already left served by the
 * next call, which the upcall flag asks for; a pending port with no handler
 * cleared and counted; the upcall mask left alone; and a port with two
 * handlers calling both, then the one left after the other goes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <evtchn_dispatch.h>

static struct shared_info s;
static struct port_handlers t;
static volatile uint32_t count;

#define MAX_CALLS 16
static struct call {
    evtchn_port_t port;
    void *data;
} calls[MAX_CALLS];
static int ncalls;

/* What a handler raises while it runs: a port, when it is called for `when`. */
static evtchn_port_t when_port, then_raise;

static int setup(void **state)
{
    (void)state;
    memset(&s, 0, sizeof(s));
    memset(&t, 0, sizeof(t));
    memset(calls, 0, sizeof(calls));
    count = 0;
    ncalls = 0;
    when_port = then_raise = 0;
    return 0;
}

/* The hypervisor's set_pending(): pending; unless masked, the selector, and the upcall if that was
 * new. */
static void set_pending(evtchn_port_t port)
{
    uint32_t w = port / 32, bit = 1u << (port % 32);
    if (s.evtchn_pending[w] & bit)
        return;
    s.evtchn_pending[w] |= bit;
    if (s.evtchn_mask[w] & bit)
        return;
    if (!(s.vcpu_info[0].evtchn_pending_sel & (1u << w))) {
        s.vcpu_info[0].evtchn_pending_sel |= 1u << w;
        s.vcpu_info[0].evtchn_upcall_pending = 1;
    }
}

static int pending(evtchn_port_t port)
{
    return (s.evtchn_pending[port / 32] >> (port % 32)) & 1;
}

static void note(evtchn_port_t port, void *data)
{
    assert_true(ncalls < MAX_CALLS);
    assert_false(pending(port)); /* cleared before its handler runs */
    calls[ncalls++] = (struct call){port, data};
    if (when_port && port == when_port) {
        when_port = 0;
        set_pending(then_raise);
    }
}

static char first, second; /* two handlers' data */

static void bind(evtchn_port_t port, int i, evtchn_handler_t fn, void *data)
{
    t.bound[i][port] = (struct handler){fn, data};
    port_route(&t, port);
}

static void dispatch(void)
{
    evtchn_dispatch(&s, &t, &count);
}

static void test_one_pending_port_is_one_call_with_its_data(void **state)
{
    (void)state;
    bind(37, 0, note, &first);
    set_pending(37);
    dispatch();
    assert_int_equal(ncalls, 1);
    assert_int_equal(calls[0].port, 37);
    assert_ptr_equal(calls[0].data, &first);
    assert_int_equal(count, 1);
    assert_false(pending(37));
    assert_int_equal(s.vcpu_info[0].evtchn_pending_sel, 0);
    assert_int_equal(s.vcpu_info[0].evtchn_upcall_pending, 0);
}

static void test_several_ports_pending_at_once_are_each_served_lowest_first(void **state)
{
    (void)state;
    static const evtchn_port_t ports[] = {1023, 3, 100, 31, 32, 5};
    static const evtchn_port_t order[] = {3, 5, 31, 32, 100, 1023};
    for (int i = 0; i < 6; i++) {
        bind(ports[i], 0, note, NULL);
        set_pending(ports[i]);
    }
    dispatch();
    assert_int_equal(ncalls, 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(calls[i].port, order[i]);
    assert_int_equal(count, 6);
    for (int i = 0; i < 6; i++)
        assert_false(pending(ports[i]));
}

static void test_a_masked_port_stays_pending_and_is_not_served(void **state)
{
    (void)state;
    bind(40, 0, note, NULL);
    bind(41, 0, note, NULL);
    s.evtchn_mask[1] = 1u << (40 % 32);
    set_pending(41);
    set_pending(40);                        /* masked: pending only */
    s.evtchn_pending[1] |= 1u << (42 % 32); /* pending too, but no handler was ever bound */
    s.evtchn_mask[1] |= 1u << (42 % 32);
    dispatch();
    assert_int_equal(ncalls, 1);
    assert_int_equal(calls[0].port, 41);
    assert_true(pending(40));
    assert_true(pending(42));
    assert_int_equal(count, 1);
}

static void test_a_port_raised_in_the_word_being_served_is_served_in_the_same_call(void **state)
{
    (void)state;
    bind(70, 0, note, NULL);
    bind(66, 0, note, NULL); /* below 70 in the same word */
    when_port = 70;
    then_raise = 66;
    set_pending(70);
    dispatch();
    assert_int_equal(ncalls, 2);
    assert_int_equal(calls[0].port, 70);
    assert_int_equal(calls[1].port, 66);
    assert_int_equal(count, 2);
    assert_false(pending(66));
}

static void test_a_port_raised_in_a_word_still_named_is_served_in_the_same_call(void **state)
{
    (void)state;
    bind(2, 0, note, NULL);
    bind(200, 0, note, NULL);
    bind(201, 0, note, NULL);
    when_port = 2;
    then_raise = 201; /* word 6, which the selector still names when port 2 runs */
    set_pending(2);
    set_pending(200);
    dispatch();
    assert_int_equal(ncalls, 3);
    assert_int_equal(calls[0].port, 2);
    assert_int_equal(calls[1].port, 200);
    assert_int_equal(calls[2].port, 201);
}

static void test_a_port_raised_in_a_word_already_left_raises_the_upcall_again(void **state)
{
    (void)state;
    bind(4, 0, note, NULL);
    bind(300, 0, note, NULL);
    when_port = 300;
    then_raise = 4; /* word 0, which the call has left */
    set_pending(300);
    dispatch();
    assert_int_equal(ncalls, 1);
    assert_true(pending(4));
    assert_int_equal(s.vcpu_info[0].evtchn_upcall_pending, 1);
    assert_int_equal(s.vcpu_info[0].evtchn_pending_sel, 1);
    dispatch(); /* the caller's next look, as the upcall flag asks */
    assert_int_equal(ncalls, 2);
    assert_int_equal(calls[1].port, 4);
    assert_int_equal(s.vcpu_info[0].evtchn_upcall_pending, 0);
}

static void test_a_pending_port_with_no_handler_is_cleared_and_counted(void **state)
{
    (void)state;
    set_pending(9);
    dispatch();
    assert_int_equal(ncalls, 0);
    assert_false(pending(9));
    assert_int_equal(count, 1);
}

static void test_the_upcall_mask_is_left_as_it_is(void **state)
{
    (void)state;
    bind(12, 0, note, NULL);
    s.vcpu_info[0].evtchn_upcall_mask = 1;
    set_pending(12);
    dispatch();
    assert_int_equal(ncalls, 1);
    assert_int_equal(s.vcpu_info[0].evtchn_upcall_mask, 1);
    s.vcpu_info[0].evtchn_upcall_mask = 0;
    set_pending(12);
    dispatch();
    assert_int_equal(ncalls, 2);
    assert_int_equal(s.vcpu_info[0].evtchn_upcall_mask, 0);
}

static void test_a_port_with_two_handlers_calls_both_then_the_one_left(void **state)
{
    (void)state;
    bind(20, 0, note, &first);
    bind(20, 1, note, &second);
    set_pending(20);
    dispatch();
    assert_int_equal(ncalls, 2);
    assert_ptr_equal(calls[0].data, &first);
    assert_ptr_equal(calls[1].data, &second);
    assert_int_equal(count, 1); /* one event, two handlers */

    bind(20, 0, NULL, NULL); /* the first unbinds: the second alone, called directly */
    assert_ptr_equal(t.called[20].fn, note);
    set_pending(20);
    dispatch();
    assert_int_equal(ncalls, 3);
    assert_ptr_equal(calls[2].data, &second);

    bind(20, 1, NULL, NULL);
    assert_null(t.called[20].fn);
}

/* A port's first handler unbinds its second while both run: the second is not called. */
static void unbind_second(evtchn_port_t port, void *data)
{
    note(port, data);
    bind(port, 1, NULL, NULL);
}

static void test_a_first_handler_may_unbind_the_second(void **state)
{
    (void)state;
    bind(21, 0, unbind_second, &first);
    bind(21, 1, note, &second);
    set_pending(21);
    dispatch();
    assert_int_equal(ncalls, 1);
    assert_ptr_equal(calls[0].data, &first);
    assert_ptr_equal(t.called[21].fn, unbind_second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_one_pending_port_is_one_call_with_its_data, setup),
        cmocka_unit_test_setup(test_several_ports_pending_at_once_are_each_served_lowest_first,
                               setup),
        cmocka_unit_test_setup(test_a_masked_port_stays_pending_and_is_not_served, setup),
        cmocka_unit_test_setup(
            test_a_port_raised_in_the_word_being_served_is_served_in_the_same_call, setup),
        cmocka_unit_test_setup(test_a_port_raised_in_a_word_still_named_is_served_in_the_same_call,
                               setup),
        cmocka_unit_test_setup(test_a_port_raised_in_a_word_already_left_raises_the_upcall_again,
                               setup),
        cmocka_unit_test_setup(test_a_pending_port_with_no_handler_is_cleared_and_counted, setup),
        cmocka_unit_test_setup(test_the_upcall_mask_is_left_as_it_is, setup),
        cmocka_unit_test_setup(test_a_port_with_two_handlers_calls_both_then_the_one_left, setup),
        cmocka_unit_test_setup(test_a_first_handler_may_unbind_the_second, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
