/*
 * ulib.h - pvlab's user-space C library (guests/libc): system-call stubs,
 * printf, malloc over brk, and the string functions of lib/ (lib.h), which
 * the kernels use too.  Programs in guests/bin include only this.
 */
#ifndef ULIB_H
#define ULIB_H

#include <lib.h>
#include <public/syscall.h>

/* syscalls.c: each returns the kernel's answer, a negated E_* on failure */
long syscall5(uint32_t nr, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e);
void exit(int status) __attribute__((noreturn));
int spawn(const char *path, char *const argv[]);
int waitpid(int pid, int *status, int flags);
int getpid(void);
int kill(int pid, int sig);
void *sbrk(int32_t delta);
int read(int fd, void *buf, uint32_t len);
int write(int fd, const void *buf, uint32_t len);
int open(const char *path, int flags);
int close(int fd);
int lseek(int fd, int32_t off, int whence);
int stat(const char *path, struct pvlab_stat *st);
int fstat(int fd, struct pvlab_stat *st);
int getdents(int fd, void *buf, uint32_t len);
int clock_gettime(int clock, struct pvlab_timespec *ts);
int nanosleep(const struct pvlab_timespec *ts);
int sched_yield(void);
int unlink(const char *path);
int mkdir(const char *path, int mode);
int rmdir(const char *path);
int rename(const char *from, const char *to);
int fsync(int fd);
int ftruncate(int fd, uint32_t length);
int procinfo(struct pvlab_procinfo *buf, int max);
int setfg(int pid);
int uname(struct pvlab_uname *u);
int sysinfo(struct pvlab_sysinfo *si);
int stats(struct pvlab_stats *st);
int poweroff(void);                       /* returns only if refused */
int kbench(void);                         /* the kernel's benchmarks print their BENCH lines */
int kprobe(uint32_t addr, uint32_t *val); /* a kernel read: 0, or -E_FAULT if it faulted */
int blkdev(int op, struct pvlab_blkreq *req);
int hvcounters(struct pvlab_hvcounters *c);
int privcmd(uint32_t hypercall, void *arg); /* dom0's /dev/xen/privcmd: domctl, sysctl */
int xen_version(int cmd, void *arg);        /* through privcmd */
int xenbus(const void *msg, uint32_t len, void *reply, uint32_t cap);
int privdrop(void);
int sync(void);
int statfs(const char *path, struct pvlab_statfs *st);
int mountinfo(int i, struct pvlab_mountinfo *info); /* -E_NOENT past the last mount */
int mount(const char *dev, const char *path, int flags);
int umount(const char *path);
int dup2(int fd, int newfd);
int chdir(const char *path);
int getcwd(char *buf, uint32_t len); /* the length of the path, or -E_RANGE if len is too small */

/* stdio.c */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int puts(const char *s);
const char *strerror(int err); /* err positive: E_NOENT -> "no such file or directory" */
uint64_t now_ns(void);         /* CLOCK_MONOTONIC */

/* malloc.c */
void *malloc(size_t n);
void free(void *p);

#endif
