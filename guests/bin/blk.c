/*
 * blk - look at and exercise the domain's block devices, raw (SYS_blkdev,
 * guests/minios/proc/sysblk.c):
 *
 *   blk list
 *   blk info DEV
 *   blk read DEV SECTOR                 hex dump of one sector
 *   blk write DEV SECTOR PATTERN [N]    fill N sectors (default 1) in one request
 *   blk verify DEV SECTOR N PATTERN     check N sectors written with PATTERN
 *   blk flush DEV
 *   blk stress DEV N                    N writes of 88 sectors, round the disk
 *   blk bench DEV                       the kernel's throughput benchmark
 *   blk -n OP DEV ...                   the same, through the kernel's own
 *                                       buffer, not the disk's I/O pool
 *
 * A domU disk whose backend keeps a pool of the domU's pages mapped
 * (persistent grants) moves each transfer through pages of that pool, with
 * no grant operation; -n (BLKDEV_NOPOOL) has it go the per-request way.
 *
 * A sector written with PATTERN holds the text "PATTERN@SECTOR " repeated,
 * where SECTOR is its number on DEV, so that data landing in the wrong place
 * is caught, and so a test on the host can compute what the disk image must
 * hold.
 *
 * A device that is mounted, or given to a domU, is never written raw: the
 * kernel refuses, and write, stress and bench say who holds it.
 */
#include <ulib.h>

#define SECTOR_SIZE  512
#define STRESS_WRITE 88 /* sectors: eight blkif requests' worth of 11 */

static uint8_t buf[BLKDEV_MAX_SECTORS * SECTOR_SIZE];
static struct pvlab_blkreq req;
static uint32_t flags; /* every request's: BLKDEV_NOPOOL with -n */

static void fill_sector(uint8_t *sec, const char *pattern, uint32_t sector)
{
    char unit[64];
    int n = snprintf(unit, sizeof(unit), "%s@%u ", pattern, sector);
    for (int i = 0; i < SECTOR_SIZE; i++)
        sec[i] = (uint8_t)unit[i % n];
}

/* The device's description into req.info: 0, or -1 and a message. */
static int find(const char *name)
{
    memset(&req, 0, sizeof(req));
    strlcpy(req.name, name, sizeof(req.name));
    req.flags = flags;
    int rc = blkdev(BLKDEV_INFO, &req);
    if (rc == -E_NOENT)
        return printf("blk: no device '%s' (try 'blk list')\n", name), -1;
    if (rc)
        return printf("blk: %s: %s\n", name, strerror(-rc)), -1;
    return 0;
}

static void list(void)
{
    for (uint32_t i = 0;; i++) {
        memset(&req, 0, sizeof(req));
        req.index = i;
        if (blkdev(BLKDEV_INFO, &req))
            return;
        const struct pvlab_blkinfo *d = &req.info;
        printf("  %-6s %8u sectors (%u MiB)%s  %s\n", d->name, (uint32_t)d->sectors,
               (uint32_t)(d->sectors >> 11), d->readonly ? " ro" : "", d->model);
    }
}

/* 1 (and a message) if the device in req.info is held: mounted here, or exported to a domU. */
static int held(void)
{
    const struct pvlab_blkinfo *d = &req.info;
    if (!d->holder[0])
        return 0;
    if (d->mounted)
        printf("blk: %s is mounted at %s; refusing to write it raw\n", d->name, d->holder);
    else
        printf("blk: %s is given to a domU as %s; refusing to write it raw\n", d->name, d->holder);
    return 1;
}

