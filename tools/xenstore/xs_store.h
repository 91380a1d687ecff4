/*
 * xs_store.h - xenstore-lite, the key/value store through which domains find
 * their devices: the engine, without the transport.
 *
 * The store is a tree of nodes named like files ("/local/domain/5/device/vbd/
 * 768/state"), each holding a value of up to XS_VALUE_MAX bytes, an owner and
 * a permission list.  Domains talk to it with the messages of
 * <public/io/xs_wire.h>; dom0's transport (rings and event channels) hands
 * each whole request to xs_store_handle() and copies the reply back, then
 * drains the domain's watch events with xs_store_next_event().  Code running
 * inside dom0 itself uses the xs_local_* calls, which take the same paths
 * through the engine as dom0's messages would.
 *
 * The engine runs in dom0's freestanding kernel: it never calls malloc.  The
 * caller gives it one memory arena and everything (nodes, values, watches,
 * queued events, per-domain accounts) is carved out of it by a small first-fit
 * allocator.  A full arena makes requests fail with ENOMEM, a domain over its
 * quota gets ENOSPC (nodes, bytes, transactions) or E2BIG (watches); nothing
 * crashes and nothing half-done is left behind.
 *
 * Semantics follow Xen's C xenstored, with the simplifications listed at the
 * top of xs_store.c (transactions have no isolation, the store keeps no
 * generation counts).  Errors are returned as negative XSD_E* numbers.
 */
#ifndef XS_STORE_H
#define XS_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <public/io/xs_wire.h>

/* Hard limits, the same for every domain including dom0. */
#define XS_VALUE_MAX 1024 /* bytes in one node's value */
#define XS_TOKEN_MAX 256  /* bytes in one watch token */
#define XS_PERMS_MAX 16   /* entries in one node's permission list */

/* Default per-domain quotas (struct xs_limits); dom0 is limited only in queued events. */
#define XS_DOMAIN_NODES_MAX   1000         /* nodes owned */
#define XS_DOMAIN_BYTES_MAX   (128 * 1024) /* arena bytes held by the nodes owned */
#define XS_DOMAIN_WATCHES_MAX 64           /* watches registered */
#define XS_DOMAIN_EVENTS_MAX  128          /* watch events queued; more are dropped */
#define XS_DOMAIN_TX_MAX      10           /* transactions open at once */

/* The longest message xs_store_next_event() produces. */
#define XS_EVENT_MSG_MAX (sizeof(struct xsd_sockmsg) + XENSTORE_ABS_PATH_MAX + 1 + XS_TOKEN_MAX + 1)
/* A reply buffer of this size never truncates a reply. */
#define XS_REPLY_MAX (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)

/* Permission bits of one entry, Xen's values. */
#define XS_PERM_NONE  0
#define XS_PERM_READ  1
#define XS_PERM_WRITE 2
#define XS_PERM_BOTH  (XS_PERM_READ | XS_PERM_WRITE)

/*
 * A node's permissions are a list: entry 0 names the owner and gives the
 * default for every domain not listed; entries 1.. grant a domain its own
 * rights.  Text form "n0", "r5", "w5", "b5".
 */
struct xs_perm {
    uint16_t id;
    uint8_t perms;
};

struct xs_limits {
    uint32_t nodes, bytes, watches, events, transactions;
};

struct xs_free;
struct xs_node;
struct xs_domain;

/* Buckets of the accounts' hash by domid: with a thousand domains a lookup visits about four. */
#define XS_DOM_BUCKETS 256
/* Buckets of the nodes' hash by (parent, name): /local/domain has a child per domain, and a
 * lookup among a thousand siblings visited each (issue 15). */
#define XS_NODE_BUCKETS 1024

/* The whole store; the caller allocates it, xs_store_init() fills it in. */
struct xs_store {
    uint8_t *arena;                             /* first byte the allocator may hand out */
    size_t arena_len;                           /* bytes from there, a multiple of 8 */
    struct xs_free *free;                       /* free blocks in address order */
    size_t free_bytes;                          /* sum of their sizes */
    struct xs_node *root;                       /* "/" */
    struct xs_node *node_hash[XS_NODE_BUCKETS]; /* every node but the root, by parent and name */
    /* accounts, one per domain that owns or asks anything, by id % XS_DOM_BUCKETS */
    struct xs_domain *doms[XS_DOM_BUCKETS];
    struct xs_domain *watchers; /* the accounts with a watch: the only ones a change visits */
    struct xs_domain *touched;  /* accounts that may have become empty since the last tidy */
    uint32_t next_tx_id;
    uint32_t nodes;          /* nodes in the tree */
    uint32_t events_queued;  /* watch events ever queued, for any domain */
    uint32_t events_dropped; /* watch events lost to a full queue or arena */
    uint32_t release_walks;  /* releases that had to look through the whole tree */
    struct xs_limits limits; /* the quotas above; a caller or test may lower them */
};

/*
 * Set up an empty store in arena[0..len) holding "/", "/local",
 * "/local/domain", "/local/domain/0" and "/tool", all owned by dom0 with
 * perms "n0".  Returns 0, or -XSD_ENOMEM if the arena is too small for that.
 */
