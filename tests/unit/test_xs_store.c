/*
 * test_xs_store.c - xenstore-lite's engine (tools/xenstore/xs_store.c), driven
 * the way the transport will drive it: whole request messages from a domain,
 * replies and watch events read back as messages.
 *
 * Every test starts from a fresh store in a heap arena, with domains 1 and 2
 * introduced (dom0 is always there).  Each request's payload is handed over
 * in a heap buffer of exactly its length, so valgrind catches any read past
 * what the message says it holds, and after every request the store's own
 * invariant checker (arena tiling, free list, per-domain counts) must pass.
 * The groups follow the behaviour a student meets in docs: the tree and its
 * listing format, paths, permissions, watches, transactions, domains coming
 * and going, quotas and a full arena, malformed messages, and finally a long
 * random mix of all of them that must never crash or leak.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xs_store.h"

#define ARENA_SIZE (512 * 1024)

static struct xs_store store;
static uint8_t *arena;

struct reply {
    uint32_t type, req_id, tx_id, len;
    char payload[XENSTORE_PAYLOAD_MAX + 1]; /* NUL-terminated for convenience */
};

static struct reply last;

/* ----------------------------------------------------------------- helpers */

static void must_be_consistent(void)
{
    const char *broken = xs_store_check(&store);
    if (broken)
        fail_msg("store invariant broken: %s", broken);
}

/* Send one request from dom and decode the reply into `last`. */
static struct reply *request(uint16_t dom, uint32_t type, uint32_t tx, const void *payload,
                             size_t len)
{
    static uint8_t buf[XS_REPLY_MAX];
    struct xsd_sockmsg h = {type, 0x1234, tx, (uint32_t)len};
    char *copy = malloc(len ? len : 1);
    memcpy(copy, payload, len);
    size_t n = xs_store_handle(&store, dom, &h, len ? copy : NULL, buf, sizeof(buf));
    free(copy);
    assert_true(n >= sizeof(h));
    memcpy(&h, buf, sizeof(h));
    assert_int_equal(n, sizeof(h) + h.len);
    assert_int_equal(h.req_id, 0x1234);
    assert_int_equal(h.tx_id, tx);
    last.type = h.type;
    last.req_id = h.req_id;
    last.tx_id = h.tx_id;
    last.len = h.len;
    memcpy(last.payload, buf + sizeof(h), h.len);
    last.payload[h.len] = '\0';
    if (h.type == XS_ERROR)
        assert_int_equal(strlen(last.payload) + 1, h.len);
    else
        assert_int_equal(h.type, type);
    must_be_consistent();
    return &last;
}

/* A request whose payload is a string literal with embedded NULs, sent with its final NUL. */
#define REQ(dom, type, lit) request(dom, type, 0, lit, sizeof(lit))

/* "" if the reply is a success, else the error's name. */
static const char *err(const struct reply *r)
{
    return r->type == XS_ERROR ? r->payload : "";
}

/* Join words separated by spaces into one payload of NUL-terminated strings. */
static size_t strings(char *out, const char *words)
{
    size_t n = strlen(words) + 1;
    memcpy(out, words, n);
    for (size_t i = 0; i < n; i++)
        if (out[i] == ' ')
            out[i] = '\0';
    return n;
}

/* A reply's NUL-separated strings, joined by spaces; "!ERR" for an error. */
static const char *words(const struct reply *r)
{
    static char text[XENSTORE_PAYLOAD_MAX + 2];
    if (r->type == XS_ERROR) {
        snprintf(text, sizeof(text), "!%s", r->payload);
        return text;
    }
    memcpy(text, r->payload, r->len);
    text[r->len] = '\0';
    for (uint32_t i = 0; i < r->len; i++)
        if (text[i] == '\0')
            text[i] = ' ';
    if (r->len && text[r->len - 1] == ' ')
        text[r->len - 1] = '\0';
    return text;
}

static const char *do_write(uint16_t dom, const char *path, const char *value)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t p = strlen(path) + 1, v = strlen(value);
    memcpy(buf, path, p);
    memcpy(buf + p, value, v);
    return err(request(dom, XS_WRITE, 0, buf, p + v));
}

/* The value, or "!ERR". */
static const char *do_read(uint16_t dom, const char *path)
{
    static char text[XENSTORE_PAYLOAD_MAX + 2];
    struct reply *r = request(dom, XS_READ, 0, path, strlen(path) + 1);
    if (r->type == XS_ERROR)
        snprintf(text, sizeof(text), "!%s", r->payload);
    else
        memcpy(text, r->payload, r->len + 1);
    return text;
}

static const char *do_path_op(uint16_t dom, uint32_t type, const char *path)
{
    return err(request(dom, type, 0, path, strlen(path) + 1));
}

static const char *do_mkdir(uint16_t dom, const char *path)
{
    return do_path_op(dom, XS_MKDIR, path);
}

static const char *do_rm(uint16_t dom, const char *path)
{
    return do_path_op(dom, XS_RM, path);
}

/* Child names joined by spaces, or "!ERR". */
static const char *do_dir(uint16_t dom, const char *path)
{
    return words(request(dom, XS_DIRECTORY, 0, path, strlen(path) + 1));
}

static const char *do_get_perms(uint16_t dom, const char *path)
{
    return words(request(dom, XS_GET_PERMS, 0, path, strlen(path) + 1));
}

/* perms as "n1 r2". */
static const char *do_set_perms(uint16_t dom, const char *path, const char *perms)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t p = strlen(path) + 1;
    memcpy(buf, path, p);
    size_t n = strings(buf + p, perms);
    return err(request(dom, XS_SET_PERMS, 0, buf, p + n));
}

static const char *do_watch2(uint16_t dom, uint32_t type, const char *path, const char *token)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t p = strlen(path) + 1, t = strlen(token) + 1;
    memcpy(buf, path, p);
    memcpy(buf + p, token, t);
    return err(request(dom, type, 0, buf, p + t));
}

static const char *do_watch(uint16_t dom, const char *path, const char *token)
{
    return do_watch2(dom, XS_WATCH, path, token);
}

static const char *do_unwatch(uint16_t dom, const char *path, const char *token)
{
    return do_watch2(dom, XS_UNWATCH, path, token);
}

/* The next watch event of dom as "path|token", or "" if there is none. */
static const char *next_event(uint16_t dom)
{
    static char text[XS_EVENT_MSG_MAX];
    uint8_t msg[XS_EVENT_MSG_MAX];
    struct xsd_sockmsg h;
    size_t n = xs_store_next_event(&store, dom, msg, sizeof(msg));
    must_be_consistent();
    if (!n)
        return "";
    memcpy(&h, msg, sizeof(h));
    assert_int_equal(h.type, XS_WATCH_EVENT);
    assert_int_equal(n, sizeof(h) + h.len);
    const char *path = (const char *)msg + sizeof(h);
    size_t plen = strnlen(path, h.len);
    assert_true(plen < h.len);
    const char *token = path + plen + 1;
    assert_int_equal(plen + strlen(token) + 2, h.len);
    snprintf(text, sizeof(text), "%s|%s", path, token);
    return text;
}

static void drain_events(uint16_t dom)
{
    while (*next_event(dom))
        ;
}

static int setup(void **state)
{
    (void)state;
    arena = malloc(ARENA_SIZE);
    assert_int_equal(xs_store_init(&store, arena, ARENA_SIZE), 0);
    assert_int_equal(xs_store_introduce_domain(&store, 1), 0);
    assert_int_equal(xs_store_introduce_domain(&store, 2), 0);
    must_be_consistent();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    must_be_consistent();
    free(arena);
    return 0;
}

/* --------------------------------------------------------- the tree itself */

static void test_initial_tree(void **state)
{
    (void)state;
    assert_string_equal(do_dir(0, "/"), "local tool");
    assert_string_equal(do_dir(0, "/local/domain"), "0 1 2");
    assert_string_equal(do_get_perms(0, "/"), "n0");
    assert_string_equal(do_get_perms(0, "/local/domain/0"), "n0");
    assert_string_equal(do_get_perms(0, "/local/domain/1"), "n1");
    assert_string_equal(do_read(0, "/local"), "");
}

static void test_write_then_read(void **state)
{
    (void)state;
    assert_string_equal(do_write(0, "/tool/name", "pvlab"), "");
    assert_string_equal(do_read(0, "/tool/name"), "pvlab");
    assert_string_equal(do_write(0, "/tool/name", "xenstore-lite"), "");
    assert_string_equal(do_read(0, "/tool/name"), "xenstore-lite");
    assert_string_equal(do_write(0, "/tool/name", ""), "");
    assert_string_equal(do_read(0, "/tool/name"), "");
    assert_string_equal(do_read(0, "/tool/missing"), "!ENOENT");
}

static void test_values_are_bytes(void **state)
{
    (void)state;
    static const char payload[] = "/tool/bin\0a\0b\0";
    assert_string_equal(err(request(0, XS_WRITE, 0, payload, sizeof(payload) - 1)), "");
    struct reply *r = REQ(0, XS_READ, "/tool/bin");
    assert_int_equal(r->len, 4);
    assert_memory_equal(r->payload, "a\0b\0", 4);
}

