/*
 * syscall.h - minios's system-call ABI, shared by the kernel
 * (guests/minios/proc/syscall.c) and the user-space C library (guests/libc).
 *
 * A ring-3 program enters minios with `int $0x80`, which the hypervisor
 * installed as a direct trap gate (DPL 3 -> ring 1): no hypervisor entry.
 * The number goes in %eax, up to five arguments in %ebx %ecx %edx %esi %edi,
 * and the result comes back in %eax: >= 0 on success, a negated error number
 * (Linux's values, as in public/errno.h) on failure.  Number 0 is the null
 * system call the int $0x80 benchmark times; it returns at once.
 *
 * Programs are ELF32 executables linked at USER_IMAGE_BASE.  At entry %esp
 * points at argc, followed by a pointer to the NULL-terminated argv array.
 *
 * Every path a call takes may be relative: it is read from the calling
 * process's working directory (SYS_chdir; a child starts in its parent's),
 * and "." and ".." are resolved by name before the lookup (vfs_abspath()).
 * A resolved path, like the working directory, is at most PATH_MAX_LEN - 1
 * bytes.
 */
#ifndef PUBLIC_SYSCALL_H
#define PUBLIC_SYSCALL_H

#include <stdint.h>

#define SYS_null          0
#define SYS_exit          1  /* (status) */
#define SYS_spawn         2  /* (path, argv) -> pid */
#define SYS_waitpid       3  /* (pid or -1, int *status, flags) -> pid */
#define SYS_getpid        4  /* () -> pid */
#define SYS_kill          5  /* (pid, sig) */
#define SYS_brk           6  /* (new end, or 0 to ask) -> the end now */
#define SYS_read          7  /* (fd, buf, len) -> bytes */
#define SYS_write         8  /* (fd, buf, len) -> bytes */
#define SYS_open          9  /* (path, flags) -> fd */
#define SYS_close         10 /* (fd) */
#define SYS_lseek         11 /* (fd, offset, whence) -> offset */
#define SYS_stat          12 /* (path, struct pvlab_stat *) */
#define SYS_fstat         13 /* (fd, struct pvlab_stat *) */
#define SYS_getdents      14 /* (fd, buf, len) -> bytes of struct pvlab_dirent */
#define SYS_clock_gettime 15 /* (clock, struct pvlab_timespec *) */
#define SYS_nanosleep     16 /* (const struct pvlab_timespec *) */
#define SYS_yield         17 /* () */
#define SYS_unlink        18 /* (path) */
#define SYS_rename        19 /* (old, new) */
#define SYS_mkdir         20 /* (path, mode) */
#define SYS_rmdir         21 /* (path) */
#define SYS_fsync         22 /* (fd) */
#define SYS_ftruncate     23 /* (fd, length) */
#define SYS_procinfo      24 /* (struct pvlab_procinfo *, max) -> count: what ps shows */
#define SYS_setfg         25 /* (pid): the console's foreground process, for Ctrl-C */
#define SYS_uname         26 /* (struct pvlab_uname *) */
/* 27 is retired: it was SYS_kcmd, the kernel's own shell commands, now programs of /bin */
#define SYS_hvcounters 28 /* (struct pvlab_hvcounters *): this domain's hypervisor counters */
#define SYS_privcmd    29 /* (hypercall nr, args...): dom0's /dev/xen/privcmd */
#define SYS_xenbus     30 /* (msg, len, reply, cap) -> reply length: /dev/xen/xenbus */
#define SYS_privdrop   31 /* (): give up the right to privcmd and xenbus, for good */
#define SYS_sync       32 /* (): write every file system's dirty blocks back */
#define SYS_statfs     33 /* (path, struct pvlab_statfs *): the file system holding path */
#define SYS_mountinfo  34 /* (i, struct pvlab_mountinfo *): -E_NOENT past the last */
#define SYS_mount      35 /* (device, path, flags): mount an ext2 device (MS_RDONLY) */
#define SYS_umount     36 /* (path) */
#define SYS_dup2       37 /* (fd, newfd) -> newfd: the shell's > and >> */
#define SYS_chdir      38 /* (path): the calling process's working directory */
#define SYS_getcwd     39 /* (buf, len) -> its length: the working directory, absolute */
#define SYS_domsvc     40 /* (DOMSVC_*, domid, arg, arg2): dom0's services for the toolstack */
#define SYS_sysinfo    41 /* (struct pvlab_sysinfo *): what `info`, `uptime`, `ticks` show */
#define SYS_stats      42 /* (struct pvlab_stats *): this domain's hypervisor counters, all */
#define SYS_poweroff   43 /* (): write the file systems back, power the domain off */
#define SYS_kbench     44 /* (): the kernel's path-length benchmarks (BENCH lines) */
#define SYS_kprobe     45 /* (addr, uint32_t *val): a kernel read that may fault: 0 or -E_FAULT */
#define SYS_blkdev     46 /* (BLKDEV_*, struct pvlab_blkreq *): raw block devices */
#define NR_SYSCALLS    47

