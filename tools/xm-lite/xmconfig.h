/*
 * xmconfig.h - the domain configuration files xm-lite reads (xmconfig.c).
 *
 * A config file names a kernel in dom0's boot archive and says how big the
 * domain is and which disks it gets, in the Python-like syntax of Xen's xm:
 *
 *     name   = "domU"                # letters, digits, '-', '_', '.'
 *     kernel = "/boot/minios.elf"    # path inside the boot archive
 *     memory = 32                    # MiB, 4..900
 *     disk   = [ 'phy:hda1,xvda,w' ]
 *
 * The parser is pure C over a byte buffer: dom0 runs it on files from the
 * boot archive, and the host unit tests run it on strings.
 */
#ifndef XMCONFIG_H
#define XMCONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <public/domctl.h>

#define XM_MAX_DISKS      4
#define XM_DISK_LEN       64    /* bytes per disk string, with its NUL */
#define XM_MAX_FILE_SIZE  65536 /* bytes */
#define XM_MAX_LINE       512   /* characters, not counting the line break */
#define XM_MIN_MEMORY_MB  XEN_DOMCTL_MIN_MEM_MB
#define XM_MAX_MEMORY_MB  XEN_DOMCTL_MAX_MEM_MB
#define XM_DEFAULT_MEM_MB 32

enum xm_on_crash { XM_ON_CRASH_DESTROY, XM_ON_CRASH_PRESERVE };

struct xm_config {
    char name[32];
    char kernel[128];          /* path inside the boot archive, e.g. "/boot/minios.elf" */
    uint32_t memory_mb;        /* default 32 */
    uint32_t vcpus;            /* default 1; only 1 is supported */
    char extra[256];           /* kernel command line, default "" */
    enum xm_on_crash on_crash; /* default destroy */
    unsigned int nr_disks;
    char disk[XM_MAX_DISKS][XM_DISK_LEN]; /* the raw strings, e.g. "phy:hda1,xvda,w" */
};

/*
 * Parse `len` bytes of config text read from `fname` into *cfg.  Returns 0,
 * or -1 with one line "FNAME:LINE: problem" (or "FNAME: problem" for the
 * file as a whole) in err, at most errlen bytes and always NUL-terminated.
 * The text need not be NUL-terminated; *cfg is unspecified after an error.
 */
int xm_config_parse(const char *fname, const char *text, size_t len, struct xm_config *cfg,
                    char *err, size_t errlen);

#endif
