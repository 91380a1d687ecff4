/*
 * xs_store.c - xenstore-lite's engine: the tree, its permissions, watches and
 * the request dispatcher, in a memory arena of the caller's.
 *
 * A tour, in file order:
 *  1. The arena allocator.  Blocks are 8-aligned, begin with their size, and
 *     free blocks sit on an address-ordered list so that freeing coalesces
 *     with both neighbours.  First fit; a full arena returns NULL and the
 *     request fails with ENOMEM.  Freed bytes are poisoned (0xdd).
 *  2. Domain accounts (struct xs_domain): per domain, the nodes and bytes it
 *     owns, its watches, its queue of watch events and its open transactions.
 *     Quotas are checked against these for every domain but dom0 (whose
 *     event queue alone is limited too).
 *  3. Nodes.  Each node holds its name, its value, its permission list and
 *     links to parent, first child and next sibling (children in creation
 *     order); a child is found by name through a hash of (parent, name), so
 *     /local/domain's thousand children cost a lookup no more than two.  A node's bytes (node,
 * value and perms blocks) are charged to its owner, so changing the owner moves the charge.
 *  4. Paths: a request's path is made absolute (relative ones hang below
 *     /local/domain/<caller>) and checked for Xen's rules before any lookup.
 *  5. Watches and events.  A change to a node queues one event per matching
 *     watch whose domain may read the node (dom0 always may).
 *  6. The operations, on absolute paths and a calling domain, shared by the
 *     message handler and dom0's xs_local_* calls.
 *  7. Messages: argument splitting, the dispatcher and xs_store_handle().
 *  8. Domains coming and going, walking the tree, the invariant checker.
 *
 * Xen's rules, as implemented here:
 *  - dom0 may do anything.  Any other domain gets all rights on nodes it owns;
 *    otherwise the first permission entry that names it, else entry 0's
 *    default.  Reading (read, directory, get_perms) needs r, changing (write,
 *    mkdir, rm) needs w; set_perms needs to own the node, and only dom0 may
 *    change a node's owner (EPERM).
 *  - A missing node reports ENOENT only if the caller has the wanted right on
 *    its nearest existing ancestor, EACCES otherwise, so that existence does
 *    not leak.  Creating a node needs w on that ancestor.
 *  - write and mkdir create missing parents.  A new node copies its parent's
 *    permission list; if a domain other than dom0 created it, that domain
 *    becomes the owner.  (So dom0 writing under /local/domain/5 creates nodes
 *    owned by 5, as the frontend needs.)
 *  - mkdir of an existing node and rm of a missing node whose parent exists
 *    succeed silently; rm "/" is EINVAL.
 *  - A watch fires once when registered, then for every write, mkdir (that
 *    creates), rm or set_perms at or below its path, with the changed path;
 *    an rm also fires watches inside the removed subtree, with the watch's
 *    own path.  Relative watches get relative paths.  "@introduceDomain" and
 *    "@releaseDomain" fire on those events, for dom0's watches only (Xen's
 *    special nodes are "n0").
 *
 * Simplifications, each pinned down by tests/unit/test_xs_store.c:
 *  - Transactions have ids and quotas but no isolation: operations inside a
 *    transaction take effect at once, XS_TRANSACTION_END "T" always commits
 *    (never EAGAIN) and "F" rolls nothing back.  Clients that retry on EAGAIN
 *    work unchanged; pvlab's own clients only group writes.
 *  - Values are limited to XS_VALUE_MAX bytes for everyone (E2BIG), not by a
 *    per-domain quota as in Xen, and paths to XENSTORE_ABS_PATH_MAX.
 *  - Watch events over a domain's queue limit, or for which the arena has no
 *    room, are dropped and counted in events_dropped; the watcher is not told.
 *  - On rm, a watch inside the removed subtree fires if its domain could read
 *    the removed node itself (Xen checks each removed node).
 *  - Besides Xen's node quota, each domain has a byte quota (XS_DOMAIN_BYTES_MAX)
 *    so that a few domains cannot fill the arena between them with big values.
 *  - XS_CONTROL, XS_SET_TARGET and XS_DIRECTORY_PART answer ENOSYS; domids
 *    carry no generation count, which is why release scrubs the id from every
 *    permission list instead.
 */
#include <lib.h>
#include <public/io/xs_wire.h>
#include <public/xen.h>
#include "xs_store.h"

#define DOMID_LIMIT DOMID_FIRST_RESERVED /* the first id that is not a domain */
#define PERM_OWNER  4                    /* internal: the caller owns the node (or is dom0) */
#define PERMS_TEXT  (XS_PERMS_MAX * 8)

/* ------------------------------------------------------------------ 1. arena */

#define BLK_ALIGN 8
#define BLK_HDR   8  /* the block's size_t, padded so payloads stay 8-aligned */
#define BLK_MIN   16 /* room for a free block's size and next pointer */

struct xs_free {
    size_t size; /* whole block, header included */
    struct xs_free *next;
};

_Static_assert(sizeof(struct xs_free) <= BLK_MIN, "free block header too big");
_Static_assert(sizeof(size_t) <= BLK_HDR, "block header too small");

static size_t blk_size_for(size_t n)
{
    size_t sz = ROUNDUP(n + BLK_HDR, (size_t)BLK_ALIGN);
    return sz < BLK_MIN ? BLK_MIN : sz;
}

/* The size of the block holding p, as handed out (0 for NULL). */
static size_t blk_size(const void *p)
{
    return p ? *(const size_t *)((const uint8_t *)p - BLK_HDR) : 0;
}

static void *xs_alloc(struct xs_store *s, size_t n)
{
    if (n > s->arena_len)
        return NULL;
    size_t need = blk_size_for(n);
    for (struct xs_free **pp = &s->free; *pp; pp = &(*pp)->next) {
        struct xs_free *f = *pp;
        if (f->size < need)
            continue;
        if (f->size - need >= BLK_MIN) {
            struct xs_free *rest = (struct xs_free *)((uint8_t *)f + need);
            rest->size = f->size - need;
            rest->next = f->next;
            *pp = rest;
        } else {
            need = f->size; /* a remainder too small to track goes with the block */
            *pp = f->next;
        }
        f->size = need;
        s->free_bytes -= need;
        return (uint8_t *)f + BLK_HDR;
    }
    return NULL;
}

static void xs_release(struct xs_store *s, void *p)
{
    if (!p)
        return;
    struct xs_free *b = (struct xs_free *)((uint8_t *)p - BLK_HDR);
    struct xs_free *prev = NULL, *next = s->free;
    while (next && next < b) {
        prev = next;
        next = next->next;
    }
    memset(p, 0xdd, b->size - BLK_HDR);
    s->free_bytes += b->size;
    b->next = next;
    if (next && (uint8_t *)b + b->size == (uint8_t *)next) {
        b->size += next->size;
        b->next = next->next;
    }
    if (prev && (uint8_t *)prev + prev->size == (uint8_t *)b) {
        prev->size += b->size;
        prev->next = b->next;
    } else if (prev) {
        prev->next = b;
    } else {
        s->free = b;
    }
}

/* -------------------------------------------------------- 2. domain accounts */

struct xs_watch {
    struct xs_watch *next;
    uint8_t relative; /* registered relative: events carry relative paths */
    uint16_t path_len;
    char text[]; /* absolute path (or "@..."), NUL, token, NUL */
};

struct xs_event {
    struct xs_event *next;
    const struct xs_watch *watch; /* so that unwatch can take back its events */
    uint16_t len;
    char payload[]; /* "path\0token\0" */
};

