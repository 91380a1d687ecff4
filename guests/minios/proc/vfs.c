/*
 * vfs.c - the virtual file system: mounts, lookups and open files, and the
 * first file system behind it, cpiofs, the read-only boot archive.
 *
 * A lookup takes an absolute path, normalises it ("//", ".", ".." and a
 * trailing '/' go), finds the mount with the longest matching prefix and asks
 * that file system for the rest.  A relative path is made absolute first
 * (vfs_abspath(), called by syscall.c with the process's working directory):
 * the working directory is kept as a normalised absolute path, and ".." is
 * resolved by name, as a shell's `cd` does, so `..` out of a mount point
 * goes to the directory the mount sits in and `/..` is `/`.  System calls (syscall.c) hold struct
 * vfs_file references in each process's descriptor table; the console is a
 * file of its own kind whose reads go through the line discipline (tty.c).
 *
 * Changes (create, write, truncate, unlink, mkdir, rmdir, rename) go to the
 * mount's writing operations: -E_ROFS on a read-only mount, -E_NOSYS where
 * a file system lacks one, -E_XDEV for a rename across mounts.
 *
 * An open file holds its node in its file system (vfs_ops hold/release),
 * from vfs_open() to the vfs_put() of its last reference.  So a file can be
 * removed while open, as POSIX has it: the name goes at once, the inode and
 * its blocks when the last descriptor on it is closed (ext2's orphans).
 *
 * Mounts come and go (vfs_umount() refuses while a file on the mount is
 * open); vfs_periodic() lets each file system write back what is dirty, and
 * vfs_sync_all() is what `sync` and `halt` call.
 *
 * cpiofs reads the archive in place: tools/xm-lite/bootfs.c walks it once at
 * mount time into an index of its files, so a lookup is a scan of names.  The
 * archive stores files with full paths; a directory is any path that is a
 * prefix of a stored file's, and its entries are the distinct next
 * components of those paths.  The ext2 file system joins by providing
 * another struct vfs_ops and calling vfs_mount().
 *
 * Tour 27/58 - after proc/initfs.S, before proc/proc_table.c.
 */
#include <os.h>
#include <vfs.h>
#include "bootfs.h"

#define MAX_MOUNTS 6
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

int vfs_abspath(const char *cwd, const char *path, char *out)
{
    char joined[2 * PATH_MAX_LEN + 2];
    if (!*path)
        return -E_NOENT; /* as POSIX: the empty path names nothing */
    if (path[0] == '/')
        strlcpy(joined, path, sizeof(joined));
    else
        snprintf(joined, sizeof(joined), "%s/%s", cwd, path);
    return normalise(joined, out, PATH_MAX_LEN) ? -E_NAMETOOLONG : 0;
}

int vfs_mount(const char *path, const struct vfs_ops *ops, void *sb, int readonly)
{
    if (vfs_mount_at(path))
        return -E_BUSY;
    for (int i = 0; i < MAX_MOUNTS; i++)
        if (!mounts[i].ops) {
            if (normalise(path, mounts[i].path, sizeof(mounts[i].path)))
                return -E_INVAL;
            mounts[i].ops = ops, mounts[i].sb = sb, mounts[i].readonly = readonly;
            mounts[i].source[0] = 0, mounts[i].type = "";
            return 0;
        }
    return -E_NOMEM;
}

struct vfs_mount *vfs_mount_at(const char *path)
{
    char abs[PATH_MAX_LEN];
    if (normalise(path, abs, sizeof(abs)))
        return NULL;
    for (int i = 0; i < MAX_MOUNTS; i++)
        if (mounts[i].ops && !strcmp(mounts[i].path, abs))
            return &mounts[i];
    return NULL;
}

/* Is anything open on m, or mounted beneath it? */
static int mount_busy(const struct vfs_mount *m)
{
    size_t n = strlen(m->path);
    for (int i = 0; i < MAX_FILES; i++)
        if (files[i].refs > 0 && files[i].kind != VFS_CONSOLE && files[i].node.mnt == m)
            return 1;
    for (int i = 0; i < MAX_MOUNTS; i++)
        if (mounts[i].ops && &mounts[i] != m && strlen(mounts[i].path) > n &&
            !strncmp(mounts[i].path, m->path, n) && (n == 1 || mounts[i].path[n] == '/'))
            return 1;
    return 0;
}

int vfs_umount(const char *path)
{
    struct vfs_mount *m = vfs_mount_at(path);
    if (!m)
        return -E_INVAL;
    if (mount_busy(m))
        return -E_BUSY;
    int rc = m->ops->unmount ? m->ops->unmount(m) : 0;
    if (rc == 0)
        m->ops = NULL;
    return rc;
}

const struct vfs_mount *vfs_mount_nth(int i)
{
    for (int k = 0; k < MAX_MOUNTS; k++)
        if (mounts[k].ops && i-- == 0)
            return &mounts[k];
    return NULL;
}

