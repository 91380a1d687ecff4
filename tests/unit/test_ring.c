/*
 * test_ring.c - the shared I/O ring of include/public/io/ring.h: slot
 * arithmetic, flow control and notification suppression.
 *
 * Every split driver moves its requests through these macros, so a mistake
 * here is a mistake in all of them: a lost notification hangs a disk, a
 * wrong free count lets a frontend overwrite a request the backend has not
 * answered, and a backend that believes a wild req_prod reads far past the
 * requests that exist.  The tests drive a frontend and a backend over one
 * 4096-byte page in a single thread, step by step, using ring types sized
 * like blkif's on i386 (112-byte requests, 16-byte responses: 32 slots).
 *
 * The indices are free-running, so every test that depends on index values
 * is run again with all indices started just below 2^32, where they wrap in
 * the middle of the test.  Notification decisions are checked against an
 * independent rule computed in 64-bit arithmetic ("some index in (old, new]
 * equals the event index modulo 2^32").
 *
 * The test replaces the ring's full barrier xen_mb() with a hook (ring.h lets
 * a user define its own barriers), counting the fences and letting a test
 * run "the other side" exactly at the fence, to play out the races that
 * RING_FINAL_CHECK_FOR_* exists to close.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

static void barrier_hook(void);
#define xen_mb()  barrier_hook()
#define xen_rmb() __asm__ volatile("" ::: "memory")
#define xen_wmb() __asm__ volatile("" ::: "memory")
#include <public/io/ring.h>

/* Sized like blkif_request / blkif_response on i386. */
struct test_request {
    uint32_t id;
    uint32_t seq;
    uint8_t payload[104];
};
struct test_response {
    uint32_t id;
    uint32_t seq;
    int32_t status;
    uint32_t pad;
};
_Static_assert(sizeof(struct test_request) == 112, "a blkif-sized request");
_Static_assert(sizeof(struct test_response) == 16, "a blkif-sized response");

DEFINE_RING_TYPES(test, struct test_request, struct test_response);

#define PAGE 4096u
#define NENT 32u

static union {
    struct test_sring s;
    uint8_t bytes[PAGE];
} page __attribute__((aligned(4096)));

static struct test_sring *sring = &page.s;
static struct test_front_ring front;
static struct test_back_ring back;

/* ---------------------------------------------------------------- the barrier hook */

static unsigned int nr_fences;
static void (*at_fence)(void); /* run once, at the next full barrier */

static void barrier_hook(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    nr_fences++;
    void (*fn)(void) = at_fence;
    at_fence = NULL;
    if (fn)
        fn();
}

/* ---------------------------------------------------------------- helpers */

/* A fresh ring with every index (shared and private) starting at `start`. */
static void ring_at(RING_IDX start)
{
    memset(page.bytes, 0xAA, sizeof(page.bytes));
    SHARED_RING_INIT(sring);
    FRONT_RING_INIT(&front, sring, PAGE);
    BACK_RING_INIT(&back, sring, PAGE);
    sring->req_prod = sring->rsp_prod = start;
    sring->req_event = sring->rsp_event = start + 1;
    front.req_prod_pvt = front.rsp_cons = start;
    back.rsp_prod_pvt = back.req_cons = start;
    nr_fences = 0;
    at_fence = NULL;
}

static int setup(void **state)
{
    (void)state;
    ring_at(0);
    return 0;
}

#define NEAR_WRAP 0xFFFFFFF0u
static const RING_IDX starts[] = {0, 5, NEAR_WRAP, 0xFFFFFFFFu};

/* The independent rule: does some index in (old, new] equal `event` (mod 2^32)? */
static int crosses(RING_IDX old, RING_IDX new_idx, RING_IDX event)
{
    uint64_t o = old, n = o + (RING_IDX)(new_idx - old);
    uint64_t e = event > old ? (uint64_t)event : (uint64_t)event + (1ull << 32);
    return e <= n;
}

/* Frontend: write one request (not yet published). */
static void produce_request(uint32_t seq)
{
    assert_false(RING_FULL(&front));
    struct test_request *req = RING_GET_REQUEST(&front, front.req_prod_pvt);
    req->id = front.req_prod_pvt;
    req->seq = seq;
    memset(req->payload, (int)(seq & 0xff), sizeof(req->payload));
    front.req_prod_pvt++;
}

static int push_requests(void)
{
    int notify = -1;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
    return notify;
}

