/*
 * ext2fs.c - ext2 on a minios block device, as a file system of the VFS.
 *
 * The ext2 library in fs/ knows nothing of minios: it reads and writes
 * sectors through a `struct fs_disk` and names files by inode number.  This
 * file is the glue on both sides.  Below, a three-function adapter turns a
 * struct blkdev (dom0's hda2 through ide.c, a domU's xvda through blkfront)
 * into a struct fs_disk.  Above, struct vfs_ops turns the VFS's paths
 * (relative to the mount point) into the library's (directory inode, name)
 * pairs, walking the path with ext2_namei().
 *
 * The library is not reentrant, and neither needs to be: minios's kernel is
 * never preempted (sched.c) and a disk transfer waits with the domain blocked,
 * not by switching process, so one VFS call runs at a time.  enter() checks
 * that loudly instead of trusting it.
 *
 * Every mount gets a buffer cache of EXT2FS_CACHE_KIB (or `fscache=KIB` on
 * the domain's command line), carved from contiguous pages at the first mount
 * and printed in the mount's log line, so the lab can name it.  The cache is write-back: a block
 * reaches the disk when it is evicted, at sync (`sync`, fsync(), vfs_periodic() every few seconds,
 * `halt`), or at unmount, which also marks the file system clean for e2fsck.
 *
 * A device is mounted only if nothing else holds it: not another mount of
 * an overlapping device, not a domU through blkback (blkback_holder()); and
 * blkback and `blk write` ask ext2fs_holder() before touching a device raw.
 * A device without the ext2 magic is refused before the library sees it, so
 * a raw partition (the block tests') is only read, never written.
 *
 * Tour 56/58 - after fs/ext2_namei.c, before bench.c.
 */
#include <os.h>
#include <blkback.h>
#include <blkdev.h>
#include <cmdline.h>
#include <ext2fs.h>
#include <vfs.h>
#include "../fs/ext2.h"

#define EXT2FS_MAX_MOUNTS 3
#define EXT2FS_CACHE_KIB  1024 /* the default; fscache=KIB on the command line */
#define EXT2FS_CACHE_MIN  64
#define EXT2FS_CACHE_MAX  16384
#define EXT2_SB_MTIME     (1024 + 44) /* superblock fields read before mounting */
#define EXT2_SB_WTIME     (1024 + 48)
#define EXT2_MAGIC_OFFSET (1024 + 56)

struct ext2fs_mount {
    int in_use, busy;
    int changed;    /* written since the last sync */
    uint32_t epoch; /* the image's last mount or write time: the clock starts there */
    struct blkdev *dev;
    struct fs_disk disk;
    struct ext2_fs fs;
    void *cache;
    uint32_t cache_kib;
    uint8_t *bounce; /* one page, for transfers the library asks into unaligned memory */
    char path[PATH_MAX_LEN];
};

static struct ext2fs_mount ext2fs_mounts[EXT2FS_MAX_MOUNTS];

/* ---- the disk under the file system */

/*
 * blkfront grants whole pages, so it takes page-aligned buffers only.  The
 * cache's blocks are; the library's one other transfer (the superblock, read
 * into struct ext2_fs at mount) goes through the mount's bounce page.
 */
static int transfer(struct fs_disk *d, uint64_t sector, uint32_t count, void *buf, int write)
{
    struct ext2fs_mount *em = d->priv;
    if (((uint32_t)buf & (PAGE_SIZE - 1)) == 0)
        return (write ? blkdev_write(em->dev, sector, count, buf)
                      : blkdev_read(em->dev, sector, count, buf))
                   ? -E_IO
                   : 0;
    for (uint32_t done = 0; done < count;) {
        uint32_t k = MIN(count - done, PAGE_SIZE / SECTOR_SIZE);
        uint8_t *part = (uint8_t *)buf + done * SECTOR_SIZE;
        if (write)
            memcpy(em->bounce, part, k * SECTOR_SIZE);
        if (write ? blkdev_write(em->dev, sector + done, k, em->bounce)
                  : blkdev_read(em->dev, sector + done, k, em->bounce))
            return -E_IO;
        if (!write)
            memcpy(part, em->bounce, k * SECTOR_SIZE);
        done += k;
    }
    return 0;
}