struct xs_domain {
    struct xs_domain *next;         /* in its hash bucket */
    struct xs_domain *next_watcher; /* on s->watchers, while it has a watch */
    struct xs_domain *next_touched; /* on s->touched */
    uint16_t id;
    uint8_t introduced, touched;
    uint32_t nodes, bytes; /* owned nodes, and the arena bytes they hold */
    uint32_t named;        /* entries naming it in other domains' nodes' permission lists */
    uint32_t nwatches, nevents;
    struct xs_watch *watches;
    struct xs_event *ev_head, *ev_tail;
    uint32_t tx[XS_DOMAIN_TX_MAX]; /* open transaction ids; 0 = free slot */
};

static struct xs_domain **bucket(struct xs_store *s, uint16_t id)
{
    return &s->doms[id % XS_DOM_BUCKETS];
}

static struct xs_domain *dom_find(const struct xs_store *s, uint16_t id)
{
    for (struct xs_domain *d = s->doms[id % XS_DOM_BUCKETS]; d; d = d->next)
        if (d->id == id)
            return d;
    return NULL;
}

/* d's account went down or was made: the next tidy looks whether it is empty. */
static void dom_touch(struct xs_store *s, struct xs_domain *d)
{
    if (d->touched)
        return;
    d->touched = 1;
    d->next_touched = s->touched;
    s->touched = d;
}

/* The account of domain id, created empty if need be; NULL if the arena is full. */
static struct xs_domain *dom_get(struct xs_store *s, uint16_t id)
{
    struct xs_domain *d = dom_find(s, id);
    if (d)
        return d;
    d = xs_alloc(s, sizeof(*d));
    if (!d)
        return NULL;
    memset(d, 0, sizeof(*d));
    d->id = id;
    d->next = *bucket(s, id);
    *bucket(s, id) = d;
    dom_touch(s, d); /* it stays only if the request leaves something in it */
    return d;
}

static int dom_idle(const struct xs_domain *d)
{
    for (unsigned i = 0; i < XS_DOMAIN_TX_MAX; i++)
        if (d->tx[i])
            return 0;
    return d->id != 0 && !d->introduced && !d->nodes && !d->named && !d->nwatches && !d->nevents;
}

static void dom_free(struct xs_store *s, struct xs_domain *d)
{
    struct xs_domain **pp = bucket(s, d->id);
    while (*pp != d)
        pp = &(*pp)->next;
    *pp = d->next;
    xs_release(s, d);
}

/* Free the touched accounts that hold nothing, so that stray domids cannot pile them up.
 * Only the touched ones: a visit to every account after every request was O(domains). */
static void doms_tidy(struct xs_store *s)
{
    while (s->touched) {
        struct xs_domain *d = s->touched;
        s->touched = d->next_touched;
        d->touched = 0;
        if (dom_idle(d))
            dom_free(s, d);
    }
}

static int tx_slot(const struct xs_domain *d, uint32_t id)
{
    for (unsigned i = 0; d && id && i < XS_DOMAIN_TX_MAX; i++)
        if (d->tx[i] == id)
            return (int)i;
    return -1;
}

/* ------------------------------------------------------------------ 3. nodes */

struct xs_node {
    struct xs_node *parent, *child, *next; /* first child, next sibling */
    struct xs_node *prev;                  /* previous sibling; the first child's is the last */
    struct xs_node *next_hashed;           /* in its bucket of s->node_hash */
    uint8_t *value;                        /* NULL when value_len is 0 */
    struct xs_perm *perms;                 /* perms[0].id is the owner */
    uint16_t value_len, nperms, name_len;
    char name[]; /* "" for the root */
};

static uint16_t owner_of(const struct xs_node *n)
{
    return n->perms[0].id;
}

static size_t node_bytes(const struct xs_node *n)
{
    return blk_size(n) + blk_size(n->perms) + blk_size(n->value);
}

/*
 * Add (sign 1) or take away (sign -1) node n from its owner's account, and
 * its permission list's other entries from the accounts they name.  To
 * change a node's blocks, owner or permissions: account out, change, account
 * in.  Every domain a node names has an account while it does, so release
 * knows from `nodes` and `named` alone whether anything outside the
 * domain's own directory still mentions it.
 */
static void account(struct xs_store *s, const struct xs_node *n, int sign)
{
    struct xs_domain *d = dom_find(s, owner_of(n));
    if (!d)
        return; /* impossible; xs_store_check() reports it */
    d->nodes += sign;
    d->bytes += sign * (int)node_bytes(n);
    if (sign < 0)
        dom_touch(s, d);
    for (unsigned i = 1; i < n->nperms; i++) {
        struct xs_domain *e = dom_find(s, n->perms[i].id);
        if (!e)
            continue; /* impossible; xs_store_check() reports it */
        e->named += sign;
        if (sign < 0)
            dom_touch(s, e);
    }
}

/* What domain dom may do with a node of these permissions. */
static unsigned perm_for(uint16_t dom, const struct xs_perm *p, unsigned n)
{
    if (dom == 0 || p[0].id == dom)
        return XS_PERM_BOTH | PERM_OWNER;
    for (unsigned i = 1; i < n; i++)
        if (p[i].id == dom)
            return p[i].perms;
    return p[0].perms;
}

static unsigned node_perm(uint16_t dom, const struct xs_node *n)
{
    return perm_for(dom, n->perms, n->nperms);
}

/* The bucket of parent's child `name` (FNV-1a over the name, mixed with the parent's address). */
static struct xs_node **node_bucket(const struct xs_store *s, const struct xs_node *parent,
                                    const char *name, size_t len)
{
    uint32_t h = 2166136261u ^ (uint32_t)((uintptr_t)parent >> 3);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return (struct xs_node **)&s->node_hash[h % XS_NODE_BUCKETS];
}

static struct xs_node *child_named(const struct xs_store *s, const struct xs_node *n,
                                   const char *name, size_t len)
{
    for (struct xs_node *c = *node_bucket(s, n, name, len); c; c = c->next_hashed)
        if (c->parent == n && c->name_len == len && memcmp(c->name, name, len) == 0)
            return c;
    return NULL;
}

static void hash_add(struct xs_store *s, struct xs_node *n)
{
    struct xs_node **b = node_bucket(s, n->parent, n->name, n->name_len);
    n->next_hashed = *b;
    *b = n;
}

static void hash_remove(struct xs_store *s, struct xs_node *n)
{
    struct xs_node **pp = node_bucket(s, n->parent, n->name, n->name_len);
    while (*pp != n)
        pp = &(*pp)->next_hashed;
    *pp = n->next_hashed;
}

/*
 * Follow a valid absolute path down from the root as far as nodes exist.
 * Returns the deepest node reached; *rest is the part of the path below it
 * that does not exist ("" if the whole path does).
 */
static struct xs_node *walk_path(const struct xs_store *s, const char *path, const char **rest)
{
    struct xs_node *n = s->root;
    const char *p = path + 1;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        struct xs_node *c = child_named(s, n, p, len);
        if (!c)
            break;
        n = c;
        p += len + (slash ? 1 : 0);
    }
    *rest = p;
    return n;
}

/*
 * Look up path for domain dom, which wants the rights `want`.  Returns 0 with
 * *node set if the node exists and dom has them.  Returns -ENOENT if it does
 * not exist but dom has `want` on its nearest ancestor (*node, with *rest the
 * missing part), -EACCES if dom lacks `want` on either.
 */
static int resolve(const struct xs_store *s, uint16_t dom, const char *path, unsigned want,
                   struct xs_node **node, const char **rest)
{
    const char *r;
    struct xs_node *n = walk_path(s, path, &r);
    *node = n;
    if (rest)
        *rest = r;
    if ((node_perm(dom, n) & want) != want)
        return -XSD_EACCES;
    return *r ? -XSD_ENOENT : 0;
}

/*
 * Siblings are listed in creation order, and /local/domain has one per domain: the first
 * child's prev names the last, so that linking a node last and unlinking any node cost the
 * same with a thousand siblings as with one (issue 15).
 */