static int push_responses(void)
{
    int notify = -1;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&back, notify);
    return notify;
}

/* Backend: consume one request, checking it is the one expected, and answer it. */
static void answer_request(uint32_t seq)
{
    assert_true(RING_HAS_UNCONSUMED_REQUESTS(&back) > 0);
    assert_false(RING_REQUEST_CONS_OVERFLOW(&back, back.req_cons));
    struct test_request req;
    RING_COPY_REQUEST(&back, back.req_cons, &req);
    assert_int_equal(req.id, back.req_cons);
    assert_int_equal(req.seq, seq);
    for (size_t i = 0; i < sizeof(req.payload); i++)
        assert_int_equal(req.payload[i], seq & 0xff);
    back.req_cons++;
    /* The response goes in the slot of the request just consumed (or an earlier one). */
    struct test_response *rsp = RING_GET_RESPONSE(&back, back.rsp_prod_pvt);
    *rsp = (struct test_response){req.id, req.seq, 0, 0};
    back.rsp_prod_pvt++;
}

/* Frontend: consume one response. */
static void consume_response(uint32_t seq)
{
    assert_true(RING_HAS_UNCONSUMED_RESPONSES(&front) > 0);
    struct test_response *rsp = RING_GET_RESPONSE(&front, front.rsp_cons);
    assert_int_equal(rsp->id, front.rsp_cons);
    assert_int_equal(rsp->seq, seq);
    assert_int_equal(rsp->status, 0);
    front.rsp_cons++;
}

/* ---------------------------------------------------------------- layout */

static void test_blkif_sized_ring_has_32_slots_in_a_page(void **state)
{
    (void)state;
    assert_int_equal(__CONST_RING_SIZE(test, 4096), NENT);
    assert_int_equal(RING_SIZE(&front), NENT);
    assert_int_equal(RING_SIZE(&back), NENT);
    assert_int_equal(sizeof(union test_sring_entry), 112);
    /* 32 slots of 112 bytes after the header fit; the rest of the page is unused. */
    assert_true(RING_HEADER_SIZE + NENT * 112 <= PAGE);
    assert_true(RING_HEADER_SIZE + 2 * NENT * 112 > PAGE);
}

static void test_header_layout_is_fixed(void **state)
{
    (void)state;
    assert_int_equal(offsetof(struct test_sring, req_prod), 0);
    assert_int_equal(offsetof(struct test_sring, req_event), 4);
    assert_int_equal(offsetof(struct test_sring, rsp_prod), 8);
    assert_int_equal(offsetof(struct test_sring, rsp_event), 12);
    assert_int_equal(offsetof(struct test_sring, pad), 16);
    assert_int_equal(offsetof(struct test_sring, ring), 64);
    assert_int_equal(sizeof(RING_IDX), 4);
}

/* The slot count is rounded down to a power of two, so `idx & (size - 1)` names a slot. */
static void test_ring_size_rounds_down_to_a_power_of_two(void **state)
{
    (void)state;
    assert_int_equal(RING_RD32(0u), 0);
    assert_int_equal(RING_RD32(1u), 1);
    assert_int_equal(RING_RD32(36u), 32);
    assert_int_equal(RING_RD32(63u), 32);
    assert_int_equal(RING_RD32(64u), 64);
    assert_int_equal(RING_RD32(0x80000001u), 0x80000000u);
    assert_int_equal(RING_RD32(0xFFFFFFFFu), 0x80000000u);
    /* A half-size area: (2048 - 64) / 112 = 17 slots, rounded down to 16. */
    struct test_front_ring half;
    FRONT_RING_INIT(&half, sring, 2048);
    assert_int_equal(RING_SIZE(&half), 16);
}

static void test_shared_ring_init_clears_indices_and_asks_for_the_first_event(void **state)
{
    (void)state;
    memset(page.bytes, 0xAA, sizeof(page.bytes));
    SHARED_RING_INIT(sring);
    assert_int_equal(sring->req_prod, 0);
    assert_int_equal(sring->rsp_prod, 0);
    assert_int_equal(sring->req_event, 1);
    assert_int_equal(sring->rsp_event, 1);
    for (size_t i = 0; i < sizeof(sring->pad); i++)
        assert_int_equal(sring->pad[i], 0);

    FRONT_RING_INIT(&front, sring, PAGE);
    BACK_RING_INIT(&back, sring, PAGE);
    assert_int_equal(front.req_prod_pvt, 0);
    assert_int_equal(front.rsp_cons, 0);
    assert_ptr_equal(front.sring, sring);
    assert_int_equal(back.rsp_prod_pvt, 0);
    assert_int_equal(back.req_cons, 0);
    assert_ptr_equal(back.sring, sring);
    assert_int_equal(RING_FREE_REQUESTS(&front), NENT);
    assert_int_equal(RING_HAS_UNCONSUMED_REQUESTS(&back), 0);
    assert_int_equal(RING_HAS_UNCONSUMED_RESPONSES(&front), 0);
}