/* Error numbers (negated in %eax). */
#define E_PERM        1
#define E_NOENT       2
#define E_SRCH        3
#define E_INTR        4
#define E_IO          5
#define E_NOEXEC      8
#define E_BADF        9
#define E_CHILD       10
#define E_AGAIN       11
#define E_NOMEM       12
#define E_FAULT       14
#define E_EXIST       17
#define E_XDEV        18
#define E_NOTDIR      20
#define E_ISDIR       21
#define E_INVAL       22
#define E_NFILE       23
#define E_MFILE       24
#define E_FBIG        27
#define E_ROFS        30
#define E_2BIG        7
#define E_RANGE       34
#define E_NOSYS       38
#define E_NOTEMPTY    39
#define E_BUSY        16
#define E_NOSPC       28
#define E_NAMETOOLONG 36

/* open() flags and lseek() whence, as Linux's. */
#define O_RDONLY  0
#define O_WRONLY  1
#define O_RDWR    2
#define O_ACCMODE 3
#define O_CREAT   0100
#define O_TRUNC   01000
#define O_APPEND  02000
#define SEEK_SET  0
#define SEEK_CUR  1
#define SEEK_END  2

/* waitpid() flags. */
#define WNOHANG 1

/* Signals kill() knows; a killed process exits with status 128 + sig. */
#define SIGINT  2
#define SIGILL  4
#define SIGFPE  8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGTERM 15

/* Clocks. */
#define CLOCK_MONOTONIC          1
#define CLOCK_PROCESS_CPUTIME_ID 2

/* The user address space. */
#define USER_IMAGE_BASE  0x08048000u /* where programs are linked */
#define USER_IMAGE_END   0x08400000u /* image and heap share one L1: 4 MiB minus the base */
#define USER_STACK_TOP   0xC0000000u /* the kernel begins here */
#define USER_STACK_PAGES 8

#define SPAWN_MAX_ARGS  16
#define SPAWN_MAX_CHARS 1024 /* bytes of argument strings */
#define PATH_MAX_LEN    128

struct pvlab_timespec {
    int32_t tv_sec;
    int32_t tv_nsec;
};

#define S_IFMT  0170000u
#define S_IFDIR 0040000u
#define S_IFREG 0100000u
#define S_IFCHR 0020000u

struct pvlab_stat {
    uint32_t st_ino;
    uint32_t st_mode;
    uint32_t st_size;
    uint32_t st_nlink;
    uint32_t st_mtime; /* seconds since 1970; 0 where the file system keeps none */
};

/* What df shows: sizes in blocks of f_bsize bytes. */
struct pvlab_statfs {
    uint32_t f_bsize;
    uint32_t f_blocks, f_bfree, f_bavail;
    uint32_t f_files, f_ffree;
    uint32_t f_cache_blocks; /* the buffer cache in front of it (0: none) */
    uint32_t f_readonly;
};

#define MS_RDONLY 1

