/* mv FROM TO - rename a file or directory (within one file system). */
#include <ulib.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        printf("usage: mv FROM TO\n");
        return 2;
    }
    int rc = rename(argv[1], argv[2]);
    if (rc < 0)
        dprintf(2, "mv: %s: %s\n", argv[1], strerror(-rc));
    return rc < 0;
}
