/*
 * bootfs.c - read dom0's boot archive, a cpio "newc" archive in memory.
 *
 * The loader hands dom0 a second multiboot module holding everything
 * xm-lite needs to build domUs: config files under etc/xm/ and the kernels
 * they name under boot/.  The format is the one Linux uses for initramfs,
 * so the usual tools can write and list it (scripts/mkbootfs.py writes ours).
 * Each entry is a 110-byte header of ASCII text, the magic "070701" followed
 * by thirteen 8-digit hex fields (inode, mode, uid, gid, nlink, mtime,
 * filesize, dev major/minor, rdev major/minor, namesize, check), then the
 * name with its NUL (namesize counts it), zero-padded so that header and name
 * end on a 4-byte boundary, then the data, zero-padded to 4 bytes as well.
 * An entry named "TRAILER!!!" ends the archive.
 *
 * Nothing is copied: a file is described by pointers into the archive.  The
 * archive arrives from outside dom0, so every field is checked to be hex,
 * and every offset and size is checked against the archive's length by
 * subtraction, which cannot overflow, before anything at that offset is read.
 */
#include <lib.h>
#include "bootfs.h"

#define NEWC_MAGIC       "070701"
#define NEWC_HEADER_SIZE 110
#define NEWC_TRAILER     "TRAILER!!!"
#define MODE_TYPE_MASK   0170000u
#define MODE_REGULAR     0100000u

/* The thirteen header fields, in order after the magic. */
enum {
    FIELD_INO,
    FIELD_MODE,
    FIELD_UID,
    FIELD_GID,
    FIELD_NLINK,
    FIELD_MTIME,
    FIELD_FILESIZE,
    FIELD_DEVMAJOR,
    FIELD_DEVMINOR,
    FIELD_RDEVMAJOR,
    FIELD_RDEVMINOR,
    FIELD_NAMESIZE,
    FIELD_CHECK,
    NR_FIELDS
};

static int fail(const char **err, const char *why)
{
    if (err)
        *err = why;
    return -1;
}

/* Exactly 8 hex digits, as newc writes them. */
static int parse_hex8(const unsigned char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        unsigned char c = s[i];
        unsigned int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

/*
 * `size` bytes at offset `off`, then zeros up to a multiple of 4: if they all
 * lie within len, sets *next to the offset after them and returns 0.
 */
static int span(size_t off, size_t size, size_t len, size_t *next)
{
    if (off > len || size > len - off)
        return -1;
    size_t end = off + size;
    size_t pad = (4 - end % 4) % 4;
    if (pad > len - end)
        return -1;
    *next = end + pad;
    return 0;
}

/* Archive names and look-up paths alike: "./etc/x" and "/etc/x" mean "etc/x". */
static void strip_leading(const char **name, size_t *len)
{
    for (;;) {
        if (*len >= 1 && (*name)[0] == '/') {
            (*name)++, (*len)--;
        } else if (*len >= 2 && (*name)[0] == '.' && (*name)[1] == '/') {
            *name += 2, *len -= 2;
        } else {
            return;
        }
    }
}

int bootfs_next(const void *archive, size_t len, size_t *pos, struct bootfs_file *f,
                const char **err)
{
    const unsigned char *a = archive;
    for (;;) {
        size_t at = *pos;
        if (at >= len)
            return fail(err, "archive ends without a TRAILER!!! entry");
        if (len - at < NEWC_HEADER_SIZE)
            return fail(err, "truncated entry header");
        if (memcmp(a + at, NEWC_MAGIC, 6) != 0)
            return fail(err, "bad magic (not a cpio newc archive)");
        uint32_t field[NR_FIELDS];
        for (int i = 0; i < NR_FIELDS; i++)
            if (parse_hex8(a + at + 6 + 8 * i, &field[i]))
                return fail(err, "non-hex digit in an entry header");

        size_t name_off = at + NEWC_HEADER_SIZE, name_size = field[FIELD_NAMESIZE];
        if (name_size == 0)
            return fail(err, "entry with a name size of zero");
        if (name_size > len - name_off)
            return fail(err, "entry name runs past the end of the archive");
        const char *name = (const char *)a + name_off;
        if (strnlen(name, name_size) != name_size - 1)
            return fail(err, "entry name is not NUL-terminated where its size says");
        if (name_size == sizeof(NEWC_TRAILER) && memcmp(name, NEWC_TRAILER, name_size) == 0)
            return 0; /* *pos stays here, so every further call ends too */

        size_t data_off, next;
        if (span(name_off, name_size, len, &data_off))
            return fail(err, "entry name runs past the end of the archive");
        if (span(data_off, field[FIELD_FILESIZE], len, &next))
            return fail(err, "file data runs past the end of the archive");
        if ((field[FIELD_MODE] & MODE_TYPE_MASK) != MODE_REGULAR) {
            *pos = next; /* directories, links, devices: nothing to boot */
            continue;
        }
        size_t name_len = name_size - 1;
        strip_leading(&name, &name_len);
        if (name_len == 0)
            return fail(err, "regular file with an empty name");
        f->name = name;
        f->name_len = name_len;
        f->data = a + data_off;
        f->size = field[FIELD_FILESIZE];
        f->mode = field[FIELD_MODE];
        *pos = next;
        return 1;
    }
}

int bootfs_find(const void *archive, size_t len, const char *path, struct bootfs_file *f)
{
    size_t path_len = strlen(path), pos = 0;
    strip_leading(&path, &path_len);
    struct bootfs_file file;
    int r;
    while ((r = bootfs_next(archive, len, &pos, &file, NULL)) == 1) {
        if (file.name_len == path_len && memcmp(file.name, path, path_len) == 0) {
            *f = file;
            return 0;
        }
    }
    return -1;
}
