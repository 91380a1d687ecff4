/* ls - list directories (one name a line, '/' after a directory) or name files. */
#include <ulib.h>

static int list(const char *path)
{
    struct pvlab_stat st;
    int rc = stat(path, &st);
    if (rc < 0) {
        printf("ls: %s: %s\n", path, strerror(-rc));
        return 1;
    }
    if ((st.st_mode & S_IFMT) != S_IFDIR) {
        printf("%s  %u bytes\n", path, st.st_size);
        return 0;
    }
    int fd = open(path, O_RDONLY);
    char buf[512];
    int n;
    while (fd >= 0 && (n = getdents(fd, buf, sizeof(buf))) > 0)
        for (int off = 0; off < n;) {
            const struct pvlab_dirent *d = (const struct pvlab_dirent *)(buf + off);
            printf("%s%s\n", d->d_name, d->d_type == DT_DIR ? "/" : "");
            off += d->d_reclen;
        }
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    int bad = 0;
    if (argc == 1)
        return list("/");
    for (int i = 1; i < argc; i++)
        bad |= list(argv[i]);
    return bad;
}
