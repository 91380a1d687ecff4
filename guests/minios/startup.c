/*
 * startup.c - minios's start of day after the core (kernel.c: start_kernel()
 * calls app_main()): the devices the mode has, the root file system, and the
 * first process, /bin/sh, at whose prompt the user types.
 *
 * The same image boots three ways (machine.h) and each brings up its own
 * block devices: natively the IDE disk, driven directly; in dom0 the IDE
 * disk and dom0's services for the toolstack (the xenstore, the console
 * service, the block backend: proc/domsvc.c); in a domU the virtual disks
 * the xenstore lists (blkfront).  RAM disks come from the boot archive,
 * which only dom0 and the bare machine are given.  Then the boot-time
 * benchmarks the command line asks for (bench_scripts.c), the root file
 * system, and the scheduler, which never returns.
 *
 * Tour 25/58 - after usermode.S, before proc/initfs.S.
 */
#include <entry.h>
#include <os.h>
#include <bench.h>
#include <blkdev.h>
#include <cmdline.h>
#include <ext2fs.h>
#include <proc.h>
#include <vfs.h>

static const char *const mode_names[] = {"native", "dom0", "domU"};
int app_runs_natively = 1; /* this kernel runs on the bare machine too (arch/native/start.c) */

/* The boot archive: dom0's (and the native kernel's) boot module, or the programs built into this
 * kernel (a domU's case). */
static const void *boot_archive(uint32_t *len)
{
    if (start_info.mod_len) {
        *len = start_info.mod_len;
        return (const void *)start_info.mod_start;
    }
    *len = (uint32_t)(initfs_end - initfs_start);
    return initfs_start;
}

/*
 * The root file system: ext2 on the domain's disk (dom0's hda2, a domU's
 * xvda) with the boot archive at /boot, or, when the disk holds no ext2, the
 * boot archive at / as before.  root=NAME on the command line names another
 * device, e.g. a RAM disk of the archive (ramdisk.c).
 */
static void mount_root(void)
{
    char dev[16];
    if (!cmdline_value("root=", dev, sizeof(dev))) /* root=ram0: a RAM disk (ramdisk.c) */
        strlcpy(dev, is_initial_domain() || is_native() ? "hda2" : "xvda", sizeof(dev));
    uint32_t len;
    const void *archive = boot_archive(&len);
    int rc = blkdev_find(dev) ? ext2fs_mount(dev, "/", 0) : -E_NOENT;
    if (rc == 0) {
        cpiofs_mount("/boot", archive, len);
        procfs_mount("/proc");
        return;
    }
    if (rc != -E_NOENT)
        printf("minios: %s: %s; the boot archive is the root file system%s\n", dev,
               rc == -E_NOEXEC ? "no ext2 file system" : "cannot mount it",
               rc == -E_NOEXEC && is_initial_domain() ? " (make disk on the host makes one)" : "");
    cpiofs_mount("/", archive, len);
    procfs_mount("/proc");
}

/*
 * rc=PATH on the command line: the lines of the file PATH on the root just
 * mounted, joined with ';' for /bin/sh to type at its first prompt.  A
 * workload started so needs no typing, and under -icount it then repeats to
 * the instruction: no host decides when a line arrives (the lab's
 * configurations, lab/configs.py).  NULL, said why, if PATH cannot be read.
 */
static const char *rc_script(void)
{
    static char script[2048];
    char path[64];
    struct vfs_file *f;
    if (!cmdline_value("rc=", path, sizeof(path)))
        return NULL;
    int n = vfs_open(path, O_RDONLY, &f);
    if (n == 0) {
        n = vfs_read(f, script, sizeof(script));
        vfs_put(f);
    }
    if (n < 0 || n == (int)sizeof(script)) {
        printf("minios: rc=%s: %s (%d); nothing is typed\n", path,
               n < 0 ? "cannot read it" : "longer than the script buffer", n);
        return NULL;
    }
    script[n] = 0;
    for (char *s = script; *s; s++)
        if (*s == '\n')
            *s = ';';
    return script;
}

/*
 * From here on the prompt is /bin/sh's, a ring-3 process, and this stack is
 * the scheduler's.  A boot-time script (the benchmarks', or rc=) is handed to
 * it to type first (sh -t), since the toolstack it drives is a program.
 */
static void start_processes(const char *script)
{
    mount_root();
    if (!script)
        script = rc_script();
    proc_init();
    syscall_init();
    int pid = proc_start_init("/bin/sh", script);
    if (pid == -E_NOENT) /* an ext2 root without programs: the boot archive has them */
        pid = proc_start_init("/boot/bin/sh", script);
    if (pid < 0) {
        printf("minios: cannot start /bin/sh (%d): nothing to run\n", pid);
        crash("no /bin/sh in the root file system or the boot archive");
    }
    scheduler();
}

/* The devices this mode drives, and dom0's services. */
static void start_devices(void)
{
    if (is_native()) {
        ide_init(); /* the disk dom0 drives, driven directly */
        printf("minios: no hypervisor: xm-lite, the xenstore and the split block drivers "
               "(blkfront, blkback) need it and are not started\n");
    } else if (is_initial_domain()) {
        ide_init();
        domsvc_init();
    } else {
        blkfront_init();
    }
    if (is_native() || is_initial_domain()) { /* only they are given a boot archive */
        uint32_t archive_len;
        const void *archive = boot_archive(&archive_len);
        ramdisks_from_archive(archive, archive_len); /* before anything can use a disk */
    }
}

int app_main(void)
{
    start_devices();
    boot_benchmarks();
    const char *script = is_initial_domain() ? dom0_bench_script() : NULL;
    if (!script)
        script = dbench_bench_script();
    printf("\nminios: %s ready. Type 'help' for commands.\n", mode_names[boot_mode]);
    if (!prompt_tsc)
        prompt_tsc = rdtsc();
    start_processes(script); /* never returns */
    return 0;
}
