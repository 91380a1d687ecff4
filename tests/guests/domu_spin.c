/*
 * domu_spin - a domU that never gives up the CPU.  The scheduler's time
 * slices must keep dom0 answering at its prompt (the test types commands
 * while this runs), until dom0 destroys it.
 */
#include "xtf.h"

const char test_title[] = "a domU spinning forever cannot starve dom0";

void test_main(void)
{
    printf("XTF: %s: spinning now\n", start_info.cmd_line);
    for (volatile uint32_t i = 0;; i++)
        ;
}
