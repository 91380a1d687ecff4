/*
 * mount - without arguments, what is mounted where (as Linux's mount prints
 * it); `mount [-r] DEVICE DIR` mounts the ext2 file system on a block device
 * (hda1, xvda ...: see `blk list`) at DIR, and `mount proc DIR` the /proc
 * view (proc/procfs.c), which has no device.
 */
#include <ulib.h>

/* Every mount, one line each: SOURCE on PATH type TYPE (rw|ro). */
static int list(void)
{
    struct pvlab_mountinfo m;
    for (int i = 0; mountinfo(i, &m) == 0; i++)
        printf("%s on %s type %s (%s)\n", m.source, m.path, m.type, m.readonly ? "ro" : "rw");
    return 0;
}

int main(int argc, char **argv)
{
    int ro = argc > 1 && !strcmp(argv[1], "-r");
    if (argc == 1)
        return list();
    if (argc != 3 + ro) {
        dprintf(2, "usage: mount [-r] DEVICE DIR\n");
        return 2;
    }
    int rc = mount(argv[1 + ro], argv[2 + ro], ro ? MS_RDONLY : 0);
    if (rc == -E_NOEXEC)
        dprintf(2, "mount: %s: no ext2 file system on it\n", argv[1 + ro]);
    else if (rc == -E_BUSY)
        dprintf(2, "mount: %s: in use (mounted, or given to a domain), or %s is a mount point\n",
                argv[1 + ro], argv[2 + ro]);
    else if (rc < 0)
        dprintf(2, "mount: %s: %s\n", argv[1 + ro], strerror(-rc));
    return rc < 0;
}
