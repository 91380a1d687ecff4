/*
 * blkcmd.c - the shell's `blk` command: look at and exercise block devices.
 *
 *   blk list
 *   blk info DEV
 *   blk read DEV SECTOR                 hex dump of one sector
 *   blk write DEV SECTOR PATTERN [N]    fill N sectors (default 1) in one request
 *   blk verify DEV SECTOR N PATTERN     check N sectors written with PATTERN
 *   blk flush DEV
 *
 * A sector written with PATTERN holds the text "PATTERN@SECTOR " repeated, where
 * SECTOR is its number on DEV, so that data landing in the wrong place is
 * caught, and so a test on the host can compute what the disk image must hold.
 *
 * A device that is mounted, or given to a domU, is never written raw: write,
 * stress and bench refuse it with a message naming its holder.
 */
#include <os.h>
#include <blkback.h>
#include <blkdev.h>
#include <ext2fs.h>

#define MAX_SECTORS 264 /* three of the largest blkif requests (11 segments of 8 sectors) */

static uint8_t buf[MAX_SECTORS * SECTOR_SIZE] __attribute__((aligned(PAGE_SIZE)));

void blk_fill_sector(uint8_t *sec, const char *pattern, uint64_t sector)
{
    char unit[64];
    int n = snprintf(unit, sizeof(unit), "%s@%u ", pattern, (uint32_t)sector);
    for (int i = 0; i < SECTOR_SIZE; i++)
        sec[i] = (uint8_t)unit[i % n];
}

static struct blkdev *dev_arg(const char *name)
{
    struct blkdev *d = blkdev_find(name);
    if (!d)
        printf("blk: no device '%s' (try 'blk list')\n", name);
    return d;
}

static void hexdump(const uint8_t *p)
{
    for (int off = 0; off < SECTOR_SIZE; off += 16) {
        printf("%03x:", off);
        for (int i = 0; i < 16; i++)
            printf(" %02x", p[off + i]);
        printf("  ");
        for (int i = 0; i < 16; i++)
            printf("%c", p[off + i] >= 0x20 && p[off + i] < 0x7F ? p[off + i] : '.');
        printf("\n");
    }
}

static int rw(struct blkdev *d, int write, uint64_t sector, uint32_t n)
{
    int rc = write ? blkdev_write(d, sector, n, buf) : blkdev_read(d, sector, n, buf);
    if (rc)
        printf("blk: %s of %u sectors at %u on %s failed (%d)\n", write ? "write" : "read", n,
               (uint32_t)sector, d->name, rc);
    return rc;
}

static void verify(struct blkdev *d, uint64_t sector, uint32_t count, const char *pattern)
{
    static uint8_t want[SECTOR_SIZE];
    uint32_t bad = 0;
    for (uint32_t done = 0; done < count;) {
        uint32_t n = MIN(count - done, (uint32_t)MAX_SECTORS);
        if (rw(d, 0, sector + done, n))
            return;
        for (uint32_t i = 0; i < n; i++) {
            blk_fill_sector(want, pattern, sector + done + i);
            if (memcmp(want, buf + i * SECTOR_SIZE, SECTOR_SIZE)) {
                if (bad++ < 3)
                    printf("blk: sector %u does not hold '%s'\n", (uint32_t)(sector + done + i),
                           pattern);
            }
        }
        done += n;
    }
    printf("blk: verify %s %u+%u '%s': %s (%u bad)\n", d->name, (uint32_t)sector, count, pattern,
           bad ? "FAILED" : "ok", bad);
}

/* One throughput figure: `nreq` transfers of `per` sectors, sequential or at random places. */
static void bench_one(struct blkdev *d, const char *what, int write, int random, uint32_t nreq,
                      uint32_t per)
{
    uint32_t seed = 12345;
    uint64_t span = d->sectors - d->sectors % per;
    uint64_t t0 = monotonic_ns();
    for (uint32_t i = 0; i < nreq; i++) {
        seed = seed * 1103515245u + 12345u;
        uint64_t s =
            random ? (uint64_t)(seed >> 8) % (span / per) * per : (i * (uint64_t)per) % span;
        if (rw(d, write, s, per))
            return;
    }
    uint64_t ns = monotonic_ns() - t0;
    uint64_t bytes = (uint64_t)nreq * per * SECTOR_SIZE;
    uint64_t kbps = bytes * 1000000ull / ns; /* bytes per ms = KB/s... in MB/s x 1000 */
    printf("BENCH blk %s %s MBps=%u.%03u reqps=%u ns=%u bytes=%u\n", d->name, what,
           (uint32_t)(kbps / 1000), (uint32_t)(kbps % 1000),
           (uint32_t)((uint64_t)nreq * 1000000000ull / ns), (uint32_t)ns, (uint32_t)bytes);
}

