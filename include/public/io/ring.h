/*
 * io/ring.h - the shared I/O ring: how a frontend and a backend in two
 * domains pass requests and responses through one shared page.
 *
 * Every split driver (the block device first) uses the same protocol, so it
 * is defined once, here, as macros over the driver's own request and response
 * types.  DEFINE_RING_TYPES(blkif, struct blkif_request, struct
 * blkif_response) makes three types:
 *
 *   struct blkif_sring        the shared page: four indices padded to 64 bytes,
 *                             then an array of slots, each holding either a
 *                             request or the response that replaced it;
 *   struct blkif_front_ring   the frontend's private view (what it has
 *                             produced but not yet published, what it consumed);
 *   struct blkif_back_ring    the backend's private view, the mirror image.
 *
 * The indices are free-running 32-bit counters: they are never reduced modulo
 * the ring size, they just wrap around 2^32.  A slot is `idx & (size - 1)`
 * (the size is a power of two), and every question is a difference of two
 * indices in unsigned arithmetic, which stays right across the wrap:
 * "requests not yet answered" is req_prod - rsp_cons, never more than the size.
 *
 * The frontend writes requests into slots from req_prod_pvt on, then
 * publishes them by moving the shared req_prod (RING_PUSH_REQUESTS); the
 * backend consumes from req_cons up to req_prod, writes each response into
 * the slot of a request it has already consumed, and publishes rsp_prod.  So
 * a slot is reused only after its response was consumed, and the frontend
 * never has more than RING_SIZE requests outstanding (RING_FULL).
 *
 * Notification suppression.  Each side tells the other through an event
 * channel, but only when the other side asked: req_event is "wake me (the
 * backend) when req_prod passes this index", rsp_event the same for the
 * frontend.  A producer that moved its index from `old` to `new` notifies iff
 * the event index lies in (old, new], i.e. (new - event) < (new - old) in
 * unsigned arithmetic (RING_PUSH_*_AND_CHECK_NOTIFY).  A consumer about to
 * sleep sets its event index to cons + 1 and then looks once more
 * (RING_FINAL_CHECK_FOR_*): anything produced before the event index was
 * visible is caught by the second look, anything after it raises a
 * notification, so no request is ever left sitting unnoticed.
 *
 * The other side is not trusted.  A backend copies a request out of the ring
 * before checking it (RING_COPY_REQUEST), since the frontend can rewrite the
 * slot between the check and the use, and it refuses a req_prod that claims
 * more requests than the ring can hold (RING_REQUEST_PROD_OVERFLOW).
 *
 * This header needs only <stdint.h>: it is compiled freestanding for i386
 * (the hypervisor and minios) and for the 64-bit host (unit tests and tools),
 * and the shared page has the same layout in both.
 */
#ifndef PUBLIC_IO_RING_H
#define PUBLIC_IO_RING_H

#include <stdint.h>

typedef uint32_t RING_IDX;

/*
 * Barriers.  x86 keeps stores in order with other stores and loads in order
 * with other loads, so a producer's "fill the slot, then move the index"
 * (xen_wmb) and a consumer's "read the index, then read the slot" (xen_rmb)
 * need only stop the compiler from reordering.  A store followed by a load
 * is different: the CPU may let the load pass the store in its store buffer,
 * so "publish my index, then read the other side's event index" (xen_mb)
 * needs a real fence.  __atomic_thread_fence(__ATOMIC_SEQ_CST) is a compiler
 * builtin that needs no library: `lock or` on i686, mfence or `lock or` on
 * x86_64.  A user may define its own barriers before including this file.
 */
#ifndef xen_mb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __asm__ volatile("" ::: "memory")
#define xen_wmb() __asm__ volatile("" ::: "memory")
#endif

/* The largest power of two not above a 32-bit constant (0 for 0); a constant expression. */
#define RING_RD2(x)  (((x)&0x2u) ? 0x2u : ((x)&0x1u))
#define RING_RD4(x)  (((x)&0xcu) ? RING_RD2((x) >> 2) << 2 : RING_RD2(x))
#define RING_RD8(x)  (((x)&0xf0u) ? RING_RD4((x) >> 4) << 4 : RING_RD4(x))
#define RING_RD16(x) (((x)&0xff00u) ? RING_RD8((x) >> 8) << 8 : RING_RD8(x))
#define RING_RD32(x) (((x)&0xffff0000u) ? RING_RD16((x) >> 16) << 16 : RING_RD16(x))

/* Bytes before the first slot of every shared ring. */
#define RING_HEADER_SIZE 64u

/*
 * The slots of a ring of type `name` in a shared area of `size` bytes, as a
 * constant expression (for array sizes and static checks).
 */
