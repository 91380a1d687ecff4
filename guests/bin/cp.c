/*
 * cp FROM TO - copy a file's bytes into a new (or emptied) file.  Between
 * file systems too: it reads and writes through the VFS, so the boot archive
 * at /boot can be copied onto the ext2 root.
 */
#include <ulib.h>

/* Copy every byte of fd `in` to fd `out`; 0, or the negative error. */
static int copy(int in, int out)
{
    char buf[4096];
    int n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        for (int done = 0; done < n;) {
            int k = write(out, buf + done, (uint32_t)(n - done));
            if (k <= 0)
                return k < 0 ? k : -E_NOSPC;
            done += k;
        }
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        dprintf(2, "usage: cp FROM TO\n");
        return 2;
    }
    int in = open(argv[1], O_RDONLY);
    if (in < 0) {
        dprintf(2, "cp: %s: %s\n", argv[1], strerror(-in));
        return 1;
    }
    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC);
    if (out < 0) {
        dprintf(2, "cp: %s: %s\n", argv[2], strerror(-out));
        return 1;
    }
    int rc = copy(in, out);
    if (rc < 0)
        dprintf(2, "cp: %s: %s\n", argv[2], strerror(-rc));
    close(in);
    close(out);
    return rc < 0;
}
