/*
 * fuzz_xenstore.c - the xenstore wire protocol (tools/xenstore/xs_store.c)
 * driven by a stream of requests from several domains.
 *
 * Every domU can put any bytes on its xenstore ring; dom0's xenstored
 * (tools/xenstore/xenstored.c) assembles whole messages and hands each to
 * xs_store_handle().  Here the input is decoded into such a stream.  Each
 * step starts with a byte whose low 3 bits pick the domain (dom0, domUs,
 * the highest domain id) and whose high 5 bits pick the action: 30
 * introduces the domain, 31 releases it, anything else sends a message made
 * of the next bytes: its type (one byte, modulo the number of types), its
 * transaction id (one byte), its payload length (two bytes, little-endian,
 * cut to what the input still holds) and its payload, copied to a buffer of
 * exactly that length.  The store lives in a small arena so that running out
 * of memory is reached too.
 *
 * After every step: the reply must be one well-formed message (the request's
 * type or XS_ERROR, its req_id echoed, a length that matches), every queued
 * watch event must be a well-formed XS_WATCH_EVENT, and xs_store_check()
 * must find every invariant of the arena and the tree intact.
 * Seeds (tests/fuzz/corpus/xenstore/, from make_seeds.py): the split block
 * driver's handshake, watches and transactions, permissions, and domains
 * introduced and released.
 */
#include <string.h>

#include "xs_store.h"
#include "fuzz.h"

#define ARENA_SIZE  (64 * 1024)
#define ACT_INTRO   30
#define ACT_RELEASE 31
#define MAX_DRAIN   64
#define LEN_LIMIT   (XENSTORE_PAYLOAD_MAX + 16) /* a little past the protocol's limit */

static const uint16_t domids[8] = {0, 1, 2, 3, 5, 9, 100, 0x7FEF};
static uint64_t arena[ARENA_SIZE / 8];
static uint8_t reply[XS_REPLY_MAX];
static uint8_t event[XS_EVENT_MSG_MAX];

struct input {
    const uint8_t *p, *end;
};

static unsigned int take(struct input *in, unsigned int bytes)
{
    unsigned int v = 0;
    for (unsigned int i = 0; i < bytes && in->p < in->end; i++)
        v |= (unsigned int)*in->p++ << (8 * i);
    return v;
}

static void check_store(struct xs_store *s)
{
    const char *broken = xs_store_check(s);
    if (broken)
        fprintf(stderr, "xs_store_check: %s\n", broken);
    FUZZ_CHECK(broken == NULL, "the store's invariants hold");
}

static void send_message(struct xs_store *s, uint16_t dom, struct input *in)
{
    struct xsd_sockmsg req = {take(in, 1) % XS_TYPE_COUNT, 0x5a5a0000u | dom, take(in, 1), 0};
    size_t len = take(in, 2) % (LEN_LIMIT + 1);
    len = len < (size_t)(in->end - in->p) ? len : (size_t)(in->end - in->p);
    char *payload = malloc(len ? len : 1);
    FUZZ_CHECK(payload != NULL, "out of memory");
    memcpy(payload, in->p, len);
    in->p += len;
    req.len = (uint32_t)len;
    size_t n = xs_store_handle(s, dom, &req, len ? payload : NULL, reply, sizeof(reply));
    free(payload);
    struct xsd_sockmsg h;
    FUZZ_CHECK(n >= sizeof(h) && n <= sizeof(reply), "a reply of a sane size");
    memcpy(&h, reply, sizeof(h));
    FUZZ_CHECK(n == sizeof(h) + h.len && h.len <= XENSTORE_PAYLOAD_MAX, "the reply's length");
    FUZZ_CHECK(h.req_id == req.req_id, "req_id echoed");
    FUZZ_CHECK(h.type == req.type || h.type == XS_ERROR, "the reply's type");
    if (h.type == XS_ERROR)
        FUZZ_CHECK(h.len >= 2 && reply[n - 1] == 0, "an error names itself");
}

static void drain_events(struct xs_store *s, uint16_t dom)
{
    for (int i = 0; i < MAX_DRAIN; i++) {
        size_t n = xs_store_next_event(s, dom, event, sizeof(event));
        if (!n)
            return;
        struct xsd_sockmsg h;
        FUZZ_CHECK(n >= sizeof(h) && n <= sizeof(event), "an event of a sane size");
        memcpy(&h, event, sizeof(h));
        FUZZ_CHECK(h.type == XS_WATCH_EVENT && n == sizeof(h) + h.len, "a well-formed event");
        FUZZ_CHECK(h.len >= 2 && event[n - 1] == 0, "path and token terminated");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xs_store s;
    struct input in = {data, data + size};
    FUZZ_CHECK(xs_store_init(&s, arena, sizeof(arena)) == 0, "the store starts");
    while (in.p < in.end) {
        unsigned int c = take(&in, 1);
        uint16_t dom = domids[c & 7];
        if (c >> 3 == ACT_INTRO)
            xs_store_introduce_domain(&s, dom);
        else if (c >> 3 == ACT_RELEASE)
            xs_store_release_domain(&s, dom);
        else
            send_message(&s, dom, &in);
        drain_events(&s, dom);
        check_store(&s);
    }
    for (unsigned int i = 1; i < 8; i++)
        xs_store_release_domain(&s, domids[i]);
    check_store(&s);
    return 0;
}
