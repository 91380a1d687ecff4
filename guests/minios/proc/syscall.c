/*
 * syscall.c - minios's system calls.
 *
 * A ring-3 `int $0x80` reaches syscall_entry (entry.S) through the direct
 * trap gate, without the hypervisor; do_syscall() hands the saved registers
 * here.  Every pointer a process passes is checked against its own regions
 * (uaccess.c) before the kernel reads or writes through it: a bad one gets
 * -E_FAULT, never a kernel fault.  Calls that wait (read from the console,
 * waitpid, nanosleep) sleep the process, not the domain.  Before going back
 * to ring 3 a process whose time slice is over yields (sched.c), and a
 * killed process exits instead.
 *
 * The kernel's own commands are programs now (info, stats, blk, halt, ...),
 * each asking for what it shows through a call of its own (sysinfo.c,
 * sysblk.c); number 27, the call that once ran a whole command line in the
 * kernel, is retired and answers -E_NOSYS.
 *
 * Tour 33/58 - after proc/swtch.S, before proc/uaccess.c.
 */
#include <os.h>
#include <proc.h>
#include <ext2fs.h>
#include <vfs.h>

typedef int (*syscall_fn)(uint32_t a, uint32_t b, uint32_t c, uint32_t d);

static int path_in(char *path, uint32_t upath);

/* The calling process (system calls always have one). */
static struct proc *cur(void)
{
    return current_proc;
}

/* Is [addr, addr+len) the caller's own (and writable, if asked)? */
static int user_ok(uint32_t addr, uint32_t len, int write)
{
    struct proc *p = cur();
    return user_range_ok(p->regions, p->nr_regions, addr, len, write);
}

int copy_from_user(void *dst, uint32_t src, uint32_t len)
{
    if (!user_ok(src, len, 0))
        return -E_FAULT;
    memcpy(dst, (const void *)src, len);
    return 0;
}

int copy_to_user(uint32_t dst, const void *src, uint32_t len)
{
    if (!user_ok(dst, len, 1))
        return -E_FAULT;
    memcpy((void *)dst, src, len);
    return 0;
}

/* A NUL-terminated string of at most cap-1 bytes; -E_FAULT or -E_INVAL (too long). */
int copy_string_from_user(char *dst, uint32_t src, uint32_t cap)
{
    struct proc *p = cur();
    uint32_t avail = user_bytes_from(p->regions, p->nr_regions, src);
    uint32_t n = strnlen((const char *)src, MIN(avail, cap));
    if (n == MIN(avail, cap))
        return n == cap ? -E_INVAL : -E_FAULT;
    memcpy(dst, (const char *)src, n + 1);
    return 0;
}

/* The open file behind fd, or NULL. */
static struct vfs_file *fd_file(int fd)
{
    return fd >= 0 && fd < MAX_FDS ? cur()->fds[fd] : NULL;
}

void fds_close_all(struct proc *p)
{
    for (int fd = 0; fd < MAX_FDS; fd++) {
        vfs_put(p->fds[fd]);
        p->fds[fd] = NULL;
    }
}

static int sys_exit(uint32_t status, uint32_t b, uint32_t c, uint32_t d)
{
    proc_exit((int)(status & 0xFF));
}

/* spawn(path, argv): the argument strings are copied in before anything is built. */
static int sys_spawn(uint32_t upath, uint32_t uargv, uint32_t c, uint32_t d)
{
    char path[PATH_MAX_LEN], strings[SPAWN_MAX_CHARS], *argv[SPAWN_MAX_ARGS + 1];
    int rc = path_in(path, upath), argc = 0;
    uint32_t used = 0;
    for (; rc == 0; argc++) {
        uint32_t ptr;
        if ((rc = copy_from_user(&ptr, uargv + 4 * argc, 4)) || !ptr)
            break;
        if (argc == SPAWN_MAX_ARGS)
            return -E_2BIG;
        argv[argc] = strings + used;
        rc = copy_string_from_user(argv[argc], ptr, sizeof(strings) - used);
        if (rc == -E_INVAL)
            return -E_2BIG;
        used += (uint32_t)strlen(argv[argc]) + 1;
    }
    if (rc)
        return rc;
    argv[argc] = NULL;
    return proc_spawn(path, argv, argc, proc_pid(cur()));
}