/* struct fs_disk's read: sectors of the mount's device into buf; 0 or -E_IO. */
static int disk_read(struct fs_disk *d, uint64_t sector, uint32_t count, void *buf)
{
    return transfer(d, sector, count, buf, 0);
}

/* struct fs_disk's write: buf to sectors of the mount's device; 0 or -E_IO. */
static int disk_write(struct fs_disk *d, uint64_t sector, uint32_t count, const void *buf)
{
    return transfer(d, sector, count, (void *)buf, 1);
}

/* struct fs_disk's write_many: a batch of the cache's blocks to the mount's device in one call,
 * so blkfront can merge neighbours and send them together; 0 or -E_IO.  Blocks that are not
 * page-aligned (1 KiB ones) go one by one through transfer(). */
static int disk_write_many(struct fs_disk *d, const struct fs_io *io, uint32_t n)
{
    struct ext2fs_mount *em = d->priv;
    struct blkdev_io b[64];
    int rc = 0;
    for (uint32_t done = 0; done < n && !rc;) {
        uint32_t k = 0;
        for (; done + k < n && k < ARRAY_SIZE(b); k++) {
            const struct fs_io *x = &io[done + k];
            if ((uint32_t)x->buf & (PAGE_SIZE - 1))
                break;
            b[k] = (struct blkdev_io){x->sector, x->count, x->buf};
        }
        if (!k) { /* a block that is not page-aligned: alone, through the bounce page */
            rc = disk_write(d, io[done].sector, io[done].count, io[done].buf);
            k = 1;
        } else if (blkdev_write_many(em->dev, b, k)) {
            rc = -E_IO;
        }
        done += k;
    }
    return rc;
}

/* struct fs_disk's flush: the device's write cache to the medium; 0 or -E_IO. */
static int disk_flush(struct fs_disk *d)
{
    struct ext2fs_mount *em = d->priv;
    return blkdev_flush(em->dev) ? -E_IO : 0;
}

/*
 * Seconds since 1970 for the library's timestamps.  The guests have no wall
 * clock, so time starts from the last time the image was mounted or written
 * (by mke2fs on the host, or an earlier boot) and runs with the guest's clock:
 * times only move forward, and e2fsck on the host sees none in the future.
 */
static uint32_t clock_now(void *ctx)
{
    const struct ext2fs_mount *em = ctx;
    return em->epoch + (uint32_t)(monotonic_ns() / 1000000000u);
}

/* The library's log lines go to the console as they are. */
static void log_line(void *ctx, const char *msg)
{
    printf("%s\n", msg);
}

/* ---- one call at a time */

/* The mount's state, marked busy; a second caller while busy is a bug in the kernel. */
static struct ext2fs_mount *enter(const struct vfs_mount *m)
{
    struct ext2fs_mount *em = m->sb;
    if (em->busy)
        crash("ext2fs: the ext2 code was re-entered");
    em->busy = 1;
    return em;
}

/* End a call; a change (`wrote`) and no error leaves something for sync to write. */
static int leave(struct ext2fs_mount *em, int rc, int wrote)
{
    if (wrote && rc >= 0)
        em->changed = 1;
    em->busy = 0;
    return rc;
}

/* ---- paths inside the mount */

/* Split rel ("a/b/c") into the inode of its directory ("a/b") and its last name ("c"). */
static int parent_of(struct ext2fs_mount *em, const char *rel, uint32_t *dir, char *name)
{
    const char *slash = NULL;
    for (const char *c = rel; *c; c++)
        if (*c == '/')
            slash = c;
    const char *last = slash ? slash + 1 : rel;
    char dpath[PATH_MAX_LEN];
    if (!*last)
        return -E_EXIST; /* the mount's root itself */
    if (strlen(last) > EXT2_NAME_LEN)
        return -E_NAMETOOLONG;
    strlcpy(name, last, EXT2_NAME_LEN + 1);
    strlcpy(dpath, rel, slash ? (size_t)(slash - rel) + 1 : 1);
    int rc = ext2_namei(&em->fs, dpath, dir);
    struct ext2_stat st;
    if (rc == 0 && (rc = ext2_stat(&em->fs, *dir, &st)) == 0 && (st.mode & S_IFMT) != S_IFDIR)
        rc = -E_NOTDIR;
    return rc;
}