struct pvlab_mountinfo {
    char path[PATH_MAX_LEN];
    char source[16]; /* "hda2", "xvda", "bootfs" */
    char type[8];    /* "ext2", "cpio" */
    uint32_t readonly;
};

#define DT_REG 8
#define DT_DIR 4

/* getdents() fills the buffer with these, each d_reclen bytes long (4-aligned). */
struct pvlab_dirent {
    uint32_t d_ino;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[1]; /* NUL-terminated, d_reclen - 7 bytes at most */
};

#define PROC_NAME_LEN 16

/* Process states, as procinfo reports them. */
#define PSTATE_RUNNABLE 1
#define PSTATE_RUNNING  2
#define PSTATE_SLEEPING 3
#define PSTATE_ZOMBIE   4

struct pvlab_procinfo {
    int32_t pid, ppid;
    uint32_t state;
    uint32_t cpu_ms;
    uint32_t pages;
    char name[PROC_NAME_LEN];
};

struct pvlab_uname {
    char nodename[16]; /* "dom0" or "domU": the shell's prompt */
    uint32_t domid;
    uint32_t privileged;
};

/*
 * SYS_domsvc: what the ring-3 toolstack (/bin/xm-lite) asks of the services
 * that stay in dom0's kernel (guests/minios/proc/domsvc.c), as xl asks
 * xenconsoled, xenstored, the block backend and /dev/xen/evtchn and gntdev.
 * The same right as privcmd; -E_PERM in a domU.
 */
#define DOMSVC_CONSOLE_ADD     1  /* (dom, console port): map its console page, bind the port */
#define DOMSVC_STORE_INTRODUCE 2  /* (dom, store port): serve its xenstore ring */
#define DOMSVC_MANAGE          3  /* (dom, struct pvlab_manage *) -> a serial for WAIT_EXIT */
#define DOMSVC_DISK_ADD        4  /* (dom, struct pvlab_disk *): export a disk through blkback */
#define DOMSVC_DISK_LIST       5  /* (dom, buf, cap) -> bytes of text: xm-lite block-list */
#define DOMSVC_CONSOLE_ATTACH  6  /* (dom): until Ctrl-] (0) or the domain goes away (1) */
#define DOMSVC_CONSOLE_FOLLOW  7  /* (dom, on): show its new output as it comes, or stop */
#define DOMSVC_FIRST_OUTPUT    8  /* (dom, uint64_t *tsc): when it first wrote (0: not yet) */
#define DOMSVC_SHUTDOWN        9  /* (dom): control/shutdown, then the hypervisor after 3 s */
#define DOMSVC_EVTCHN_ALLOC    10 /* (dom) -> a port of dom0's, unbound, for dom to bind */
#define DOMSVC_EVTCHN_PINGPONG 11 /* (port, struct pvlab_pingpong *): timed round trips */
#define DOMSVC_EVTCHN_CLOSE    12 /* (port) */
#define DOMSVC_GRANT_HOLD      13 /* (dom, gref) -> map one of dom's grants in dom0, keep it */
#define DOMSVC_GRANT_RELEASE   14 /* () -> the unmap's result */
/* (0, struct pvlab_domexit *): the monitor sleeps until a domain handed to it shuts down or
 * crashes (0; which one in domid), or none is left to watch (-E_NOENT); -E_BUSY if another
 * process is the monitor. */
#define DOMSVC_WAIT_EXIT 15
/* (dom, serial of its create): hand the domain to the monitor -> 1 if no monitor runs (the
 * caller starts one), 0 if one does, -E_NOENT if that create's domain is gone. */
#define DOMSVC_MONITOR 16

struct pvlab_manage {
    char name[32];
    uint32_t preserve_on_crash; /* on_crash = "preserve": keep a crashed domain */
};

/* DOMSVC_WAIT_EXIT's answer: which managed domain ended and how, for the monitor to report. */
struct pvlab_domexit {
    uint32_t domid;
    char name[32];     /* the config's */
    uint32_t crashed;  /* else it shut itself down */
    uint32_t reason;   /* SHUTDOWN_* when it shut down */
    uint32_t preserve; /* crashed, and on_crash = "preserve": keep it */
    char crash_reason[96];
};

