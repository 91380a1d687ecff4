/*
 * test_sched_policy.c - hv/sched_policy.c, who runs next, on the host.
 *
 * The policy is arithmetic on the run queue with time passed in, so these
 * tests build a run queue of vCPUs and play out time slice by slice: two
 * spinners alternate, a sleeper comes back ahead but by no more than the lag
 * (and a floor still below the lag moves nobody),
 * a guest that blocks and wakes at once gains nothing (the farming attack),
 * a weight doubles a share, a yielder runs only when nobody else can, a
 * running vCPU keeps its slice unless a woken one is far enough behind, and the
 * quick pick of a switch between domains is always the one the walk makes,
 * over every small queue and random ones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <hv/sched_policy.h>

#define MS 1000000ull
#define NV 8

static struct vcpu v[NV];

/* A run queue of n runnable vCPUs, all at vt 0, default weight. */
static struct vcpu *runq_of(int n)
{
    memset(v, 0, sizeof(v));
    for (int i = 0; i < n; i++) {
        v[i].state = VCPU_runnable;
        v[i].weight = SCHED_WEIGHT_DEFAULT;
        v[i].next_in_runq = i + 1 < n ? &v[i + 1] : NULL;
        v[i].on_runq = 1;
    }
    return &v[0];
}

/*
 * Run the queue for `slices` slices as hv/sched.c would with every vCPU
 * always runnable: pick, run a whole slice, charge.  Returns the last one run.
 */
static struct vcpu *run_slices(struct vcpu *rq, struct vcpu *prev, int slices, uint64_t *now)
{
    for (int i = 0; i < slices; i++) {
        struct vcpu *next = sched_pick(rq, prev, NULL);
        assert_non_null(next);
        next->last_charge = *now;
        *now += SCHED_SLICE_MS * MS;
        sched_charge(next, *now);
        prev = next;
    }
    return prev;
}

static void test_two_spinners_alternate(void **state __attribute__((unused)))
{
    struct vcpu *rq = runq_of(2);
    uint64_t now = 0;
    struct vcpu *prev = NULL;
    for (int i = 0; i < 10; i++) {
        prev = run_slices(rq, prev, 1, &now);
        assert_ptr_equal(prev, &v[i % 2]);
    }
    assert_int_equal(v[0].cpu_time, 5 * SCHED_SLICE_MS * MS);
    assert_int_equal(v[1].cpu_time, 5 * SCHED_SLICE_MS * MS);
}

static void test_eight_spinners_get_equal_shares(void **state __attribute__((unused)))
{
    struct vcpu *rq = runq_of(8);
    uint64_t now = 0;
    run_slices(rq, NULL, 80, &now);
    for (int i = 0; i < 8; i++)
        assert_int_equal(v[i].cpu_time, 10 * SCHED_SLICE_MS * MS);
}

static void test_ties_go_round_robin_from_after_prev(void **state __attribute__((unused)))
{
    struct vcpu *rq = runq_of(3);
    assert_ptr_equal(sched_pick(rq, &v[0], NULL), &v[1]);
    assert_ptr_equal(sched_pick(rq, &v[1], NULL), &v[2]);
    assert_ptr_equal(sched_pick(rq, &v[2], NULL), &v[0]);
    assert_ptr_equal(sched_pick(rq, NULL, NULL), &v[0]);
}

static void test_blocked_and_down_vcpus_are_never_picked(void **state __attribute__((unused)))
{
    struct vcpu *rq = runq_of(3);
    v[0].state = VCPU_blocked;
    v[1].state = VCPU_down;
    v[2].vt = 1000 * MS; /* far ahead, but the only runnable one */
    assert_ptr_equal(sched_pick(rq, NULL, NULL), &v[2]);
    v[2].state = VCPU_blocked;
    assert_null(sched_pick(rq, NULL, NULL));
}

static void test_sleeper_comes_back_at_most_lag_behind(void **state __attribute__((unused)))
{
    struct vcpu *rq = runq_of(2);
    v[1].state = VCPU_blocked; /* asleep while v0 runs 100 slices */
    uint64_t now = 0, floor = 0;
    run_slices(rq, NULL, 100, &now);
    floor = sched_floor(rq, floor);
    assert_int_equal(floor, 100 * SCHED_SLICE_MS * MS);
    v[1].state = VCPU_runnable;
    sched_place(&v[1], floor, SCHED_WAKE_LAG_NS);
    assert_int_equal(v[1].vt, floor - SCHED_WAKE_LAG_NS);
    assert_true(sched_preempts(&v[1], &v[0])); /* a woken interactive vCPU runs at once */
}

