/* cat - copy files (or the console, without arguments) to the console. */
#include <ulib.h>

static int copy(int fd, const char *name)
{
    char buf[512];
    int n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        write(1, buf, (uint32_t)n);
    if (n < 0)
        dprintf(2, "cat: %s: %s\n", name, strerror(-n));
    return n < 0;
}

int main(int argc, char **argv)
{
    int bad = 0;
    if (argc == 1)
        return copy(0, "stdin");
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            dprintf(2, "cat: %s: %s\n", argv[i], strerror(-fd));
            bad = 1;
            continue;
        }
        bad |= copy(fd, argv[i]);
        close(fd);
    }
    return bad;
}
