/*
 * xm_store.c - xm-lite's xenstore client: one request at a time through the
 * xenbus system call (as xl writes to /dev/xen/xenbus), in the wire format
 * of public/io/xs_wire.h, and `xm-lite store ls [PATH]` (also xenstore-ls),
 * which shows the tree with each node's permissions.
 */
#include "xm.h"

struct xs_msg xs_req, xs_rep;

/* One request through SYS_xenbus: the reply's payload length, or -1 (an error reply too). */
int xs(uint32_t type, const char *path, const char *value)
{
    uint32_t plen = (uint32_t)strlen(path) + 1, vlen = value ? (uint32_t)strlen(value) : 0;
    if (plen + vlen > sizeof(xs_req.payload))
        return -1;
    xs_req.h = (struct xsd_sockmsg){type, 1, 0, plen + vlen};
    memcpy(xs_req.payload, path, plen);
    memcpy(xs_req.payload + plen, value, vlen);
    int n = xenbus(&xs_req, sizeof(xs_req.h) + plen + vlen, &xs_rep, sizeof(xs_rep));
    if (n < (int)sizeof(xs_rep.h) || xs_rep.h.type == XS_ERROR)
        return -1;
    return (int)xs_rep.h.len;
}

int xs_read(const char *path, char *val, uint32_t cap)
{
    int n = xs(XS_READ, path, NULL);
    if (n < 0 || (uint32_t)n >= cap)
        return -1;
    memcpy(val, xs_rep.payload, (uint32_t)n);
    val[n] = 0;
    return n;
}

void xs_write_dom(domid_t id, const char *key, const char *value)
{
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%u/%s", id, key);
    xs(XS_WRITE, path, value);
}

/* One node: its value and permissions, then its children, depth first. */
static int show_tree(const char *path, unsigned int depth)
{
    char value[1024], perms[64]; /* a value is at most 1024 bytes (tools/xenstore) */
    int n = xs(XS_READ, path, NULL);
    if (n < 0)
        return -1;
    memcpy(value, xs_rep.payload, (uint32_t)MIN(n, (int)sizeof(value)));
    int vlen = MIN(n, (int)sizeof(value));
    int p = xs(XS_GET_PERMS, path, NULL);
    for (int i = 0; i < p && i < (int)sizeof(perms) - 1; i++)
        perms[i] = xs_rep.payload[i] ? xs_rep.payload[i] : ',';
    perms[p > 0 ? MIN(p - 1, (int)sizeof(perms) - 1) : 0] = 0;
    const char *leaf = basename(path);
    printf("%*s%s = \"%.*s\"   (%s)\n", (int)depth * 2, "", *leaf ? leaf : "/", vlen, value, perms);
    int len = xs(XS_DIRECTORY, path, NULL);
    if (len <= 0)
        return 0;
    char *names = malloc((uint32_t)len), child[XENSTORE_ABS_PATH_MAX + 1];
    if (!names)
        return 0;
    memcpy(names, xs_rep.payload, (uint32_t)len);
    for (int i = 0; i < len; i += (int)strlen(names + i) + 1) {
        snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "", names + i);
        show_tree(child, depth + 1);
    }
    free(names);
    return 0;
}

int cmd_store(int argc, char **argv)
{
    const char *root = "/";
    if (argc > 3)
        root = argv[3];
    else if (argc > 2 && strcmp(argv[2], "ls"))
        root = argv[2];
    if (argc > 2 && !strcmp(argv[1], "store") && strcmp(argv[2], "ls"))
        return printf("usage: xm-lite store ls [PATH]\n"), -1;
    if (show_tree(root, 0))
        return printf("xm-lite: %s: no such node\n", root), -1;
    return 0;
}