#define __CONST_RING_SIZE(name, size)                                                              \
    RING_RD32((uint32_t)(((size) - __builtin_offsetof(struct name##_sring, ring)) /                \
                         sizeof(union name##_sring_entry)))

/* The same, from a pointer to the shared ring. */
#define __RING_SIZE(s, size)                                                                       \
    RING_RD32((uint32_t)(((size) - (uint32_t)((const char *)(s)->ring - (const char *)(s))) /      \
                         sizeof((s)->ring[0])))

/*
 * The three types of a ring.  The header is four indices and 48 bytes of
 * padding, so the slots start at byte 64 whatever the entry types are.
 */
#define DEFINE_RING_TYPES(name, req_t, rsp_t)                                                      \
    union name##_sring_entry {                                                                     \
        req_t req;                                                                                 \
        rsp_t rsp;                                                                                 \
    };                                                                                             \
    struct name##_sring {                                                                          \
        RING_IDX req_prod, req_event;                                                              \
        RING_IDX rsp_prod, rsp_event;                                                              \
        uint8_t pad[48];                                                                           \
        union name##_sring_entry ring[1]; /* really RING_SIZE slots */                             \
    };                                                                                             \
    struct name##_front_ring {                                                                     \
        RING_IDX req_prod_pvt; /* requests written, published or not */                            \
        RING_IDX rsp_cons;     /* responses consumed */                                            \
        unsigned int nr_ents;                                                                      \
        struct name##_sring *sring;                                                                \
    };                                                                                             \
    struct name##_back_ring {                                                                      \
        RING_IDX rsp_prod_pvt; /* responses written, published or not */                           \
        RING_IDX req_cons;     /* requests consumed */                                             \
        unsigned int nr_ents;                                                                      \
        struct name##_sring *sring;                                                                \
    };                                                                                             \
    typedef struct name##_sring name##_sring_t;                                                    \
    typedef struct name##_front_ring name##_front_ring_t;                                          \
    typedef struct name##_back_ring name##_back_ring_t;                                            \
    _Static_assert(__builtin_offsetof(struct name##_sring, ring) == RING_HEADER_SIZE,              \
                   #name ": the ring header must be 64 bytes");                                    \
    _Static_assert(__CONST_RING_SIZE(name, 4096) >= 1, #name ": an entry must fit in a page")

/* ---------------------------------------------------------------- setting up */

/* The side that allocates the page: nothing produced, and both sides want the first event. */
#define SHARED_RING_INIT(s)                                                                        \
    do {                                                                                           \
        (s)->req_prod = (s)->rsp_prod = 0;                                                         \
        (s)->req_event = (s)->rsp_event = 1;                                                       \
        for (unsigned int _i = 0; _i < sizeof((s)->pad); _i++)                                     \
            (s)->pad[_i] = 0;                                                                      \
    } while (0)

/* Attach a private view to a freshly initialised shared ring of `size` bytes. */
#define FRONT_RING_INIT(r, s, size)                                                                \
    do {                                                                                           \
        (r)->req_prod_pvt = 0;                                                                     \
        (r)->rsp_cons = 0;                                                                         \
        (r)->nr_ents = __RING_SIZE(s, size);                                                       \
        (r)->sring = (s);                                                                          \
    } while (0)

#define BACK_RING_INIT(r, s, size)                                                                 \
    do {                                                                                           \
        (r)->rsp_prod_pvt = 0;                                                                     \
        (r)->req_cons = 0;                                                                         \
        (r)->nr_ents = __RING_SIZE(s, size);                                                       \
        (r)->sring = (s);                                                                          \
    } while (0)

/* ---------------------------------------------------------------- questions */

#define RING_SIZE(r) ((r)->nr_ents)

/* Frontend: slots it may still fill (requests it may send before the oldest is answered). */
#define RING_FREE_REQUESTS(r) (RING_SIZE(r) - ((r)->req_prod_pvt - (r)->rsp_cons))
#define RING_FULL(r)          (RING_FREE_REQUESTS(r) == 0)

/* Frontend: responses published and not yet consumed (non-zero means work). */
#define RING_HAS_UNCONSUMED_RESPONSES(r) ((RING_IDX)((r)->sring->rsp_prod - (r)->rsp_cons))

/*
 * Backend: requests published and not yet consumed, never more than the slots
 * it has not answered yet, so a frontend that publishes a wild req_prod
 * cannot make the backend run over slots it has yet to answer.  Each index is
 * read once.
 */
static inline RING_IDX ring_unconsumed_requests(RING_IDX req_prod, RING_IDX req_cons,
                                                RING_IDX rsp_prod_pvt, unsigned int size)
{
    RING_IDX published = req_prod - req_cons;
    RING_IDX room = size - (req_cons - rsp_prod_pvt);
    return published < room ? published : room;
}
#define RING_HAS_UNCONSUMED_REQUESTS(r)                                                            \
    ring_unconsumed_requests((r)->sring->req_prod, (r)->req_cons, (r)->rsp_prod_pvt, RING_SIZE(r))

/* Backend: would consuming request `cons` overrun the responses still owed? */
#define RING_REQUEST_CONS_OVERFLOW(r, cons) ((RING_IDX)((cons) - (r)->rsp_prod_pvt) >= RING_SIZE(r))

/*
 * Backend: does a req_prod read from the shared page claim more requests than
 * a well-behaved frontend can have outstanding?  Every request after the last
 * response the backend produced occupies a slot, so at most RING_SIZE of
 * them exist; a bigger jump (even one that wraps past 2^32) means the
 * frontend is broken or hostile.
 */
#define RING_REQUEST_PROD_OVERFLOW(r, prod) ((RING_IDX)((prod) - (r)->rsp_prod_pvt) > RING_SIZE(r))

/* ---------------------------------------------------------------- slots */

#define RING_GET_REQUEST(r, idx)  (&((r)->sring->ring[(idx) & (RING_SIZE(r) - 1)].req))
#define RING_GET_RESPONSE(r, idx) (&((r)->sring->ring[(idx) & (RING_SIZE(r) - 1)].rsp))

/*
 * Backend: take a private copy of request `idx`, read from the shared page
 * exactly once, and validate only the copy.
 */
#define RING_COPY_REQUEST(r, idx, req)                                                             \
    (*(req) = *(volatile __typeof__(*(req)) *)RING_GET_REQUEST(r, idx))

/* ---------------------------------------------------------------- publishing */

#define RING_PUSH_REQUESTS(r)                                                                      \
    do {                                                                                           \
        xen_wmb(); /* the slots before the index that covers them */                               \
        (r)->sring->req_prod = (r)->req_prod_pvt;                                                  \
    } while (0)

#define RING_PUSH_RESPONSES(r)                                                                     \
    do {                                                                                           \
        xen_wmb();                                                                                 \
        (r)->sring->rsp_prod = (r)->rsp_prod_pvt;                                                  \
    } while (0)

/* Is `event` in (old, new]?  In unsigned arithmetic, so right across the wrap. */
#define RING_CROSSED_EVENT(new_idx, old_idx, event)                                                \
    ((RING_IDX)((new_idx) - (event)) < (RING_IDX)((new_idx) - (old_idx)))

/* Publish, then set `notify` iff the backend asked to hear about one of them. */
#define RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(r, notify)                                             \
    do {                                                                                           \
        RING_IDX _old = (r)->sring->req_prod;                                                      \
        RING_IDX _new = (r)->req_prod_pvt;                                                         \
        xen_wmb();                                                                                 \
        (r)->sring->req_prod = _new;                                                               \
        xen_mb(); /* publish before reading req_event: see RING_FINAL_CHECK_FOR_REQUESTS */        \
        (notify) = RING_CROSSED_EVENT(_new, _old, (r)->sring->req_event);                          \
    } while (0)

#define RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(r, notify)                                            \
    do {                                                                                           \
        RING_IDX _old = (r)->sring->rsp_prod;                                                      \
        RING_IDX _new = (r)->rsp_prod_pvt;                                                         \
        xen_wmb();                                                                                 \
        (r)->sring->rsp_prod = _new;                                                               \
        xen_mb();                                                                                  \
        (notify) = RING_CROSSED_EVENT(_new, _old, (r)->sring->rsp_event);                          \
    } while (0)

/* ---------------------------------------------------------------- before sleeping */

/*
 * Backend, out of work: ask to be told about the next request, then look once
 * more, because a request published before req_event was visible to the
 * frontend raised no notification.  `work` is non-zero if there is more to do.
 */
#define RING_FINAL_CHECK_FOR_REQUESTS(r, work)                                                     \
    do {                                                                                           \
        (work) = RING_HAS_UNCONSUMED_REQUESTS(r);                                                  \
        if (work)                                                                                  \
            break;                                                                                 \
        (r)->sring->req_event = (r)->req_cons + 1;                                                 \
        xen_mb();                                                                                  \
        (work) = RING_HAS_UNCONSUMED_REQUESTS(r);                                                  \
    } while (0)

#define RING_FINAL_CHECK_FOR_RESPONSES(r, work)                                                    \
    do {                                                                                           \
        (work) = RING_HAS_UNCONSUMED_RESPONSES(r);                                                 \
        if (work)                                                                                  \
            break;                                                                                 \
        (r)->sring->rsp_event = (r)->rsp_cons + 1;                                                 \
        xen_mb();                                                                                  \
        (work) = RING_HAS_UNCONSUMED_RESPONSES(r);                                                 \
    } while (0)

#endif