static void node_link(struct xs_node *parent, struct xs_node *n)
{
    struct xs_node *first = parent->child;
    n->next = NULL;
    if (!first) {
        parent->child = n->prev = n;
        return;
    }
    n->prev = first->prev;
    first->prev->next = n;
    first->prev = n;
}

static void node_unlink(struct xs_node *n)
{
    struct xs_node *first = n->parent->child;
    if (n == first)
        n->parent->child = n->next;
    else
        n->prev->next = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else if (n != first)
        first->prev = n->prev; /* n was the last */
    n->next = n->prev = NULL;
}

/* A new childless, valueless node, linked last under parent (if any). */
static struct xs_node *node_new(struct xs_store *s, struct xs_node *parent, const char *name,
                                size_t name_len, const struct xs_perm *perms, unsigned nperms)
{
    struct xs_node *n = xs_alloc(s, sizeof(*n) + name_len + 1);
    struct xs_perm *p = xs_alloc(s, nperms * sizeof(*p));
    if (!n || !p) {
        xs_release(s, n);
        xs_release(s, p);
        return NULL;
    }
    memset(n, 0, sizeof(*n));
    memcpy(n->name, name, name_len);
    n->name[name_len] = '\0';
    n->name_len = (uint16_t)name_len;
    memcpy(p, perms, nperms * sizeof(*p));
    n->perms = p;
    n->nperms = (uint16_t)nperms;
    n->parent = parent;
    if (parent) {
        node_link(parent, n);
        hash_add(s, n);
    }
    s->nodes++;
    account(s, n, 1);
    return n;
}

static void node_free(struct xs_store *s, struct xs_node *n)
{
    if (n->parent)
        hash_remove(s, n);
    account(s, n, -1);
    s->nodes--;
    xs_release(s, n->value);
    xs_release(s, n->perms);
    xs_release(s, n);
}

/* Unlink top and free it with everything below it, without recursion. */
static void subtree_free(struct xs_store *s, struct xs_node *top)
{
    node_unlink(top);
    struct xs_node *n = top;
    for (;;) {
        while (n->child)
            n = n->child;
        struct xs_node *parent = n->parent;
        int last = n == top;
        if (!last)
            node_unlink(n); /* n is its parent's first child */
        node_free(s, n);
        if (last)
            return;
        n = parent;
    }
}

/* The node after n in a depth-first walk of the subtree at top, or NULL. */
static struct xs_node *next_preorder(struct xs_node *n, const struct xs_node *top)
{
    if (n->child)
        return n->child;
    while (n != top && !n->next)
        n = n->parent;
    return n == top ? NULL : n->next;
}

/* Whether domain dom may give itself one more node of the given name length. */
static int may_create(const struct xs_store *s, uint16_t dom, size_t name_len, unsigned nperms)
{
    if (dom == 0)
        return 0;
    const struct xs_domain *d = dom_find(s, dom);
    size_t bytes = blk_size_for(sizeof(struct xs_node) + name_len + 1) +
                   blk_size_for(nperms * sizeof(struct xs_perm));
    if (!d || d->nodes + 1 > s->limits.nodes || d->bytes + bytes > s->limits.bytes)
        return -XSD_ENOSPC;
    return 0;
}

/*
 * Create the missing path `rest` below the existing node anc for domain dom
 * (whose account must exist).  On success *leaf is the last node and *top
 * the first one created; on failure nothing is left behind.
 */
static int create_path(struct xs_store *s, uint16_t dom, struct xs_node *anc, const char *rest,
                       struct xs_node **leaf, struct xs_node **top)
{
    struct xs_node *parent = anc;
    *top = NULL;
    while (*rest) {
        const char *slash = strchr(rest, '/');
        size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
        struct xs_perm perms[XS_PERMS_MAX];
        unsigned n = parent->nperms;
        memcpy(perms, parent->perms, n * sizeof(perms[0]));
        if (dom != 0)
            perms[0].id = dom; /* unprivileged domains own what they create */
        int err = may_create(s, dom, len, n);
        struct xs_node *c = err ? NULL : node_new(s, parent, rest, len, perms, n);
        if (!c) {
            if (*top)
                subtree_free(s, *top);
            *top = NULL;
            return err ? err : -XSD_ENOMEM;
        }
        if (!*top)
            *top = c;
        parent = c;
        rest += len + (slash ? 1 : 0);
    }
    *leaf = parent;
    return 0;
}

static int set_value(struct xs_store *s, uint16_t dom, struct xs_node *n, const void *value,
                     size_t len)
{
    const struct xs_domain *d = dom_find(s, owner_of(n));
    if (dom != 0 && owner_of(n) != 0 && d &&
        d->bytes - blk_size(n->value) + (len ? blk_size_for(len) : 0) > s->limits.bytes)
        return -XSD_ENOSPC;
    uint8_t *v = NULL;
    if (len) {
        v = xs_alloc(s, len);
        if (!v)
            return -XSD_ENOMEM;
        memcpy(v, value, len);
    }
    account(s, n, -1);
    xs_release(s, n->value);
    n->value = v;
    n->value_len = (uint16_t)len;
    account(s, n, 1);
    return 0;
}

/* ------------------------------------------------------------------ 4. paths */

static int valid_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '/' || c == '_' || c == '@';
}

/* Xen's rules: absolute, no empty component, no trailing '/', no odd characters. */
static int valid_path(const char *p)
{
    if (p[0] != '/')
        return 0;
    for (size_t i = 0; p[i]; i++) {
        if (!valid_char(p[i]))
            return 0;
        if (p[i] == '/' && i > 0 && (p[i - 1] == '/' || p[i + 1] == '\0'))
            return 0;
    }
    return 1;
}

static size_t domain_path(uint16_t dom, char *buf, size_t cap)
{
    return (size_t)snprintf(buf, cap, "/local/domain/%u", (unsigned)dom);
}

/*
 * The absolute form of path `in` from domain dom, into out (which holds
 * XENSTORE_ABS_PATH_MAX + 1 bytes).  Returns 0 or -EINVAL.
 */
static int canonical_path(uint16_t dom, const char *in, char *out, int *relative)
{
    size_t n = 0;
    *relative = in[0] != '/';
    if (*relative) {
        if (!in[0])
            return -XSD_EINVAL;
        n = domain_path(dom, out, XENSTORE_ABS_PATH_MAX + 1);
        out[n++] = '/';
    }
    size_t len = strnlen(in, XENSTORE_ABS_PATH_MAX + 1);
    if (n + len > XENSTORE_ABS_PATH_MAX)
        return -XSD_EINVAL;
    memcpy(out + n, in, len);
    out[n + len] = '\0';
    return valid_path(out) ? 0 : -XSD_EINVAL;
}

