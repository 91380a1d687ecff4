/* mkdir DIR... - make directories. */
#include <ulib.h>

int main(int argc, char **argv)
{
    int bad = argc < 2;
    for (int i = 1; i < argc; i++) {
        int rc = mkdir(argv[i], 0755);
        if (rc < 0) {
            dprintf(2, "mkdir: %s: %s\n", argv[i], strerror(-rc));
            bad = 1;
        }
    }
    return bad;
}
