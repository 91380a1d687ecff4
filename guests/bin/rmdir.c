/* rmdir DIR... - remove empty directories. */
#include <ulib.h>

int main(int argc, char **argv)
{
    int bad = argc < 2;
    for (int i = 1; i < argc; i++) {
        int rc = rmdir(argv[i]);
        if (rc < 0) {
            dprintf(2, "rmdir: %s: %s\n", argv[i], strerror(-rc));
            bad = 1;
        }
    }
    return bad;
}