/* Whether path is parent itself or lies below it. */
static int at_or_below(const char *path, const char *parent)
{
    size_t n = strlen(parent);
    if (n == 1)
        return 1; /* "/" */
    return strncmp(path, parent, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* --------------------------------------------------------- 5. watches, events */

static const char *watch_token(const struct xs_watch *w)
{
    return w->text + w->path_len + 1;
}

/* Queue one event for w (a watch of d) about path, or count it dropped. */
static void queue_event(struct xs_store *s, struct xs_domain *d, const struct xs_watch *w,
                        const char *path)
{
    if (w->relative) {
        char prefix[24];
        size_t n = domain_path(d->id, prefix, sizeof(prefix));
        if (strncmp(path, prefix, n) == 0 && path[n] == '/')
            path += n + 1;
    }
    size_t plen = strlen(path), tlen = strlen(watch_token(w));
    struct xs_event *e = NULL;
    if (d->nevents < s->limits.events)
        e = xs_alloc(s, sizeof(*e) + plen + tlen + 2);
    if (!e) {
        s->events_dropped++;
        return;
    }
    e->next = NULL;
    e->watch = w;
    e->len = (uint16_t)(plen + tlen + 2);
    memcpy(e->payload, path, plen + 1);
    memcpy(e->payload + plen + 1, watch_token(w), tlen + 1);
    if (d->ev_tail)
        d->ev_tail->next = e;
    else
        d->ev_head = e;
    d->ev_tail = e;
    d->nevents++;
    s->events_queued++;
}

/*
 * Fire the watches affected by a change at path, a node with perms p[0..n)
 * (and before a set_perms, old[0..nold)): watches at or above path, and for
 * an rm (removed != 0) also watches inside the removed subtree.  A domain
 * other than dom0 hears only of nodes it may read.
 */
static void fire_watches(struct xs_store *s, const char *path, const struct xs_perm *p, unsigned n,
                         const struct xs_perm *old, unsigned nold, int removed)
{
    for (struct xs_domain *d = s->watchers; d; d = d->next_watcher) {
        int can_read = (perm_for(d->id, p, n) & XS_PERM_READ) ||
                       (old && (perm_for(d->id, old, nold) & XS_PERM_READ));
        if (!can_read)
            continue;
        for (struct xs_watch *w = d->watches; w; w = w->next) {
            if (w->text[0] == '@')
                continue;
            if (at_or_below(path, w->text))
                queue_event(s, d, w, path);
            else if (removed && at_or_below(w->text, path))
                queue_event(s, d, w, w->text);
        }
    }
}

/* "@introduceDomain" and "@releaseDomain": dom0's watches only. */
static void fire_special(struct xs_store *s, const char *name)
{
    struct xs_domain *d = dom_find(s, 0);
    for (struct xs_watch *w = d ? d->watches : NULL; w; w = w->next)
        if (strcmp(w->text, name) == 0)
            queue_event(s, d, w, name);
}

/* Take back every queued event of d that came from watch w (all if w is NULL). */
static void drop_events(struct xs_store *s, struct xs_domain *d, const struct xs_watch *w)
{
    struct xs_event **pp = &d->ev_head;
    d->ev_tail = NULL;
    dom_touch(s, d);
    while (*pp) {
        struct xs_event *e = *pp;
        if (!w || e->watch == w) {
            *pp = e->next;
            d->nevents--;
            xs_release(s, e);
        } else {
            d->ev_tail = e;
            pp = &e->next;
        }
    }
}

/* d has no watch left: changes need not visit it. */
static void watchers_remove(struct xs_store *s, struct xs_domain *d)
{
    for (struct xs_domain **pp = &s->watchers; *pp; pp = &(*pp)->next_watcher)
        if (*pp == d) {
            *pp = d->next_watcher;
            return;
        }
}

static void watch_free(struct xs_store *s, struct xs_domain *d, struct xs_watch *w)
{
    struct xs_watch **pp = &d->watches;
    while (*pp != w)
        pp = &(*pp)->next;
    *pp = w->next;
    drop_events(s, d, w);
    d->nwatches--;
    xs_release(s, w);
    if (!d->nwatches)
        watchers_remove(s, d);
}

static struct xs_watch *watch_find(const struct xs_domain *d, const char *path, const char *token)
{
    for (struct xs_watch *w = d ? d->watches : NULL; w; w = w->next)
        if (strcmp(w->text, path) == 0 && strcmp(watch_token(w), token) == 0)
            return w;
    return NULL;
}

/* The path a watch request names: canonical, or one of the two special names. */
static int watch_path(uint16_t dom, const char *in, char *out, int *relative)
{
    if (in[0] != '@')
        return canonical_path(dom, in, out, relative);
    *relative = 0;
    if (strcmp(in, "@introduceDomain") && strcmp(in, "@releaseDomain"))
        return -XSD_EINVAL;
    memcpy(out, in, strlen(in) + 1);
    return 0;
}

/* -------------------------------------------------------------- 6. operations */

/* The node at path if dom may read it. */
static int op_get(struct xs_store *s, uint16_t dom, const char *path, struct xs_node **n)
{
    return resolve(s, dom, path, XS_PERM_READ, n, NULL);
}

static int op_write(struct xs_store *s, uint16_t dom, const char *path, const void *value,
                    size_t len)
{
    struct xs_node *n, *top = NULL;
    const char *rest;
    if (len > XS_VALUE_MAX)
        return -XSD_E2BIG;
    if (!dom_get(s, dom))
        return -XSD_ENOMEM;
    int err = resolve(s, dom, path, XS_PERM_WRITE, &n, &rest);
    if (err == -XSD_ENOENT)
        err = create_path(s, dom, n, rest, &n, &top);
    if (!err)
        err = set_value(s, dom, n, value, len);
    if (err) {
        if (top)
            subtree_free(s, top);
        return err;
    }
    fire_watches(s, path, n->perms, n->nperms, NULL, 0, 0);
    return 0;
}

static int op_mkdir(struct xs_store *s, uint16_t dom, const char *path)
{
    struct xs_node *n, *top;
    const char *rest;
    if (!dom_get(s, dom))
        return -XSD_ENOMEM;
    int err = resolve(s, dom, path, XS_PERM_WRITE, &n, &rest);
    if (err != -XSD_ENOENT)
        return err; /* 0: it exists already, which is fine */
    err = create_path(s, dom, n, rest, &n, &top);
    if (!err)
        fire_watches(s, path, n->perms, n->nperms, NULL, 0, 0);
    return err;
}

static int op_rm(struct xs_store *s, uint16_t dom, const char *path)
{
    struct xs_node *n;
    const char *rest;
    if (strcmp(path, "/") == 0)
        return -XSD_EINVAL;
    int err = resolve(s, dom, path, XS_PERM_WRITE, &n, &rest);
    if (err == -XSD_ENOENT)
        return strchr(rest, '/') ? err : 0; /* gone already; fine if the parent is there */
    if (err)
        return err;
    fire_watches(s, path, n->perms, n->nperms, NULL, 0, 1);
    subtree_free(s, n);
    return 0;
}

/*
 * May a guest's permission list name these ids?  Only ids the store already
 * has an account for (dom0, a domain introduced, or one some node names):
 * every id named gets an account, and an account is not charged to anyone's
 * quota, so a guest naming fresh ids could fill the whole store (as Xen's
 * xenstored, which gives no account to a domain that does not exist).  dom0,
 * the toolstack, may name any id.
 */
static int all_known(const struct xs_store *s, const struct xs_perm *perms, unsigned nperms)
{
    for (unsigned i = 0; i < nperms; i++)
        if (!dom_find(s, perms[i].id))
            return 0;
    return 1;
}

static int op_set_perms(struct xs_store *s, uint16_t dom, const char *path,
                        const struct xs_perm *perms, unsigned nperms)
{
    struct xs_node *n;
    struct xs_perm old[XS_PERMS_MAX];
    if (nperms < 1 || nperms > XS_PERMS_MAX)
        return -XSD_EINVAL;
    int err = resolve(s, dom, path, XS_PERM_WRITE | PERM_OWNER, &n, NULL);
    if (err)
        return err;
    if (dom != 0 && perms[0].id != owner_of(n))
        return -XSD_EPERM; /* a domain cannot give its nodes (and its quota) away */
    const struct xs_domain *d = dom_find(s, owner_of(n));
    if (dom != 0 && d &&
        d->bytes - blk_size(n->perms) + blk_size_for(nperms * sizeof(*perms)) > s->limits.bytes)
        return -XSD_ENOSPC;
    if (dom != 0 && !all_known(s, perms, nperms))
        return -XSD_EINVAL;
    struct xs_perm *p = xs_alloc(s, nperms * sizeof(*p));
    int named = 1;
    for (unsigned i = 0; i < nperms && named; i++)
        named = dom_get(s, perms[i].id) != NULL; /* each id it names has an account */
    if (!p || !named) {
        xs_release(s, p);
        return -XSD_ENOMEM;
    }
    unsigned nold = n->nperms;
    memcpy(old, n->perms, nold * sizeof(old[0]));
    memcpy(p, perms, nperms * sizeof(*p));
    account(s, n, -1);
    xs_release(s, n->perms);
    n->perms = p;
    n->nperms = (uint16_t)nperms;
    account(s, n, 1);
    fire_watches(s, path, p, nperms, old, nold, 0);
    return 0;
}

/* The child names of a node, each followed by a NUL, into out[0..cap). */
static int list_children(const struct xs_node *n, char *out, size_t cap)
{
    size_t len = 0;
    for (const struct xs_node *c = n->child; c; c = c->next) {
        if (len + c->name_len + 1 > cap)
            return -XSD_E2BIG;
        memcpy(out + len, c->name, c->name_len + 1);
        len += c->name_len + 1;
    }
    return (int)len;
}

/* A permission list in text form, entries separated by sep, into out[0..cap). */
static size_t perms_text(const struct xs_perm *p, unsigned n, char sep, char *out, size_t cap)
{
    static const char letters[] = "nrwb";
    size_t len = 0;
    for (unsigned i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%c%u", letters[p[i].perms & 3],
                                (unsigned)p[i].id) +
               1;
    if (len > cap)
        return cap + 1;
    for (size_t i = 0; sep && len && i < len - 1; i++)
        if (out[i] == '\0')
            out[i] = sep;
    return len; /* counting the last NUL */
}

static int op_watch(struct xs_store *s, uint16_t dom, const char *in_path, const char *token)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    int relative, err = watch_path(dom, in_path, path, &relative);
    size_t tlen = strnlen(token, XS_TOKEN_MAX + 1);
    if (err || tlen > XS_TOKEN_MAX)
        return -XSD_EINVAL;
    struct xs_domain *d = dom_get(s, dom);
    if (!d)
        return -XSD_ENOMEM;
    if (watch_find(d, path, token))
        return -XSD_EEXIST;
    if (dom != 0 && d->nwatches >= s->limits.watches)
        return -XSD_E2BIG;
    size_t plen = strlen(path);
    struct xs_watch *w = xs_alloc(s, sizeof(*w) + plen + tlen + 2);
    if (!w)
        return -XSD_ENOMEM;
    w->relative = (uint8_t)relative;
    w->path_len = (uint16_t)plen;
    memcpy(w->text, path, plen + 1);
    memcpy(w->text + plen + 1, token, tlen + 1);
    w->next = d->watches;
    d->watches = w;
    if (!d->nwatches++) {
        d->next_watcher = s->watchers;
        s->watchers = d;
    }
    queue_event(s, d, w, path); /* Xen fires once up front: clients need not read first */
    return 0;
}

static int op_unwatch(struct xs_store *s, uint16_t dom, const char *in_path, const char *token)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    int relative;
    if (watch_path(dom, in_path, path, &relative))
        return -XSD_EINVAL;
    struct xs_domain *d = dom_find(s, dom);
    struct xs_watch *w = watch_find(d, path, token);
    if (!w)
        return -XSD_ENOENT;
    watch_free(s, d, w);
    return 0;
}

