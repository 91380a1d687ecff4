/*
 * vfs.c - the virtual file system: mounts, lookups and open files, and the
 * first file system behind it, cpiofs, the read-only boot archive.
 *
 * A lookup takes an absolute path, normalises it ("//", ".", ".." and a
 * trailing '/' go), finds the mount with the longest matching prefix and asks
 * that file system for the rest.  System calls (syscall.c) hold struct
 * vfs_file references in each process's descriptor table; the console is a
 * file of its own kind whose reads go through the line discipline (tty.c).
 *
 * cpiofs reads the archive in place (tools/xm-lite/bootfs.c walks it).  The
 * archive stores files with full paths; a directory is any path that is a
 * prefix of a stored file's, and its entries are the distinct next
 * components of those paths.  The ext2 file system joins by providing
 * another struct vfs_ops and calling vfs_mount().
 */
#include <os.h>
#include <vfs.h>
#include "bootfs.h"

#define MAX_MOUNTS 4
#define MAX_FILES  128

static struct vfs_mount mounts[MAX_MOUNTS];
static struct vfs_file files[MAX_FILES];

/* Copy `path` into out without "", ".", ".." components or repeated '/'; -E_INVAL if too long. */
static int normalise(const char *path, char *out, uint32_t cap)
{
    uint32_t n = 0;
    while (*path) {
        while (*path == '/')
            path++;
        const char *c = path;
        while (*path && *path != '/')
            path++;
        uint32_t len = (uint32_t)(path - c);
        if (len == 0 || (len == 1 && c[0] == '.'))
            continue;
        if (len == 2 && c[0] == '.' && c[1] == '.') {
            while (n > 0 && out[--n] != '/')
                ;
            continue;
        }
        if (n + 1 + len + 1 > cap)
            return -E_INVAL;
        out[n++] = '/';
        memcpy(out + n, c, len);
        n += len;
    }
    if (n == 0)
        out[n++] = '/';
    out[n] = 0;
    return 0;
}

int vfs_mount(const char *path, const struct vfs_ops *ops, void *sb, int readonly)
{
    for (int i = 0; i < MAX_MOUNTS; i++)
        if (!mounts[i].ops) {
            if (normalise(path, mounts[i].path, sizeof(mounts[i].path)))
                return -E_INVAL;
            mounts[i].ops = ops, mounts[i].sb = sb, mounts[i].readonly = readonly;
            return 0;
        }
    return -E_NOMEM;
}

/* The mount whose path is the longest prefix of `abs`, and the rest after it. */
static struct vfs_mount *find_mount(const char *abs, const char **rest)
{
    struct vfs_mount *best = NULL;
    size_t best_len = 0;
    for (int i = 0; i < MAX_MOUNTS; i++) {
        struct vfs_mount *m = &mounts[i];
        size_t n = strlen(m->path);
        if (!m->ops)
            continue;
        int match = n == 1 || (!strncmp(abs, m->path, n) && (abs[n] == '/' || abs[n] == 0));
        if (match && (!best || n > best_len))
            best = m, best_len = n;
    }
    if (best)
        *rest = abs + (best_len == 1 ? 1 : best_len + (abs[best_len] == '/'));
    return best;
}

int vfs_lookup(const char *path, struct vfs_node *n)
{
    char abs[PATH_MAX_LEN];
    if (path[0] != '/' || normalise(path, abs, sizeof(abs)))
        return -E_INVAL;
    const char *rest;
    struct vfs_mount *m = find_mount(abs, &rest);
    if (!m)
        return -E_NOENT;
    memset(n, 0, sizeof(*n));
    n->mnt = m;
    return m->ops->lookup(m, rest, n);
}

/* A free open-file slot with one reference, or NULL. */
static struct vfs_file *new_file(enum vfs_kind kind)
{
    for (int i = 0; i < MAX_FILES; i++)
        if (files[i].refs == 0) {
            files[i] = (struct vfs_file){.refs = 1, .kind = kind};
            return &files[i];
        }
    return NULL;
}

int vfs_open(const char *path, int flags, struct vfs_file **out)
{
    struct vfs_node n;
    int rc = vfs_lookup(path, &n);
    if (rc == -E_NOENT && (flags & O_CREAT))
        return -E_ROFS; /* no writable file system is mounted yet */
    if (rc)
        return rc;
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
        return n.mnt->readonly ? -E_ROFS : -E_NOSYS;
    struct vfs_file *f = new_file((n.mode & S_IFMT) == S_IFDIR ? VFS_DIR : VFS_FILE);
    if (!f)
        return -E_MFILE;
    f->node = n;
    *out = f;
    return 0;
}

struct vfs_file *vfs_console(void)
{
    return new_file(VFS_CONSOLE);
}

void vfs_put(struct vfs_file *f)
{
    if (f && f->refs > 0)
        f->refs--;
}

int vfs_read(struct vfs_file *f, void *buf, uint32_t len)
{
    if (f->kind == VFS_DIR)
        return -E_ISDIR;
    int n = f->node.mnt->ops->read(&f->node, f->off, buf, len);
    if (n > 0)
        f->off += (uint32_t)n;
    return n;
}