void blkfront_print_stats(struct blkdev *d);

static void bench(struct blkdev *d)
{
    memset(buf, 0x5A, sizeof(buf));
    bench_one(d, "seq-write", 1, 0, 96, MAX_SECTORS); /* 12 MiB in 132 KiB transfers */
    bench_one(d, "seq-read", 0, 0, 96, MAX_SECTORS);
    bench_one(d, "rand-write", 1, 1, 1024, 8); /* 4 MiB in 4 KiB pieces at random places */
    bench_one(d, "rand-read", 0, 1, 1024, 8);
    blkfront_print_stats(d);
}

/* 1 (and a message) if d is held: mounted here, or exported to a domU. */
static int held(struct blkdev *d)
{
    const char *where = ext2fs_holder(d), *vdev = where ? NULL : blkback_holder(d);
    if (where)
        printf("blk: %s is mounted at %s; refusing to write it raw\n", d->name, where);
    else if (vdev)
        printf("blk: %s is given to a domU as %s; refusing to write it raw\n", d->name, vdev);
    return where || vdev;
}

void cmd_blk(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "list")) {
        blkdev_list();
        return;
    }
    struct blkdev *d = argc > 2 && strcmp(argv[1], "help") ? dev_arg(argv[2]) : NULL;
    if (!d && argc > 2 && strcmp(argv[1], "help"))
        return;
    const char *op = d ? argv[1] : "help";
    uint64_t sector = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;
    if ((!strcmp(op, "write") || !strcmp(op, "stress") || !strcmp(op, "bench")) && held(d))
        return;
    if (!strcmp(op, "info")) {
        printf("%s: %u sectors of %u bytes (%u MiB)%s, %s\n", d->name, (uint32_t)d->sectors,
               SECTOR_SIZE, (uint32_t)(d->sectors >> 11), d->readonly ? ", read-only" : "",
               d->model);
    } else if (!strcmp(op, "read") && argc > 3) {
        if (rw(d, 0, sector, 1) == 0)
            hexdump(buf);
    } else if (!strcmp(op, "write") && argc > 4) {
        uint32_t n = argc > 5 ? strtoul(argv[5], NULL, 0) : 1;
        if (n == 0 || n > MAX_SECTORS)
            return (void)printf("blk: write 1..%d sectors at a time\n", MAX_SECTORS);
        for (uint32_t i = 0; i < n; i++)
            blk_fill_sector(buf + i * SECTOR_SIZE, argv[4], sector + i);
        if (rw(d, 1, sector, n) == 0)
            printf("blk: wrote %u sectors at %u on %s\n", n, (uint32_t)sector, d->name);
    } else if (!strcmp(op, "verify") && argc > 5) {
        verify(d, sector, strtoul(argv[4], NULL, 0), argv[5]);
    } else if (!strcmp(op, "bench")) {
        bench(d);
    } else if (!strcmp(op, "stress") && argc > 3) {
        uint32_t n = strtoul(argv[3], NULL, 0); /* N writes of 88 sectors, round the disk */
        uint64_t span = d->sectors - d->sectors % 88;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t s = (i * 88ull) % span;
            for (uint32_t k = 0; k < 88; k++)
                blk_fill_sector(buf + k * SECTOR_SIZE, "stress", s + k);
            if (rw(d, 1, s, 88))
                return;
        }
        printf("blk: stress %s: %u writes done\n", d->name, n);
    } else if (!strcmp(op, "flush")) {
        printf("blk: flush %s: %s\n", d->name, blkdev_flush(d) ? "failed" : "ok");
    } else {
        printf("usage: blk list | info DEV | read DEV SECTOR | write DEV SECTOR PATTERN [N] |\n"
               "           verify DEV SECTOR N PATTERN | flush DEV | stress DEV N | bench DEV\n");
    }
}
