/*
 * user.c - a minimal ring-3 environment: one page of user code and one of
 * user stack at USER_BASE, mapped with the _PAGE_USER bit through an L1 table
 * we build and hand to the hypervisor, exactly as a PV kernel maps a process.
 *
 * Tour 23/58 - after cmdline.c, before usermode.S.
 */
#include <entry.h>
#include <os.h>
#include <user.h>

#define USER_BASE 0x08000000u

static uint8_t trap_stack[8192] __attribute__((aligned(16)));
static int user_ready;

static int map_user_region(void)
{
    uint32_t *l1 = alloc_page();
    uint8_t *code = alloc_page(), *stack = alloc_page();
    if (!l1 || !code || !stack)
        return -1;
    memcpy(code, user_int80_loop, user_int80_end - user_int80_loop);
    const uint32_t u = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
    l1[0] = (virt_to_mfn(code) << PAGE_SHIFT) | u;
    l1[1] = (virt_to_mfn(stack) << PAGE_SHIFT) | u | _PAGE_RW | _PAGE_DIRTY;
    if (map_frame_at((uint32_t)l1, virt_to_mfn(l1), _PAGE_PRESENT | _PAGE_ACCESSED))
        return -1;
    return set_pde(kernel_base_mfn(), USER_BASE, (virt_to_mfn(l1) << PAGE_SHIFT) | u | _PAGE_RW)
               ? -1
               : 0;
}

int user_mode_begin(void)
{
    if (!user_ready) {
        if (map_user_region())
            return -1;
        user_ready = 1;
    }
    /* Our user pages are in the builder's page directory, not in a process's. */
    if (set_base_ptr(kernel_base_mfn()))
        return -1;
    /* Traps from ring 3 land on their own stack, clear of the kernel frames in use. */
    return set_kernel_stack((uint32_t)(trap_stack + sizeof(trap_stack)));
}

void user_mode_end(void)
{
    set_kernel_stack((uint32_t)boot_stack_top);
}

uint64_t user_int80_loop_run(uint32_t iterations)
{
    run_user(USER_BASE, USER_BASE + 2 * PAGE_SIZE, iterations);
    uint64_t start = ((uint64_t)user_result[1] << 32) | user_result[0];
    uint64_t end = ((uint64_t)user_result[3] << 32) | user_result[2];
    return end - start;
}
