/*
 * fuzz_bootfs.c - dom0's boot archive reader (tools/xm-lite/bootfs.c) on
 * arbitrary bytes.
 *
 * The boot archive is a cpio "newc" archive that arrives as a multiboot
 * module; minios's VFS lists it at /boot and the RAM disks are found in it,
 * with bootfs_next() and bootfs_find().  Every file the reader reports must
 * lie inside the archive (name and data), have a non-empty name without a
 * leading "/" or "./", and the walk must end (each step moves forward, or
 * stops for good at the trailer or at an error with a reason).
 * Seeds (tests/fuzz/corpus/bootfs/, from make_seeds.py): small archives as
 * scripts/mkbootfs.py writes them, with a directory, a config file, a kernel
 * stand-in and the trailer.
 */
#include <string.h>

#include "bootfs.h"
#include "fuzz.h"

static void check_file(const uint8_t *a, size_t len, const struct bootfs_file *f)
{
    const uint8_t *name = (const uint8_t *)f->name, *d = f->data;
    FUZZ_CHECK(f->name_len > 0, "a name");
    FUZZ_CHECK(name >= a && f->name_len <= len && (size_t)(name - a) <= len - f->name_len,
               "the name lies inside the archive");
    FUZZ_CHECK(d >= a && f->size <= len && (size_t)(d - a) <= len - f->size,
               "the data lie inside the archive");
    FUZZ_CHECK(name[0] != '/' && !(f->name_len >= 2 && name[0] == '.' && name[1] == '/'),
               "the leading / or ./ is stripped");
    FUZZ_CHECK((f->mode & 0170000u) == 0100000u, "a regular file");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0, last = 0;
    struct bootfs_file f;
    const char *err = NULL;
    int r;
    while ((r = bootfs_next(data, size, &pos, &f, &err)) == 1) {
        check_file(data, size, &f);
        FUZZ_CHECK(pos > last && pos <= size, "the walk moves forward");
        last = pos;
    }
    if (r < 0)
        FUZZ_CHECK(err && strlen(err) > 0, "a refusal says why");
    FUZZ_CHECK(bootfs_next(data, size, &pos, &f, NULL) == r, "the end stays the end");
    if (bootfs_find(data, size, "/etc/xm/domU.cfg", &f) == 0)
        check_file(data, size, &f);
    if (bootfs_find(data, size, "boot/minios.elf", &f) == 0)
        check_file(data, size, &f);
    return 0;
}