/* Fill n from inode ino. */
static int fill_node(struct ext2fs_mount *em, uint32_t ino, struct vfs_node *n)
{
    struct ext2_stat st;
    int rc = ext2_stat(&em->fs, ino, &st);
    if (rc)
        return rc;
    if (st.size > 0xFFFFFFFFull)
        return -E_FBIG;
    n->ino = ino, n->mode = st.mode, n->size = (uint32_t)st.size;
    n->nlink = st.links, n->mtime = st.mtime;
    return 0;
}

/* ---- struct vfs_ops */

/* The inode `rel` names, walked from the root of the mount. */
static int ext2fs_lookup(struct vfs_mount *m, const char *rel, struct vfs_node *n)
{
    struct ext2fs_mount *em = enter(m);
    uint32_t ino;
    int rc = ext2_namei(&em->fs, rel, &ino);
    if (rc == 0)
        rc = fill_node(em, ino, n);
    return leave(em, rc, 0);
}

/* Up to len bytes of the file at off; the count, 0 at the end. */
static int ext2fs_read(const struct vfs_node *n, uint32_t off, void *buf, uint32_t len)
{
    struct ext2fs_mount *em = enter(n->mnt);
    return leave(em, ext2_read(&em->fs, n->ino, off, buf, len), 0);
}

/* Names past *cookie (a byte position in the directory); "." and ".." are left out, as cpiofs.
 * 1, 0 at the end, or a negative error. */
static int ext2fs_readdir(const struct vfs_node *dir, uint32_t *cookie, char *name, uint32_t cap,
                          uint32_t *type)
{
    struct ext2fs_mount *em = enter(dir->mnt);
    struct ext2_dirent_info e;
    uint64_t pos = *cookie;
    int rc;
    while ((rc = ext2_readdir(&em->fs, dir->ino, &pos, &e)) == 1 &&
           (!strcmp(e.name, ".") || !strcmp(e.name, "..") || e.name_len + 1u > cap))
        ;
    if (rc == 1) {
        strlcpy(name, e.name, cap);
        *type = e.file_type == EXT2_FT_DIR ? DT_DIR : DT_REG;
        *cookie = (uint32_t)pos;
    }
    return leave(em, rc, 0); /* 1, 0 at the end, or -E_IO for a corrupt directory */
}

/* len bytes at off (VFS_APPEND: at the end); the count, short on a full disk; n->size grows. */
static int ext2fs_write(struct vfs_node *n, uint32_t off, const void *buf, uint32_t len)
{
    struct ext2fs_mount *em = enter(n->mnt);
    struct ext2_stat st;
    int rc = ext2_stat(&em->fs, n->ino, &st); /* another descriptor may have grown it */
    if (rc == 0) {
        uint64_t at = off == VFS_APPEND ? st.size : off;
        if (at + len > 0xFFFFFFFFull)
            rc = -E_FBIG;
        else if ((rc = ext2_write(&em->fs, n->ino, at, buf, len)) > 0)
            n->size = (uint32_t)MAX(st.size, at + (uint32_t)rc);
    }
    return leave(em, rc, 1);
}

/* Cut or extend (with a hole) the file to `size` bytes. */
static int ext2fs_truncate(struct vfs_node *n, uint32_t size)
{
    struct ext2fs_mount *em = enter(n->mnt);
    int rc = ext2_truncate(&em->fs, n->ino, size);
    if (rc == 0)
        n->size = size;
    return leave(em, rc, 1);
}