/* n sectors at `sector` between buf and the device in req: 0, or the error (and a message). */
static int rw(int write, uint32_t sector, uint32_t n)
{
    req.sector = sector, req.count = n, req.buf = (uint32_t)buf;
    int rc = blkdev(write ? BLKDEV_WRITE : BLKDEV_READ, &req);
    if (rc)
        printf("blk: %s of %u sectors at %u on %s failed (%d)\n", write ? "write" : "read", n,
               sector, req.name, rc);
    return rc;
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

static void verify(uint32_t sector, uint32_t count, const char *pattern)
{
    static uint8_t want[SECTOR_SIZE];
    uint32_t bad = 0;
    for (uint32_t done = 0; done < count;) {
        uint32_t n = MIN(count - done, (uint32_t)BLKDEV_MAX_SECTORS);
        if (rw(0, sector + done, n))
            return;
        for (uint32_t i = 0; i < n; i++) {
            fill_sector(want, pattern, sector + done + i);
            if (memcmp(want, buf + i * SECTOR_SIZE, SECTOR_SIZE) && bad++ < 3)
                printf("blk: sector %u does not hold '%s'\n", sector + done + i, pattern);
        }
        done += n;
    }
    printf("blk: verify %s %u+%u '%s': %s (%u bad)\n", req.name, sector, count, pattern,
           bad ? "FAILED" : "ok", bad);
}

static void write_pattern(uint32_t sector, const char *pattern, uint32_t n)
{
    if (n == 0 || n > BLKDEV_MAX_SECTORS)
        return (void)printf("blk: write 1..%d sectors at a time\n", BLKDEV_MAX_SECTORS);
    for (uint32_t i = 0; i < n; i++)
        fill_sector(buf + i * SECTOR_SIZE, pattern, sector + i);
    if (rw(1, sector, n) == 0)
        printf("blk: wrote %u sectors at %u on %s\n", n, sector, req.name);
}

static void stress(uint32_t n)
{
    uint64_t span = req.info.sectors - req.info.sectors % STRESS_WRITE;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = (uint32_t)((i * (uint64_t)STRESS_WRITE) % span);
        for (uint32_t k = 0; k < STRESS_WRITE; k++)
            fill_sector(buf + k * SECTOR_SIZE, "stress", s + k);
        if (rw(1, s, STRESS_WRITE))
            return;
    }
    printf("blk: stress %s: %u writes done\n", req.name, n);
}

static int usage(void)
{
    printf("usage: blk list | [-n] info DEV | read DEV SECTOR | write DEV SECTOR PATTERN [N] |\n"
           "           verify DEV SECTOR N PATTERN | flush DEV | stress DEV N | bench DEV\n"
           "       -n: through the kernel's own buffer, not the disk's I/O pool\n");
    return 1;
}

/* op on the device in req, with the words after DEV. */
static int run(const char *op, int argc, char **argv)
{
    const struct pvlab_blkinfo *d = &req.info;
    uint32_t sector = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;
    int writes = !strcmp(op, "write") || !strcmp(op, "stress") || !strcmp(op, "bench");
    if (writes && held())
        return 1;
    if (!strcmp(op, "info"))
        printf("%s: %u sectors of %u bytes (%u MiB)%s, %s\n", d->name, (uint32_t)d->sectors,
               SECTOR_SIZE, (uint32_t)(d->sectors >> 11), d->readonly ? ", read-only" : "",
               d->model);
    else if (!strcmp(op, "read") && argc > 3)
        return rw(0, sector, 1) ? 1 : (hexdump(buf), 0);
    else if (!strcmp(op, "write") && argc > 4)
        write_pattern(sector, argv[4], argc > 5 ? strtoul(argv[5], NULL, 0) : 1);
    else if (!strcmp(op, "verify") && argc > 5)
        verify(sector, strtoul(argv[4], NULL, 0), argv[5]);
    else if (!strcmp(op, "bench"))
        blkdev(BLKDEV_BENCH, &req);
    else if (!strcmp(op, "stress") && argc > 3)
        stress(sector); /* the word after DEV is the count */
    else if (!strcmp(op, "flush"))
        printf("blk: flush %s: %s\n", d->name, blkdev(BLKDEV_FLUSH, &req) ? "failed" : "ok");
    else
        return usage();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "-n")) {
        flags = BLKDEV_NOPOOL;
        argc--, argv++;
    }
    if (argc < 2 || !strcmp(argv[1], "list")) {
        list();
        return 0;
    }
    if (argc < 3 || !strcmp(argv[1], "help"))
        return usage();
    if (find(argv[2]))
        return 1;
    return run(argv[1], argc, argv);
}