static void drop_watches(struct xs_store *s, struct xs_domain *d)
{
    while (d->watches)
        watch_free(s, d, d->watches);
    drop_events(s, d, NULL);
}

/* ---------------------------------------------------------------- 7. messages */

/* A domid in decimal, below DOMID_LIMIT, exactly n characters long. */
static int parse_domid(const char *t, size_t n, uint16_t *out)
{
    unsigned v = 0;
    if (n < 1 || n > 5)
        return -XSD_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return -XSD_EINVAL;
        v = v * 10 + (unsigned)(t[i] - '0');
    }
    if (v >= DOMID_LIMIT)
        return -XSD_EINVAL;
    *out = (uint16_t)v;
    return 0;
}

/* One permission entry, "r5", of exactly n characters. */
static int parse_perm(const char *t, size_t n, struct xs_perm *out)
{
    static const char letters[] = "nrwb";
    const char *l = n ? strchr(letters, t[0]) : NULL;
    if (!l || !*l || parse_domid(t + 1, n - 1, &out->id))
        return -XSD_EINVAL;
    out->perms = (uint8_t)(l - letters);
    return 0;
}

/*
 * Split a payload into its NUL-terminated strings.  Returns their number, or
 * -1 if the last one is not terminated or there are more than max.
 */
static int split_args(const char *payload, uint32_t len, const char **argv, int max)
{
    int argc = 0;
    uint32_t i = 0;
    while (i < len) {
        size_t n = strnlen(payload + i, len - i);
        if (n == len - i || argc == max)
            return -1;
        argv[argc++] = payload + i;
        i += (uint32_t)n + 1;
    }
    return argc;
}

static int ack(char *out)
{
    memcpy(out, "OK", 3);
    return 3;
}

static int reply_string(char *out, size_t cap, const char *text)
{
    size_t n = strlen(text) + 1;
    if (n > cap)
        return -XSD_E2BIG;
    memcpy(out, text, n);
    return (int)n;
}

static int msg_read(struct xs_store *s, uint16_t dom, const char *path, char *out, size_t cap)
{
    struct xs_node *n;
    int err = op_get(s, dom, path, &n);
    if (err)
        return err;
    if (n->value_len > cap)
        return -XSD_E2BIG;
    if (n->value_len)
        memcpy(out, n->value, n->value_len);
    return n->value_len;
}

static int msg_get_perms(struct xs_store *s, uint16_t dom, const char *path, char *out, size_t cap)
{
    struct xs_node *n;
    int err = op_get(s, dom, path, &n);
    if (err)
        return err;
    size_t len = perms_text(n->perms, n->nperms, '\0', out, cap);
    return len > cap ? -XSD_E2BIG : (int)len;
}

static int msg_set_perms(struct xs_store *s, uint16_t dom, const char *path, const char **argv,
                         int argc)
{
    struct xs_perm perms[XS_PERMS_MAX];
    if (argc < 1 || argc > XS_PERMS_MAX)
        return -XSD_EINVAL;
    for (int i = 0; i < argc; i++)
        if (parse_perm(argv[i], strlen(argv[i]), &perms[i]))
            return -XSD_EINVAL;
    return op_set_perms(s, dom, path, perms, (unsigned)argc);
}

/* Requests that take one path and nothing else. */
static int msg_path_op(struct xs_store *s, uint16_t dom, uint32_t type, const char *in, char *out,
                       size_t cap)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    struct xs_node *n;
    int relative, err = canonical_path(dom, in, path, &relative);
    if (err)
        return err;
    switch (type) {
    case XS_READ:
        return msg_read(s, dom, path, out, cap);
    case XS_DIRECTORY:
        err = op_get(s, dom, path, &n);
        return err ? err : list_children(n, out, cap);
    case XS_GET_PERMS:
        return msg_get_perms(s, dom, path, out, cap);
    case XS_MKDIR:
        err = op_mkdir(s, dom, path);
        break;
    default: /* XS_RM */
        err = op_rm(s, dom, path);
        break;
    }
    return err ? err : ack(out);
}

static int msg_write(struct xs_store *s, uint16_t dom, const char *payload, uint32_t len, char *out)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    size_t n = strnlen(payload, len);
    int relative;
    if (n == len || canonical_path(dom, payload, path, &relative))
        return -XSD_EINVAL;
    int err = op_write(s, dom, path, payload + n + 1, len - n - 1);
    return err ? err : ack(out);
}