/* A new empty file `rel` (its directory must exist), filled into *n. */
static int ext2fs_create(struct vfs_mount *m, const char *rel, uint32_t mode, struct vfs_node *n)
{
    struct ext2fs_mount *em = enter(m);
    char name[EXT2_NAME_LEN + 1];
    uint32_t dir, ino;
    int rc = parent_of(em, rel, &dir, name);
    if (rc == 0 && (rc = ext2_create(&em->fs, dir, name, (uint16_t)(mode & 07777), &ino)) == 0)
        rc = fill_node(em, ino, n);
    return leave(em, rc, 1);
}

/* A new directory `rel`. */
static int ext2fs_mkdir(struct vfs_mount *m, const char *rel, uint32_t mode)
{
    struct ext2fs_mount *em = enter(m);
    char name[EXT2_NAME_LEN + 1];
    uint32_t dir, ino;
    int rc = parent_of(em, rel, &dir, name);
    if (rc == 0)
        rc = ext2_mkdir(&em->fs, dir, name, (uint16_t)(mode & 07777), &ino);
    return leave(em, rc, 1);
}

/* unlink and rmdir: the same walk, a different last step. */
static int remove_name(struct vfs_mount *m, const char *rel, int is_dir)
{
    struct ext2fs_mount *em = enter(m);
    char name[EXT2_NAME_LEN + 1];
    uint32_t dir;
    int rc = parent_of(em, rel, &dir, name);
    if (rc == -E_EXIST) /* the root of the mount */
        rc = -E_BUSY;
    if (rc == 0)
        rc = is_dir ? ext2_rmdir(&em->fs, dir, name) : ext2_unlink(&em->fs, dir, name);
    return leave(em, rc, 1);
}

/* Remove the file `rel` (-E_ISDIR for a directory). */
static int ext2fs_unlink(struct vfs_mount *m, const char *rel)
{
    return remove_name(m, rel, 0);
}

/* Remove the empty directory `rel`. */
static int ext2fs_rmdir(struct vfs_mount *m, const char *rel)
{
    return remove_name(m, rel, 1);
}

/* Move `from` to `to` inside the mount, replacing a file of that name. */
static int ext2fs_rename(struct vfs_mount *m, const char *from, const char *to)
{
    struct ext2fs_mount *em = enter(m);
    char oname[EXT2_NAME_LEN + 1], nname[EXT2_NAME_LEN + 1];
    uint32_t odir, ndir;
    int rc = parent_of(em, from, &odir, oname);
    if (rc == 0)
        rc = parent_of(em, to, &ndir, nname);
    if (rc == -E_EXIST) /* one of them is the root of the mount */
        rc = -E_BUSY;
    else if (rc == 0)
        rc = ext2_rename(&em->fs, odir, oname, ndir, nname);
    return leave(em, rc, 1);
}

/* Nothing to do unless something changed since the last sync. */
static int ext2fs_sync(struct vfs_mount *m)
{
    struct ext2fs_mount *em = enter(m);
    int rc = em->changed ? ext2_sync(&em->fs) : 0;
    if (rc == 0)
        em->changed = 0;
    return leave(em, rc, 0);
}

/* df's numbers: blocks, inodes and the buffer cache. */
static int ext2fs_statfs(struct vfs_mount *m, struct pvlab_statfs *out)
{
    struct ext2fs_mount *em = enter(m);
    struct ext2_statfs st;
    int rc = ext2_statfs(&em->fs, &st);
    if (rc == 0)
        *out = (struct pvlab_statfs){.f_bsize = st.block_size,
                                     .f_blocks = st.blocks,
                                     .f_bfree = st.free_blocks,
                                     .f_bavail = st.avail_blocks,
                                     .f_files = st.inodes,
                                     .f_ffree = st.free_inodes,
                                     .f_cache_blocks = st.cache_buffers,
                                     .f_readonly = (uint32_t)st.readonly};
    return leave(em, rc, 0);
}

/* An open file on n begins: the library keeps the inode if its last name goes meanwhile. */
static int ext2fs_hold(struct vfs_node *n)
{
    struct ext2fs_mount *em = enter(n->mnt);
    return leave(em, ext2_hold(&em->fs, n->ino), 0);
}

