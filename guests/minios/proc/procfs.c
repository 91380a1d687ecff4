/*
 * procfs.c - /proc: a file system with no device, whose files are the
 * kernel's state written out as text at the moment they are read.
 *
 * It sits in the VFS beside ext2 at `/` and the boot archive at `/boot`
 * (shell.c: mount_root() mounts it at /proc; `mount proc DIR` mounts it
 * again anywhere), which is the point of a VFS: `cat`, `ls` and any program
 * read it with the same system calls as a disk file, and nothing on any disk
 * changes.  It is a read-only mount, so opening a file for writing, creating
 * one or removing one is -EROFS, from the VFS itself.
 *
 *   /proc/mode           how this kernel runs: native, dom0 or domU, and its domain id
 *   /proc/meminfo        the domain's pages: total and free, in KiB
 *   /proc/uptime         seconds since boot, and timer ticks
 *   /proc/mounts         what is mounted where, as Linux's /proc/mounts
 *   /proc/bcache         each ext2 mount's buffer cache: size, hits, misses, dirty ...
 *   /proc/processes      one line per process, as ps prints them
 *   /proc/PID/status     one process: name, parent, state, pages, CPU time, working
 *                        directory, open descriptors
 *   /proc/self           the directory of the process that looks
 *
 * A file's text is made again by every read() into one static buffer (the
 * kernel runs one system call at a time), and the bytes at the read's offset
 * are copied out, so a file is consistent within one read of up to 512 bytes
 * and may change between reads, as Linux's /proc.  Files have size 0 in
 * stat(), as on Linux: the text does not exist until it is read.  Node
 * numbers encode what a node is: 1 the root, 2.. the fixed files,
 * PROC_DIR_INO + pid a process's directory, PROC_STATUS_INO + pid its status.
 *
 * Tour 37/58 - after proc/sysinfo.c, before proc/privcmd.c.
 */
#include <os.h>
#include <ext2fs.h>
#include <proc.h>
#include <vfs.h>

#define PROC_ROOT_INO   1
#define PROC_FILE_INO   2
#define PROC_DIR_INO    0x100000u
#define PROC_STATUS_INO 0x200000u
#define PROC_TEXT_MAX   4096

/* A fixed file: its name and what writes its text (the length written). */
struct proc_file {
    const char *name;
    uint32_t (*show)(char *buf, uint32_t cap);
};

static char text[PROC_TEXT_MAX];

/* snprintf at buf + *used, keeping *used within cap. */
static void put(char *buf, uint32_t cap, uint32_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *buf, uint32_t cap, uint32_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, cap - *used, fmt, ap);
    va_end(ap);
    *used = MIN(cap - 1, *used + (uint32_t)(n > 0 ? n : 0));
}

static uint32_t show_mode(char *buf, uint32_t cap)
{
    static const char *const names[] = {"native", "dom0", "domU"};
    uint32_t used = 0;
    if (is_native())
        put(buf, cap, &used, "native\n");
    else
        put(buf, cap, &used, "%s (domain %u)\n", names[boot_mode], my_domid());
    return used;
}

static uint32_t show_meminfo(char *buf, uint32_t cap)
{
    uint32_t used = 0, kib = PAGE_SIZE / 1024;
    put(buf, cap, &used, "MemTotal: %8u kB\nMemFree:  %8u kB\nPageSize: %8u bytes\n",
        start_info.nr_pages * kib, free_pages() * kib, PAGE_SIZE);
    return used;
}

static uint32_t show_uptime(char *buf, uint32_t cap)
{
    uint64_t ms = monotonic_ns() / 1000000u;
    uint32_t used = 0;
    put(buf, cap, &used, "%u.%02u seconds, %u timer ticks\n", (uint32_t)(ms / 1000),
        (uint32_t)(ms % 1000 / 10), timer_ticks);
    return used;
}

static uint32_t show_mounts(char *buf, uint32_t cap)
{
    uint32_t used = 0;
    const struct vfs_mount *m;
    for (int i = 0; (m = vfs_mount_nth(i)) != NULL; i++)
        put(buf, cap, &used, "%s %s %s %s 0 0\n", m->source, m->path, m->type,
            m->readonly ? "ro" : "rw");
    return used;
}

static uint32_t show_bcache(char *buf, uint32_t cap)
{
    return ext2fs_cache_report(buf, cap);
}

static const char *state_name(enum pt_state s)
{
    return s == PT_RUNNABLE   ? "ready"
           : s == PT_RUNNING  ? "running"
           : s == PT_SLEEPING ? "sleeping"
           : s == PT_ZOMBIE   ? "zombie"
                              : "?";
}

static uint32_t show_processes(char *buf, uint32_t cap)
{
    uint32_t used = 0;
    put(buf, cap, &used, "  PID  PPID STATE      CPU(ms) PAGES NAME\n");
    for (int i = 0; i < NPROC; i++)
        if (ptab.e[i].state != PT_UNUSED)
            put(buf, cap, &used, "%5d %5d %-9s %8u %5u %s\n", ptab.e[i].pid, ptab.e[i].ppid,
                state_name(ptab.e[i].state), (uint32_t)(procs[i].cpu_ns / 1000000u), procs[i].pages,
                procs[i].name);
    return used;
}

static const struct proc_file proc_files[] = {
    {"mode", show_mode},     {"meminfo", show_meminfo}, {"uptime", show_uptime},
    {"mounts", show_mounts}, {"bcache", show_bcache},   {"processes", show_processes},
};
#define NR_PROC_FILES (sizeof(proc_files) / sizeof(proc_files[0]))