static void test_directory_lists_children_in_creation_order(void **state)
{
    (void)state;
    assert_string_equal(do_mkdir(0, "/tool/z"), "");
    assert_string_equal(do_mkdir(0, "/tool/a"), "");
    assert_string_equal(do_write(0, "/tool/m", "x"), "");
    struct reply *r = REQ(0, XS_DIRECTORY, "/tool");
    assert_int_equal(r->len, 6);
    assert_memory_equal(r->payload, "z\0a\0m\0", 6);
    r = REQ(0, XS_DIRECTORY, "/tool/z");
    assert_int_equal(r->type, XS_DIRECTORY);
    assert_int_equal(r->len, 0);
    assert_string_equal(do_dir(0, "/tool/nope"), "!ENOENT");
}

/* Siblings keep their order as any of them goes, and a new one still lands last: the list's
 * first child names the last, so linking and unlinking take no walk (issue 15). */
static void test_siblings_keep_their_order_as_first_middle_and_last_go(void **state)
{
    (void)state;
    const char *names[] = {"a", "b", "c", "d", "e"};
    char path[32];
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof(path), "/tool/%s", names[i]);
        assert_string_equal(do_mkdir(0, path), "");
    }
    assert_string_equal(do_rm(0, "/tool/a"), "");
    assert_string_equal(do_rm(0, "/tool/c"), "");
    assert_string_equal(do_rm(0, "/tool/e"), "");
    assert_string_equal(do_dir(0, "/tool"), "b d");
    assert_string_equal(do_mkdir(0, "/tool/f"), "");
    assert_string_equal(do_write(0, "/tool/g", "x"), "");
    assert_string_equal(do_dir(0, "/tool"), "b d f g");
    assert_string_equal(do_rm(0, "/tool/g"), "");
    assert_string_equal(do_mkdir(0, "/tool/h"), "");
    assert_string_equal(do_dir(0, "/tool"), "b d f h");
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "/tool/%c", "bdfh"[i]);
        assert_string_equal(do_rm(0, path), "");
    }
    assert_string_equal(do_dir(0, "/tool"), "");
    assert_string_equal(do_mkdir(0, "/tool/i"), "");
    assert_string_equal(do_dir(0, "/tool"), "i");
}

static void test_write_creates_parents_with_inherited_perms(void **state)
{
    (void)state;
    assert_string_equal(do_set_perms(0, "/tool", "n0 r1"), "");
    assert_string_equal(do_write(0, "/tool/a/b/c", "leaf"), "");
    assert_string_equal(do_dir(0, "/tool/a"), "b");
    assert_string_equal(do_read(0, "/tool/a/b"), "");
    assert_string_equal(do_get_perms(0, "/tool/a/b"), "n0 r1");
    assert_string_equal(do_get_perms(0, "/tool/a/b/c"), "n0 r1");
    assert_string_equal(do_read(1, "/tool/a/b/c"), "leaf");
}

static void test_mkdir_existing_is_fine_and_keeps_value(void **state)
{
    (void)state;
    assert_string_equal(do_write(0, "/tool/v", "keep"), "");
    assert_string_equal(do_mkdir(0, "/tool/v"), "");
    assert_string_equal(do_read(0, "/tool/v"), "keep");
    assert_string_equal(do_mkdir(0, "/tool/d/e/f"), "");
    assert_string_equal(do_dir(0, "/tool/d/e"), "f");
}

static void test_rm_removes_the_subtree(void **state)
{
    (void)state;
    size_t before = xs_store_free_bytes(&store);
    assert_string_equal(do_write(0, "/tool/t/a/b", "1"), "");
    assert_string_equal(do_write(0, "/tool/t/c", "2"), "");
    assert_string_equal(do_rm(0, "/tool/t"), "");
    assert_string_equal(do_read(0, "/tool/t/c"), "!ENOENT");
    assert_string_equal(do_dir(0, "/tool"), "");
    assert_int_equal(xs_store_free_bytes(&store), before);
    /* Already gone is fine while the parent exists; not when it does not. */
    assert_string_equal(do_rm(0, "/tool/t"), "");
    assert_string_equal(do_rm(0, "/tool/t/x"), "ENOENT");
    assert_string_equal(do_rm(0, "/"), "EINVAL");
}

/* ------------------------------------------------------------------ paths */

static void test_relative_paths_hang_below_the_callers_domain(void **state)
{
    (void)state;
    assert_string_equal(do_write(1, "device/vbd/768/state", "1"), "");
    assert_string_equal(do_read(0, "/local/domain/1/device/vbd/768/state"), "1");
    assert_string_equal(do_read(1, "device/vbd/768/state"), "1");
    assert_string_equal(do_dir(1, "device/vbd"), "768");
    assert_string_equal(do_write(0, "name", "Domain-0"), "");
    assert_string_equal(do_read(0, "/local/domain/0/name"), "Domain-0");
    /* The same relative path from another domain is a different node. */
    assert_string_equal(do_read(2, "device/vbd/768/state"), "!ENOENT");
}

static void test_get_domain_path(void **state)
{
    (void)state;
    assert_string_equal(words(REQ(1, XS_GET_DOMAIN_PATH, "5")), "/local/domain/5");
    assert_string_equal(words(REQ(0, XS_GET_DOMAIN_PATH, "0")), "/local/domain/0");
    assert_string_equal(words(REQ(2, XS_GET_DOMAIN_PATH, "32752")), "!EINVAL");
    assert_string_equal(words(REQ(2, XS_GET_DOMAIN_PATH, "x1")), "!EINVAL");
    assert_string_equal(words(REQ(2, XS_GET_DOMAIN_PATH, "")), "!EINVAL");
}

static void test_bad_paths_are_einval(void **state)
{
    (void)state;
    static const char *const bad[] = {"",   "/a//b", "/tool/",   "/a b", "/a.b",
                                      "//", "a/",    "/tool\\x", "/\x80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_string_equal(do_write(0, bad[i], "v"), "EINVAL");
        assert_string_equal(do_read(0, bad[i]), "!EINVAL");
    }
    assert_string_equal(do_write(0, "/tool/Ok-_@9", "v"), "");
}

static void test_path_length_limit(void **state)
{
    (void)state;
    char path[XENSTORE_ABS_PATH_MAX + 2];
    memset(path, 'p', sizeof(path));
    memcpy(path, "/tool/", 6);
    path[XENSTORE_ABS_PATH_MAX] = '\0'; /* exactly the limit */
    assert_string_equal(do_write(0, path, "v"), "");
    assert_string_equal(do_read(0, path), "v");
    path[XENSTORE_ABS_PATH_MAX] = 'p';
    path[XENSTORE_ABS_PATH_MAX + 1] = '\0'; /* one over */
    assert_string_equal(do_write(0, path, "v"), "EINVAL");
    /* A relative path is measured once made absolute ("/local/domain/1/" is 16 bytes). */
    char rel[XENSTORE_ABS_PATH_MAX];
    memset(rel, 'r', sizeof(rel));
    rel[XENSTORE_ABS_PATH_MAX - 16] = '\0';
    assert_string_equal(do_write(1, rel, "v"), "");
    rel[XENSTORE_ABS_PATH_MAX - 16] = 'r';
    rel[XENSTORE_ABS_PATH_MAX - 15] = '\0';
    assert_string_equal(do_write(1, rel, "v"), "EINVAL");
}

/* ------------------------------------------------------------ permissions */

static void test_domu_writes_only_its_own_subtree(void **state)
{
    (void)state;
    assert_string_equal(do_write(1, "/local/domain/1/data", "mine"), "");
    assert_string_equal(do_get_perms(1, "/local/domain/1/data"), "n1");
    assert_string_equal(do_write(1, "/local/domain/2/data", "theirs"), "EACCES");
    assert_string_equal(do_mkdir(1, "/local/domain/2/dir"), "EACCES");
    assert_string_equal(do_write(1, "/tool/x", "v"), "EACCES");
    assert_string_equal(do_write(1, "/newtop", "v"), "EACCES");
    assert_string_equal(do_rm(1, "/local/domain/2"), "EACCES");
    assert_string_equal(do_rm(1, "/local/domain"), "EACCES");
    assert_string_equal(do_write(2, "data", "two"), "");
    assert_string_equal(do_rm(1, "/local/domain/2/data"), "EACCES");
    assert_string_equal(do_read(2, "data"), "two");
}

static void test_domu_cannot_read_another_domain(void **state)
{
    (void)state;
    assert_string_equal(do_write(2, "secret", "s"), "");
    assert_string_equal(do_read(1, "/local/domain/2/secret"), "!EACCES");
    assert_string_equal(do_dir(1, "/local/domain/2"), "!EACCES");
    assert_string_equal(do_dir(1, "/local/domain"), "!EACCES");
    assert_string_equal(do_get_perms(1, "/local/domain/2/secret"), "!EACCES");
    /* Missing nodes under an unreadable parent do not reveal that they are missing. */
    assert_string_equal(do_read(1, "/local/domain/2/nothing"), "!EACCES");
    assert_string_equal(do_read(1, "/local/domain/1/nothing"), "!ENOENT");
}

