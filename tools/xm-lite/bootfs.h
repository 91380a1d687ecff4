/*
 * bootfs.h - dom0's boot archive (bootfs.c): the second multiboot module, a
 * cpio "newc" archive holding domU kernels and config files, such as
 * etc/xm/domU.cfg and boot/minios.elf.  scripts/mkbootfs.py writes one.
 */
#ifndef BOOTFS_H
#define BOOTFS_H

#include <stddef.h>
#include <stdint.h>

/* One regular file; name and data point into the archive (name is not NUL-terminated). */
struct bootfs_file {
    const char *name; /* without a leading "./" or "/" */
    size_t name_len;
    const void *data;
    size_t size;
    uint32_t mode; /* the cpio mode: type bits 0100000 and the permissions */
};

/*
 * Iterate: *pos starts at 0; returns 1 and fills f for the next regular file,
 * 0 at the end (the "TRAILER!!!" entry, where *pos then stays), -1 if the
 * archive is malformed (*err set to a one-line description, *pos left at the
 * entry at fault).  Directories and other non-regular entries are skipped.
 * err may be NULL.
 */
int bootfs_next(const void *archive, size_t len, size_t *pos, struct bootfs_file *f,
                const char **err);

/* Find a file by path (leading "/" optional): the first regular file of that name.
 * Returns 0 and fills f, or -1 (not found or malformed). */
int bootfs_find(const void *archive, size_t len, const char *path, struct bootfs_file *f);

#endif
