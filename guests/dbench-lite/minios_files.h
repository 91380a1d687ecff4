/*
 * minios_files.h - handles for more open files than a minios process may
 * hold (minios_files.c tells how), used by minios.c.  Paths are absolute;
 * results are >= 0 or a negated errno, as the system calls'.
 */
#ifndef DBENCH_MINIOS_FILES_H
#define DBENCH_MINIOS_FILES_H

#include "dbench.h"

int mf_open(const char *path, int flags);     /* a handle */
int mf_fd(int h);                             /* its descriptor, opened again if parked */
long mf_read(int h, void *buf, uint32_t len); /* sequential: the offset survives parking */
int mf_close(int h);
/* open() for a descriptor used and closed at once (a directory listing),
 * parking a handle other than `keep` (-1: any) if minios has none free. */
int mf_raw_open(const char *path, int flags, int keep);
void mf_renamed(const char *from, const char *to); /* after a successful rename */
void mf_unlinking(const char *path);               /* before an unlink: keep open files readable */
unsigned mf_reopens(void); /* how many times a parked file was opened again */

#endif