/* A guest's permission list may name only domains the store knows: each id named gets an
 * account, charged to nobody, so fresh ids named fifteen a node would fill the whole store
 * for everyone (a domU's 269 nodes took the whole arena before this check).  dom0 may. */
static void test_a_guest_names_only_known_domains_in_perms(void **state)
{
    (void)state;
    assert_string_equal(do_write(1, "n", ""), "");
    size_t before = xs_store_free_bytes(&store);
    assert_string_equal(do_set_perms(1, "n", "n1 r100 r101"), "EINVAL");
    assert_int_equal(xs_store_free_bytes(&store), before); /* no account made */
    assert_string_equal(do_get_perms(1, "n"), "n1");
    assert_string_equal(do_set_perms(1, "n", "n1 r0 r2"), ""); /* dom0 and an introduced one */
    assert_string_equal(do_set_perms(0, "/local/domain/1/n", "n1 r100"), "");
    assert_string_equal(do_set_perms(1, "n", "n1 b100"), ""); /* named by dom0 now: known */
}

static void test_dom0_may_do_anything(void **state)
{
    (void)state;
    assert_string_equal(do_write(2, "secret", "s"), "");
    assert_string_equal(do_read(0, "/local/domain/2/secret"), "s");
    assert_string_equal(do_write(0, "/local/domain/2/secret", "t"), "");
    assert_string_equal(do_set_perms(0, "/local/domain/2/secret", "n2"), "");
    assert_string_equal(do_rm(0, "/local/domain/2/secret"), "");
    /* dom0 creating under a domain's directory makes nodes that domain owns, as in Xen. */
    assert_string_equal(do_write(0, "/local/domain/2/device/vbd/768/backend", "b"), "");
    assert_string_equal(do_get_perms(0, "/local/domain/2/device/vbd"), "n2");
    assert_string_equal(do_write(2, "device/vbd/768/state", "1"), "");
}

static void test_owner_grants_access_with_set_perms(void **state)
{
    (void)state;
    assert_string_equal(do_write(1, "shared", "hello"), "");
    assert_string_equal(do_read(2, "/local/domain/1/shared"), "!EACCES");
    assert_string_equal(do_set_perms(1, "shared", "n1 r2"), "");
    assert_string_equal(do_get_perms(1, "shared"), "n1 r2");
    assert_string_equal(do_read(2, "/local/domain/1/shared"), "hello");
    assert_string_equal(do_write(2, "/local/domain/1/shared", "x"), "EACCES");
    assert_string_equal(do_set_perms(1, "shared", "n1 b2"), "");
    assert_string_equal(do_write(2, "/local/domain/1/shared", "x"), "");
    assert_string_equal(do_read(1, "shared"), "x");
    /* Write access is not ownership: only the owner may change the perms. */
    assert_string_equal(do_set_perms(2, "/local/domain/1/shared", "n1 b2"), "EACCES");
    /* A default of "r" lets every domain read. */
    assert_string_equal(do_set_perms(1, "shared", "r1"), "");
    assert_string_equal(do_read(2, "/local/domain/1/shared"), "x");
    assert_string_equal(do_write(2, "/local/domain/1/shared", "y"), "EACCES");
}

static void test_domu_cannot_give_nodes_away(void **state)
{
    (void)state;
    assert_string_equal(do_write(1, "mine", "v"), "");
    assert_string_equal(do_set_perms(1, "mine", "n2"), "EPERM");
    assert_string_equal(do_set_perms(1, "mine", "n0"), "EPERM");
    assert_string_equal(do_get_perms(1, "mine"), "n1");
    assert_string_equal(do_set_perms(0, "/local/domain/1/mine", "n2"), "");
    assert_string_equal(do_read(1, "mine"), "!EACCES");
    assert_string_equal(do_read(2, "/local/domain/1/mine"), "v");
}

static void test_nodes_a_domu_creates_are_its_own(void **state)
{
    (void)state;
    assert_string_equal(do_set_perms(1, "/local/domain/1", "n1 b2"), "");
    assert_string_equal(do_write(2, "/local/domain/1/from2/x", "v"), "");
    assert_string_equal(do_get_perms(2, "/local/domain/1/from2"), "n2 b2");
    assert_string_equal(do_get_perms(2, "/local/domain/1/from2/x"), "n2 b2");
    assert_string_equal(do_read(1, "from2/x"), "!EACCES");
}

/* ---------------------------------------------------------------- watches */

static void test_watch_fires_once_on_registration(void **state)
{
    (void)state;
    assert_string_equal(do_watch(1, "/local/domain/1/device", "tok"), "");
    assert_string_equal(next_event(1), "/local/domain/1/device|tok");
    assert_string_equal(next_event(1), "");
    assert_string_equal(do_watch(1, "/local/domain/1/device", "tok"), "EEXIST");
    assert_string_equal(do_watch(1, "/local/domain/1/device", "tok2"), "");
    assert_string_equal(next_event(1), "/local/domain/1/device|tok2");
}

static void test_watch_fires_on_changes_at_or_below(void **state)
{
    (void)state;
    assert_string_equal(do_watch(1, "/local/domain/1/device", "t"), "");
    drain_events(1);
    assert_string_equal(do_write(0, "/local/domain/1/device/vbd/768/state", "1"), "");
    assert_string_equal(next_event(1), "/local/domain/1/device/vbd/768/state|t");
    assert_string_equal(next_event(1), "");
    assert_string_equal(do_write(1, "device", "self"), "");
    assert_string_equal(next_event(1), "/local/domain/1/device|t");
    assert_string_equal(do_mkdir(1, "device/vif"), "");
    assert_string_equal(next_event(1), "/local/domain/1/device/vif|t");
    assert_string_equal(do_mkdir(1, "device/vif"), ""); /* exists: no change, no event */
    assert_string_equal(do_set_perms(1, "device/vif", "n1 r0"), "");
    assert_string_equal(next_event(1), "/local/domain/1/device/vif|t");
    assert_string_equal(do_rm(1, "device/vif"), "");
    assert_string_equal(next_event(1), "/local/domain/1/device/vif|t");
    assert_string_equal(next_event(1), "");
}

static void test_watch_ignores_unrelated_paths(void **state)
{
    (void)state;
    assert_string_equal(do_watch(1, "/local/domain/1/device", "t"), "");
    drain_events(1);
    assert_string_equal(do_write(1, "devices", "x"), "");      /* a prefix, not a parent */
    assert_string_equal(do_write(1, "other/device", "x"), ""); /* elsewhere */
    assert_string_equal(do_write(1, "/local/domain/1/dev", "x"), "");
    assert_string_equal(next_event(1), "");
}

static void test_relative_watch_gets_relative_paths(void **state)
{
    (void)state;
    assert_string_equal(do_watch(1, "device", "rel"), "");
    assert_string_equal(next_event(1), "device|rel");
    assert_string_equal(do_write(0, "/local/domain/1/device/vbd", "x"), "");
    assert_string_equal(next_event(1), "device/vbd|rel");
    assert_string_equal(do_unwatch(1, "/local/domain/1/device", "rel"), "");
    assert_string_equal(do_write(0, "/local/domain/1/device/vbd", "y"), "");
    assert_string_equal(next_event(1), "");
}

static void test_watch_needs_read_access_to_fire(void **state)
{
    (void)state;
    assert_string_equal(do_watch(1, "/local/domain/2", "spy"), "");
    assert_string_equal(next_event(1), "/local/domain/2|spy");
    assert_string_equal(do_write(2, "secret", "s"), "");
    assert_string_equal(next_event(1), "");
    /* Once the node is readable the watcher hears of it. */
    assert_string_equal(do_set_perms(2, "secret", "n2 r1"), "");
    assert_string_equal(next_event(1), "/local/domain/2/secret|spy");
    assert_string_equal(do_write(2, "secret", "t"), "");
    assert_string_equal(next_event(1), "/local/domain/2/secret|spy");
    /* Taking the read access away still tells the watcher (it could read it before). */
    assert_string_equal(do_set_perms(2, "secret", "n2"), "");
    assert_string_equal(next_event(1), "/local/domain/2/secret|spy");
    assert_string_equal(do_write(2, "secret", "u"), "");
    assert_string_equal(next_event(1), "");
}

static void test_dom0_hears_everything(void **state)
{
    (void)state;
    assert_string_equal(do_watch(0, "/", "all"), "");
    assert_string_equal(next_event(0), "/|all");
    assert_string_equal(do_write(2, "secret", "s"), "");
    assert_string_equal(next_event(0), "/local/domain/2/secret|all");
}

