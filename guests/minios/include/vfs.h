/*
 * vfs.h - minios's virtual file system (proc/vfs.c): a mount table mapping
 * path prefixes to file systems, and the open files processes hold.  Two file
 * systems sit behind it: the read-only boot archive (cpiofs, in vfs.c),
 * ext2 on a block device (proc/ext2fs.c), which fills in the writing
 * operations, and /proc, with no device at all (proc/procfs.c).
 */
#ifndef MINIOS_VFS_H
#define MINIOS_VFS_H

#include <stdint.h>
#include <public/syscall.h>

struct vfs_mount;

/* A file or directory found by a lookup. */
struct vfs_node {
    struct vfs_mount *mnt;
    uint32_t ino, mode, size;
    uint32_t nlink, mtime;  /* 0 where the file system has none */
    const void *data;       /* cpiofs: the contents, in memory */
    char rel[PATH_MAX_LEN]; /* the path inside the mount, for directories */
};

struct vfs_ops {
    /* Fill *n for `rel` (no leading '/'; "" is the root); 0 or -E_NOENT. */
    int (*lookup)(struct vfs_mount *m, const char *rel, struct vfs_node *n);
    /* Up to len bytes from off; the count (0 at the end). */
    int (*read)(const struct vfs_node *n, uint32_t off, void *buf, uint32_t len);
    /* The directory entry at *cookie (advanced): 1 and its name/type, 0 at the end, or -E_*. */
    int (*readdir)(const struct vfs_node *dir, uint32_t *cookie, char *name, uint32_t cap,
                   uint32_t *type);
    /*
     * Writing: NULL in a read-only file system.  Paths are relative to the
     * mount, as for lookup; each returns 0 (write: the count) or -E_*.
     */
    int (*write)(struct vfs_node *n, uint32_t off, const void *buf, uint32_t len); /* n->size */
    int (*truncate)(struct vfs_node *n, uint32_t size);
    int (*create)(struct vfs_mount *m, const char *rel, uint32_t mode, struct vfs_node *n);
    int (*mkdir)(struct vfs_mount *m, const char *rel, uint32_t mode);
    int (*unlink)(struct vfs_mount *m, const char *rel);
    int (*rmdir)(struct vfs_mount *m, const char *rel);
    int (*rename)(struct vfs_mount *m, const char *from, const char *to);
    int (*sync)(struct vfs_mount *m);
    /* Optional: the sizes `df` shows; the last words of a mount before it goes. */
    int (*statfs)(struct vfs_mount *m, struct pvlab_statfs *st);
    int (*unmount)(struct vfs_mount *m);
    /*
     * Optional: an open file on n begins (hold: 0 or -E_NFILE) and ends
     * (release).  A file removed while held keeps its inode and blocks until
     * its last release: unlink, rmdir and rename never wait for a close.
     */
    int (*hold)(struct vfs_node *n);
    void (*release)(struct vfs_node *n);
};

/* write()'s offset for a file opened with O_APPEND: the end of the file, whatever it is now. */
#define VFS_APPEND 0xFFFFFFFFu

struct vfs_mount {
    char path[PATH_MAX_LEN]; /* "/" or "/boot", without a trailing '/' except for "/" */
    const struct vfs_ops *ops;
    void *sb; /* the file system's own state */
    int readonly;
    char source[16];  /* what `mount` shows: "hda2", "bootfs" */
    const char *type; /* "ext2", "cpio" */
};

enum vfs_kind { VFS_FILE, VFS_DIR, VFS_CONSOLE };

struct vfs_file {
    int refs;
    int flags;  /* open()'s O_ACCMODE */
    int append; /* O_APPEND: every write goes to the end */
    enum vfs_kind kind;
    struct vfs_node node;
    uint32_t off;
};

int vfs_mount(const char *path, const struct vfs_ops *ops, void *sb, int readonly);
/* The mount just made by vfs_mount() at `path` (to name its source and type), or NULL. */
struct vfs_mount *vfs_mount_at(const char *path);
/* Unmount `path`: -E_INVAL if nothing is mounted there, -E_BUSY while files on it are open
 * or another mount lies beneath it. */
int vfs_umount(const char *path);
const struct vfs_mount *vfs_mount_nth(int i); /* the i-th mount in use, or NULL past the end */
int vfs_statfs(const char *path, struct pvlab_statfs *st);
int vfs_sync_all(void);  /* every mount's sync; the first error */
void vfs_periodic(void); /* the scheduler, now and then: write back what is dirty */
struct vfs_file *vfs_dup(struct vfs_file *f); /* another reference, for a child's descriptors */
/*
 * `path` made absolute and normalised into out (PATH_MAX_LEN bytes): read
 * from the directory `cwd` (itself absolute) unless it starts with '/';
 * "", "." and ".." components resolved by name.  0, -E_NOENT for an empty
 * path, or -E_NAMETOOLONG if the result does not fit.
 */
int vfs_abspath(const char *cwd, const char *path, char *out);
int vfs_lookup(const char *path, struct vfs_node *n); /* an absolute path */
int vfs_open(const char *path, int flags, struct vfs_file **f);
struct vfs_file *vfs_console(void); /* a new reference to the console */
void vfs_put(struct vfs_file *f);
int vfs_read(struct vfs_file *f, void *buf, uint32_t len);
int vfs_write(struct vfs_file *f, const void *buf, uint32_t len);
int vfs_truncate(struct vfs_file *f, uint32_t size);
int vfs_fsync(struct vfs_file *f);
int vfs_getdents(struct vfs_file *f, void *buf, uint32_t len);
int vfs_unlink(const char *path);
int vfs_rmdir(const char *path);
int vfs_mkdir(const char *path, uint32_t mode);
int vfs_rename(const char *from, const char *to); /* within one mount, else -E_XDEV */
void vfs_stat(const struct vfs_node *n, struct pvlab_stat *st);
/* The boot archive as a read-only mount at `path`; 0 or -1. */
int cpiofs_mount(const char *path, const void *archive, uint32_t len);
/* /proc (proc/procfs.c): the kernel's state as read-only text files, at `path`; 0 or -E_*. */
int procfs_mount(const char *path);

#endif