/* Slot `idx & 31`, whatever the index, and requests and responses share the slots. */
static void test_slots_wrap_at_the_ring_size(void **state)
{
    (void)state;
    assert_ptr_equal(RING_GET_REQUEST(&front, 0), &sring->ring[0].req);
    assert_ptr_equal(RING_GET_REQUEST(&front, 31), &sring->ring[31].req);
    assert_ptr_equal(RING_GET_REQUEST(&front, 32), &sring->ring[0].req);
    assert_ptr_equal(RING_GET_REQUEST(&back, 0xFFFFFFFFu), &sring->ring[31].req);
    assert_ptr_equal(RING_GET_RESPONSE(&back, 33), (void *)&sring->ring[1].req);
    /* The last slot ends inside the page. */
    assert_true((uint8_t *)(RING_GET_REQUEST(&front, 31) + 1) <= page.bytes + PAGE);
}

/* ---------------------------------------------------------------- exchanging */

static void test_requests_and_responses_cross_in_order(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
        ring_at(starts[s]);
        uint32_t seq_req = 0, seq_rsp = 0, seq_done = 0;
        /* 10 rounds of 7 requests: 70 requests through 32 slots, indices wrapping on the way. */
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 7; i++)
                produce_request(seq_req++);
            assert_int_equal(RING_HAS_UNCONSUMED_REQUESTS(&back), 0); /* not published yet */
            push_requests();
            assert_int_equal(RING_HAS_UNCONSUMED_REQUESTS(&back), 7);
            while (RING_HAS_UNCONSUMED_REQUESTS(&back))
                answer_request(seq_rsp++);
            assert_int_equal(RING_HAS_UNCONSUMED_RESPONSES(&front), 0);
            push_responses();
            assert_int_equal(RING_HAS_UNCONSUMED_RESPONSES(&front), 7);
            while (RING_HAS_UNCONSUMED_RESPONSES(&front))
                consume_response(seq_done++);
            assert_int_equal(RING_FREE_REQUESTS(&front), NENT);
        }
        assert_int_equal(seq_done, 70);
        assert_int_equal(front.req_prod_pvt, starts[s] + 70);
        assert_int_equal(sring->rsp_prod, starts[s] + 70);
    }
}

/* The header is not touched by traffic: slots never spill into it. */
static void test_traffic_never_writes_the_header_padding(void **state)
{
    (void)state;
    ring_at(NEAR_WRAP);
    for (uint32_t i = 0; i < 100; i++) {
        produce_request(i);
        push_requests();
        answer_request(i);
        push_responses();
        consume_response(i);
    }
    for (size_t i = 0; i < sizeof(sring->pad); i++)
        assert_int_equal(sring->pad[i], 0);
}

static void test_full_ring_and_free_counts(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
        ring_at(starts[s]);
        for (uint32_t i = 0; i < NENT; i++) {
            assert_int_equal(RING_FREE_REQUESTS(&front), NENT - i);
            assert_false(RING_FULL(&front));
            produce_request(i);
        }
        assert_true(RING_FULL(&front));
        assert_int_equal(RING_FREE_REQUESTS(&front), 0);

        /* Publishing and consuming free nothing: the slots are free only once answered. */
        push_requests();
        assert_true(RING_FULL(&front));
        back.req_cons += NENT;
        assert_true(RING_FULL(&front));
        assert_int_equal(RING_HAS_UNCONSUMED_REQUESTS(&back), 0);

        /* Three answers published, but a slot comes back only when the frontend consumes one. */
        back.rsp_prod_pvt += 3;
        push_responses();
        assert_true(RING_FULL(&front));
        assert_int_equal(RING_HAS_UNCONSUMED_RESPONSES(&front), 3);
        front.rsp_cons++;
        assert_int_equal(RING_FREE_REQUESTS(&front), 1);
        front.rsp_cons += 2;
        assert_int_equal(RING_FREE_REQUESTS(&front), 3);
    }
}