static void test_rm_fires_watches_above_and_inside(void **state)
{
    (void)state;
    assert_string_equal(do_write(1, "device/vbd/768/state", "4"), "");
    assert_string_equal(do_watch(1, "device", "above"), "");
    assert_string_equal(do_watch(1, "device/vbd/768/state", "inside"), "");
    assert_string_equal(do_watch(1, "elsewhere", "no"), "");
    drain_events(1);
    assert_string_equal(do_rm(0, "/local/domain/1/device/vbd"), "");
    const char *a = next_event(1);
    char first[XS_EVENT_MSG_MAX];
    snprintf(first, sizeof(first), "%s", a);
    const char *b = next_event(1);
    /* Two events, one per watch, in either order. */
    if (strcmp(first, "device/vbd|above") == 0)
        assert_string_equal(b, "device/vbd/768/state|inside");
    else {
        assert_string_equal(first, "device/vbd/768/state|inside");
        assert_string_equal(b, "device/vbd|above");
    }
    assert_string_equal(next_event(1), "");
}

static void test_unwatch_stops_events_and_takes_back_queued_ones(void **state)
{
    (void)state;
    assert_string_equal(do_watch(1, "data", "t"), "");
    assert_string_equal(do_write(1, "data", "1"), "");
    assert_int_equal(xs_store_pending_events(&store, 1), 2);
    assert_string_equal(do_unwatch(1, "data", "t"), "");
    assert_int_equal(xs_store_pending_events(&store, 1), 0);
    assert_string_equal(do_write(1, "data", "2"), "");
    assert_string_equal(next_event(1), "");
    assert_string_equal(do_unwatch(1, "data", "t"), "ENOENT");
    assert_string_equal(do_unwatch(1, "data", "other"), "ENOENT");
}

static void test_unwatch_one_of_several(void **state)
{
    (void)state;
    assert_string_equal(do_watch(1, "w", "a"), "");
    assert_string_equal(do_watch(1, "w", "b"), "");
    assert_string_equal(do_watch(1, "w", "c"), "");
    drain_events(1);
    assert_string_equal(do_unwatch(1, "w", "b"), "");
    assert_string_equal(do_write(1, "w", "x"), "");
    char seen[2][XS_EVENT_MSG_MAX];
    snprintf(seen[0], sizeof(seen[0]), "%s", next_event(1));
    snprintf(seen[1], sizeof(seen[1]), "%s", next_event(1));
    assert_string_equal(next_event(1), "");
    assert_true((!strcmp(seen[0], "w|a") && !strcmp(seen[1], "w|c")) ||
                (!strcmp(seen[0], "w|c") && !strcmp(seen[1], "w|a")));
}

static void test_reset_watches(void **state)
{
    (void)state;
    assert_string_equal(do_watch(1, "a", "1"), "");
    assert_string_equal(do_watch(1, "b", "2"), "");
    assert_string_equal(err(REQ(1, XS_RESET_WATCHES, "")), "");
    assert_string_equal(next_event(1), "");
    assert_string_equal(do_write(1, "a", "x"), "");
    assert_string_equal(next_event(1), "");
}

static void test_special_watches_for_domains_coming_and_going(void **state)
{
    (void)state;
    assert_string_equal(do_watch(0, "@introduceDomain", "in"), "");
    assert_string_equal(do_watch(0, "@releaseDomain", "out"), "");
    assert_string_equal(do_watch(1, "@releaseDomain", "u"), "");
    assert_string_equal(do_watch(1, "@other", "u"), "EINVAL");
    drain_events(0);
    assert_string_equal(next_event(1), "@releaseDomain|u");
    assert_int_equal(xs_store_introduce_domain(&store, 3), 0);
    assert_string_equal(next_event(0), "@introduceDomain|in");
    xs_store_release_domain(&store, 3);
    assert_string_equal(next_event(0), "@releaseDomain|out");
    assert_string_equal(next_event(0), "");
    /* Special nodes are dom0's ("n0"): a domU hears nothing after registering. */
    assert_string_equal(next_event(1), "");
}

static void test_event_buffer_too_small_keeps_the_event(void **state)
{
    (void)state;
    uint8_t small[8];
    assert_string_equal(do_watch(1, "x", "t"), "");
    assert_int_equal(xs_store_next_event(&store, 1, small, sizeof(small)), 0);
    assert_string_equal(next_event(1), "x|t");
    assert_int_equal(xs_store_next_event(&store, 7, small, sizeof(small)), 0);
}

/* ----------------------------------------------------------- transactions */

static void test_transactions_group_without_isolation(void **state)
{
    (void)state;
    struct reply *r = REQ(1, XS_TRANSACTION_START, "");
    assert_int_equal(r->type, XS_TRANSACTION_START);
    uint32_t tx = (uint32_t)strtoul(r->payload, NULL, 10);
    assert_true(tx != 0);
    assert_int_equal(r->len, strlen(r->payload) + 1);
    static const char w[] = "data\0inside";
    assert_string_equal(err(request(1, XS_WRITE, tx, w, sizeof(w) - 1)), "");
    /* No isolation: the write is visible at once, to everyone. */
    assert_string_equal(do_read(0, "/local/domain/1/data"), "inside");
    assert_string_equal(err(request(1, XS_READ, tx, "data", 5)), "");
    /* Transaction ids are per domain. */
    assert_string_equal(err(request(2, XS_READ, tx, "data", 5)), "ENOENT");
    assert_string_equal(err(request(1, XS_TRANSACTION_START, tx, "", 1)), "EBUSY");
    assert_string_equal(err(request(1, XS_TRANSACTION_END, tx, "X", 2)), "EINVAL");
    assert_string_equal(err(request(1, XS_TRANSACTION_END, tx, "T", 2)), "");
    assert_string_equal(err(request(1, XS_TRANSACTION_END, tx, "T", 2)), "ENOENT");
    assert_string_equal(err(request(1, XS_READ, tx, "data", 5)), "ENOENT");
    assert_string_equal(err(request(1, XS_TRANSACTION_END, 0, "T", 2)), "ENOENT");
    /* Aborting closes the transaction but rolls nothing back (documented). */
    r = REQ(1, XS_TRANSACTION_START, "");
    tx = (uint32_t)strtoul(r->payload, NULL, 10);
    static const char w2[] = "data\0aborted";
    assert_string_equal(err(request(1, XS_WRITE, tx, w2, sizeof(w2) - 1)), "");
    assert_string_equal(err(request(1, XS_TRANSACTION_END, tx, "F", 2)), "");
    assert_string_equal(do_read(1, "data"), "aborted");
}

static void test_transaction_quota(void **state)
{
    (void)state;
    for (int i = 0; i < XS_DOMAIN_TX_MAX; i++)
        assert_string_equal(err(REQ(1, XS_TRANSACTION_START, "")), "");
    assert_string_equal(err(REQ(1, XS_TRANSACTION_START, "")), "ENOSPC");
    assert_string_equal(err(REQ(2, XS_TRANSACTION_START, "")), "");
    xs_store_release_domain(&store, 1);
    assert_int_equal(xs_store_introduce_domain(&store, 1), 0);
    assert_string_equal(err(REQ(1, XS_TRANSACTION_START, "")), "");
}

/* ------------------------------------------------- domains coming and going */

static void test_introduce_creates_the_domain_directory(void **state)
{
    (void)state;
    assert_false(xs_store_is_introduced(&store, 9));
    assert_int_equal(xs_store_introduce_domain(&store, 9), 0);
    assert_true(xs_store_is_introduced(&store, 9));
    assert_string_equal(do_get_perms(0, "/local/domain/9"), "n9");
    assert_string_equal(do_write(9, "name", "guest"), "");
    /* Introducing again is harmless. */
    assert_int_equal(xs_store_introduce_domain(&store, 9), 0);
    assert_string_equal(do_read(9, "name"), "guest");
    assert_int_equal(xs_store_introduce_domain(&store, 0x7FF0), -XSD_EINVAL);
}

static void test_release_forgets_everything_about_a_domain(void **state)
{
    (void)state;
    assert_string_equal(do_write(0, "/tool/shared", "v"), "");
    size_t before = xs_store_free_bytes(&store);
    assert_int_equal(xs_store_introduce_domain(&store, 4), 0);
    assert_string_equal(do_write(4, "device/vbd/768/state", "1"), "");
    assert_string_equal(do_watch(4, "device", "t"), "");
    assert_string_equal(do_watch(4, "/tool", "t"), "");
    assert_string_equal(err(REQ(4, XS_TRANSACTION_START, "")), "");
    assert_string_equal(do_set_perms(0, "/tool/shared", "n4 r4 r1"), "");
    assert_true(xs_store_pending_events(&store, 4) > 0);
    xs_store_release_domain(&store, 4);
    assert_false(xs_store_is_introduced(&store, 4));
    assert_string_equal(do_dir(0, "/local/domain"), "0 1 2");
    assert_int_equal(xs_store_pending_events(&store, 4), 0);
    /* Nodes elsewhere pass to dom0 and the id leaves every permission list. */
    assert_string_equal(do_get_perms(0, "/tool/shared"), "n0 r1");
    assert_string_equal(do_set_perms(0, "/tool/shared", "n0"), "");
    assert_int_equal(xs_store_free_bytes(&store), before);
    /* A new domain 4 starts from nothing. */
    assert_int_equal(xs_store_introduce_domain(&store, 4), 0);
    assert_string_equal(do_read(4, "device/vbd/768/state"), "!ENOENT");
    assert_string_equal(do_write(0, "/tool/shared", "w"), "");
    assert_string_equal(next_event(4), "");
}