/* The last reference to an open file on n went: an inode with no name left is freed now. */
static void ext2fs_release(struct vfs_node *n)
{
    struct ext2fs_mount *em = enter(n->mnt);
    int rc = ext2_release(&em->fs, n->ino);
    if (rc)
        printf("ext2: %s: freeing inode %u, removed while open: error %d\n", em->dev->name, n->ino,
               rc);
    leave(em, rc, 1);
}

/* Write everything back, mark the file system clean and free the slot (the VFS checked no file
 * is open). */
static int ext2fs_unmount(struct vfs_mount *m)
{
    struct ext2fs_mount *em = enter(m);
    int rc = ext2_unmount(&em->fs);
    if (rc == 0) {
        em->in_use = 0;
        printf("ext2: %s unmounted from %s (clean)\n", em->dev->name, em->path);
    }
    return leave(em, rc, 0);
}

static const struct vfs_ops ext2fs_ops = {
    .lookup = ext2fs_lookup,
    .read = ext2fs_read,
    .readdir = ext2fs_readdir,
    .write = ext2fs_write,
    .truncate = ext2fs_truncate,
    .create = ext2fs_create,
    .mkdir = ext2fs_mkdir,
    .unlink = ext2fs_unlink,
    .rmdir = ext2fs_rmdir,
    .rename = ext2fs_rename,
    .sync = ext2fs_sync,
    .statfs = ext2fs_statfs,
    .unmount = ext2fs_unmount,
    .hold = ext2fs_hold,
    .release = ext2fs_release,
};

/* ---- mounting */

/* ext2fs.h: where an overlapping device is mounted, or NULL. */
const char *ext2fs_holder(struct blkdev *dev)
{
    for (int i = 0; i < EXT2FS_MAX_MOUNTS; i++)
        if (ext2fs_mounts[i].in_use && blkdev_overlaps(ext2fs_mounts[i].dev, dev))
            return ext2fs_mounts[i].path;
    return NULL;
}

/* The cache size in KiB: fscache=KIB from the command line, within bounds, or the default. */
static uint32_t cache_kib(void)
{
    char value[12];
    if (!cmdline_value("fscache=", value, sizeof(value)))
        return EXT2FS_CACHE_KIB;
    uint32_t kib = strtoul(value, NULL, 10);
    return ROUNDUP(MIN(MAX(kib, EXT2FS_CACHE_MIN), EXT2FS_CACHE_MAX), 4);
}

/* A free slot with its cache pages (carved once, kept across unmounts), or NULL. */
static struct ext2fs_mount *free_slot(void)
{
    for (int i = 0; i < EXT2FS_MAX_MOUNTS; i++) {
        struct ext2fs_mount *em = &ext2fs_mounts[i];
        if (em->in_use)
            continue;
        if (!em->cache)
            em->cache_kib = cache_kib(), em->cache = alloc_pages(em->cache_kib / 4);
        if (!em->bounce)
            em->bounce = alloc_page();
        return em->cache && em->bounce ? em : NULL;
    }
    return NULL;
}

/*
 * Does the device carry the ext2 magic?  Read into the (page-aligned) cache,
 * as blkfront needs; *epoch gets the later of the last mount and write times.
 */
static int has_ext2_magic(struct blkdev *dev, uint8_t *page, uint32_t *epoch)
{
    uint16_t magic;
    uint32_t mtime, wtime;
    if (dev->sectors < 4 || blkdev_read(dev, EXT2_MAGIC_OFFSET / SECTOR_SIZE, 1, page))
        return 0;
    memcpy(&magic, page + EXT2_MAGIC_OFFSET % SECTOR_SIZE, 2);
    memcpy(&mtime, page + EXT2_SB_MTIME % SECTOR_SIZE, 4);
    memcpy(&wtime, page + EXT2_SB_WTIME % SECTOR_SIZE, 4);
    *epoch = MAX(mtime, wtime);
    return magic == EXT2_MAGIC;
}

