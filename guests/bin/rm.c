/* rm FILE... - remove files (directories: rmdir). */
#include <ulib.h>

int main(int argc, char **argv)
{
    int bad = argc < 2;
    for (int i = 1; i < argc; i++) {
        int rc = unlink(argv[i]);
        if (rc < 0) {
            dprintf(2, "rm: %s: %s\n", argv[i], strerror(-rc));
            bad = 1;
        }
    }
    return bad;
}