/* Release looks through the tree only when something outside the domain's directory still
 * names it (a node it owns, an entry in a permission list); the counts that tell it so follow
 * every write, set_perms, rm and release, which the invariant checker verifies (issue 15). */
static void test_release_walks_the_tree_only_for_a_domain_named_outside_its_directory(void **state)
{
    (void)state;
    for (uint16_t dom = 4; dom <= 6; dom++) {
        assert_int_equal(xs_store_introduce_domain(&store, dom), 0);
        assert_string_equal(do_write(dom, "device/vbd/768/state", "1"), "");
    }
    assert_string_equal(do_write(0, "/tool/for5", "v"), "");
    assert_string_equal(do_set_perms(0, "/tool/for5", "n0 r5"), "");
    assert_string_equal(do_write(0, "/tool/by6", ""), "");
    assert_string_equal(do_set_perms(0, "/tool/by6", "n0 b6"), "");
    assert_string_equal(do_write(6, "/tool/by6/mine", "x"), ""); /* 6 owns a node there */
    must_be_consistent();
    xs_store_release_domain(&store, 4);
    assert_int_equal(store.release_walks, 0); /* its directory was all there was */
    xs_store_release_domain(&store, 5);
    assert_int_equal(store.release_walks, 1);
    assert_string_equal(do_get_perms(0, "/tool/for5"), "n0");
    xs_store_release_domain(&store, 6);
    assert_int_equal(store.release_walks, 2);
    assert_string_equal(do_get_perms(0, "/tool/by6/mine"), "n0");
    must_be_consistent();
    /* Taken off the list by set_perms, it is not walked for. */
    assert_int_equal(xs_store_introduce_domain(&store, 7), 0);
    assert_string_equal(do_set_perms(0, "/tool/for5", "n0 r7"), "");
    assert_string_equal(do_set_perms(0, "/tool/for5", "n0"), "");
    xs_store_release_domain(&store, 7);
    assert_int_equal(store.release_walks, 2);
    must_be_consistent();
}

/* The domains with watch events waiting come from the list of watching domains, a batch at a
 * time (xenstored's deliver_events() serves only them, issue 15). */
static void test_the_domains_with_events_are_listed_in_batches(void **state)
{
    (void)state;
    uint16_t ids[2] = {0, 0};
    for (uint16_t dom = 4; dom <= 6; dom++) {
        assert_int_equal(xs_store_introduce_domain(&store, dom), 0);
        assert_string_equal(do_watch(dom, "x", "t"), "");
        assert_string_equal(next_event(dom), "x|t"); /* the registration's event, taken */
    }
    assert_int_equal(xs_store_domains_with_events(&store, ids, 0, 2), 0);
    assert_string_equal(do_write(0, "/local/domain/4/x", "1"), "");
    assert_string_equal(do_write(0, "/local/domain/6/x", "1"), "");
    assert_int_equal(xs_store_domains_with_events(&store, ids, 0, 2), 2);
    assert_true((ids[0] == 4 && ids[1] == 6) || (ids[0] == 6 && ids[1] == 4));
    uint16_t first = ids[0];
    ids[0] = 0;
    assert_int_equal(xs_store_domains_with_events(&store, ids, 1, 2), 2);
    assert_int_equal(ids[0], first == 4 ? 6 : 4);
    assert_string_equal(next_event(6), "x|t");
    assert_int_equal(xs_store_domains_with_events(&store, ids, 0, 2), 1);
    assert_int_equal(ids[0], 4);
}

/* A serve callback for xs_store_serve_events(): counts each call, and takes the domain's events
 * unless the domain is one whose ring is full (odd ids when `full_odd`). */
struct serve_log {
    unsigned calls[64];
    int full_odd;
};

static void serve_logged(void *ctx, uint16_t dom)
{
    struct serve_log *log = ctx;
    log->calls[dom]++;
    if (log->full_odd && (dom & 1))
        return;
    while (xs_store_pending_events(&store, dom))
        (void)next_event(dom);
}

/* 40 domains with events, more than one batch of 32: each is served once and none is left
 * with events (the batches once began at a fixed offset, which passed over the 8 domains that
 * the served ones' leaving had moved up: a frontend waiting on its watch waited forever). */
static void watched_by_forty(void)
{
    char path[48];
    for (uint16_t dom = 10; dom < 50; dom++) {
        assert_int_equal(xs_store_introduce_domain(&store, dom), 0);
        assert_string_equal(do_watch(dom, "x", "t"), "");
        assert_string_equal(next_event(dom), "x|t"); /* the registration's event, taken */
        snprintf(path, sizeof(path), "/local/domain/%u/x", dom);
        assert_string_equal(do_write(0, path, "1"), "");
    }
}

static void test_every_domain_with_events_is_served_once(void **state)
{
    (void)state;
    static struct serve_log log;
    memset(&log, 0, sizeof(log));
    watched_by_forty();
    xs_store_serve_events(&store, serve_logged, &log);
    for (uint16_t dom = 10; dom < 50; dom++) {
        assert_int_equal(log.calls[dom], 1);
        assert_int_equal(xs_store_pending_events(&store, dom), 0);
    }
}

/* Domains whose rings are full keep their events: each is still called once, the others are
 * all served, and the walk ends. */
static void test_a_domain_left_with_events_is_passed_over(void **state)
{
    (void)state;
    static struct serve_log log;
    memset(&log, 0, sizeof(log));
    log.full_odd = 1;
    watched_by_forty();
    xs_store_serve_events(&store, serve_logged, &log);
    for (uint16_t dom = 10; dom < 50; dom++) {
        assert_int_equal(log.calls[dom], 1);
        assert_int_equal(xs_store_pending_events(&store, dom) != 0, dom & 1);
    }
}

/* Accounts are found through a hash of XS_DOM_BUCKETS lists; ids that share a bucket must
 * still be told apart, and a change visits only the domains that watch (issue 15). */
static void test_many_domains_share_hash_buckets(void **state)
{
    (void)state;
    char path[48];
    size_t before = xs_store_free_bytes(&store);
    for (uint16_t k = 1; k <= 3; k++)
        assert_int_equal(xs_store_introduce_domain(&store, 3 + k * XS_DOM_BUCKETS), 0);
    must_be_consistent();
    for (uint16_t k = 1; k <= 3; k++) {
        snprintf(path, sizeof(path), "/local/domain/%u", 3 + k * XS_DOM_BUCKETS);
        assert_string_equal(do_get_perms(0, path), k == 1 ? "n259" : k == 2 ? "n515" : "n771");
        assert_true(xs_store_is_introduced(&store, 3 + k * XS_DOM_BUCKETS));
    }
    assert_false(xs_store_is_introduced(&store, 3));
    /* Only the watcher hears of a change; the count of queued events moves with it. */
    assert_string_equal(do_watch(515, "x", "t"), "");
    assert_string_equal(next_event(515), "x|t");
    uint32_t queued = xs_store_events_queued(&store);
    assert_string_equal(do_write(0, "/local/domain/515/x", "1"), "");
    assert_int_equal(xs_store_events_queued(&store), queued + 1);
    assert_int_equal(xs_store_pending_events(&store, 515), 1);
    assert_int_equal(xs_store_pending_events(&store, 259), 0);
    assert_int_equal(xs_store_pending_events(&store, 771), 0);
    assert_string_equal(do_write(0, "/local/domain/1/y", "2"), "");
    assert_int_equal(xs_store_events_queued(&store), queued + 1);
    /* Released in another order than introduced: every account's bytes come back. */
    assert_string_equal(next_event(515), "x|t");
    assert_string_equal(do_rm(0, "/local/domain/1/y"), "");
    for (uint16_t k = 3; k >= 1; k--)
        xs_store_release_domain(&store, 3 + k * XS_DOM_BUCKETS);
    must_be_consistent();
    assert_int_equal(xs_store_free_bytes(&store), before);
}

