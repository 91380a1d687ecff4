/*
 * domu_console - a domU cannot write to the hypervisor's console as if it
 * were the hypervisor, nor flood it (issue 14: any domU could forge "(XEN)"
 * lines).  It writes a forged "(XEN)" line, one that tries to return to the
 * start of the line with \r, one with an escape sequence, and then 200 KB in
 * one go.  The test reads the serial line: every line is prefixed "(dN) ",
 * control characters are '?', most of the flood is dropped and counted, and
 * dom0 still answers.
 */
#include "xtf.h"

const char test_title[] = "console_io from a domU is prefixed, filtered and rate-limited";

static char flood[200 * 1024];

static void write_raw(const char *s)
{
    HYPERVISOR_console_io(CONSOLEIO_write, strlen(s), s);
}

void test_main(void)
{
    write_raw("(XEN) forged: domain 0 crashed\n");
    write_raw("partial line\r(XEN) forged after a carriage return\n");
    write_raw("\033[2K\033[1G(XEN) forged after an escape sequence\n");
    memset(flood, 'f', sizeof(flood));
    for (unsigned int i = 99; i < sizeof(flood); i += 100)
        flood[i] = '\n';
    long rc = HYPERVISOR_console_io(CONSOLEIO_write, sizeof(flood), flood);
    if (rc)
        xtf_failure("the flood returned %ld", rc);
}