/* Early on the floor is below the lag: a waking vCPU keeps its vt (floor - lag is not a vt). */
static void test_a_floor_below_the_lag_places_nobody(void **state __attribute__((unused)))
{
    runq_of(1);
    v[0].vt = 3;
    sched_place(&v[0], SCHED_WAKE_LAG_NS - 1, SCHED_WAKE_LAG_NS);
    assert_int_equal(v[0].vt, 3);
    sched_place(&v[0], SCHED_WAKE_LAG_NS, SCHED_WAKE_LAG_NS);
    assert_int_equal(v[0].vt, 3);
    sched_place(&v[0], SCHED_WAKE_LAG_NS + 5, SCHED_WAKE_LAG_NS);
    assert_int_equal(v[0].vt, 5);
    sched_place(&v[0], 0, 0); /* an unpause: no lag */
    assert_int_equal(v[0].vt, 5);
    sched_place(&v[0], 7, 0);
    assert_int_equal(v[0].vt, 7);
}

static void test_blocking_and_waking_at_once_gains_nothing(void **state __attribute__((unused)))
{
    /* The farming attack: v1 runs 0.9 ms, arms a due timer, blocks, is woken
     * at the next 1 ms tick; v0 spins.  v1 must not end up with more than v0. */
    struct vcpu *rq = runq_of(2);
    uint64_t now = 0, floor = 0;
    struct vcpu *cur = &v[0];
    uint64_t slice_start = 0;
    for (int tick = 1; tick <= 5000; tick++) {
        uint64_t t = tick * MS;
        if (cur == &v[1]) { /* it blocks after 0.9 ms ... */
            sched_charge(cur, t - MS / 10);
            v[1].state = VCPU_blocked;
            cur = NULL;
        }
        if (cur)
            sched_charge(cur, t);
        floor = sched_floor(rq, floor);
        if (v[1].state == VCPU_blocked) { /* ... and its due timer wakes it */
            v[1].state = VCPU_runnable;
            sched_place(&v[1], floor, SCHED_WAKE_LAG_NS);
        }
        struct vcpu *next = sched_pick(rq, cur, NULL);
        if (cur && next != cur && !sched_preempts(next, cur) &&
            !sched_slice_over(rq, cur, t - slice_start))
            next = cur;
        if (next != cur) {
            next->last_charge = t;
            slice_start = t;
        }
        cur = next;
        now = t;
    }
    (void)now;
    uint64_t total = v[0].cpu_time + v[1].cpu_time;
    assert_true(v[1].cpu_time <= total / 2 + SCHED_WAKE_LAG_NS);
    assert_true(v[0].cpu_time >= total * 2 / 5);
}

static void test_weight_scales_the_share(void **state __attribute__((unused)))
{
    struct vcpu *rq = runq_of(2);
    v[0].weight = 2 * SCHED_WEIGHT_DEFAULT;
    uint64_t now = 0;
    run_slices(rq, NULL, 300, &now);
    assert_int_equal(v[0].cpu_time, 200 * SCHED_SLICE_MS * MS);
    assert_int_equal(v[1].cpu_time, 100 * SCHED_SLICE_MS * MS);
}

static void test_yielder_runs_only_when_nobody_else_can(void **state __attribute__((unused)))
{
    struct vcpu *rq = runq_of(2);
    v[0].yielded = 1;
    v[1].vt = 50 * MS; /* behind is v0, but it yielded */
    assert_ptr_equal(sched_pick(rq, &v[0], NULL), &v[1]);
    v[1].state = VCPU_blocked;
    assert_ptr_equal(sched_pick(rq, &v[0], NULL), &v[0]);
}

static void test_slice_is_kept_unless_far_behind(void **state __attribute__((unused)))
{
    struct vcpu *rq = runq_of(2);
    v[0].vt = 5 * MS;
    v[1].vt = 5 * MS - SCHED_PREEMPT_MARGIN_NS / 2; /* behind, but within the margin */
    assert_false(sched_preempts(&v[1], &v[0]));
    assert_false(sched_slice_over(rq, &v[0], SCHED_SLICE_MS * MS - 1));
    assert_true(sched_slice_over(rq, &v[0], SCHED_SLICE_MS * MS));
    v[1].vt = 5 * MS - 2 * SCHED_PREEMPT_MARGIN_NS;
    assert_true(sched_preempts(&v[1], &v[0]));
}

static void test_slice_over_needs_someone_not_ahead(void **state __attribute__((unused)))
{
    struct vcpu *rq = runq_of(2);
    v[1].vt = 100 * MS; /* far ahead of v0: v0 goes on past its slice */
    assert_false(sched_slice_over(rq, &v[0], 5 * SCHED_SLICE_MS * MS));
    v[1].state = VCPU_blocked;
    v[1].vt = 0;
    assert_false(sched_slice_over(rq, &v[0], 5 * SCHED_SLICE_MS * MS));
}

static void test_floor_never_decreases(void **state __attribute__((unused)))
{
    struct vcpu *rq = runq_of(2);
    v[0].vt = 30;
    v[1].vt = 40;
    assert_int_equal(sched_floor(rq, 0), 30);
    assert_int_equal(sched_floor(rq, 35), 35);
    v[0].state = v[1].state = VCPU_blocked;
    assert_int_equal(sched_floor(rq, 35), 35);
}

/*
 * sched_pick_quick() answers only when it knows, and then as sched_pick() would, floor and all.
 * It is asked as hv/sched.c asks it: with the queue's length, prev on the queue, off it
 * (blocked) or NULL (the idle loop), and a woken vCPU only as vcpu_wake() leaves one.  Returns
 * whether it answered.
 */