static void test_domain_messages(void **state)
{
    (void)state;
    assert_string_equal(err(REQ(1, XS_INTRODUCE,
                                "7\0"
                                "123\0"
                                "5")),
                        "EACCES");
    assert_string_equal(err(REQ(0, XS_INTRODUCE, "7")), "EINVAL");
    assert_string_equal(err(REQ(0, XS_INTRODUCE,
                                "0\0"
                                "1\0"
                                "1")),
                        "EINVAL");
    assert_string_equal(err(REQ(0, XS_INTRODUCE,
                                "7\0"
                                "123\0"
                                "5")),
                        "");
    assert_string_equal(words(REQ(1, XS_IS_DOMAIN_INTRODUCED, "7")), "T");
    assert_string_equal(words(REQ(1, XS_IS_DOMAIN_INTRODUCED, "8")), "F");
    assert_string_equal(words(REQ(1, XS_IS_DOMAIN_INTRODUCED, "0")), "T");
    assert_string_equal(err(REQ(0, XS_RESUME, "7")), "");
    assert_string_equal(err(REQ(0, XS_RESUME, "8")), "ENOENT");
    assert_string_equal(err(REQ(1, XS_RELEASE, "7")), "EACCES");
    assert_string_equal(err(REQ(0, XS_RELEASE, "7")), "");
    assert_string_equal(err(REQ(0, XS_RELEASE, "7")), "ENOENT");
    assert_string_equal(err(REQ(0, XS_RELEASE, "0")), "EINVAL");
    assert_string_equal(do_dir(0, "/local/domain"), "0 1 2");
}

/* ------------------------------------------------- quotas and a full arena */

static void test_node_quota(void **state)
{
    (void)state;
    char path[32];
    store.limits.nodes = 20; /* domain 1 already owns /local/domain/1 */
    int i;
    for (i = 0; i < 100; i++) {
        snprintf(path, sizeof(path), "n%d", i);
        if (strcmp(do_write(1, path, "v"), "") != 0)
            break;
    }
    assert_int_equal(i, 19);
    assert_string_equal(do_write(1, path, "v"), "ENOSPC");
    assert_string_equal(do_mkdir(1, "dir/sub"), "ENOSPC");
    /* A write that needs three new nodes fails whole, leaving nothing behind. */
    assert_string_equal(do_rm(1, "n0"), "");
    assert_string_equal(do_rm(1, "n1"), "");
    assert_string_equal(do_write(1, "a/b/c", "v"), "ENOSPC");
    assert_string_equal(do_read(1, "a"), "!ENOENT");
    assert_string_equal(do_write(1, "a/b", "v"), "");
    /* Other domains and dom0 are not affected. */
    assert_string_equal(do_write(2, "x", "v"), "");
    assert_string_equal(do_write(0, "/local/domain/1/extra", "v"), "");
}

static void test_byte_quota(void **state)
{
    (void)state;
    char big[XS_VALUE_MAX + 1];
    memset(big, 'b', XS_VALUE_MAX);
    big[XS_VALUE_MAX] = '\0';
    store.limits.bytes = 4096;
    int i;
    char path[16];
    for (i = 0; i < 10; i++) {
        snprintf(path, sizeof(path), "big%d", i);
        if (strcmp(do_write(1, path, big), "") != 0)
            break;
    }
    assert_true(i >= 2 && i < 4);
    assert_string_equal(do_write(1, path, big), "ENOSPC");
    assert_string_equal(do_write(1, path, "small"), "");
    assert_string_equal(do_write(0, "/local/domain/1/dom0big", big), "");
}

static void test_value_size_limit(void **state)
{
    (void)state;
    char big[XS_VALUE_MAX + 2];
    memset(big, 'v', sizeof(big));
    big[XS_VALUE_MAX] = '\0';
    assert_string_equal(do_write(1, "v", big), "");
    assert_int_equal(strlen(do_read(1, "v")), XS_VALUE_MAX);
    big[XS_VALUE_MAX] = 'v';
    big[XS_VALUE_MAX + 1] = '\0';
    assert_string_equal(do_write(1, "v", big), "E2BIG");
    assert_string_equal(do_write(0, "/tool/v", big), "E2BIG");
    assert_int_equal(strlen(do_read(1, "v")), XS_VALUE_MAX);
}

static void test_watch_quota(void **state)
{
    (void)state;
    char token[16];
    for (int i = 0; i < XS_DOMAIN_WATCHES_MAX; i++) {
        snprintf(token, sizeof(token), "t%d", i);
        assert_string_equal(do_watch(1, "w", token), "");
    }
    assert_string_equal(do_watch(1, "w", "over"), "E2BIG");
    assert_string_equal(do_watch(2, "w", "other"), "");
    assert_string_equal(do_watch(0, "w", "dom0"), "");
}

static void test_event_queue_limit_drops_events(void **state)
{
    (void)state;
    store.limits.events = 4;
    assert_string_equal(do_watch(1, "q", "t"), "");
    for (int i = 0; i < 10; i++)
        assert_string_equal(do_write(1, "q", "x"), "");
    assert_int_equal(xs_store_pending_events(&store, 1), 4);
    assert_int_equal(store.events_dropped, 7);
    drain_events(1);
    assert_string_equal(do_write(1, "q", "y"), "");
    assert_string_equal(next_event(1), "q|t");
}

static void test_full_arena_fails_cleanly(void **state)
{
    (void)state;
    char path[32], value[200];
    memset(value, 'a', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    free(arena);
    arena = malloc(8192);
    assert_int_equal(xs_store_init(&store, arena, 8192), 0);
    size_t empty = xs_store_free_bytes(&store);
    int i;
    const char *e = "";
    for (i = 0; i < 1000 && !*e; i++) {
        snprintf(path, sizeof(path), "/tool/n%d", i);
        e = do_write(0, path, value);
    }
    assert_string_equal(e, "ENOMEM");
    assert_true(i > 5);
    /* Everything that does not fit fails without a trace, then works again. */
    assert_string_equal(do_write(0, "/tool/deep/er/and/deeper/path", "v"), "ENOMEM");
    assert_string_equal(do_read(0, "/tool/deep"), "!ENOENT");
    /* Fill the last crumbs with watches (each also queues its first event). */
    for (i = 0, e = ""; i < 1000 && !*e; i++) {
        snprintf(path, sizeof(path), "t%d", i);
        e = do_watch(0, "/tool", path);
    }
    assert_string_equal(e, "ENOMEM");
    assert_true(xs_store_free_bytes(&store) < 64);
    assert_int_equal(xs_store_introduce_domain(&store, 5), -XSD_ENOMEM);
    assert_false(xs_store_is_introduced(&store, 5));
    assert_string_equal(do_read(0, "/local/domain/5"), "!ENOENT");
    assert_string_equal(err(REQ(0, XS_RESET_WATCHES, "")), "");
    assert_string_equal(do_rm(0, "/tool"), "");
    assert_int_equal(xs_store_free_bytes(&store) > empty, 1);
    assert_string_equal(do_mkdir(0, "/tool"), "");
    assert_int_equal(xs_store_free_bytes(&store), empty);
    assert_int_equal(xs_store_introduce_domain(&store, 5), 0);
}

static void test_tiny_arena(void **state)
{
    (void)state;
    uint8_t tiny[64], reply[64];
    struct xsd_sockmsg h = {XS_READ, 1, 0, 2};
    assert_int_equal(xs_store_init(&store, tiny, sizeof(tiny)), -XSD_ENOMEM);
    assert_int_equal(xs_store_init(&store, NULL, 0), -XSD_ENOMEM);
    size_t n = xs_store_handle(&store, 0, &h, "/", reply, sizeof(reply));
    assert_int_equal(n, 16 + 7);
    assert_string_equal((char *)reply + 16, "ENOMEM");
    assert_int_equal(xs_local_write_str(&store, "/x", "v"), -XSD_ENOMEM);
    assert_int_equal(xs_store_introduce_domain(&store, 1), -XSD_ENOMEM);
    xs_store_release_domain(&store, 1);
    assert_int_equal(xs_store_next_event(&store, 0, reply, sizeof(reply)), 0);
    assert_null(xs_store_check(&store));
    assert_int_equal(xs_store_init(&store, arena, ARENA_SIZE), 0);
}

/* ------------------------------------------------------ malformed messages */

static void test_length_over_payload_max(void **state)
{
    (void)state;
    uint8_t reply[XS_REPLY_MAX];
    char payload[8] = "/tool";
    struct xsd_sockmsg h = {XS_READ, 3, 0, XENSTORE_PAYLOAD_MAX + 1};
    /* The engine rejects the length before touching the payload. */
    size_t n = xs_store_handle(&store, 1, &h, payload, reply, sizeof(reply));
    assert_int_equal(n, 16 + 7);
    memcpy(&h, reply, 16);
    assert_int_equal(h.type, XS_ERROR);
    assert_int_equal(h.req_id, 3);
    assert_string_equal((char *)reply + 16, "EINVAL");
    h = (struct xsd_sockmsg){XS_READ, 3, 0, 0xffffffffu};
    xs_store_handle(&store, 1, &h, payload, reply, sizeof(reply));
    assert_string_equal((char *)reply + 16, "EINVAL");
    h = (struct xsd_sockmsg){XS_READ, 3, 0, 5};
    xs_store_handle(&store, 1, &h, NULL, reply, sizeof(reply));
    assert_string_equal((char *)reply + 16, "EINVAL");
}

static void test_missing_nul_and_wrong_argument_counts(void **state)
{
    (void)state;
    assert_string_equal(err(request(0, XS_READ, 0, "/tool", 5)), "EINVAL");
    assert_string_equal(err(request(0, XS_READ, 0, "", 0)), "EINVAL");
    assert_string_equal(err(REQ(0, XS_READ, "/tool\0/local")), "EINVAL");
    assert_string_equal(err(request(0, XS_READ, 0, "/tool\0x", 7)), "EINVAL");
    assert_string_equal(err(request(0, XS_WRITE, 0, "/tool/x", 7)), "EINVAL");
    assert_string_equal(err(request(0, XS_WRITE, 0, "", 0)), "EINVAL");
    assert_string_equal(err(REQ(0, XS_WRITE, "")), "EINVAL"); /* empty path */
    assert_string_equal(err(REQ(0, XS_READ, "")), "EINVAL");
    assert_string_equal(err(REQ(0, XS_WATCH, "/tool")), "EINVAL");
    assert_string_equal(err(request(0, XS_WATCH, 0, "/tool\0tok", 9)), "EINVAL");
    assert_string_equal(err(REQ(0, XS_WATCH, "/tool\0a\0b")), "EINVAL");
    assert_string_equal(err(REQ(0, XS_SET_PERMS, "/tool")), "EINVAL");
    assert_string_equal(err(REQ(0, XS_TRANSACTION_END, "")), "ENOENT");
    assert_string_equal(err(REQ(0, XS_GET_DOMAIN_PATH,
                                "1\0"
                                "2")),
                        "EINVAL");
    /* XS_WRITE's value is raw: whatever follows the path's NUL. */
    assert_string_equal(err(request(0, XS_WRITE, 0, "/tool/x\0", 8)), "");
    assert_string_equal(do_read(0, "/tool/x"), "");
}

static void test_bad_permission_strings(void **state)
{
    (void)state;
    static const char *const bad[] = {"x1", "r", "r-1", "r1a", "r99999", "r32752", "R1", ""};
    char buf[64];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = (size_t)snprintf(buf, sizeof(buf), "/tool%c%s", 0, bad[i]) + 1;
        assert_string_equal(err(request(0, XS_SET_PERMS, 0, buf, n)), "EINVAL");
    }
    char many[256] = "/tool";
    size_t n = 6;
    for (int i = 0; i <= XS_PERMS_MAX; i++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, "r%d", i) + 1;
    assert_string_equal(err(request(0, XS_SET_PERMS, 0, many, n)), "EINVAL");
    assert_string_equal(do_get_perms(0, "/tool"), "n0");
    assert_string_equal(do_set_perms(0, "/tool", "b0 r1 w2 n3"), "");
    assert_string_equal(do_get_perms(0, "/tool"), "b0 r1 w2 n3");
}

