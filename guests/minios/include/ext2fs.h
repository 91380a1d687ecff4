/*
 * ext2fs.h - ext2 file systems on minios block devices, mounted into the
 * VFS (proc/ext2fs.c over the library in fs/).  dom0 mounts hda2 at `/`, a
 * domU its xvda; `mount DEV DIR` adds more.
 */
#ifndef MINIOS_EXT2FS_H
#define MINIOS_EXT2FS_H

struct blkdev;

/*
 * Mount the ext2 file system on device `devname` at `path` (flags: MS_RDONLY).
 * 0, or -E_NOENT (no such device), -E_BUSY (the device is mounted or given to
 * a domU, or `path` is a mount point), -E_NOEXEC (no ext2 on it: nothing was
 * written), -E_NOMEM, or the library's error (an unsupported feature, a
 * corrupt superblock: logged).
 */
int ext2fs_mount(const char *devname, const char *path, int flags);

/* Where a device overlapping `dev` is mounted, or NULL: raw writes to it are refused. */
const char *ext2fs_holder(struct blkdev *dev);

/* /proc/bcache: each mount's buffer cache (size, hits, misses, reads, writes, evictions, dirty
 * buffers, orphan inodes) as text in buf; the length written. */
uint32_t ext2fs_cache_report(char *buf, uint32_t cap);

/* Before the domain stops: write every mount back and mark it clean.  0, or the first error. */
int ext2fs_shutdown(void);

#endif
