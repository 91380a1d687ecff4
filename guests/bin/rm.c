/* rm FILE... - remove files (until ext2 is mounted, every file system refuses: read-only). */
#include <ulib.h>

int main(int argc, char **argv)
{
    int bad = argc < 2;
    for (int i = 1; i < argc; i++) {
        int rc = unlink(argv[i]);
        if (rc < 0) {
            printf("rm: %s: %s\n", argv[i], strerror(-rc));
            bad = 1;
        }
    }
    return bad;
}
