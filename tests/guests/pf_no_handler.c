/*
 * pf_no_handler - a guest that takes a page fault with no handler registered
 * cannot continue: the hypervisor must crash it with a logged reason (and
 * then carry on with the next domain).  If the fault returns to us at all,
 * that is a failure.
 */
#include "xtf.h"

const char test_title[] = "a #PF with no handler crashes the domain, not the hypervisor";

void test_main(void)
{
    printf("XTF: %s: expecting the hypervisor to crash this domain\n", start_info.cmd_line);
    HYPERVISOR_set_trap_table(NULL); /* no handlers at all any more */
    volatile uint32_t *unmapped = (volatile uint32_t *)0x00002000;
    (void)*unmapped;
    xtf_failure("the page fault returned to the guest");
}