/* Reap a zombie child (pid, or any with -1), sleeping while children live unless WNOHANG. */
static int sys_waitpid(uint32_t pid, uint32_t ustatus, uint32_t flags, uint32_t d)
{
    struct proc *p = cur();
    if (ustatus && !user_ok(ustatus, 4, 1))
        return -E_FAULT;
    for (;;) {
        int status, z = pt_wait(&ptab, proc_slot(p), (int)pid, &status);
        if (z >= 0) {
            int zpid = ptab.e[z].pid;
            proc_reap(z);
            if (ustatus)
                copy_to_user(ustatus, &status, 4);
            return zpid;
        }
        if (z != -E_AGAIN || (flags & WNOHANG))
            return z == -E_AGAIN ? 0 : z;
        if (p->killed)
            return -E_INTR;
        sleep_on(p);
    }
}

static int sys_getpid(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    return proc_pid(cur());
}

static int sys_kill(uint32_t pid, uint32_t sig, uint32_t c, uint32_t d)
{
    return proc_kill((int)pid, (int)sig);
}

static int sys_brk(uint32_t end, uint32_t b, uint32_t c, uint32_t d)
{
    return proc_brk(cur(), end);
}

/* A line from the console, sleeping until one is typed; -E_INTR if killed meanwhile. */
static int read_console(char *kbuf, uint32_t len)
{
    for (;;) {
        int n = tty_read(kbuf, len);
        if (n != -E_AGAIN)
            return n;
        if (cur()->killed)
            return -E_INTR;
        sleep_on(&tty_chan);
    }
}

/*
 * A file is read straight into the caller's buffer, all of len in one call: the
 * check accepts only mapped memory of the caller's, and when the read sleeps
 * (a disk block) the caller's page directory is back before it goes on.  A line
 * from the console goes through a kernel buffer (at most 512 bytes a call).
 */
static int sys_read(uint32_t fd, uint32_t ubuf, uint32_t len, uint32_t d)
{
    struct vfs_file *f = fd_file((int)fd);
    char kbuf[512];
    if (!f)
        return -E_BADF;
    if (!user_ok(ubuf, len, 1))
        return -E_FAULT;
    if (f->kind != VFS_CONSOLE)
        return vfs_read(f, (void *)ubuf, len);
    int n = read_console(kbuf, MIN(len, sizeof(kbuf)));
    if (n > 0)
        copy_to_user(ubuf, kbuf, (uint32_t)n);
    return n;
}

/* To the console straight from the user's buffer; to a file through a kernel buffer. */
static int sys_write(uint32_t fd, uint32_t ubuf, uint32_t len, uint32_t d)
{
    struct vfs_file *f = fd_file((int)fd);
    char kbuf[512];
    if (!f)
        return -E_BADF;
    if (!user_ok(ubuf, len, 0))
        return -E_FAULT;
    if (f->kind == VFS_CONSOLE) {
        console_write((const char *)ubuf, len);
        return (int)len;
    }
    uint32_t done = 0;
    while (done < len) {
        uint32_t k = MIN(len - done, sizeof(kbuf));
        copy_from_user(kbuf, ubuf + done, k);
        int n = vfs_write(f, kbuf, k);
        if (n <= 0)
            return done ? (int)done : n;
        done += (uint32_t)n;
    }
    return (int)done;
}

static int sys_open(uint32_t upath, uint32_t flags, uint32_t c, uint32_t d)
{
    char path[PATH_MAX_LEN];
    int rc = path_in(path, upath), fd = 0;
    if (rc)
        return rc;
    while (fd < MAX_FDS && cur()->fds[fd])
        fd++;
    if (fd == MAX_FDS)
        return -E_MFILE;
    rc = vfs_open(path, (int)flags, &cur()->fds[fd]);
    return rc ? rc : fd;
}

static int sys_close(uint32_t fd, uint32_t b, uint32_t c, uint32_t d)
{
    struct vfs_file *f = fd_file((int)fd);
    if (!f)
        return -E_BADF;
    vfs_put(f);
    cur()->fds[fd] = NULL;
    return 0;
}

/* Files only; the new offset, never negative. */
static int sys_lseek(uint32_t fd, uint32_t off, uint32_t whence, uint32_t d)
{
    struct vfs_file *f = fd_file((int)fd);
    if (!f)
        return -E_BADF;
    if (f->kind != VFS_FILE)
        return -E_INVAL;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f->off : f->node.size;
    int64_t pos = base + (int32_t)off;
    if (whence > SEEK_END || pos < 0 || pos > 0x7FFFFFFF)
        return -E_INVAL;
    f->off = (uint32_t)pos;
    return (int)pos;
}

