/*
 * domu_chatty - a domU that writes far more to its console than dom0's
 * console log keeps (16 KiB), before anyone attaches.  The test attaches
 * afterwards and checks that the log says how many bytes it dropped, and that
 * what it kept is the newest output, ending with the last line.
 */
#include "xtf.h"

const char test_title[] = "console output beyond the log is reported, never silently lost";

void test_main(void)
{
    for (int i = 0; i < 400; i++) /* 400 lines of 100 bytes: 40000 bytes */
        printf("chatty line %04d %s\n", i,
               "......................................................................"
               "...........");
    printf("XTF: %s: SUCCESS\n", start_info.cmd_line);
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}