static int msg_transaction_start(struct xs_store *s, uint16_t dom, uint32_t tx_id, char *out,
                                 size_t cap)
{
    char id[12];
    if (tx_id)
        return -XSD_EBUSY; /* no nesting */
    struct xs_domain *d = dom_get(s, dom);
    int free_slot = -1, open = 0;
    if (!d)
        return -XSD_ENOMEM;
    for (unsigned i = 0; i < XS_DOMAIN_TX_MAX; i++) {
        if (d->tx[i])
            open++;
        else if (free_slot < 0)
            free_slot = (int)i;
    }
    if (free_slot < 0 || (dom != 0 && open >= (int)s->limits.transactions))
        return -XSD_ENOSPC;
    do
        d->tx[free_slot] = s->next_tx_id++;
    while (!d->tx[free_slot]);
    snprintf(id, sizeof(id), "%u", (unsigned)d->tx[free_slot]);
    return reply_string(out, cap, id);
}

static int msg_transaction_end(struct xs_store *s, uint16_t dom, uint32_t tx_id, const char **argv,
                               int argc, char *out)
{
    struct xs_domain *d = dom_find(s, dom);
    int slot = tx_slot(d, tx_id);
    if (slot < 0)
        return -XSD_ENOENT;
    if (argc != 1 ||
        (strcmp(argv[0], XS_TRANSACTION_COMMIT) && strcmp(argv[0], XS_TRANSACTION_ABORT)))
        return -XSD_EINVAL;
    d->tx[slot] = 0; /* no isolation: commit and abort both just close it */
    dom_touch(s, d);
    return ack(out);
}

/* Requests about another domain: "domid\0", or for XS_INTRODUCE "domid\0mfn\0port\0". */
static int msg_domain_op(struct xs_store *s, uint16_t dom, uint32_t type, const char **argv,
                         int argc, char *out, size_t cap)
{
    char path[24];
    uint16_t id;
    if (argc != (type == XS_INTRODUCE ? 3 : 1) || parse_domid(argv[0], strlen(argv[0]), &id))
        return -XSD_EINVAL;
    if (type == XS_GET_DOMAIN_PATH) {
        domain_path(id, path, sizeof(path));
        return reply_string(out, cap, path);
    }
    if (type == XS_IS_DOMAIN_INTRODUCED)
        return reply_string(out, cap, xs_store_is_introduced(s, id) ? "T" : "F");
    if (dom != 0)
        return -XSD_EACCES; /* the rest is the toolstack's */
    if (id == 0)
        return -XSD_EINVAL; /* dom0 is there from the start and never leaves */
    if (type == XS_INTRODUCE) {
        /* The mfn and port are the transport's business; it maps the ring. */
        int err = xs_store_introduce_domain(s, id);
        return err ? err : ack(out);
    }
    if (!xs_store_is_introduced(s, id))
        return -XSD_ENOENT;
    if (type == XS_RELEASE)
        xs_store_release_domain(s, id);
    return ack(out); /* XS_RESUME: nothing to do without suspend support */
}

/* The payload of the reply (>= 0, its length) or a negative error. */
static int dispatch(struct xs_store *s, uint16_t dom, const struct xsd_sockmsg *req,
                    const char *payload, char *out, size_t cap)
{
    const char *argv[XS_PERMS_MAX + 1];
    uint32_t len = req->len;
    if (len > XENSTORE_PAYLOAD_MAX || (len && !payload))
        return -XSD_EINVAL;
    if (!payload) /* an empty payload may come without a buffer; strnlen() wants one */
        payload = "";
    if (req->tx_id && req->type != XS_TRANSACTION_START &&
        tx_slot(dom_find(s, dom), req->tx_id) < 0)
        return -XSD_ENOENT;
    switch (req->type) {
    case XS_WRITE:
        return msg_write(s, dom, payload, len, out);
    case XS_TRANSACTION_START: /* the payload is customarily "" and ignored */
        return msg_transaction_start(s, dom, req->tx_id, out, cap);
    }
    int argc = split_args(payload, len, argv, (int)ARRAY_SIZE(argv));
    if (argc < 0)
        return -XSD_EINVAL;
    switch (req->type) {
    case XS_READ:
    case XS_DIRECTORY:
    case XS_GET_PERMS:
    case XS_MKDIR:
    case XS_RM:
        return argc == 1 ? msg_path_op(s, dom, req->type, argv[0], out, cap) : -XSD_EINVAL;
    case XS_SET_PERMS: {
        char path[XENSTORE_ABS_PATH_MAX + 1];
        int relative, err = argc >= 2 ? canonical_path(dom, argv[0], path, &relative) : -XSD_EINVAL;
        if (!err)
            err = msg_set_perms(s, dom, path, argv + 1, argc - 1);
        return err ? err : ack(out);
    }
    case XS_WATCH:
    case XS_UNWATCH: {
        if (argc != 2)
            return -XSD_EINVAL;
        int err = req->type == XS_WATCH ? op_watch(s, dom, argv[0], argv[1])
                                        : op_unwatch(s, dom, argv[0], argv[1]);
        return err ? err : ack(out);
    }
    case XS_TRANSACTION_END:
        return msg_transaction_end(s, dom, req->tx_id, argv, argc, out);
    case XS_GET_DOMAIN_PATH:
    case XS_IS_DOMAIN_INTRODUCED:
    case XS_INTRODUCE:
    case XS_RELEASE:
    case XS_RESUME:
        return msg_domain_op(s, dom, req->type, argv, argc, out, cap);
    case XS_RESET_WATCHES: {
        struct xs_domain *d = dom_find(s, dom);
        if (d)
            drop_watches(s, d);
        return ack(out);
    }
    case XS_CONTROL:
    case XS_SET_TARGET:
    case XS_DIRECTORY_PART:
        return -XSD_ENOSYS;
    default: /* XS_WATCH_EVENT, XS_ERROR, 20, and numbers Xen never used */
        return -XSD_EINVAL;
    }
}

#define REPLY_MIN 32 /* a header and the longest error name */

size_t xs_store_handle(struct xs_store *s, uint16_t dom, const struct xsd_sockmsg *req,
                       const char *payload, void *reply, size_t reply_cap)
{
    struct xsd_sockmsg hdr = {req->type, req->req_id, req->tx_id, 0};
    char *out = (char *)reply + sizeof(hdr);
    if (reply_cap < REPLY_MIN)
        return 0;
    size_t cap = MIN(reply_cap - sizeof(hdr), (size_t)XENSTORE_PAYLOAD_MAX);
    int n = s->root ? dispatch(s, dom, req, payload, out, cap) : -XSD_ENOMEM;
    doms_tidy(s);
    if (n < 0) {
        const char *e = xs_error_string(n);
        hdr.type = XS_ERROR;
        n = (int)strlen(e) + 1;
        memcpy(out, e, (size_t)n);
    }
    hdr.len = (uint32_t)n;
    memcpy(reply, &hdr, sizeof(hdr));
    return sizeof(hdr) + (size_t)n;
}

const char *xs_error_string(int err)
{
    if (err < 0)
        err = -err;
    for (size_t i = 0; i < ARRAY_SIZE(xsd_errors); i++)
        if (xsd_errors[i].errnum == err)
            return xsd_errors[i].errstring;
    return "EINVAL";
}

size_t xs_store_next_event(struct xs_store *s, uint16_t dom, void *msg, size_t cap)
{
    struct xs_domain *d = dom_find(s, dom);
    struct xs_event *e = d ? d->ev_head : NULL;
    if (!e || cap < sizeof(struct xsd_sockmsg) + e->len)
        return 0;
    struct xsd_sockmsg hdr = {XS_WATCH_EVENT, 0, 0, e->len};
    memcpy(msg, &hdr, sizeof(hdr));
    memcpy((char *)msg + sizeof(hdr), e->payload, e->len);
    size_t total = sizeof(hdr) + e->len;
    d->ev_head = e->next;
    if (!d->ev_head)
        d->ev_tail = NULL;
    d->nevents--;
    xs_release(s, e);
    dom_touch(s, d);
    doms_tidy(s);
    return total;
}

