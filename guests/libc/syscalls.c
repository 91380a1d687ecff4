/*
 * syscalls.c - one stub per minios system call: `int $0x80` with the number
 * in %eax and the arguments in %ebx %ecx %edx %esi %edi (public/syscall.h).
 */
#include <ulib.h>
#include <public/xen.h>

long syscall5(uint32_t nr, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret), "+b"(a), "+c"(b), "+d"(c), "+S"(d), "+D"(e)
                     : "a"(nr)
                     : "memory");
    return ret;
}

#define SC(nr, a, b, c) ((int)syscall5(nr, (uint32_t)(a), (uint32_t)(b), (uint32_t)(c), 0, 0))

void exit(int status)
{
    for (;;)
        SC(SYS_exit, status, 0, 0);
}

int spawn(const char *path, char *const argv[])
{
    return SC(SYS_spawn, path, argv, 0);
}
int waitpid(int pid, int *status, int flags)
{
    return SC(SYS_waitpid, pid, status, flags);
}
int getpid(void)
{
    return SC(SYS_getpid, 0, 0, 0);
}
int kill(int pid, int sig)
{
    return SC(SYS_kill, pid, sig, 0);
}
int read(int fd, void *buf, uint32_t len)
{
    return SC(SYS_read, fd, buf, len);
}
int write(int fd, const void *buf, uint32_t len)
{
    return SC(SYS_write, fd, buf, len);
}
int open(const char *path, int flags)
{
    return SC(SYS_open, path, flags, 0);
}
int close(int fd)
{
    return SC(SYS_close, fd, 0, 0);
}
int lseek(int fd, int32_t off, int whence)
{
    return SC(SYS_lseek, fd, off, whence);
}
int stat(const char *path, struct pvlab_stat *st)
{
    return SC(SYS_stat, path, st, 0);
}
int fstat(int fd, struct pvlab_stat *st)
{
    return SC(SYS_fstat, fd, st, 0);
}
int getdents(int fd, void *buf, uint32_t len)
{
    return SC(SYS_getdents, fd, buf, len);
}
int clock_gettime(int clock, struct pvlab_timespec *ts)
{
    return SC(SYS_clock_gettime, clock, ts, 0);
}
int nanosleep(const struct pvlab_timespec *ts)
{
    return SC(SYS_nanosleep, ts, 0, 0);
}
int sched_yield(void)
{
    return SC(SYS_yield, 0, 0, 0);
}
int unlink(const char *path)
{
    return SC(SYS_unlink, path, 0, 0);
}
int mkdir(const char *path, int mode)
{
    return SC(SYS_mkdir, path, mode, 0);
}
int rmdir(const char *path)
{
    return SC(SYS_rmdir, path, 0, 0);
}
int rename(const char *from, const char *to)
{
    return SC(SYS_rename, from, to, 0);
}
int fsync(int fd)
{
    return SC(SYS_fsync, fd, 0, 0);
}
int ftruncate(int fd, uint32_t length)
{
    return SC(SYS_ftruncate, fd, length, 0);
}
int procinfo(struct pvlab_procinfo *buf, int max)
{
    return SC(SYS_procinfo, buf, max, 0);
}
int setfg(int pid)
{
    return SC(SYS_setfg, pid, 0, 0);
}
int uname(struct pvlab_uname *u)
{
    return SC(SYS_uname, u, 0, 0);
}
int sysinfo(struct pvlab_sysinfo *si)
{
    return SC(SYS_sysinfo, si, 0, 0);
}
int stats(struct pvlab_stats *st)
{
    return SC(SYS_stats, st, 0, 0);
}
int poweroff(void)
{
    return SC(SYS_poweroff, 0, 0, 0);
}
int kbench(void)
{
    return SC(SYS_kbench, 0, 0, 0);
}
int kprobe(uint32_t addr, uint32_t *val)
{
    return SC(SYS_kprobe, addr, val, 0);
}
int blkdev(int op, struct pvlab_blkreq *req)
{
    return SC(SYS_blkdev, op, req, 0);
}
int hvcounters(struct pvlab_hvcounters *c)
{
    return SC(SYS_hvcounters, c, 0, 0);
}
int privcmd(uint32_t hypercall, void *arg)
{
    return SC(SYS_privcmd, hypercall, arg, 0);
}
int xen_version(int cmd, void *arg)
{
    return SC(SYS_privcmd, __HYPERVISOR_xen_version, cmd, arg);
}
int xenbus(const void *msg, uint32_t len, void *reply, uint32_t cap)
{
    return (int)syscall5(SYS_xenbus, (uint32_t)msg, len, (uint32_t)reply, cap, 0);
}
int privdrop(void)
{
    return SC(SYS_privdrop, 0, 0, 0);
}

int sync(void)
{
    return SC(SYS_sync, 0, 0, 0);
}
int statfs(const char *path, struct pvlab_statfs *st)
{
    return SC(SYS_statfs, path, st, 0);
}
int mountinfo(int i, struct pvlab_mountinfo *info)
{
    return SC(SYS_mountinfo, i, info, 0);
}
int mount(const char *dev, const char *path, int flags)
{
    return SC(SYS_mount, dev, path, flags);
}
int umount(const char *path)
{
    return SC(SYS_umount, path, 0, 0);
}
int dup2(int fd, int newfd)
{
    return SC(SYS_dup2, fd, newfd, 0);
}
int chdir(const char *path)
{
    return SC(SYS_chdir, path, 0, 0);
}
int getcwd(char *buf, uint32_t len)
{
    return SC(SYS_getcwd, buf, len, 0);
}

/* brk(0) tells where the heap ends; sbrk moves that end. */
void *sbrk(int32_t delta)
{
    uint32_t old = (uint32_t)SC(SYS_brk, 0, 0, 0);
    if (delta == 0)
        return (void *)old;
    uint32_t now = (uint32_t)SC(SYS_brk, old + delta, 0, 0);
    return now == old + delta ? (void *)old : (void *)-1;
}