static void test_types_a_client_may_not_send(void **state)
{
    (void)state;
    assert_string_equal(err(REQ(1, XS_WATCH_EVENT, "/a\0t")), "EINVAL");
    assert_string_equal(err(REQ(1, XS_ERROR, "EINVAL")), "EINVAL");
    assert_string_equal(err(REQ(1, 20, "")), "EINVAL");
    assert_string_equal(err(REQ(1, XS_TYPE_COUNT, "")), "EINVAL");
    assert_string_equal(err(REQ(1, 0xffffffffu, "")), "EINVAL");
    assert_string_equal(err(REQ(0, XS_CONTROL, "print\0hello")), "ENOSYS");
    assert_string_equal(err(REQ(0, XS_SET_TARGET,
                                "1\0"
                                "2")),
                        "ENOSYS");
    assert_string_equal(err(REQ(0, XS_DIRECTORY_PART,
                                "/\0"
                                "0")),
                        "ENOSYS");
}

static void test_token_too_long(void **state)
{
    (void)state;
    char token[XS_TOKEN_MAX + 2];
    memset(token, 't', sizeof(token));
    token[XS_TOKEN_MAX] = '\0';
    assert_string_equal(do_watch(1, "x", token), "");
    token[XS_TOKEN_MAX] = 't';
    token[XS_TOKEN_MAX + 1] = '\0';
    assert_string_equal(do_watch(1, "y", token), "EINVAL");
}

static void test_small_reply_buffers(void **state)
{
    (void)state;
    uint8_t reply[64];
    struct xsd_sockmsg h = {XS_READ, 1, 0, 10};
    char big[300];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_string_equal(do_write(0, "/tool/big", big), "");
    assert_int_equal(xs_store_handle(&store, 0, &h, "/tool/big", reply, 31), 0);
    size_t n = xs_store_handle(&store, 0, &h, "/tool/big", reply, sizeof(reply));
    assert_int_equal(n, 16 + 6);
    assert_string_equal((char *)reply + 16, "E2BIG");
    /* The full listing of a huge directory does not fit a message. */
    char path[64];
    for (int i = 0; i < 300; i++) {
        snprintf(path, sizeof(path), "/tool/d/a-rather-long-child-name-%03d", i);
        assert_string_equal(do_mkdir(0, path), "");
    }
    assert_string_equal(do_dir(0, "/tool/d"), "!E2BIG");
}

/* ----------------------------------------------- walking and dom0's calls */

struct walk_log {
    char text[2048];
};

static void log_node(const char *path, const void *value, size_t len, uint16_t owner,
                     const char *perms, unsigned depth, void *ctx)
{
    struct walk_log *log = ctx;
    size_t n = strlen(log->text);
    snprintf(log->text + n, sizeof(log->text) - n, "%u %s=%.*s (%u %s)\n", depth, path, (int)len,
             (const char *)value, owner, perms);
}

static void test_walk_visits_depth_first(void **state)
{
    (void)state;
    struct walk_log log = {""};
    assert_int_equal(xs_local_write_str(&store, "/tool/a/x", "1"), 0);
    assert_int_equal(xs_local_write_str(&store, "/tool/b", "2"), 0);
    assert_int_equal(xs_local_set_perms(&store, "/tool/b", "n1,r2"), 0);
    assert_int_equal(xs_store_walk(&store, "/tool", log_node, &log), 0);
    assert_string_equal(log.text, "0 /tool= (0 n0)\n"
                                  "1 /tool/a= (0 n0)\n"
                                  "2 /tool/a/x=1 (0 n0)\n"
                                  "1 /tool/b=2 (1 n1,r2)\n");
    log.text[0] = '\0';
    assert_int_equal(xs_store_walk(&store, "/local/domain/2", log_node, &log), 0);
    assert_string_equal(log.text, "0 /local/domain/2= (2 n2)\n");
    log.text[0] = '\0';
    assert_int_equal(xs_store_walk(&store, "/", log_node, &log), 0);
    assert_non_null(strstr(log.text, "0 /= (0 n0)\n1 /local= (0 n0)\n2 /local/domain= (0 n0)\n"
                                     "3 /local/domain/0= (0 n0)\n"));
    assert_non_null(strstr(log.text, "3 /local/domain/2= (2 n2)\n1 /tool= (0 n0)\n"));
    assert_int_equal(xs_store_walk(&store, "/nope", log_node, &log), -XSD_ENOENT);
    assert_int_equal(xs_store_walk(&store, "/bad//path", log_node, &log), -XSD_EINVAL);
}

static void test_local_calls(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(xs_local_mkdir(&store, "/local/domain/0/backend/vbd"), 0);
    assert_int_equal(xs_local_write_str(&store, "backend/vbd/state", "2"), 0);
    assert_int_equal(xs_local_read(&store, "/local/domain/0/backend/vbd/state", buf, sizeof(buf)),
                     1);
    assert_string_equal(buf, "2");
    assert_int_equal(xs_local_read(&store, "backend/vbd/state", buf, 1), -XSD_E2BIG);
    assert_int_equal(xs_local_read(&store, "backend/none", buf, sizeof(buf)), -XSD_ENOENT);
    assert_int_equal(xs_local_write(&store, "/tool/bin", "a\0b", 3), 0);
    assert_int_equal(xs_local_read(&store, "/tool/bin", buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "a\0b", 4);
    assert_int_equal(xs_local_directory(&store, "backend/vbd", buf, sizeof(buf)), 6);
    assert_memory_equal(buf, "state\0", 6);
    assert_int_equal(xs_local_directory(&store, "backend/vbd", buf, 3), -XSD_E2BIG);
    assert_int_equal(xs_local_set_perms(&store, "backend/vbd/state", "n0 r1"), 0);
    assert_string_equal(do_read(1, "/local/domain/0/backend/vbd/state"), "2");
    assert_int_equal(xs_local_set_perms(&store, "backend/vbd/state", "q1"), -XSD_EINVAL);
    assert_int_equal(xs_local_set_perms(&store, "backend/vbd/state", ""), -XSD_EINVAL);
    assert_int_equal(xs_local_watch(&store, "backend", "be"), 0);
    assert_string_equal(next_event(0), "backend|be");
    assert_int_equal(xs_local_write_str(&store, "backend/vbd/1", "x"), 0);
    assert_string_equal(next_event(0), "backend/vbd/1|be");
    assert_int_equal(xs_local_unwatch(&store, "backend", "be"), 0);
    assert_int_equal(xs_local_unwatch(&store, "backend", "be"), -XSD_ENOENT);
    assert_int_equal(xs_local_rm(&store, "backend"), 0);
    assert_int_equal(xs_local_rm(&store, "backend/x/y"), -XSD_ENOENT);
    assert_int_equal(xs_local_write_str(&store, "//", "x"), -XSD_EINVAL);
    assert_string_equal(xs_error_string(-XSD_ENOTEMPTY), "ENOTEMPTY");
    assert_string_equal(xs_error_string(XSD_EPERM), "EPERM");
    assert_string_equal(xs_error_string(-9999), "EINVAL");
}

/* ------------------------------------------------------ a long random run */

static uint32_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state % n;
}

