/*
 * test_dbench_fake.h - a fake struct dbl_os for dbench-lite's unit tests.
 *
 * A tiny in-memory file system (paths, directories, file sizes, no data)
 * behind the OS interface of guests/dbench-lite/dbench.h, which logs every
 * call as one line ("open(d/clients/client0/f, 0102) = 3") so a test can
 * check the exact sequence of calls an operation makes.  The clock ticks one
 * microsecond per call; whatever dbench-lite prints is kept in fake_out.
 */
#ifndef TEST_DBENCH_FAKE_H
#define TEST_DBENCH_FAKE_H

#include "dbench.h"

extern const struct dbl_os fake_os;
extern char fake_log[16384]; /* one line per call */
extern char fake_out[16384]; /* what dbench-lite printed */

void fake_reset(void);
void fake_add_dir(const char *path);
void fake_add_file(const char *path, const char *content); /* content may be NULL */
int fake_exists(const char *path);

#endif