/* A backend never counts more requests than slots it has yet to answer. */
static void test_unconsumed_requests_are_bounded_by_the_ring(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
        RING_IDX base = starts[s];
        ring_at(base);
        sring->req_prod = base + 1000; /* a lying frontend */
        assert_int_equal(RING_HAS_UNCONSUMED_REQUESTS(&back), NENT);
        back.req_cons = base + 20; /* consumed 20, answered none: 12 slots left */
        assert_int_equal(RING_HAS_UNCONSUMED_REQUESTS(&back), 12);
        back.rsp_prod_pvt = base + 20;
        assert_int_equal(RING_HAS_UNCONSUMED_REQUESTS(&back), NENT);
        sring->req_prod = base + 25; /* honest again */
        assert_int_equal(RING_HAS_UNCONSUMED_REQUESTS(&back), 5);
    }
}

/* The backend keeps its own copy: the frontend rewriting the slot later changes nothing. */
static void test_copy_request_is_a_snapshot(void **state)
{
    (void)state;
    produce_request(7);
    push_requests();
    struct test_request copy;
    RING_COPY_REQUEST(&back, back.req_cons, &copy);
    RING_GET_REQUEST(&front, 0)->seq = 666;
    memset(RING_GET_REQUEST(&front, 0)->payload, 0x55, 104);
    assert_int_equal(copy.seq, 7);
    assert_int_equal(copy.id, 0);
    for (size_t i = 0; i < sizeof(copy.payload); i++)
        assert_int_equal(copy.payload[i], 7);
}

/* ---------------------------------------------------------------- notifications */

/* The first request wakes the backend (req_event starts at prod + 1); later ones do not. */
static void test_no_notification_unless_the_other_side_asked(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
        ring_at(starts[s]);
        produce_request(0);
        assert_int_equal(push_requests(), 1);
        /* The backend is busy and has not asked again: no more notifications. */
        for (uint32_t i = 1; i < 10; i++) {
            produce_request(i);
            assert_int_equal(push_requests(), 0);
        }
        /* Pushing nothing new never notifies, even with the event index just ahead. */
        sring->req_event = front.req_prod_pvt + 1;
        assert_int_equal(push_requests(), 0);

        /* Same for responses. */
        back.req_cons = sring->req_prod;
        back.rsp_prod_pvt++;
        assert_int_equal(push_responses(), 1);
        back.rsp_prod_pvt++;
        assert_int_equal(push_responses(), 0);
        sring->rsp_event = back.rsp_prod_pvt + 1;
        assert_int_equal(push_responses(), 0);
    }
}

/*
 * Every combination of old index, batch size and event position around the
 * start (and around 2^32): notify iff the event index is in (old, new].
 */
static void test_notification_exactly_when_the_event_index_is_crossed(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
        for (RING_IDX k = 0; k <= NENT; k++) {
            for (int64_t de = -3; de <= (int64_t)NENT + 3; de++) {
                RING_IDX old = starts[s], new_idx = old + k, event = old + (RING_IDX)de;
                int want = crosses(old, new_idx, event);
                assert_int_equal(RING_CROSSED_EVENT(new_idx, old, event), want);

                ring_at(old);
                sring->req_event = event;
                front.req_prod_pvt = new_idx;
                if (push_requests() != want)
                    fail_msg("requests old %#x new %#x event %#x: notify %d", old, new_idx, event,
                             !want);
                assert_int_equal(sring->req_prod, new_idx);

                ring_at(old);
                sring->rsp_event = event;
                back.rsp_prod_pvt = new_idx;
                if (push_responses() != want)
                    fail_msg("responses old %#x new %#x event %#x: notify %d", old, new_idx, event,
                             !want);
                assert_int_equal(sring->rsp_prod, new_idx);
            }
        }
    }
    /* Spelled out across the wrap: 0xFFFFFFFE -> 0x2 passes 0xFFFFFFFF, 0 and 1 and 2. */
    assert_true(RING_CROSSED_EVENT(0x2u, 0xFFFFFFFEu, 0xFFFFFFFFu));
    assert_true(RING_CROSSED_EVENT(0x2u, 0xFFFFFFFEu, 0x0u));
    assert_true(RING_CROSSED_EVENT(0x2u, 0xFFFFFFFEu, 0x2u));
    assert_false(RING_CROSSED_EVENT(0x2u, 0xFFFFFFFEu, 0xFFFFFFFEu));
    assert_false(RING_CROSSED_EVENT(0x2u, 0xFFFFFFFEu, 0x3u));
}

