/*
 * df - each mount's size, use and free space in KiB, its inodes, and the
 * buffer cache in front of it (statfs on every mount point).
 */
#include <ulib.h>

/* KiB in `blocks` blocks of `bsize` bytes, without overflowing 32 bits. */
static uint32_t kib(uint32_t blocks, uint32_t bsize)
{
    return (uint32_t)((uint64_t)blocks * bsize / 1024);
}

int main(int argc, char **argv)
{
    struct pvlab_mountinfo m;
    printf("%-8s %10s %10s %10s %8s %8s  %-6s %s\n", "Source", "1K-blocks", "Used", "Avail",
           "Inodes", "IFree", "Cache", "Mounted on");
    for (int i = 0; mountinfo(i, &m) == 0; i++) {
        struct pvlab_statfs st;
        int rc = statfs(m.path, &st);
        if (rc < 0) {
            dprintf(2, "df: %s: %s\n", m.path, strerror(-rc));
            continue;
        }
        char cache[16] = "-";
        if (st.f_cache_blocks)
            snprintf(cache, sizeof(cache), "%uK", kib(st.f_cache_blocks, st.f_bsize));
        printf("%-8s %10u %10u %10u %8u %8u  %-6s %s\n", m.source, kib(st.f_blocks, st.f_bsize),
               kib(st.f_blocks - st.f_bfree, st.f_bsize), kib(st.f_bavail, st.f_bsize), st.f_files,
               st.f_ffree, cache, m.path);
    }
    return 0;
}
