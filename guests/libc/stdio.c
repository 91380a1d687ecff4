/*
 * stdio.c - formatted output for programs: lib/'s vsnprintf into a buffer,
 * then one write(2).  No FILE streams: a program writes to fd 1 or 2.
 */
#include <ulib.h>

static int vdprintf(int fd, const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    write(fd, buf, MIN((uint32_t)n, sizeof(buf) - 1));
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(1, fmt, ap);
    va_end(ap);
    return n;
}

int dprintf(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(fd, fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s)
{
    write(1, s, strlen(s));
    return write(1, "\n", 1);
}

const char *strerror(int err)
{
    switch (err) {
    case E_PERM:
        return "operation not permitted";
    case E_NOENT:
        return "no such file or directory";
    case E_SRCH:
        return "no such process";
    case E_INTR:
        return "interrupted";
    case E_NOEXEC:
        return "not an executable";
    case E_BADF:
        return "bad file descriptor";
    case E_CHILD:
        return "no child processes";
    case E_AGAIN:
        return "resource temporarily unavailable";
    case E_NOMEM:
        return "out of memory";
    case E_FAULT:
        return "bad address";
    case E_NOTDIR:
        return "not a directory";
    case E_ISDIR:
        return "is a directory";
    case E_INVAL:
        return "invalid argument";
    case E_EXIST:
        return "file exists";
    case E_XDEV:
        return "cross-device link";
    case E_NOTEMPTY:
        return "directory not empty";
    case E_ROFS:
        return "read-only file system";
    case E_2BIG:
        return "argument list too long";
    case E_NOSYS:
        return "function not implemented";
    case E_NOSPC:
        return "no space left on device";
    case E_NAMETOOLONG:
        return "name too long";
    case E_BUSY:
        return "device or resource busy";
    case E_IO:
        return "input/output error";
    case E_FBIG:
        return "file too large";
    case E_MFILE:
        return "too many open files";
    case E_NFILE:
        return "too many open files in the system";
    case E_RANGE:
        return "result too large";
    default:
        return "error";
    }
}

uint64_t now_ns(void)
{
    struct pvlab_timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint32_t)ts.tv_nsec;
}