/* One request at a time, the backend asking each time: every push notifies, across the wrap. */
static void test_a_waiting_backend_is_notified_of_every_request(void **state)
{
    (void)state;
    ring_at(NEAR_WRAP);
    for (uint32_t i = 0; i < 40; i++) {
        int work;
        RING_FINAL_CHECK_FOR_REQUESTS(&back, work);
        assert_false(work);
        produce_request(i);
        assert_int_equal(push_requests(), 1);
        RING_FINAL_CHECK_FOR_REQUESTS(&back, work);
        assert_true(work);
        answer_request(i);

        RING_FINAL_CHECK_FOR_RESPONSES(&front, work);
        assert_false(work);
        assert_int_equal(push_responses(), 1);
        RING_FINAL_CHECK_FOR_RESPONSES(&front, work);
        assert_true(work);
        consume_response(i);
    }
    assert_int_equal(sring->req_prod, NEAR_WRAP + 40); /* wrapped to 0x18 */
}

/* The producer's full barrier sits between publishing its index and reading the event index. */
static void publish_then_backend_asks(void)
{
    assert_int_equal(sring->req_prod, front.req_prod_pvt); /* already published */
    sring->req_event = sring->req_prod;                    /* the backend asks, just now */
}

static void test_push_publishes_before_the_fence_and_reads_the_event_after(void **state)
{
    (void)state;
    produce_request(0);
    push_requests(); /* consumes the initial req_event = 1 */
    produce_request(1);
    at_fence = publish_then_backend_asks;
    assert_int_equal(push_requests(), 1);
    assert_int_equal(nr_fences, 2);
}

/*
 * The race RING_FINAL_CHECK_FOR_REQUESTS closes: the backend found no work and
 * is going to sleep.  A request published before the backend's new req_event
 * is visible raises no notification, so the backend must see it on its second
 * look; one published after it raises a notification.  Either way it is not
 * lost.
 */
static void test_final_check_catches_a_request_published_before_the_event_was_set(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
        ring_at(starts[s]);
        produce_request(0);
        push_requests();
        answer_request(0);
        push_responses();
        /* Backend: no more work (its first look)... */
        assert_int_equal(RING_HAS_UNCONSUMED_REQUESTS(&back), 0);
        /* ...the frontend publishes before req_event moves: no notification... */
        produce_request(1);
        assert_int_equal(push_requests(), 0);
        /* ...and the final check finds the request anyway. */
        int work;
        RING_FINAL_CHECK_FOR_REQUESTS(&back, work);
        assert_true(work);
        answer_request(1);
    }
}

static void frontend_pushes_at_the_fence(void)
{
    produce_request(1);
    assert_int_equal(push_requests(), 1); /* req_event was already moved: notified */
}

static void test_final_check_sees_a_request_published_in_the_window(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
        ring_at(starts[s]);
        produce_request(0);
        push_requests();
        answer_request(0);
        int work;
        at_fence = frontend_pushes_at_the_fence; /* between setting req_event and the re-check */
        RING_FINAL_CHECK_FOR_REQUESTS(&back, work);
        assert_true(work);
        assert_int_equal(sring->req_event, starts[s] + 2); /* asked for the request after 0 */
        answer_request(1);
        /* With nothing new, the final check asks for the next index and reports no work. */
        RING_FINAL_CHECK_FOR_REQUESTS(&back, work);
        assert_false(work);
        assert_int_equal(sring->req_event, back.req_cons + 1);
    }
}

static void backend_pushes_at_the_fence(void)
{
    answer_request(0);
    assert_int_equal(push_responses(), 1);
}

static void test_final_check_for_responses_closes_the_same_race(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
        ring_at(starts[s]);
        produce_request(0);
        push_requests();
        int work;
        /* Published before rsp_event moves: no notification, but the final check sees it. */
        RING_FINAL_CHECK_FOR_RESPONSES(&front, work); /* asks for rsp_cons + 1 */
        assert_false(work);
        answer_request(0);
        assert_int_equal(push_responses(), 1);
        consume_response(0);
        sring->rsp_event = front.rsp_cons; /* stale: the frontend has not asked again */
        produce_request(1);
        push_requests();
        answer_request(1);
        assert_int_equal(push_responses(), 0);
        RING_FINAL_CHECK_FOR_RESPONSES(&front, work);
        assert_true(work);
        consume_response(1);

        /* Published in the window between setting rsp_event and the re-check. */
        ring_at(starts[s]);
        produce_request(0);
        push_requests();
        at_fence = backend_pushes_at_the_fence;
        RING_FINAL_CHECK_FOR_RESPONSES(&front, work);
        assert_true(work);
        consume_response(0);
    }
}