static int sys_stat(uint32_t upath, uint32_t ust, uint32_t c, uint32_t d)
{
    char path[PATH_MAX_LEN];
    struct vfs_node n;
    struct pvlab_stat st;
    int rc = path_in(path, upath);
    if (rc || (rc = vfs_lookup(path, &n)))
        return rc;
    vfs_stat(&n, &st);
    return copy_to_user(ust, &st, sizeof(st));
}

static int sys_fstat(uint32_t fd, uint32_t ust, uint32_t c, uint32_t d)
{
    struct vfs_file *f = fd_file((int)fd);
    struct pvlab_stat st = {.st_mode = S_IFCHR | 0666, .st_nlink = 1};
    if (!f)
        return -E_BADF;
    if (f->kind != VFS_CONSOLE)
        vfs_stat(&f->node, &st);
    return copy_to_user(ust, &st, sizeof(st));
}

static int sys_getdents(uint32_t fd, uint32_t ubuf, uint32_t len, uint32_t d)
{
    struct vfs_file *f = fd_file((int)fd);
    uint8_t kbuf[512];
    if (!f)
        return -E_BADF;
    if (!user_ok(ubuf, len, 1))
        return -E_FAULT;
    int n = vfs_getdents(f, kbuf, MIN(len, sizeof(kbuf)));
    if (n > 0)
        copy_to_user(ubuf, kbuf, (uint32_t)n);
    return n;
}

static int sys_clock_gettime(uint32_t clock, uint32_t uts, uint32_t c, uint32_t d)
{
    struct proc *p = cur();
    uint64_t ns;
    if (clock == CLOCK_MONOTONIC)
        ns = monotonic_ns();
    else if (clock == CLOCK_PROCESS_CPUTIME_ID)
        ns = p->cpu_ns + (monotonic_ns() - p->ran_since);
    else
        return -E_INVAL;
    struct pvlab_timespec ts = {(int32_t)(ns / 1000000000u), (int32_t)(ns % 1000000000u)};
    return copy_to_user(uts, &ts, sizeof(ts));
}

/* Sleep the process (not the domain) until the deadline; the scheduler wakes it. */
static int sys_nanosleep(uint32_t uts, uint32_t b, uint32_t c, uint32_t d)
{
    struct pvlab_timespec ts;
    struct proc *p = cur();
    int rc = copy_from_user(&ts, uts, sizeof(ts));
    if (rc)
        return rc;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -E_INVAL;
    p->wake_ns = monotonic_ns() + (uint64_t)ts.tv_sec * 1000000000u + (uint32_t)ts.tv_nsec;
    while (p->wake_ns && !p->killed)
        sleep_on(&p->wake_ns);
    return p->killed ? -E_INTR : 0;
}

static int sys_yield(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    yield();
    return 0;
}

/* A path argument, copied in and made absolute from the working directory: 0, or -E_FAULT,
 * -E_NAMETOOLONG, -E_NOENT (an empty path). */
static int path_in(char *path, uint32_t upath)
{
    char given[PATH_MAX_LEN];
    int rc = copy_string_from_user(given, upath, PATH_MAX_LEN);
    if (rc)
        return rc == -E_INVAL ? -E_NAMETOOLONG : rc;
    return vfs_abspath(cur()->cwd, given, path);
}

/* The working directory becomes `path`, which must be a directory. */
static int sys_chdir(uint32_t upath, uint32_t b, uint32_t c, uint32_t d)
{
    char path[PATH_MAX_LEN];
    struct vfs_node n;
    int rc = path_in(path, upath);
    if (rc || (rc = vfs_lookup(path, &n)))
        return rc;
    if ((n.mode & S_IFMT) != S_IFDIR)
        return -E_NOTDIR;
    strlcpy(cur()->cwd, path, sizeof(cur()->cwd));
    return 0;
}

/* The working directory into ubuf (NUL-terminated); its length, or -E_RANGE if len is short. */
static int sys_getcwd(uint32_t ubuf, uint32_t len, uint32_t c, uint32_t d)
{
    uint32_t n = (uint32_t)strlen(cur()->cwd);
    if (len < n + 1)
        return -E_RANGE;
    int rc = copy_to_user(ubuf, cur()->cwd, n + 1);
    return rc ? rc : (int)n;
}

