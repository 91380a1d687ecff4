/*
 * errno.h - the error numbers hypercalls return (negated), Xen's values,
 * which are also Linux's.
 */
#ifndef PUBLIC_ERRNO_H
#define PUBLIC_ERRNO_H

#define XEN_EPERM     1
#define XEN_ENOENT    2
#define XEN_ESRCH     3
#define XEN_EINTR     4
#define XEN_EIO       5
#define XEN_ENOMEM    12
#define XEN_EACCES    13
#define XEN_EFAULT    14
#define XEN_EBUSY     16
#define XEN_EEXIST    17
#define XEN_ENOTDIR   20
#define XEN_EISDIR    21
#define XEN_EINVAL    22
#define XEN_ENFILE    23
#define XEN_EFBIG     27
#define XEN_ENOSPC    28
#define XEN_EROFS     30
#define XEN_EMLINK    31
#define XEN_ERANGE    34
#define XEN_ENAMETOOLONG 36
#define XEN_ENOSYS    38
#define XEN_ENOTEMPTY 39
#define XEN_ELOOP     40
#define XEN_ETIMEDOUT 110
#define XEN_EALREADY  114

#endif