/* As many whole struct pvlab_dirent records as fit in len bytes. */
int vfs_getdents(struct vfs_file *f, void *buf, uint32_t len)
{
    if (f->kind != VFS_DIR)
        return -E_NOTDIR;
    uint32_t used = 0;
    for (;;) {
        char name[64];
        uint32_t type, cookie = f->off;
        if (!f->node.mnt->ops->readdir(&f->node, &cookie, name, sizeof(name), &type))
            break;
        uint32_t reclen = ROUNDUP(7 + (uint32_t)strlen(name) + 1, 4);
        if (used + reclen > len)
            return used ? (int)used : -E_INVAL;
        struct pvlab_dirent *d = (struct pvlab_dirent *)((uint8_t *)buf + used);
        d->d_ino = cookie;
        d->d_reclen = (uint16_t)reclen;
        d->d_type = (uint8_t)type;
        strlcpy(d->d_name, name, reclen - 7);
        used += reclen;
        f->off = cookie;
    }
    return (int)used;
}

void vfs_stat(const struct vfs_node *n, struct pvlab_stat *st)
{
    *st = (struct pvlab_stat){
        .st_ino = n->ino, .st_mode = n->mode, .st_size = n->size, .st_nlink = 1};
}

/* ---- cpiofs: the boot archive */

struct cpiofs {
    const void *archive;
    uint32_t len;
};

/* The i-th regular file of the archive; 1, or 0 past the end. */
static int nth_file(const struct cpiofs *fs, uint32_t i, struct bootfs_file *f)
{
    size_t pos = 0;
    for (uint32_t k = 0;; k++) {
        if (bootfs_next(fs->archive, fs->len, &pos, f, NULL) != 1)
            return 0;
        if (k == i)
            return 1;
    }
}

/* If file f lies under directory dir ("" = root), its next path component. */
static int child_of(const struct bootfs_file *f, const char *dir, char *name, uint32_t cap,
                    uint32_t *type)
{
    size_t dl = strlen(dir);
    if (dl && (f->name_len <= dl || strncmp(f->name, dir, dl) || f->name[dl] != '/'))
        return 0;
    const char *c = f->name + (dl ? dl + 1 : 0);
    size_t left = f->name_len - (size_t)(c - f->name), k = 0;
    while (k < left && c[k] != '/')
        k++;
    if (k == 0 || k + 1 > cap)
        return 0;
    memcpy(name, c, k);
    name[k] = 0;
    *type = k < left ? DT_DIR : DT_REG;
    return 1;
}

/* A stored file by its path, or a directory: a prefix of some stored path. */
static int cpiofs_lookup(struct vfs_mount *m, const char *rel, struct vfs_node *n)
{
    const struct cpiofs *fs = m->sb;
    struct bootfs_file f;
    if (*rel && bootfs_find(fs->archive, fs->len, rel, &f) == 0) {
        n->ino = (uint32_t)((const char *)f.data - (const char *)fs->archive); /* unique */
        n->mode = S_IFREG | 0444, n->size = (uint32_t)f.size, n->data = f.data;
        return 0;
    }
    char name[64];
    uint32_t type;
    for (uint32_t i = 0; nth_file(fs, i, &f); i++)
        if (child_of(&f, rel, name, sizeof(name), &type)) {
            n->mode = S_IFDIR | 0555, n->ino = 0x10000 + (uint32_t)strlen(rel);
            strlcpy(n->rel, rel, sizeof(n->rel));
            return 0;
        }
    return -E_NOENT;
}

/* Copy from the archive in place. */
static int cpiofs_read(const struct vfs_node *n, uint32_t off, void *buf, uint32_t len)
{
    if (off >= n->size)
        return 0;
    uint32_t k = MIN(len, n->size - off);
    memcpy(buf, (const uint8_t *)n->data + off, k);
    return (int)k;
}

/* *cookie counts files; an entry is reported at the first file that has it. */
static int cpiofs_readdir(const struct vfs_node *dir, uint32_t *cookie, char *name, uint32_t cap,
                          uint32_t *type)
{
    const struct cpiofs *fs = dir->mnt->sb;
    struct bootfs_file f, g;
    char other[64];
    uint32_t t2;
    for (uint32_t i = *cookie; nth_file(fs, i, &f); i++) {
        if (!child_of(&f, dir->rel, name, cap, type))
            continue;
        int seen = 0;
        for (uint32_t j = 0; j < i && !seen && nth_file(fs, j, &g); j++)
            seen = child_of(&g, dir->rel, other, sizeof(other), &t2) && !strcmp(other, name);
        if (!seen) {
            *cookie = i + 1;
            return 1;
        }
    }
    return 0;
}

static const struct vfs_ops cpiofs_ops = {cpiofs_lookup, cpiofs_read, cpiofs_readdir};
static struct cpiofs cpiofs_sb;

int cpiofs_mount(const char *path, const void *archive, uint32_t len)
{
    cpiofs_sb = (struct cpiofs){archive, len};
    return vfs_mount(path, &cpiofs_ops, &cpiofs_sb, 1) ? -1 : 0;
}