/* Log the mount and its buffer cache, the figure the lab reports. */
static void announce(struct ext2fs_mount *em)
{
    struct ext2_statfs st;
    ext2_statfs(&em->fs, &st);
    printf("ext2: %s mounted at %s (%s, %u-byte blocks, %u MiB, %u free), "
           "buffer cache %u blocks = %u KiB\n",
           em->dev->name, em->path, st.readonly ? "read-only" : "read-write", st.block_size,
           (uint32_t)((uint64_t)st.blocks * st.block_size >> 20), st.free_blocks, st.cache_buffers,
           st.cache_buffers * st.block_size / 1024);
}

/* ext2fs.h: check, probe, mount the library, then enter the VFS's table. */
int ext2fs_mount(const char *devname, const char *path, int flags)
{
    struct blkdev *dev = blkdev_find(devname);
    const char *holder;
    if (!dev)
        return -E_NOENT;
    if ((holder = ext2fs_holder(dev)) || (holder = blkback_holder(dev)))
        return -E_BUSY;
    if (vfs_mount_at(path))
        return -E_BUSY;
    struct ext2fs_mount *em = free_slot();
    if (!em)
        return -E_NOMEM;
    if (!has_ext2_magic(dev, em->cache, &em->epoch))
        return -E_NOEXEC;
    em->dev = dev, em->changed = 0, em->busy = 0;
    em->disk = (struct fs_disk){.priv = em,
                                .sectors = dev->sectors,
                                .read = disk_read,
                                .write = disk_write,
                                .flush = disk_flush,
                                .write_many = disk_write_many};
    struct ext2_env env = {.ctx = em, .now = clock_now, .log = log_line};
    int ro = (flags & MS_RDONLY) || dev->readonly;
    int rc = ext2_mount(&em->fs, &em->disk, em->cache, em->cache_kib * 1024u, &env,
                        ro ? EXT2_MOUNT_RDONLY : 0);
    if (rc)
        return rc;
    if ((rc = vfs_mount(path, &ext2fs_ops, em, em->fs.readonly)) != 0) {
        ext2_unmount(&em->fs);
        return rc;
    }
    struct vfs_mount *m = vfs_mount_at(path);
    strlcpy(m->source, dev->name, sizeof(m->source));
    m->type = "ext2";
    strlcpy(em->path, m->path, sizeof(em->path));
    em->in_use = 1;
    announce(em);
    return 0;
}

/* ext2fs.h: /proc/bcache's text, one line per mount under a header; its length. */
uint32_t ext2fs_cache_report(char *buf, uint32_t cap)
{
    int n = snprintf(buf, cap, "%-6s %-8s %5s %7s %9s %9s %9s %9s %9s %6s %7s\n", "device", "mount",
                     "block", "buffers", "hits", "misses", "reads", "writes", "evicted", "dirty",
                     "orphans");
    uint32_t used = (uint32_t)MAX(n, 0);
    for (int i = 0; i < EXT2FS_MAX_MOUNTS && used < cap; i++) {
        struct ext2fs_mount *em = &ext2fs_mounts[i];
        if (!em->in_use)
            continue;
        const struct bcache *c = &em->fs.cache;
        n = snprintf(buf + used, cap - used, "%-6s %-8s %5u %7u %9u %9u %9u %9u %9u %6u %7u\n",
                     em->dev->name, em->path, c->block_size, c->nbuf, (uint32_t)c->stats.hits,
                     (uint32_t)c->stats.misses, (uint32_t)c->stats.reads, (uint32_t)c->stats.writes,
                     (uint32_t)c->stats.evictions, c->ndirty, ext2_orphans(&em->fs));
        used += (uint32_t)MAX(n, 0);
    }
    return MIN(used, cap - 1);
}

/* ext2fs.h: every mount written back and marked clean, before the domain stops. */
int ext2fs_shutdown(void)
{
    int first = 0;
    for (int i = 0; i < EXT2FS_MAX_MOUNTS; i++) {
        struct ext2fs_mount *em = &ext2fs_mounts[i];
        if (!em->in_use)
            continue;
        int rc = ext2_unmount(&em->fs); /* the machine stops next: the VFS can keep its mount */
        printf("ext2: %s: %s\n", em->dev->name, rc ? "write-back failed" : "written back, clean");
        em->in_use = 0;
        first = first ? first : rc;
    }
    return first;
}