/* If the work is there at the first look, the final check leaves the event index alone. */
static void test_final_check_with_work_pending_does_not_ask(void **state)
{
    (void)state;
    ring_at(NEAR_WRAP);
    produce_request(0);
    push_requests();
    RING_IDX event = sring->req_event;
    unsigned int fences = nr_fences;
    int work;
    RING_FINAL_CHECK_FOR_REQUESTS(&back, work);
    assert_true(work);
    assert_int_equal(sring->req_event, event);
    assert_int_equal(nr_fences, fences);
}

/* ---------------------------------------------------------------- a hostile frontend */

static void test_request_prod_overflow_catches_a_frontend_claiming_too_much(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
        RING_IDX base = starts[s];
        ring_at(base);
        assert_false(RING_REQUEST_PROD_OVERFLOW(&back, base));
        assert_false(RING_REQUEST_PROD_OVERFLOW(&back, base + 1));
        assert_false(RING_REQUEST_PROD_OVERFLOW(&back, base + NENT));
        assert_true(RING_REQUEST_PROD_OVERFLOW(&back, base + NENT + 1));
        assert_true(RING_REQUEST_PROD_OVERFLOW(&back, base + 0x80000000u));
        assert_true(RING_REQUEST_PROD_OVERFLOW(&back, base - 1)); /* moved backwards */

        /* Measured from the last response, not from the last request consumed. */
        back.req_cons = base + 10;
        back.rsp_prod_pvt = base + 4;
        assert_false(RING_REQUEST_PROD_OVERFLOW(&back, base + 4 + NENT));
        assert_true(RING_REQUEST_PROD_OVERFLOW(&back, base + 5 + NENT));
    }
    /* Across the wrap: 32 ahead of 0xFFFFFFF0 is 0x10, 33 ahead is 0x11. */
    ring_at(NEAR_WRAP);
    assert_false(RING_REQUEST_PROD_OVERFLOW(&back, 0x10u));
    assert_true(RING_REQUEST_PROD_OVERFLOW(&back, 0x11u));
    assert_true(RING_REQUEST_PROD_OVERFLOW(&back, 0xFFFFFFEFu));
}

static void test_request_cons_overflow_stops_at_unanswered_slots(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
        RING_IDX base = starts[s];
        ring_at(base);
        assert_false(RING_REQUEST_CONS_OVERFLOW(&back, base));
        assert_false(RING_REQUEST_CONS_OVERFLOW(&back, base + NENT - 1));
        assert_true(RING_REQUEST_CONS_OVERFLOW(&back, base + NENT));
        back.rsp_prod_pvt = base + 1;
        assert_false(RING_REQUEST_CONS_OVERFLOW(&back, base + NENT));
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, NULL)
    const struct CMUnitTest tests[] = {
        T(test_blkif_sized_ring_has_32_slots_in_a_page),
        T(test_header_layout_is_fixed),
        T(test_ring_size_rounds_down_to_a_power_of_two),
        T(test_shared_ring_init_clears_indices_and_asks_for_the_first_event),
        T(test_slots_wrap_at_the_ring_size),
        T(test_requests_and_responses_cross_in_order),
        T(test_traffic_never_writes_the_header_padding),
        T(test_full_ring_and_free_counts),
        T(test_unconsumed_requests_are_bounded_by_the_ring),
        T(test_copy_request_is_a_snapshot),
        T(test_no_notification_unless_the_other_side_asked),
        T(test_notification_exactly_when_the_event_index_is_crossed),
        T(test_a_waiting_backend_is_notified_of_every_request),
        T(test_push_publishes_before_the_fence_and_reads_the_event_after),
        T(test_final_check_catches_a_request_published_before_the_event_was_set),
        T(test_final_check_sees_a_request_published_in_the_window),
        T(test_final_check_for_responses_closes_the_same_race),
        T(test_final_check_with_work_pending_does_not_ask),
        T(test_request_prod_overflow_catches_a_frontend_claiming_too_much),
        T(test_request_cons_overflow_stops_at_unanswered_slots),
    };
#undef T
    return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
