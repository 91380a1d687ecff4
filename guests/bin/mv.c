/*
 * mv FROM TO - rename a file or directory (within one file system); a TO that
 * is a directory receives FROM under its own name, as Linux's mv.
 */
#include <ulib.h>

int main(int argc, char **argv)
{
    char target[PATH_MAX_LEN];
    struct pvlab_stat st;
    if (argc != 3) {
        dprintf(2, "usage: mv FROM TO\n");
        return 2;
    }
    strlcpy(target, argv[2], sizeof(target));
    if (stat(argv[2], &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR) {
        const char *base = argv[1];
        for (const char *c = argv[1]; *c; c++)
            if (*c == '/' && c[1])
                base = c + 1;
        snprintf(target, sizeof(target), "%s/%s", argv[2], base);
    }
    int rc = rename(argv[1], target);
    if (rc < 0)
        dprintf(2, "mv: %s: %s\n", argv[1], strerror(-rc));
    return rc < 0;
}
