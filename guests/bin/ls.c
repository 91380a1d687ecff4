/*
 * ls [-l] [PATH...] - list directories (one name a line, '/' after a
 * directory) or name files; without PATH, the working directory.  -l adds the type and permissions,
 * the link count, the size and the modification time, as Linux's ls -l.
 */
#include <ulib.h>

static int long_format;

/* "drwxr-xr-x" from a mode. */
static void mode_string(uint32_t mode, char *s)
{
    const char *rwx = "rwxrwxrwx";
    s[0] = (mode & S_IFMT) == S_IFDIR ? 'd' : (mode & S_IFMT) == S_IFCHR ? 'c' : '-';
    for (int i = 0; i < 9; i++)
        s[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
    s[10] = 0;
}

/* "2027-01-01 00:05" from seconds since 1970 (days to a civil date, as in Hinnant's algorithm). */
static void time_string(uint32_t t, char *s, size_t cap)
{
    int32_t z = (int32_t)(t / 86400) + 719468, era = z / 146097;
    uint32_t doe = (uint32_t)(z - era * 146097);
    uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    uint32_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    uint32_t y = yoe + (uint32_t)era * 400 + (m <= 2);
    snprintf(s, cap, "%04u-%02u-%02u %02u:%02u", y, m, d, t % 86400 / 3600, t % 3600 / 60);
}

/* One line for `name`, whose attributes are st. */
static void show(const char *name, const struct pvlab_stat *st)
{
    int dir = (st->st_mode & S_IFMT) == S_IFDIR;
    if (!long_format) {
        printf("%s%s\n", name, dir ? "/" : "");
        return;
    }
    char mode[12], when[24];
    mode_string(st->st_mode, mode);
    time_string(st->st_mtime, when, sizeof(when));
    printf("%s %3u %9u %s %s%s\n", mode, st->st_nlink, st->st_size, st->st_mtime ? when : "-", name,
           dir ? "/" : "");
}

/* Each entry of directory `path`, stat'ed by its full path for -l. */
static void list_dir(const char *path)
{
    int fd = open(path, O_RDONLY);
    char buf[512], full[PATH_MAX_LEN];
    int n = 0;
    while (fd >= 0 && (n = getdents(fd, buf, sizeof(buf))) > 0)
        for (int off = 0; off < n;) {
            const struct pvlab_dirent *d = (const struct pvlab_dirent *)(buf + off);
            struct pvlab_stat st = {.st_mode = d->d_type == DT_DIR ? S_IFDIR : S_IFREG};
            snprintf(full, sizeof(full), "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
                     d->d_name);
            if (long_format)
                stat(full, &st);
            show(d->d_name, &st);
            off += d->d_reclen;
        }
    if (fd >= 0 && n < 0)
        dprintf(2, "ls: %s: %s\n", path, strerror(-n));
    close(fd);
}

static int list(const char *path)
{
    struct pvlab_stat st;
    int rc = stat(path, &st);
    if (rc < 0) {
        dprintf(2, "ls: %s: %s\n", path, strerror(-rc));
        return 1;
    }
    if ((st.st_mode & S_IFMT) == S_IFDIR)
        list_dir(path);
    else if (long_format)
        show(path, &st);
    else
        printf("%s  %u bytes\n", path, st.st_size);
    return 0;
}

int main(int argc, char **argv)
{
    int bad = 0, first = 1;
    if (argc > 1 && !strcmp(argv[1], "-l"))
        long_format = 1, first = 2;
    if (argc == first)
        return list(".");
    for (int i = first; i < argc; i++)
        bad |= list(argv[i]);
    return bad;
}