unsigned xs_store_pending_events(const struct xs_store *s, uint16_t dom)
{
    const struct xs_domain *d = dom_find(s, dom);
    return d ? d->nevents : 0;
}

uint32_t xs_store_events_queued(const struct xs_store *s)
{
    return s->events_queued;
}

uint32_t xs_store_domains_with_events(const struct xs_store *s, uint16_t *ids, uint32_t skip,
                                      uint32_t max)
{
    uint32_t n = 0;
    for (const struct xs_domain *d = s->watchers; d; d = d->next_watcher)
        if (d->nevents && n++ >= skip && n - skip <= max)
            ids[n - 1 - skip] = d->id;
    return n;
}

/*
 * Serve every domain with events, a batch of ids at a time from the list above.  `serve` takes
 * a domain's events (and may handle its requests, so the store may change under it): a domain
 * it leaves with events - its ring full, or no client - is passed over by the next batches,
 * which begin after it.  The next batch never begins at a fixed offset: the domains served
 * leave the list of those with events, so an offset would pass over as many unserved ones.
 */
#define XS_SERVE_BATCH 32
void xs_store_serve_events(struct xs_store *s, xs_serve_fn *serve, void *ctx)
{
    uint16_t ids[XS_SERVE_BATCH];
    uint32_t passed = 0, n;
    while ((n = xs_store_domains_with_events(s, ids, passed, XS_SERVE_BATCH)) > passed) {
        uint32_t batch = MIN(n - passed, (uint32_t)XS_SERVE_BATCH);
        for (uint32_t i = 0; i < batch; i++) {
            serve(ctx, ids[i]);
            if (xs_store_pending_events(s, ids[i]))
                passed++;
        }
    }
}

/* ------------------------------------------- 8. domains, walking, invariants */

int xs_store_init(struct xs_store *s, void *arena, size_t len)
{
    static const char *const start[] = {"/local/domain/0", "/tool"};
    uintptr_t a = (uintptr_t)arena, first = ROUNDUP(a, (uintptr_t)BLK_ALIGN);
    struct xs_perm dom0_only = {0, XS_PERM_NONE};
    memset(s, 0, sizeof(*s));
    s->next_tx_id = 1;
    s->limits = (struct xs_limits){XS_DOMAIN_NODES_MAX, XS_DOMAIN_BYTES_MAX, XS_DOMAIN_WATCHES_MAX,
                                   XS_DOMAIN_EVENTS_MAX, XS_DOMAIN_TX_MAX};
    if (!arena || len < first - a + 4 * BLK_MIN)
        return -XSD_ENOMEM;
    s->arena = (uint8_t *)first;
    s->arena_len = (len - (first - a)) & ~(size_t)(BLK_ALIGN - 1);
    s->free = (struct xs_free *)s->arena;
    s->free->size = s->free_bytes = s->arena_len;
    s->free->next = NULL;
    struct xs_domain *d0 = dom_get(s, 0);
    if (!d0)
        return -XSD_ENOMEM;
    d0->introduced = 1;
    s->root = node_new(s, NULL, "", 0, &dom0_only, 1);
    if (!s->root)
        return -XSD_ENOMEM;
    for (size_t i = 0; i < ARRAY_SIZE(start); i++) {
        int err = op_mkdir(s, 0, start[i]);
        if (err)
            return err;
    }
    return 0;
}

int xs_store_is_introduced(const struct xs_store *s, uint16_t dom)
{
    const struct xs_domain *d = dom_find(s, dom);
    return d && d->introduced;
}

int xs_store_introduce_domain(struct xs_store *s, uint16_t dom)
{
    char path[24];
    struct xs_node *n;
    struct xs_perm owner_only = {dom, XS_PERM_NONE};
    const char *rest;
    if (!s->root)
        return -XSD_ENOMEM;
    if (dom >= DOMID_LIMIT)
        return -XSD_EINVAL;
    domain_path(dom, path, sizeof(path));
    int existed = resolve(s, 0, path, 0, &n, &rest) == 0;
    int err = op_mkdir(s, 0, path);
    if (!err)
        err = op_set_perms(s, 0, path, &owner_only, 1);
    struct xs_domain *d = err ? NULL : dom_get(s, dom);
    if (!d) {
        if (!existed)
            op_rm(s, 0, path);
        doms_tidy(s);
        return err ? err : -XSD_ENOMEM;
    }
    d->introduced = 1;
    fire_special(s, "@introduceDomain");
    return 0;
}

/* A departing domain's node: handed to dom0 if it was the owner, its name taken off the list. */
static void scrub_node(struct xs_store *s, struct xs_node *n, uint16_t dom)
{
    account(s, n, -1);
    if (owner_of(n) == dom)
        n->perms[0].id = 0;
    unsigned kept = 1;
    for (unsigned i = 1; i < n->nperms; i++)
        if (n->perms[i].id != dom)
            n->perms[kept++] = n->perms[i];
    n->nperms = (uint16_t)kept; /* the block keeps its size */
    account(s, n, 1);
}

/*
 * Hand a departing domain's nodes to dom0 and take its name off every grant.
 * Its own directory is gone by now, and what else mentions it is counted in
 * its account: usually nothing (blkback removes its backend directories
 * first), and then the tree is not walked at all, so a release costs the
 * same with a thousand domains as with one.
 */
static void scrub_domain(struct xs_store *s, uint16_t dom)
{
    const struct xs_domain *d = dom_find(s, dom);
    if (!d || (!d->nodes && !d->named))
        return;
    s->release_walks++;
    for (struct xs_node *n = s->root; n; n = next_preorder(n, s->root)) {
        int named = owner_of(n) == dom;
        for (unsigned i = 1; i < n->nperms && !named; i++)
            named = n->perms[i].id == dom;
        if (named)
            scrub_node(s, n, dom);
    }
}

void xs_store_release_domain(struct xs_store *s, uint16_t dom)
{
    char path[24];
    if (!s->root || dom == 0 || dom >= DOMID_LIMIT)
        return;
    domain_path(dom, path, sizeof(path));
    op_rm(s, 0, path);
    scrub_domain(s, dom);
    struct xs_domain *d = dom_find(s, dom);
    if (d) {
        drop_watches(s, d);
        memset(d->tx, 0, sizeof(d->tx));
        d->introduced = 0;
        dom_touch(s, d);
    }
    doms_tidy(s);
    fire_special(s, "@releaseDomain");
}

static size_t path_push(char *path, size_t len, const struct xs_node *n)
{
    if (len > 1)
        path[len++] = '/';
    if (len + n->name_len > XENSTORE_ABS_PATH_MAX)
        return len; /* impossible: every node was created from a valid path */
    memcpy(path + len, n->name, n->name_len + 1);
    return len + n->name_len;
}

static size_t path_pop(char *path, size_t len)
{
    while (len > 1 && path[len - 1] != '/')
        len--;
    if (len > 1)
        len--;
    path[len] = '\0';
    return len;
}

int xs_store_walk(struct xs_store *s, const char *root, xs_walk_fn *fn, void *ctx)
{
    char path[XENSTORE_ABS_PATH_MAX + 1], perms[PERMS_TEXT];
    const char *rest;
    int relative;
    if (!s->root || canonical_path(0, root, path, &relative))
        return -XSD_EINVAL;
    struct xs_node *top = walk_path(s, path, &rest), *n = top;
    if (*rest)
        return -XSD_ENOENT;
    size_t len = strlen(path);
    unsigned depth = 0;
    for (;;) {
        perms_text(n->perms, n->nperms, ',', perms, sizeof(perms));
        fn(path, n->value ? (const void *)n->value : "", n->value_len, owner_of(n), perms, depth,
           ctx);
        if (n->child) {
            n = n->child;
            depth++;
            len = path_push(path, len, n);
            continue;
        }
        while (n != top && !n->next) {
            n = n->parent;
            depth--;
            len = path_pop(path, len);
        }
        if (n == top)
            return 0;
        len = path_pop(path, len);
        n = n->next;
        len = path_push(path, len, n);
    }
}

