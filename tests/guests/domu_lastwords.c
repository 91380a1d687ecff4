/*
 * domu_lastwords - a domU whose last line is in its console ring when it
 * powers off, with no event to say so: it writes the line with the ring's
 * indexes alone and shuts down at once, as a guest that dies before it can
 * notify would.  It first waits until dom0 has taken everything it printed,
 * so no earlier event can carry the line along.  dom0's console service must
 * still show that line to a user attached with `xm-lite create -c`: the
 * attach takes the domain's end as the cue to read the ring itself
 * (tools/console/consoled.c, consoled_attach()).  CI once lost
 * domu_privileged's verdict this way: its event came after the attach had
 * looked.
 */
#include "xtf.h"
#include <public/io/console.h>

const char test_title[] = "a domU's last words in its console ring reach an attached user";

/* Put s in the console's out ring without notifying dom0. */
static void write_silently(const char *s)
{
    int pfn = mfn_to_pfn(start_info.console.domU.mfn);
    if (pfn < 0) {
        xtf_error("no console page");
        return;
    }
    struct xencons_interface *r = pfn_to_virt((uint32_t)pfn);
    while (r->out_cons != r->out_prod) /* dom0 has taken all we printed: no event is left */
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    XENCONS_RING_IDX prod = r->out_prod;
    while (*s && prod - r->out_cons < sizeof(r->out))
        r->out[MASK_XENCONS_IDX(prod++, r->out)] = *s++;
    barrier(); /* the bytes are in before the index moves */
    r->out_prod = prod;
}

void test_main(void)
{
    char line[80];
    snprintf(line, sizeof(line), "XTF: %s: SUCCESS\n", start_info.cmd_line);
    write_silently(line);
    struct sched_shutdown s = {.reason = SHUTDOWN_poweroff};
    HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
    xtf_error("still running after SCHEDOP_shutdown");
}