static int sys_unlink(uint32_t upath, uint32_t b, uint32_t c, uint32_t d)
{
    char path[PATH_MAX_LEN];
    int rc = path_in(path, upath);
    return rc ? rc : vfs_unlink(path);
}

static int sys_rmdir(uint32_t upath, uint32_t b, uint32_t c, uint32_t d)
{
    char path[PATH_MAX_LEN];
    int rc = path_in(path, upath);
    return rc ? rc : vfs_rmdir(path);
}

static int sys_mkdir(uint32_t upath, uint32_t mode, uint32_t c, uint32_t d)
{
    char path[PATH_MAX_LEN];
    int rc = path_in(path, upath);
    return rc ? rc : vfs_mkdir(path, mode);
}

static int sys_rename(uint32_t ufrom, uint32_t uto, uint32_t c, uint32_t d)
{
    char from[PATH_MAX_LEN], to[PATH_MAX_LEN];
    int rc = path_in(from, ufrom);
    if (rc == 0)
        rc = path_in(to, uto);
    return rc ? rc : vfs_rename(from, to);
}

static int sys_fsync(uint32_t fd, uint32_t b, uint32_t c, uint32_t d)
{
    struct vfs_file *f = fd_file((int)fd);
    return !f ? -E_BADF : f->kind == VFS_CONSOLE ? 0 : vfs_fsync(f);
}

static int sys_ftruncate(uint32_t fd, uint32_t len, uint32_t c, uint32_t d)
{
    struct vfs_file *f = fd_file((int)fd);
    return !f ? -E_BADF : f->kind == VFS_CONSOLE ? -E_INVAL : vfs_truncate(f, len);
}

/* What ps shows: up to max entries; their count. */
static int sys_procinfo(uint32_t ubuf, uint32_t max, uint32_t c, uint32_t d)
{
    uint32_t n = 0;
    if (max > NPROC || !user_ok(ubuf, max * sizeof(struct pvlab_procinfo), 1))
        return -E_FAULT;
    for (int i = 0; i < NPROC && n < max; i++) {
        const struct pt_entry *e = &ptab.e[i];
        if (e->state == PT_UNUSED)
            continue;
        struct pvlab_procinfo pi = {.pid = e->pid,
                                    .ppid = e->ppid,
                                    .state = e->state,
                                    .cpu_ms = (uint32_t)(procs[i].cpu_ns / 1000000),
                                    .pages = procs[i].pages};
        strlcpy(pi.name, procs[i].name, sizeof(pi.name));
        copy_to_user(ubuf + n++ * sizeof(pi), &pi, sizeof(pi));
    }
    return (int)n;
}

static int sys_setfg(uint32_t pid, uint32_t b, uint32_t c, uint32_t d)
{
    tty_fg_pid = (int)pid;
    return 0;
}

static int sys_uname(uint32_t uu, uint32_t b, uint32_t c, uint32_t d)
{
    static const char *const names[] = {"native", "dom0", "domU"};
    struct pvlab_uname u = {.domid = my_domid(), .privileged = is_initial_domain()};
    strlcpy(u.nodename, names[boot_mode], sizeof(u.nodename));
    return copy_to_user(uu, &u, sizeof(u));
}

static int sys_sync(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    return vfs_sync_all();
}

static int sys_statfs(uint32_t upath, uint32_t ust, uint32_t c, uint32_t d)
{
    char path[PATH_MAX_LEN];
    struct pvlab_statfs st;
    int rc = path_in(path, upath);
    if (rc || (rc = vfs_statfs(path, &st)))
        return rc;
    return copy_to_user(ust, &st, sizeof(st));
}

static int sys_mountinfo(uint32_t i, uint32_t uinfo, uint32_t c, uint32_t d)
{
    const struct vfs_mount *m = vfs_mount_nth((int)i);
    struct pvlab_mountinfo info = {.readonly = 0};
    if (!m)
        return -E_NOENT;
    strlcpy(info.path, m->path, sizeof(info.path));
    strlcpy(info.source, m->source, sizeof(info.source));
    strlcpy(info.type, m->type, sizeof(info.type));
    info.readonly = (uint32_t)m->readonly;
    return copy_to_user(uinfo, &info, sizeof(info));
}