static void random_path(char *out, size_t cap)
{
    static const char *const roots[] = {"/local/domain/0",
                                        "/local/domain/1",
                                        "/local/domain/2",
                                        "/local/domain/3",
                                        "/tool",
                                        "",
                                        "/",
                                        "@releaseDomain"};
    static const char *const names[] = {"a", "b", "device", "x"};
    const char *root = roots[rnd(sizeof(roots) / sizeof(roots[0]))];
    size_t n = (size_t)snprintf(out, cap, "%s", root);
    if (root[0] == '@' || (root[0] == '/' && !root[1] && rnd(2)))
        return;
    unsigned depth = rnd(3) + (root[0] ? 0 : 1);
    for (unsigned i = 0; i < depth && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", n && out[n - 1] != '/' ? "/" : "",
                              names[rnd(sizeof(names) / sizeof(names[0]))]);
    if (rnd(50) == 0 && n > 1)
        out[rnd((uint32_t)n)] = "/.x\0"[rnd(4)]; /* sometimes malformed */
}

static void random_garbage(uint16_t dom)
{
    uint8_t buf[64];
    size_t len = rnd(sizeof(buf) + 1);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t) "/ab\0rnwb0123@"[rnd(13)];
    uint32_t type = rnd(XS_TYPE_COUNT + 2);
    if (type == XS_INTRODUCE)
        type = XS_RELEASE; /* introduced domains with random ids would outlive the cleanup */
    request(dom, type, 0, buf, len);
}

static void random_step(void)
{
    char path[96], value[64];
    uint16_t dom = (uint16_t)rnd(4);
    random_path(path, sizeof(path));
    snprintf(value, sizeof(value), "v%u", rnd(1000));
    switch (rnd(16)) {
    case 0:
    case 1:
    case 2:
        do_write(dom, path, value);
        break;
    case 3:
        do_mkdir(dom, path);
        break;
    case 4:
        do_rm(dom, path);
        break;
    case 5:
        do_read(dom, path);
        break;
    case 6:
        do_dir(dom, path);
        break;
    case 7: {
        static const char *const perms[] = {"n0", "n1 r2", "r1", "b2 w0 n3", "n3", "w1 r1 r1"};
        do_set_perms(dom, path, perms[rnd(6)]);
        break;
    }
    case 8:
        do_watch(dom, path, value + rnd(2));
        break;
    case 9:
        do_unwatch(dom, path, value + rnd(2));
        break;
    case 10:
        drain_events(dom);
        break;
    case 11:
        if (rnd(4) == 0)
            xs_store_release_domain(&store, (uint16_t)(1 + rnd(3)));
        else
            xs_store_introduce_domain(&store, (uint16_t)(1 + rnd(3)));
        must_be_consistent();
        break;
    case 12:
        if (rnd(2))
            REQ(dom, XS_TRANSACTION_START, "");
        else
            request(dom, XS_TRANSACTION_END, rnd(40), rnd(2) ? "T" : "F", 2);
        break;
    case 13:
        do_get_perms(dom, path);
        break;
    default:
        random_garbage(dom);
        break;
    }
}

/* Remove every child of the root, and give the root back its first perms and value. */
static void remove_everything(void)
{
    char names[XENSTORE_PAYLOAD_MAX], path[64];
    struct reply *r = REQ(0, XS_DIRECTORY, "/");
    assert_int_equal(r->type, XS_DIRECTORY);
    size_t len = r->len; /* r is overwritten by the next request */
    memcpy(names, r->payload, len);
    for (size_t i = 0; i < len; i += strlen(names + i) + 1) {
        snprintf(path, sizeof(path), "/%s", names + i);
        assert_string_equal(do_rm(0, path), "");
    }
    assert_string_equal(do_set_perms(0, "/", "n0"), "");
    assert_string_equal(do_write(0, "/", ""), "");
}

/*
 * After any history, releasing every domain and removing everything must give
 * back all the memory a fresh store has after the same removal.  (Up to 8
 * bytes may differ: the root's perms block, reallocated by set_perms, can
 * have absorbed a remainder too small to be a block; a leaked block is at
 * least 16.)
 */
static void random_run(uint32_t seed, size_t arena_len, int steps)
{
    free(arena);
    arena = malloc(arena_len);
    assert_int_equal(xs_store_init(&store, arena, arena_len), 0);
    store.limits.nodes = 60;
    store.limits.events = 16;
    rng_state = seed;
    for (int i = 0; i < steps; i++)
        random_step();
    for (uint16_t d = 1; d <= 3; d++)
        xs_store_release_domain(&store, d);
    REQ(0, XS_RESET_WATCHES, "");
    remove_everything();
    size_t after = xs_store_free_bytes(&store);

    struct xs_store fresh;
    uint8_t *fresh_arena = malloc(arena_len);
    assert_int_equal(xs_store_init(&fresh, fresh_arena, arena_len), 0);
    struct xs_store saved = store;
    store = fresh;
    remove_everything();
    size_t expected = xs_store_free_bytes(&store);
    store = saved;
    free(fresh_arena);
    assert_true(after <= expected && after + 8 >= expected);
}

static void test_random_operations_never_break_the_store(void **state)
{
    (void)state;
    random_run(0x2545f491u, 256 * 1024, 20000);
    random_run(0x9e3779b9u, 256 * 1024, 20000);
}

static void test_random_operations_in_a_small_arena(void **state)
{
    (void)state;
    random_run(0x12345678u, 6 * 1024, 20000);
    random_run(0xdeadbeefu, 3 * 1024, 10000);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_initial_tree),
        T(test_write_then_read),
        T(test_values_are_bytes),
        T(test_directory_lists_children_in_creation_order),
        T(test_siblings_keep_their_order_as_first_middle_and_last_go),
        T(test_write_creates_parents_with_inherited_perms),
        T(test_mkdir_existing_is_fine_and_keeps_value),
        T(test_rm_removes_the_subtree),
        T(test_relative_paths_hang_below_the_callers_domain),
        T(test_get_domain_path),
        T(test_bad_paths_are_einval),
        T(test_path_length_limit),
        T(test_domu_writes_only_its_own_subtree),
        T(test_domu_cannot_read_another_domain),
        T(test_dom0_may_do_anything),
        T(test_owner_grants_access_with_set_perms),
        T(test_a_guest_names_only_known_domains_in_perms),
        T(test_domu_cannot_give_nodes_away),
        T(test_nodes_a_domu_creates_are_its_own),
        T(test_watch_fires_once_on_registration),
        T(test_watch_fires_on_changes_at_or_below),
        T(test_watch_ignores_unrelated_paths),
        T(test_relative_watch_gets_relative_paths),
        T(test_watch_needs_read_access_to_fire),
        T(test_dom0_hears_everything),
        T(test_rm_fires_watches_above_and_inside),
        T(test_unwatch_stops_events_and_takes_back_queued_ones),
        T(test_unwatch_one_of_several),
        T(test_reset_watches),
        T(test_special_watches_for_domains_coming_and_going),
        T(test_event_buffer_too_small_keeps_the_event),
        T(test_transactions_group_without_isolation),
        T(test_transaction_quota),
        T(test_introduce_creates_the_domain_directory),
        T(test_release_forgets_everything_about_a_domain),
        T(test_the_domains_with_events_are_listed_in_batches),
        T(test_every_domain_with_events_is_served_once),
        T(test_a_domain_left_with_events_is_passed_over),
        T(test_release_walks_the_tree_only_for_a_domain_named_outside_its_directory),
        T(test_many_domains_share_hash_buckets),
        T(test_domain_messages),
        T(test_node_quota),
        T(test_byte_quota),
        T(test_value_size_limit),
        T(test_watch_quota),
        T(test_event_queue_limit_drops_events),
        T(test_full_arena_fails_cleanly),
        T(test_tiny_arena),
        T(test_length_over_payload_max),
        T(test_missing_nul_and_wrong_argument_counts),
        T(test_bad_permission_strings),
        T(test_types_a_client_may_not_send),
        T(test_token_too_long),
        T(test_small_reply_buffers),
        T(test_walk_visits_depth_first),
        T(test_local_calls),
        T(test_random_operations_never_break_the_store),
        T(test_random_operations_in_a_small_arena),
    };
    return cmocka_run_group_tests_name("xs_store", tests, NULL, NULL);
}
