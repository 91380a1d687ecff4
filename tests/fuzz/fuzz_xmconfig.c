/*
 * fuzz_xmconfig.c - xm-lite's config file parser (tools/xm-lite/xmconfig.c)
 * on arbitrary bytes.
 *
 * Config files come from the boot archive, so xm_config_parse() takes any
 * bytes, not NUL-terminated.  The text is handed over in a buffer of exactly
 * its size and the error message goes to a heap buffer of exactly errlen
 * bytes, so any overread or overflow is caught.  A refusal must be one
 * NUL-terminated, printable line naming the file; an accepted config must
 * have a name and a kernel, memory within 4..900 MiB, one vCPU, and at most
 * XM_MAX_DISKS terminated disk strings.
 * Seeds (tests/fuzz/corpus/xmconfig/): the configs of tools/xm-lite/etc/ at
 * the time of writing, a few more with lists, comments and hex numbers, and
 * some that each break one rule.
 */
#include <string.h>

#include "xmconfig.h"
#include "fuzz.h"

#define ERRLEN 96

static void check_string(const char *s, size_t cap, const char *what)
{
    FUZZ_CHECK(memchr(s, 0, cap) != NULL, what);
}

static void check_accepted(const struct xm_config *c)
{
    check_string(c->name, sizeof(c->name), "name terminated");
    check_string(c->kernel, sizeof(c->kernel), "kernel terminated");
    check_string(c->extra, sizeof(c->extra), "extra terminated");
    FUZZ_CHECK(c->name[0] && c->kernel[0], "name and kernel given");
    FUZZ_CHECK(c->memory_mb >= XM_MIN_MEMORY_MB && c->memory_mb <= XM_MAX_MEMORY_MB, "memory");
    FUZZ_CHECK(c->vcpus == 1, "one vCPU");
    FUZZ_CHECK(c->nr_disks <= XM_MAX_DISKS, "disk count");
    for (unsigned int i = 0; i < c->nr_disks; i++)
        check_string(c->disk[i], XM_DISK_LEN, "disk terminated");
}

static void check_refusal(const char *err)
{
    size_t n = strnlen(err, ERRLEN);
    FUZZ_CHECK(n < ERRLEN, "the message is terminated");
    FUZZ_CHECK(strncmp(err, "fuzz.cfg", 8) == 0, "the message names the file");
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(err[i] >= 0x20 && err[i] < 0x7f, "the message is printable, on one line");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xm_config cfg;
    char *err = malloc(ERRLEN);
    FUZZ_CHECK(err != NULL, "out of memory");
    if (xm_config_parse("fuzz.cfg", (const char *)data, size, &cfg, err, ERRLEN) == 0)
        check_accepted(&cfg);
    else
        check_refusal(err);
    free(err);
    return 0;
}