int xs_store_init(struct xs_store *s, void *arena, size_t len);

/*
 * Handle one request from domain `dom`: req is its header, payload its
 * req->len bytes (the caller has checked they were all received).  Writes the
 * reply message (header and payload) into reply and returns its total length;
 * 0 only if reply_cap is too small even for an error reply (less than 32
 * bytes).  Errors are XS_ERROR replies naming the error, as in Xen; malformed
 * requests (req->len over XENSTORE_PAYLOAD_MAX, a missing NUL, a bad path,
 * a type the client may not send) are answered EINVAL, never a crash.
 */
size_t xs_store_handle(struct xs_store *s, uint16_t dom, const struct xsd_sockmsg *req,
                       const char *payload, void *reply, size_t reply_cap);

/*
 * Pop the oldest pending watch event for `dom` into msg as a complete
 * XS_WATCH_EVENT message; returns its length, or 0 if there is none (or cap is
 * below the event's length: XS_EVENT_MSG_MAX is always enough).
 */
size_t xs_store_next_event(struct xs_store *s, uint16_t dom, void *msg, size_t cap);
/* How many watch events wait for `dom`. */
unsigned xs_store_pending_events(const struct xs_store *s, uint16_t dom);
/* Watch events ever queued, for any domain: a transport serves the domains that have some
 * only when this has moved (tools/xenstore/xenstored.c). */
uint32_t xs_store_events_queued(const struct xs_store *s);
/* The domains with watch events waiting, found on the list of watching domains (not among every
 * account): after the first `skip` of them, up to `max` ids into ids[]; returns how many there
 * are in all. */
uint32_t xs_store_domains_with_events(const struct xs_store *s, uint16_t *ids, uint32_t skip,
                                      uint32_t max);
/* Call serve(ctx, dom) for each domain with watch events waiting; serve takes its events (it
 * may change the store).  A domain left with events is called once, not again and again. */
typedef void xs_serve_fn(void *ctx, uint16_t dom);
void xs_store_serve_events(struct xs_store *s, xs_serve_fn *serve, void *ctx);

/*
 * The toolstack's side of a domain's life.  introduce creates (or resets)
 * /local/domain/<dom> owned by dom with perms "n<dom>", marks the domain
 * introduced and fires "@introduceDomain".  release removes
 * /local/domain/<dom> with everything under it, hands any other node the
 * domain owned to dom0 and strips it from every permission list (so a later
 * domain reusing the id inherits nothing), drops its watches, queued events
 * and open transactions, and fires "@releaseDomain".
 */
int xs_store_introduce_domain(struct xs_store *s, uint16_t dom);
void xs_store_release_domain(struct xs_store *s, uint16_t dom);
int xs_store_is_introduced(const struct xs_store *s, uint16_t dom);

/*
 * Visit the subtree at `root` (absolute, or relative to /local/domain/0)
 * depth-first, parents before children, children in creation order.  perms is
 * the text form joined by commas ("n0,r5"); depth is 0 for root itself.  fn
 * must not modify the store.  Returns 0, or -XSD_EINVAL / -XSD_ENOENT.
 */
typedef void xs_walk_fn(const char *path, const void *value, size_t len, uint16_t owner,
                        const char *perms, unsigned depth, void *ctx);
int xs_store_walk(struct xs_store *s, const char *root, xs_walk_fn *fn, void *ctx);

/* Bytes of arena not in use (for tools and leak checks). */
size_t xs_store_free_bytes(const struct xs_store *s);

/*
 * Check every invariant of the arena and the tree (blocks tile the arena,
 * free list ordered and coalesced, parent links, per-domain counts).
 * Returns NULL if all hold, otherwise what is broken.  O(size of store).
 */
const char *xs_store_check(const struct xs_store *s);

/* "ENOENT" for XSD_ENOENT or -XSD_ENOENT; "EINVAL" for numbers not in the table. */
const char *xs_error_string(int err);

/*
 * dom0's in-process calls, through the same checks and watch firing as dom0's
 * messages; paths as in messages.  Each returns 0 or a negative XSD_E*, except
 * where noted.
 */
/* Returns the value's length; buf gets the value and a NUL (-XSD_E2BIG if cap is too small). */
int xs_local_read(struct xs_store *s, const char *path, char *buf, size_t cap);
int xs_local_write(struct xs_store *s, const char *path, const void *value, size_t len);
int xs_local_write_str(struct xs_store *s, const char *path, const char *value);
int xs_local_mkdir(struct xs_store *s, const char *path);
int xs_local_rm(struct xs_store *s, const char *path);
/* perms in text form separated by spaces or commas: "n0 r5". */
int xs_local_set_perms(struct xs_store *s, const char *path, const char *perms);
/* Returns the length of the child names, each followed by a NUL, copied into buf. */
int xs_local_directory(struct xs_store *s, const char *path, char *buf, size_t cap);
int xs_local_watch(struct xs_store *s, const char *path, const char *token);
int xs_local_unwatch(struct xs_store *s, const char *path, const char *token);

#endif
