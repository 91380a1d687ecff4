/*
 * config.h - the hypervisor's memory layout and build-time limits.
 *
 * The hypervisor lives in the top 64 MiB of every address space:
 *
 *   0xFC000000 +---------------------------+
 *              | direct map of machine     |  4 MiB superpages over the first
 *              | memory 0 .. 48 MiB        |  48 MiB: the hypervisor image at
 *              |                           |  0xFC100000, its heap, the frame
 *   0xFF000000 +---------------------------+  table, boot modules
 *              | (unused)                  |
 *   0xFF800000 +---------------------------+
 *              | entry area: IDT stubs,    |  also mapped (read-only but for
 *              | GDT/IDT/TSS, entry stack  |  the stack) while a guest runs
 *   0xFFC00000 +---------------------------+
 *              | map_domain_page window    |  1024 one-page slots for frames
 *   0xFFFFFFFF +---------------------------+  outside the direct map
 *
 * Guests get everything below 0xFC000000; their segment limits stop there.
 * The top 32 MiB of that (0xFA000000) is each guest's grant area.
 */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

/* Also read by boot.S and the linker script (hv.lds.S): XEN_UINT, no `u` there. */
#include <public/arch-x86_32.h>

#define PAGE_SHIFT XEN_PAGE_SHIFT
#define PAGE_SIZE  XEN_PAGE_SIZE
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define HV_VIRT_START    HYPERVISOR_VIRT_START
#define DIRECTMAP_SIZE   (XEN_UINT(48) << 20)
#define DIRECTMAP_FRAMES (DIRECTMAP_SIZE >> PAGE_SHIFT)
#define ENTRY_AREA       XEN_UINT(0xFF800000) /* the stubs, descriptor tables, entry stack */
/* The frame page: the entry area's last page (arch/x86/entry.S: entry_frame_page; hv.lds.S
 * checks it), a constant so that a switch maps a vCPU's page there with no address to load. */
#define ENTRY_FRAME_PAGE XEN_UINT(0xFF807000)
#define MAPCACHE_START   XEN_UINT(0xFFC00000)
#define MAPCACHE_SLOTS   1024
/* The running domain's windows, in the hypervisor's view of the entry area only: its struct
 * domain page and its shared_info page (arch/x86/hv_mappings.c: load_guest_pagetable()). */
#define RUNNING_DOMAIN_VA      XEN_UINT(0xFF810000)
#define RUNNING_SHARED_INFO_VA XEN_UINT(0xFF811000)
/* Page-directory slots: 0-999 are the guest's; 1000-1007 map its grant area, a window
 * of 1,024 mappings each (page tables the hypervisor owns, taken as they are used, see
 * hv/grant_table.c); 1008-1023 are the hypervisor. */
#define HV_L2_FIRST_SLOT    (HV_VIRT_START >> 22) /* 1008 */
#define GRANT_AREA_WINDOWS  8
#define GRANT_L2_FIRST_SLOT (HV_L2_FIRST_SLOT - GRANT_AREA_WINDOWS) /* 1000 */
#define GUEST_L2_SLOTS      GRANT_L2_FIRST_SLOT /* slots a guest controls: 0..999 */

#define HV_LOAD_PHYS XEN_UINT(0x00100000) /* the hypervisor image's physical load address */
/* Frames above 3 GiB are ignored: without PAE, what QEMU's i440fx puts below the 4 GiB line
 * (PCI takes the rest); the frame table for it takes 12 MiB of the direct map. */
#define MAX_MACHINE_MEMORY (3072u << 20)
#define HV_STACK_SIZE      (16 * 1024)

#define HZ             1000 /* hypervisor timer interrupts per second */
#define SCHED_SLICE_MS 10
/* hv/sched_policy.c: weights scale virtual time (a domain of weight 2x gets
 * twice the CPU of one of 1x when both spin); a waking vCPU may bring back at
 * most SCHED_WAKE_LAG_NS of credit, and takes the CPU from a running one only
 * if it is behind it by more than SCHED_PREEMPT_MARGIN_NS. */
#define SCHED_WEIGHT_DEFAULT    256
#define SCHED_WAKE_LAG_NS       (SCHED_SLICE_MS * 1000000ull)
#define SCHED_PREEMPT_MARGIN_NS 1000000ull
/* L2 entries a pin or unpin handles per hypervisor entry: each may (in)validate an L1
 * of 1024 entries, so one step is at most about 8 x 1024 reference updates.  An empty
 * (not present) slot costs 1/MM_L2_EMPTY_PER_ENTRY of one: a tiny domain's directory of
 * 1,007 mostly empty slots took 126 steps, each a hypercall continuation (issue 15). */
#define MM_L2_BUDGET          8
#define MM_L2_EMPTY_PER_ENTRY 64
/* A domU's build (hv/domain_build.c): image bytes copied, and frames allocated, per hypervisor
 * entry; a frame that has to be scrubbed on the spot (no clean one left) counts as
 * BUILD_SCRUB_COST clean ones, so a step stays under ~150 K instructions either way. */
#define BUILD_COPY_CHUNK   (256u << 10)
#define BUILD_ALLOC_BUDGET 2048
#define BUILD_SCRUB_COST   16
/* Free frames the idle loop scrubs between two looks for a runnable vCPU (~20 K instructions). */
#define SCRUB_IDLE_BATCH  16
#define RELINQUISH_BUDGET 8192 /* frame-table entries a destroy step scans (hv/domain.c) */
/* An unprivileged domain's console_io writes: a burst, then this many bytes a second. */
#define GUEST_CONSOLE_BURST 8192
#define GUEST_CONSOLE_RATE  4096
#define DEFAULT_DOM0_MEM    (64u << 20)
#define DOM0_MEM_RESERVE    (2u << 20) /* kept free when dom0_mem is clamped to the machine */

#endif