size_t xs_store_free_bytes(const struct xs_store *s)
{
    return s->free_bytes;
}

static const char *check_arena(const struct xs_store *s)
{
    const uint8_t *p = s->arena, *end = s->arena + s->arena_len;
    const struct xs_free *f = s->free;
    size_t free_sum = 0;
    int prev_free = 0;
    while (p < end) {
        size_t sz = *(const size_t *)p;
        if (sz < BLK_MIN || sz % BLK_ALIGN || sz > (size_t)(end - p))
            return "arena: a block has a bad size";
        int is_free = (const uint8_t *)f == p;
        if (is_free && prev_free)
            return "arena: two free blocks in a row were not merged";
        if (is_free) {
            free_sum += sz;
            f = f->next;
        }
        prev_free = is_free;
        p += sz;
    }
    if (f)
        return "arena: the free list is out of order or points between blocks";
    if (free_sum != s->free_bytes)
        return "arena: free_bytes does not match the free list";
    return NULL;
}

static const char *check_domain(const struct xs_store *s, const struct xs_domain *d)
{
    uint32_t nodes = 0, bytes = 0, named = 0, watches = 0, events = 0;
    for (struct xs_node *n = s->root; n; n = next_preorder(n, s->root)) {
        if (owner_of(n) == d->id) {
            nodes++;
            bytes += (uint32_t)node_bytes(n);
        }
        for (unsigned i = 1; i < n->nperms; i++)
            named += n->perms[i].id == d->id;
    }
    for (const struct xs_watch *w = d->watches; w; w = w->next)
        watches++;
    for (const struct xs_event *e = d->ev_head; e; e = e->next) {
        const struct xs_watch *w = d->watches;
        while (w && w != e->watch)
            w = w->next;
        if (!w)
            return "events: an event outlived its watch";
        if (!e->next && e != d->ev_tail)
            return "events: the queue's tail pointer is wrong";
        events++;
    }
    if (!d->ev_head && d->ev_tail)
        return "events: an empty queue has a tail";
    if (nodes != d->nodes || bytes != d->bytes)
        return "accounts: a domain's node or byte count is wrong";
    if (named != d->named)
        return "accounts: a domain's count of permission entries naming it is wrong";
    if (watches != d->nwatches || events != d->nevents)
        return "accounts: a domain's watch or event count is wrong";
    return NULL;
}

const char *xs_store_check(const struct xs_store *s)
{
    const char *err = check_arena(s);
    uint32_t nodes = 0;
    if (err || !s->root)
        return err;
    for (struct xs_node *n = s->root; n; n = next_preorder(n, s->root)) {
        nodes++;
        if (n->nperms < 1 || n->nperms > XS_PERMS_MAX || n->value_len > XS_VALUE_MAX)
            return "tree: a node's perms or value are out of bounds";
        for (unsigned i = 0; i < n->nperms; i++)
            if (!dom_find(s, n->perms[i].id))
                return "tree: a domain a node names has no account";
        if ((n->value == NULL) != (n->value_len == 0))
            return "tree: a node's value pointer and length disagree";
        if (n->parent && child_named(s, n->parent, n->name, n->name_len) != n)
            return "tree: a node is not found through the hash of names";
        for (struct xs_node *c = n->child; c; c = c->next)
            if (c->parent != n || c->name_len != strlen(c->name) || c->name_len == 0)
                return "tree: a child has a bad parent link or name";
    }
    if (nodes != s->nodes)
        return "tree: the node count is wrong";
    uint32_t watching = 0, listed = 0;
    for (const struct xs_domain *d = s->watchers; d; d = d->next_watcher)
        listed++;
    for (unsigned b = 0; b < XS_DOM_BUCKETS; b++) {
        for (const struct xs_domain *d = s->doms[b]; d; d = d->next) {
            for (const struct xs_domain *e = d->next; e; e = e->next)
                if (e->id == d->id)
                    return "accounts: two accounts for one domain";
            if (d->id % XS_DOM_BUCKETS != b)
                return "accounts: an account in the wrong hash bucket";
            watching += d->nwatches != 0;
            if ((err = check_domain(s, d)))
                return err;
        }
    }
    if (watching != listed)
        return "accounts: the list of watching domains is wrong";
    return NULL;
}

/* --------------------------------------------------- dom0's in-process calls */

static int local_path(const struct xs_store *s, const char *in, char *out)
{
    int relative;
    if (!s->root)
        return -XSD_ENOMEM;
    return canonical_path(0, in, out, &relative);
}

int xs_local_read(struct xs_store *s, const char *path, char *buf, size_t cap)
{
    char p[XENSTORE_ABS_PATH_MAX + 1];
    struct xs_node *n;
    int err = local_path(s, path, p);
    if (!err)
        err = op_get(s, 0, p, &n);
    if (err)
        return err;
    if ((size_t)n->value_len + 1 > cap)
        return -XSD_E2BIG;
    if (n->value_len)
        memcpy(buf, n->value, n->value_len);
    buf[n->value_len] = '\0';
    return n->value_len;
}

int xs_local_write(struct xs_store *s, const char *path, const void *value, size_t len)
{
    char p[XENSTORE_ABS_PATH_MAX + 1];
    int err = local_path(s, path, p);
    return err ? err : op_write(s, 0, p, value, len);
}

int xs_local_write_str(struct xs_store *s, const char *path, const char *value)
{
    return xs_local_write(s, path, value, strnlen(value, XS_VALUE_MAX + 1));
}

int xs_local_mkdir(struct xs_store *s, const char *path)
{
    char p[XENSTORE_ABS_PATH_MAX + 1];
    int err = local_path(s, path, p);
    return err ? err : op_mkdir(s, 0, p);
}

int xs_local_rm(struct xs_store *s, const char *path)
{
    char p[XENSTORE_ABS_PATH_MAX + 1];
    int err = local_path(s, path, p);
    if (!err)
        err = op_rm(s, 0, p);
    doms_tidy(s);
    return err;
}

int xs_local_set_perms(struct xs_store *s, const char *path, const char *text)
{
    char p[XENSTORE_ABS_PATH_MAX + 1];
    struct xs_perm perms[XS_PERMS_MAX];
    unsigned n = 0;
    int err = local_path(s, path, p);
    while (!err && *text) {
        size_t len = 0;
        while (text[len] && text[len] != ' ' && text[len] != ',')
            len++;
        if (len && (n == XS_PERMS_MAX || parse_perm(text, len, &perms[n++])))
            err = -XSD_EINVAL;
        text += len + (text[len] ? 1 : 0);
    }
    if (!err)
        err = op_set_perms(s, 0, p, perms, n);
    doms_tidy(s);
    return err;
}

int xs_local_directory(struct xs_store *s, const char *path, char *buf, size_t cap)
{
    char p[XENSTORE_ABS_PATH_MAX + 1];
    struct xs_node *n;
    int err = local_path(s, path, p);
    if (!err)
        err = op_get(s, 0, p, &n);
    return err ? err : list_children(n, buf, cap);
}

int xs_local_watch(struct xs_store *s, const char *path, const char *token)
{
    return s->root ? op_watch(s, 0, path, token) : -XSD_ENOMEM;
}

int xs_local_unwatch(struct xs_store *s, const char *path, const char *token)
{
    return s->root ? op_unwatch(s, 0, path, token) : -XSD_ENOMEM;
}