struct pvlab_disk {
    char target[16]; /* dom0's device: hda1 */
    char vdev[16];   /* the domain's name for it: xvda */
    uint32_t readonly;
    uint32_t delay_ms; /* the backend describes the disk this late (a test knob) */
    uint32_t bemode;   /* BEMODE_*: how the backend reaches the domain's data pages */
};
/* xm-lite create bemode=: the backend's way to the frontend's pages (docs/block.md section 8).
 * By default it maps them when the device is a disk that moves data itself (no CPU copy), and
 * copies with the hypervisor when the device is memory (one copy, straight between pages). */
#define BEMODE_DEFAULT 0
#define BEMODE_MAP     1
#define BEMODE_COPY    2

struct pvlab_pingpong {
    uint32_t count; /* IN: round trips */
    uint32_t _pad;
    uint64_t tsc_total; /* OUT: TSC ticks for all of them */
};

/* SYS_sysinfo: the domain as its kernel sees it. */
struct pvlab_sysinfo {
    uint32_t mode; /* 0 native, 1 dom0, 2 domU (minios's boot_mode) */
    char mode_reason[64];
    uint32_t nr_pages, free_pages;
    uint32_t domid, privileged;
    uint64_t uptime_ns; /* natively the TSC against the PIT; under pvlab guest virtual time */
    uint32_t timer_ticks, timer_port;
    uint32_t hv_version; /* major << 16 | minor (0 natively) */
    char hv_extra[16];
    char cmdline[256];
};

/* SYS_stats: the hypervisor's counters for this domain (public/sysctl.h), or natively (native = 1)
 * minios's own count of interrupts and CR3 loads in those two fields. */
struct pvlab_stats {
    uint32_t native, _pad;
    uint64_t hv_entries, hypercalls, hypercall_errors, exceptions, bounces, interrupts, upcalls,
        cr3_loads, validation_errors;
};

/*
 * SYS_blkdev: the block devices of this domain, raw, for the `blk` program.
 * Writing a device that is mounted or given to a domU is refused with
 * -E_BUSY (its holder is in struct pvlab_blkinfo).  A transfer is at most
 * BLKDEV_MAX_SECTORS, through pages of the disk's I/O pool if it has one
 * (no grant operation), else the kernel's own buffer.
 */
#define BLKDEV_INFO  1 /* req->name, or the index-th device if name is "": -> req->info */
#define BLKDEV_READ  2 /* req->name, sector, count, buf */
#define BLKDEV_WRITE 3
#define BLKDEV_FLUSH 4
#define BLKDEV_BENCH 5 /* req->name: the kernel's throughput benchmark (BENCH blk lines) */
/* req->flags: a transfer (and each of the benchmark's) goes through the kernel's own buffer,
 * not pages of the disk's I/O pool (a domU disk with persistent grants): the per-request way */
#define BLKDEV_NOPOOL 1
#define BLKDEV_MAX_SECTORS                                                                         \
    264 /* three of the largest blkif requests (11 segments of 8 sectors)                          \
         */

struct pvlab_blkinfo {
    char name[32], model[41];
    char holder[31];  /* "": free; else where it is mounted ("/") or the domU's name for it ("xvda")
                       */
    uint32_t mounted; /* 1: holder is a mount point; 0: a virtual disk (if holder is set) */
    uint32_t readonly;
    uint64_t sectors;
};

struct pvlab_blkreq {
    char name[32];
    uint32_t index;
    uint32_t count;
    uint64_t sector;
    uint32_t buf;   /* the caller's: count * 512 bytes */
    uint32_t flags; /* BLKDEV_NOPOOL, or 0 */
    struct pvlab_blkinfo info;
};

/* What SYS_hvcounters copies out: enough for the process benchmarks (tests/bench.py). */
struct pvlab_hvcounters {
    uint32_t hv_entries, hypercalls, interrupts, upcalls, cr3_loads;
};

#endif
