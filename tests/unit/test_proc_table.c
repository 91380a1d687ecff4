/*
 * test_proc_table.c - minios's process-table rules (proc/proc_table.c):
 * pids, the NPROC limit a spawn bomb meets (-E_AGAIN), exit leaving a
 * zombie, waitpid collecting only its own children (any or one), -E_CHILD
 * when there are none, -E_AGAIN while they live, orphans handed to the
 * kernel, and the runnable and sleeping slot sets agreeing with the states
 * through every change.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <proc_table.h>

static struct proc_table t;

static int setup(void **state)
{
    (void)state;
    memset(&t, 0, sizeof(t));
    return 0;
}

static void test_alloc_gives_increasing_pids(void **state)
{
    (void)state;
    int a = pt_alloc(&t, 0), b = pt_alloc(&t, 1);
    assert_true(a >= 0 && b >= 0 && a != b);
    assert_int_equal(t.e[a].pid, 1);
    assert_int_equal(t.e[b].pid, 2);
    assert_int_equal(t.e[b].ppid, 1);
    assert_int_equal(t.e[b].state, PT_RUNNABLE);
    assert_int_equal(pt_find(&t, 2), b);
    assert_int_equal(pt_find(&t, 3), -1);
    assert_int_equal(pt_find(&t, 0), -1);
}

static void test_table_full_refused_with_eagain(void **state)
{
    (void)state;
    for (int i = 0; i < NPROC; i++)
        assert_true(pt_alloc(&t, 0) >= 0);
    assert_int_equal(pt_alloc(&t, 0), -E_AGAIN);
    pt_free(&t, 5);
    assert_int_equal(pt_alloc(&t, 0), 5);
}

static void test_pids_are_not_reused_at_once(void **state)
{
    (void)state;
    int a = pt_alloc(&t, 0);
    int pid = t.e[a].pid;
    pt_free(&t, a);
    int b = pt_alloc(&t, 0);
    assert_int_not_equal(t.e[b].pid, pid);
}

static void test_exit_makes_zombie_and_wait_reaps(void **state)
{
    (void)state;
    int parent = pt_alloc(&t, 0), child = pt_alloc(&t, t.e[parent].pid), status = -1;
    assert_int_equal(pt_wait(&t, parent, -1, &status), -E_AGAIN); /* child alive */
    assert_int_equal(pt_exit(&t, child, 7), parent);              /* parent to wake */
    assert_int_equal(t.e[child].state, PT_ZOMBIE);
    assert_int_equal(pt_wait(&t, parent, -1, &status), child);
    assert_int_equal(status, 7);
    pt_free(&t, child);
    assert_int_equal(pt_wait(&t, parent, -1, &status), -E_CHILD);
}

static void test_wait_for_one_pid_only(void **state)
{
    (void)state;
    int parent = pt_alloc(&t, 0);
    int ppid = t.e[parent].pid;
    int a = pt_alloc(&t, ppid), b = pt_alloc(&t, ppid), status;
    pt_exit(&t, a, 1);
    assert_int_equal(pt_wait(&t, parent, t.e[b].pid, &status), -E_AGAIN);
    assert_int_equal(pt_wait(&t, parent, t.e[a].pid, &status), a);
    assert_int_equal(pt_wait(&t, parent, 999, &status), -E_CHILD);
}

static void test_no_waiting_for_others_children(void **state)
{
    (void)state;
    int p1 = pt_alloc(&t, 0), p2 = pt_alloc(&t, 0);
    int c = pt_alloc(&t, t.e[p1].pid), status;
    pt_exit(&t, c, 0);
    assert_int_equal(pt_wait(&t, p2, t.e[c].pid, &status), -E_CHILD);
    assert_int_equal(pt_wait(&t, p2, -1, &status), -E_CHILD);
    assert_int_equal(pt_wait(&t, p1, -1, &status), c);
}

static void test_orphans_go_to_the_kernel(void **state)
{
    (void)state;
    int parent = pt_alloc(&t, 0);
    int ppid = t.e[parent].pid;
    int live = pt_alloc(&t, ppid), dead = pt_alloc(&t, ppid);
    pt_exit(&t, dead, 3);
    assert_int_equal(pt_orphan_zombie(&t), -1);
    assert_int_equal(pt_exit(&t, parent, 0), -1); /* the kernel is its parent */
    assert_int_equal(t.e[live].ppid, 0);
    assert_int_equal(t.e[dead].ppid, 0);
    int z = pt_orphan_zombie(&t);
    assert_true(z == dead || z == parent);
    pt_free(&t, dead);
    pt_free(&t, parent);
    assert_int_equal(pt_orphan_zombie(&t), -1);
    pt_exit(&t, live, 0);
    assert_int_equal(pt_orphan_zombie(&t), live);
}

/* Every slot's bit in the two sets matches its state. */
static void assert_sets_agree(void)
{
    for (int i = 0; i < NPROC; i++) {
        assert_int_equal(t.runnable >> i & 1, t.e[i].state == PT_RUNNABLE);
        assert_int_equal(t.sleeping >> i & 1, t.e[i].state == PT_SLEEPING);
    }
}

static void test_slot_sets_follow_every_state(void **state)
{
    (void)state;
    for (int i = 0; i < NPROC; i++)
        assert_true(pt_alloc(&t, 0) >= 0);
    assert_int_equal(t.runnable, 0xFFFFFFFFu); /* new processes are runnable */
    assert_int_equal(t.sleeping, 0);
    pt_set_state(&t, 0, PT_RUNNING);
    pt_set_state(&t, 3, PT_SLEEPING);
    pt_set_state(&t, 31, PT_SLEEPING);
    assert_sets_agree();
    assert_int_equal(t.sleeping, 1u << 3 | 1u << 31);
    pt_set_state(&t, 3, PT_RUNNABLE);
    pt_exit(&t, 31, 0); /* a sleeper killed: a zombie is in neither set */
    pt_exit(&t, 7, 0);
    pt_free(&t, 7);
    assert_sets_agree();
    assert_int_equal(t.sleeping, 0);
    assert_int_equal(t.runnable, ~(1u << 0 | 1u << 7 | 1u << 31));
    assert_int_equal(pt_alloc(&t, 0), 7); /* the freed slot comes back runnable */
    assert_sets_agree();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_alloc_gives_increasing_pids, setup),
        cmocka_unit_test_setup(test_table_full_refused_with_eagain, setup),
        cmocka_unit_test_setup(test_pids_are_not_reused_at_once, setup),
        cmocka_unit_test_setup(test_exit_makes_zombie_and_wait_reaps, setup),
        cmocka_unit_test_setup(test_wait_for_one_pid_only, setup),
        cmocka_unit_test_setup(test_no_waiting_for_others_children, setup),
        cmocka_unit_test_setup(test_orphans_go_to_the_kernel, setup),
        cmocka_unit_test_setup(test_slot_sets_follow_every_state, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