static int check_quick_agrees(struct vcpu *rq, int n, struct vcpu *prev, struct vcpu *woken)
{
    uint64_t quick_floor = 7, walk_floor = 7;
    struct vcpu *quick = sched_pick_quick(rq, n, prev, woken, &quick_floor);
    struct vcpu *walk = sched_pick(rq, prev && prev->on_runq ? prev : NULL, &walk_floor);
    if (!quick) {
        assert_int_equal(quick_floor, 7);
        return 0;
    }
    assert_ptr_equal(quick, walk);
    assert_int_equal(quick_floor, walk_floor);
    return 1;
}

/* With no woken vCPU, and with each one vcpu_wake() can leave: on the queue, not prev, not a
 * yielder, behind prev by more than the margin (sched_preempts()). */
static int check_every_woken(struct vcpu *rq, int n, struct vcpu *prev)
{
    int answered = check_quick_agrees(rq, n, prev, NULL);
    for (int w = 0; prev && w < n; w++)
        if (&v[w] != prev && !v[w].yielded && sched_preempts(&v[w], prev))
            answered += check_quick_agrees(rq, n, prev, &v[w]);
    return answered;
}

/* The run queue's n vCPUs and v[n], off it (blocked), each prev a switch can have. */
static int check_every_prev(struct vcpu *rq, int n)
{
    int answered = check_quick_agrees(rq, n, NULL, NULL);
    for (int p = 0; p <= n; p++)
        answered += check_every_woken(rq, n, &v[p]);
    return answered;
}

/* A queue of n vCPUs with v[n] blocked beside it (runq_of() leaves it zeroed). */
static struct vcpu *queue_and_blocked(int n)
{
    struct vcpu *rq = runq_of(n);
    v[n].state = VCPU_blocked;
    v[n].weight = SCHED_WEIGHT_DEFAULT;
    return rq;
}

static void test_quick_pick_is_the_walks_pick(void **state __attribute__((unused)))
{
    static const uint64_t vts[] = {0, 5, 5 * MS, 5 * MS + SCHED_PREEMPT_MARGIN_NS, 50 * MS};
    int answered = 0;
    for (int n = 1; n <= 3; n++) /* every case of a few vts */
        for (int a = 0; a < 5 * 5 * 5; a++)
            for (int y = 0; y < 1 << (n + 1); y++) {
                struct vcpu *rq = queue_and_blocked(n);
                v[0].vt = vts[a % 5];
                v[n - 1].vt = vts[a / 5 % 5];
                v[n].vt = vts[a / 25];
                for (int i = 0; i <= n; i++)
                    v[i].yielded = (y >> i) & 1;
                answered += check_every_prev(rq, n);
            }
    uint32_t seed = 1;
    for (int k = 0; k < 20000; k++) { /* and random queues of up to 5 */
        int n = 1 + k % 5;
        struct vcpu *rq = queue_and_blocked(n);
        for (int i = 0; i <= n; i++) {
            seed = seed * 1103515245 + 12345;
            v[i].vt = (seed >> 8) % 4 * SCHED_PREEMPT_MARGIN_NS + (seed >> 4) % 3;
            v[i].yielded = (seed >> 20) % 4 == 0;
        }
        answered += check_every_prev(rq, n);
    }
    assert_true(answered > 1000);
    struct vcpu *rq = runq_of(2); /* the round trip's two cases answer without a walk */
    v[1].vt = 50 * MS;
    uint64_t floor = 0;
    assert_ptr_equal(sched_pick_quick(rq, 2, &v[1], &v[0], &floor), &v[0]);
    assert_int_equal(floor, 0);
    v[0].on_runq = 0; /* v[0] blocked: v[1] alone */
    assert_ptr_equal(sched_pick_quick(rq->next_in_runq, 1, &v[0], NULL, &floor), &v[1]);
    assert_int_equal(floor, 50 * MS);
    assert_null(sched_pick_quick(runq_of(3), 3, &v[1], &v[0], &floor)); /* three: walk */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_spinners_alternate),
        cmocka_unit_test(test_eight_spinners_get_equal_shares),
        cmocka_unit_test(test_ties_go_round_robin_from_after_prev),
        cmocka_unit_test(test_blocked_and_down_vcpus_are_never_picked),
        cmocka_unit_test(test_sleeper_comes_back_at_most_lag_behind),
        cmocka_unit_test(test_a_floor_below_the_lag_places_nobody),
        cmocka_unit_test(test_blocking_and_waking_at_once_gains_nothing),
        cmocka_unit_test(test_weight_scales_the_share),
        cmocka_unit_test(test_yielder_runs_only_when_nobody_else_can),
        cmocka_unit_test(test_slice_is_kept_unless_far_behind),
        cmocka_unit_test(test_slice_over_needs_someone_not_ahead),
        cmocka_unit_test(test_floor_never_decreases),
        cmocka_unit_test(test_quick_pick_is_the_walks_pick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