int vfs_statfs(const char *path, struct pvlab_statfs *st)
{
    struct vfs_node n;
    int rc = vfs_lookup(path, &n);
    memset(st, 0, sizeof(*st));
    if (rc)
        return rc;
    st->f_readonly = (uint32_t)n.mnt->readonly;
    return n.mnt->ops->statfs ? n.mnt->ops->statfs(n.mnt, st) : 0;
}

int vfs_sync_all(void)
{
    int first = 0;
    for (int i = 0; i < MAX_MOUNTS; i++)
        if (mounts[i].ops && mounts[i].ops->sync && !mounts[i].readonly) {
            int rc = mounts[i].ops->sync(&mounts[i]);
            first = first ? first : rc;
        }
    return first;
}

/* Write back every VFS_FLUSH_TICKS timer ticks (100 Hz): at most this much work is lost. */
#define VFS_FLUSH_TICKS 500

void vfs_periodic(void)
{
    static uint32_t last;
    if (timer_ticks - last < VFS_FLUSH_TICKS)
        return;
    last = timer_ticks;
    vfs_sync_all();
}

struct vfs_file *vfs_dup(struct vfs_file *f)
{
    if (f)
        f->refs++;
    return f;
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

/* Split an absolute path into its mount and the path inside it (into rel). */
static struct vfs_mount *resolve(const char *path, char *rel)
{
    char abs[PATH_MAX_LEN];
    const char *rest;
    if (path[0] != '/' || normalise(path, abs, sizeof(abs)))
        return NULL;
    struct vfs_mount *m = find_mount(abs, &rest);
    if (m)
        strlcpy(rel, rest, PATH_MAX_LEN);
    return m;
}

/* Whether the mount may be changed with `op` (one of its writing operations). */
static int writable(const struct vfs_mount *m, const void *op)
{
    return m->readonly ? -E_ROFS : op ? 0 : -E_NOSYS;
}

/* The file path names, made first if O_CREAT asks; 0 and *n, or -E_*. */
static int find_or_create(const char *path, int flags, struct vfs_node *n)
{
    int rc = vfs_lookup(path, n);
    if (rc != -E_NOENT || !(flags & O_CREAT))
        return rc;
    char rel[PATH_MAX_LEN];
    struct vfs_mount *m = resolve(path, rel);
    if (!m)
        return -E_NOENT;
    if ((rc = writable(m, m->ops->create)))
        return rc;
    memset(n, 0, sizeof(*n));
    n->mnt = m;
    return m->ops->create(m, rel, S_IFREG | 0644, n);
}

int vfs_open(const char *path, int flags, struct vfs_file **out)
{
    struct vfs_node n;
    int rc = find_or_create(path, flags, &n);
    if (rc)
        return rc;
    int acc = flags & O_ACCMODE, dir = (n.mode & S_IFMT) == S_IFDIR;
    if (acc != O_RDONLY && (rc = writable(n.mnt, n.mnt->ops->write)))
        return rc;
    if (acc != O_RDONLY && dir)
        return -E_ISDIR;
    if ((flags & O_TRUNC) && acc != O_RDONLY &&
        ((rc = writable(n.mnt, n.mnt->ops->truncate)) || (rc = n.mnt->ops->truncate(&n, 0))))
        return rc;
    struct vfs_file *f = new_file(dir ? VFS_DIR : VFS_FILE);
    if (!f)
        return -E_NFILE;
    if (n.mnt->ops->hold && (rc = n.mnt->ops->hold(&n))) {
        f->refs = 0;
        return rc;
    }
    f->node = n;
    f->flags = acc;
    f->append = (flags & O_APPEND) != 0;
    *out = f;
    return 0;
}

struct vfs_file *vfs_console(void)
{
    return new_file(VFS_CONSOLE);
}

void vfs_put(struct vfs_file *f)
{
    if (!f || f->refs <= 0 || --f->refs > 0 || f->kind == VFS_CONSOLE)
        return;
    if (f->node.mnt->ops->release)
        f->node.mnt->ops->release(&f->node); /* may free a file removed while open */
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

int vfs_write(struct vfs_file *f, const void *buf, uint32_t len)
{
    if (f->kind != VFS_FILE || f->flags == O_RDONLY)
        return -E_BADF;
    int n = f->node.mnt->ops->write(&f->node, f->append ? VFS_APPEND : f->off, buf, len);
    if (n > 0)
        f->off = f->append ? f->node.size : f->off + (uint32_t)n;
    return n;
}

int vfs_truncate(struct vfs_file *f, uint32_t size)
{
    int rc = writable(f->node.mnt, f->node.mnt->ops->truncate);
    if (rc == 0 && (f->kind != VFS_FILE || f->flags == O_RDONLY))
        rc = -E_BADF;
    return rc ? rc : f->node.mnt->ops->truncate(&f->node, size);
}

int vfs_fsync(struct vfs_file *f)
{
    const struct vfs_mount *m = f->node.mnt;
    return m && m->ops->sync ? m->ops->sync(f->node.mnt) : 0; /* nothing to write back */
}

/* unlink, rmdir and mkdir: one path, one operation of its mount. */
static int path_op(const char *path, int which, uint32_t mode)
{
    char rel[PATH_MAX_LEN];
    struct vfs_mount *m = resolve(path, rel);
    if (!m)
        return -E_NOENT;
    const struct vfs_ops *o = m->ops;
    const void *op = which == 0   ? (const void *)o->unlink
                     : which == 1 ? (const void *)o->rmdir
                                  : (const void *)o->mkdir;
    struct vfs_node n;
    int rc = writable(m, op), exists = vfs_lookup(path, &n) == 0;
    if (rc)
        return which == 2 || exists ? rc : -E_NOENT;
    if (which == 1 && vfs_mount_at(path))
        return -E_BUSY; /* a mount point: something is mounted on it */
    return which == 0 ? o->unlink(m, rel) : which == 1 ? o->rmdir(m, rel) : o->mkdir(m, rel, mode);
}

int vfs_unlink(const char *path)
{
    return path_op(path, 0, 0);
}

int vfs_rmdir(const char *path)
{
    return path_op(path, 1, 0);
}

int vfs_mkdir(const char *path, uint32_t mode)
{
    return path_op(path, 2, mode);
}

int vfs_rename(const char *from, const char *to)
{
    char rf[PATH_MAX_LEN], rt[PATH_MAX_LEN];
    struct vfs_mount *m = resolve(from, rf), *m2 = resolve(to, rt);
    struct vfs_node n;
    if (!m || !m2 || vfs_lookup(from, &n))
        return -E_NOENT;
    if (m != m2)
        return -E_XDEV;
    int rc = writable(m, m->ops->rename);
    return rc ? rc : m->ops->rename(m, rf, rt);
}

/* As many whole struct pvlab_dirent records as fit in len bytes. */
int vfs_getdents(struct vfs_file *f, void *buf, uint32_t len)
{
    if (f->kind != VFS_DIR)
        return -E_NOTDIR;
    uint32_t used = 0;
    for (;;) {
        char name[256];
        uint32_t type, cookie = f->off;
        int more = f->node.mnt->ops->readdir(&f->node, &cookie, name, sizeof(name), &type);
        if (more < 0)
            return used ? (int)used : more;
        if (!more)
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
    *st = (struct pvlab_stat){.st_ino = n->ino,
                              .st_mode = n->mode,
                              .st_size = n->size,
                              .st_nlink = n->nlink ? n->nlink : 1,
                              .st_mtime = n->mtime};
}

/* ---- cpiofs: the boot archive */

#define CPIOFS_MAX_FILES 256

/* The archive, and an index of its regular files made once at mount time. */
struct cpiofs {
    const void *archive;
    uint32_t len;
    uint32_t nr_files;
    struct bootfs_file files[CPIOFS_MAX_FILES];
};

/* Walk the archive once; a malformed entry ends the index (what came before stays). */
static void index_archive(struct cpiofs *fs)
{
    size_t pos = 0;
    const char *err = NULL;
    while (fs->nr_files < CPIOFS_MAX_FILES &&
           bootfs_next(fs->archive, fs->len, &pos, &fs->files[fs->nr_files], &err) == 1)
        fs->nr_files++;
    if (err || fs->nr_files == CPIOFS_MAX_FILES)
        printf("minios: boot archive: %s; %u files kept\n", err ? err : "too many files",
               fs->nr_files);
}

/* The i-th regular file of the archive; 1, or 0 past the end. */
static int nth_file(const struct cpiofs *fs, uint32_t i, struct bootfs_file *f)
{
    if (i >= fs->nr_files)
        return 0;
    *f = fs->files[i];
    return 1;
}

/* The file stored under path `rel`; 0, or -1. */
static int find_file(const struct cpiofs *fs, const char *rel, struct bootfs_file *f)
{
    size_t n = strlen(rel);
    for (uint32_t i = 0; i < fs->nr_files; i++)
        if (fs->files[i].name_len == n && !memcmp(fs->files[i].name, rel, n)) {
            *f = fs->files[i];
            return 0;
        }
    return -1;
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
    if (*rel && find_file(fs, rel, &f) == 0) {
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

static const struct vfs_ops cpiofs_ops = {
    .lookup = cpiofs_lookup, .read = cpiofs_read, .readdir = cpiofs_readdir};
static struct cpiofs cpiofs_sb;

int cpiofs_mount(const char *path, const void *archive, uint32_t len)
{
    cpiofs_sb.archive = archive, cpiofs_sb.len = len, cpiofs_sb.nr_files = 0;
    index_archive(&cpiofs_sb);
    if (vfs_mount(path, &cpiofs_ops, &cpiofs_sb, 1))
        return -1;
    struct vfs_mount *m = vfs_mount_at(path);
    strlcpy(m->source, "bootfs", sizeof(m->source));
    m->type = "cpio";
    return 0;
}
