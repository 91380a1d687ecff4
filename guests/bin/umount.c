/* umount DIR - write a mounted file system back, mark it clean and detach it. */
#include <ulib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        dprintf(2, "usage: umount DIR\n");
        return 2;
    }
    int rc = umount(argv[1]);
    if (rc == -E_INVAL)
        dprintf(2, "umount: %s: not a mount point\n", argv[1]);
    else if (rc < 0)
        dprintf(2, "umount: %s: %s\n", argv[1], strerror(-rc));
    return rc < 0;
}