/* ext2 on a block device, or "proc" for /proc; the mount point need not exist as a directory. */
static int sys_mount(uint32_t udev, uint32_t upath, uint32_t flags, uint32_t d)
{
    char dev[32], path[PATH_MAX_LEN];
    int rc = copy_string_from_user(dev, udev, sizeof(dev));
    if (rc || (rc = path_in(path, upath)))
        return rc;
    return strcmp(dev, "proc") ? ext2fs_mount(dev, path, (int)flags) : procfs_mount(path);
}

static int sys_umount(uint32_t upath, uint32_t b, uint32_t c, uint32_t d)
{
    char path[PATH_MAX_LEN];
    int rc = path_in(path, upath);
    return rc ? rc : vfs_umount(path);
}

/* newfd names what fd names (newfd's old file is closed first). */
static int sys_dup2(uint32_t fd, uint32_t newfd, uint32_t c, uint32_t d)
{
    struct vfs_file *f = fd_file((int)fd);
    if (!f || newfd >= MAX_FDS)
        return -E_BADF;
    if (newfd != fd) {
        vfs_put(cur()->fds[newfd]);
        cur()->fds[newfd] = vfs_dup(f);
    }
    return (int)newfd;
}

static const syscall_fn table[NR_SYSCALLS] = {
    [SYS_exit] = sys_exit,
    [SYS_spawn] = sys_spawn,
    [SYS_waitpid] = sys_waitpid,
    [SYS_getpid] = sys_getpid,
    [SYS_kill] = sys_kill,
    [SYS_brk] = sys_brk,
    [SYS_read] = sys_read,
    [SYS_write] = sys_write,
    [SYS_open] = sys_open,
    [SYS_close] = sys_close,
    [SYS_lseek] = sys_lseek,
    [SYS_stat] = sys_stat,
    [SYS_fstat] = sys_fstat,
    [SYS_getdents] = sys_getdents,
    [SYS_clock_gettime] = sys_clock_gettime,
    [SYS_nanosleep] = sys_nanosleep,
    [SYS_yield] = sys_yield,
    [SYS_unlink] = sys_unlink,
    [SYS_rename] = sys_rename,
    [SYS_mkdir] = sys_mkdir,
    [SYS_rmdir] = sys_rmdir,
    [SYS_fsync] = sys_fsync,
    [SYS_ftruncate] = sys_ftruncate,
    [SYS_procinfo] = sys_procinfo,
    [SYS_setfg] = sys_setfg,
    [SYS_uname] = sys_uname,
    [SYS_hvcounters] = sys_hvcounters,
    [SYS_privcmd] = sys_privcmd,
    [SYS_xenbus] = sys_xenbus,
    [SYS_privdrop] = sys_privdrop,
    [SYS_sync] = sys_sync,
    [SYS_statfs] = sys_statfs,
    [SYS_mountinfo] = sys_mountinfo,
    [SYS_mount] = sys_mount,
    [SYS_umount] = sys_umount,
    [SYS_dup2] = sys_dup2,
    [SYS_chdir] = sys_chdir,
    [SYS_getcwd] = sys_getcwd,
    [SYS_domsvc] = sys_domsvc,
    [SYS_sysinfo] = sys_sysinfo,
    [SYS_stats] = sys_stats,
    [SYS_poweroff] = sys_poweroff,
    [SYS_kbench] = sys_kbench,
    [SYS_kprobe] = sys_kprobe,
    [SYS_blkdev] = sys_blkdev,
};

/* syscall_hook: %eax is the number, %ebx %ecx %edx %esi the arguments. */
static void dispatch(struct trap_frame *f)
{
    struct proc *p = cur();
    if (!p) {
        f->eax = (uint32_t)-E_NOSYS;
        return;
    }
    syscall_fn fn = f->eax < NR_SYSCALLS ? table[f->eax] : NULL;
    f->eax = fn ? (uint32_t)fn(f->ebx, f->ecx, f->edx, f->esi) : (uint32_t)-E_NOSYS;
    if (timer_ticks != p->ticks_seen) /* inline: this is on every system call's path */
        preempt_after_syscall(p);
    if (p->killed)
        proc_exit(128 + p->killed);
}

void syscall_init(void)
{
    syscall_hook = dispatch;
}