/* The process table slot of a live pid, or -1. */
static int pid_slot(uint32_t pid)
{
    int slot = pt_find(&ptab, (int)pid);
    return slot >= 0 && ptab.e[slot].state != PT_UNUSED ? slot : -1;
}

/* /proc/PID/status of the process in `slot`. */
static uint32_t show_status(int slot, char *buf, uint32_t cap)
{
    const struct proc *p = &procs[slot];
    uint32_t used = 0, fds = 0;
    for (int fd = 0; fd < MAX_FDS; fd++)
        fds += p->fds[fd] != NULL;
    put(buf, cap, &used,
        "Name:   %s\nPid:    %d\nPPid:   %d\nState:  %s\nPages:  %u\nCPU:    %u ms\n"
        "Cwd:    %s\nFDs:    %u of %u\n",
        p->name, ptab.e[slot].pid, ptab.e[slot].ppid, state_name(ptab.e[slot].state), p->pages,
        (uint32_t)(p->cpu_ns / 1000000u), p->cwd[0] ? p->cwd : "/", fds, MAX_FDS);
    return used;
}

/* A decimal pid from a whole path component of `len` bytes; 0 if it is not one. */
static uint32_t parse_pid(const char *s, uint32_t len)
{
    uint32_t pid = 0;
    if (len == 0 || len > 9)
        return 0;
    for (uint32_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        pid = pid * 10 + (uint32_t)(s[i] - '0');
    }
    return pid;
}

/* "self" (the caller's pid) or a number: the pid a first component names, 0 if none. */
static uint32_t named_pid(const char *s, uint32_t len)
{
    if (len == 4 && !strncmp(s, "self", 4))
        return current_proc ? (uint32_t)proc_pid(current_proc) : 0;
    return parse_pid(s, len);
}

static void set_node(struct vfs_node *n, uint32_t ino, int dir)
{
    n->ino = ino, n->mode = dir ? S_IFDIR | 0555 : S_IFREG | 0444, n->size = 0, n->nlink = 1;
}

/* "", a fixed file, PID (or self), PID/status. */
static int procfs_lookup(struct vfs_mount *m, const char *rel, struct vfs_node *n)
{
    uint32_t len = 0;
    while (rel[len] && rel[len] != '/')
        len++;
    if (len == 0) {
        set_node(n, PROC_ROOT_INO, 1);
        return 0;
    }
    for (uint32_t i = 0; i < NR_PROC_FILES; i++)
        if (!rel[len] && strlen(proc_files[i].name) == len &&
            !strncmp(rel, proc_files[i].name, len)) {
            set_node(n, PROC_FILE_INO + i, 0);
            return 0;
        }
    uint32_t pid = named_pid(rel, len);
    if (!pid || pid_slot(pid) < 0)
        return -E_NOENT;
    if (!rel[len]) {
        set_node(n, PROC_DIR_INO + pid, 1);
        return 0;
    }
    if (strcmp(rel + len, "/status"))
        return -E_NOENT;
    set_node(n, PROC_STATUS_INO + pid, 0);
    return 0;
}

/* The text of the file n, made now into text[]; its length, or -E_NOENT if its process ended. */
static int make_text(const struct vfs_node *n)
{
    if (n->ino >= PROC_FILE_INO && n->ino < PROC_FILE_INO + NR_PROC_FILES)
        return (int)proc_files[n->ino - PROC_FILE_INO].show(text, sizeof(text));
    if (n->ino > PROC_STATUS_INO) {
        int slot = pid_slot(n->ino - PROC_STATUS_INO);
        return slot < 0 ? -E_NOENT : (int)show_status(slot, text, sizeof(text));
    }
    return -E_ISDIR;
}

static int procfs_read(const struct vfs_node *n, uint32_t off, void *buf, uint32_t len)
{
    int size = make_text(n);
    if (size < 0 || off >= (uint32_t)size)
        return size < 0 ? size : 0;
    uint32_t k = MIN(len, (uint32_t)size - off);
    memcpy(buf, text + off, k);
    return (int)k;
}

/* The root: the fixed files, "self", then a directory per live process (cookie: an index). */
static int root_entry(uint32_t *cookie, char *name, uint32_t cap, uint32_t *type)
{
    uint32_t i = *cookie;
    if (i < NR_PROC_FILES) {
        strlcpy(name, proc_files[i].name, cap);
        *type = DT_REG, *cookie = i + 1;
        return 1;
    }
    if (i == NR_PROC_FILES) {
        strlcpy(name, "self", cap);
        *type = DT_DIR, *cookie = i + 1;
        return 1;
    }
    for (uint32_t slot = i - NR_PROC_FILES - 1; slot < NPROC; slot++)
        if (ptab.e[slot].state != PT_UNUSED) {
            snprintf(name, cap, "%d", ptab.e[slot].pid);
            *type = DT_DIR, *cookie = NR_PROC_FILES + 1 + slot + 1;
            return 1;
        }
    return 0;
}

static int procfs_readdir(const struct vfs_node *dir, uint32_t *cookie, char *name, uint32_t cap,
                          uint32_t *type)
{
    if (dir->ino == PROC_ROOT_INO)
        return root_entry(cookie, name, cap, type);
    if (*cookie > 0)
        return 0;
    strlcpy(name, "status", cap); /* a process's directory */
    *type = DT_REG, *cookie = 1;
    return 1;
}

static const struct vfs_ops procfs_ops = {
    .lookup = procfs_lookup, .read = procfs_read, .readdir = procfs_readdir};

int procfs_mount(const char *path)
{
    int rc = vfs_mount(path, &procfs_ops, NULL, 1);
    if (rc)
        return rc;
    struct vfs_mount *m = vfs_mount_at(path);
    strlcpy(m->source, "proc", sizeof(m->source));
    m->type = "proc";
    return 0;
}
