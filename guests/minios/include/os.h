/*
 * os.h - minios's core declarations: the start-of-day state every part
 * shares, and the interfaces of its small subsystems.
 */
#ifndef MINIOS_OS_H
#define MINIOS_OS_H

#include <stdint.h>
#include <lib.h>
#include <asm_offsets.h>
#include <hypercall.h>
#include <grant_slots.h>
#include <evtchn_dispatch.h>
#include <machine.h>
#include <public/errno.h>
#include <public/io/xs_wire.h>

#define VIRT_BASE  0xC0000000u
#define PAGE_SIZE  XEN_PAGE_SIZE
#define PAGE_SHIFT XEN_PAGE_SHIFT

/* No frame pointer and no alignment padding before loops and jump targets, for a function on a
 * short path (a hypercall wrapper, a trap hook, the event dispatch): a few instructions fewer
 * (a padding nop that is run is an instruction too); nothing in minios walks frames. */
#define LEAN __attribute__((optimize("omit-frame-pointer", "align-loops=1", "align-jumps=1")))

extern struct start_info start_info;
extern struct shared_info *HYPERVISOR_shared_info;
extern uint32_t *phys_to_machine; /* start_info.mfn_list */

static inline uint32_t virt_to_pfn(const void *va)
{
    return ((uint32_t)va - VIRT_BASE) >> PAGE_SHIFT;
}
static inline uint32_t virt_to_mfn(const void *va)
{
    return phys_to_machine[virt_to_pfn(va)];
}
static inline void *pfn_to_virt(uint32_t pfn)
{
    return (void *)(VIRT_BASE + (pfn << PAGE_SHIFT));
}
static inline void barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

/* Events on and off: the guest's cli/sti (it never executes the real ones). */
static inline int local_events_disable(void)
{
    uint8_t *m = &HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_mask;
    int old = *m;
    *m = 1;
    barrier();
    return old;
}
void local_events_enable(void);
static inline void local_events_restore(int old)
{
    if (!old)
        local_events_enable();
}

/* console.c */
void console_init(void);
void console_write(const char *s, uint32_t n);
void console_flush(void); /* a domU: until dom0 has taken what was printed */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int console_read(char *buf, uint32_t n); /* dom0: bytes typed on the serial line */
void console_input_init(void);
extern volatile uint32_t console_events;

/* traps.c */
struct trap_frame {
    uint32_t edi, esi, ebp, esp_dummy, ebx, edx, ecx, eax;
    uint32_t es, ds, vector, error_code;
    uint32_t eip, cs, eflags;
    uint32_t user_esp, user_ss; /* only when the trap came from ring 3 */
};
void trap_init(void);
typedef int (*trap_hook_t)(struct trap_frame *f); /* returns 1 if it handled the trap */
void set_trap_hook(unsigned int vector, trap_hook_t hook);
int probe_read(uint32_t addr, uint32_t *val); /* 0, or -1 if reading faulted */
extern volatile uint32_t page_faults_handled;
extern volatile uint32_t last_fault_vector, faults_fixed_up; /* set when a fixup was used */
const char *trap_name(unsigned int vector);
/* The process layer's entries (proc/): a fault from ring 3 (returns 1 if it
 * dealt with it), an int $0x80, and an upcall that is about to return to ring 3. */
extern int (*user_trap_hook)(struct trap_frame *f, uint32_t cr2);
extern void (*syscall_hook)(struct trap_frame *f);
extern void (*user_preempt_hook)(void);

/* events.c (evtchn_handler_t: evtchn_dispatch.h) */
void events_init(void);
int bind_virq(uint32_t virq, evtchn_handler_t h, void *data); /* returns the port or <0 */
int bind_pirq(uint32_t irq, evtchn_handler_t h, void *data);  /* a device's IRQ; the port or <0 */
void unmask_evtchn(evtchn_port_t port);
void mask_evtchn(evtchn_port_t port);
void block_until(volatile uint32_t *counter, uint32_t old); /* sleep until *counter != old */
void wait_for_events(void);        /* events masked: sleep until one is pending, dispatch it */
void do_hypervisor_callback(void); /* events masked: handle every pending port */

/* mm.c */
void mm_init(void);
void *alloc_page(void);        /* zeroed; NULL when out of memory */
void *alloc_pages(uint32_t n); /* zeroed and contiguous */
int mfn_to_pfn(uint32_t mfn);
void free_page(void *va);
uint32_t free_pages(void);
uint32_t first_free_pfn(void);
/* Map frame mfn at va in the address space in CR3 (update_va_mapping), flushing va. */
static inline int map_frame_at(uint32_t va, uint32_t mfn, uint32_t flags)
{
    return machine.update_va_mapping(va, (mfn << PAGE_SHIFT) | flags, UVMF_INVLPG);
}
int set_pde(uint32_t l2_mfn, uint32_t va, uint32_t val); /* the entry of l2 that maps va */
extern uint32_t boot_first_free_pfn;                     /* native: after the boot's tables */
uint32_t kernel_base_mfn(void); /* the page directory the domain builder made */
/*
 * The page directory in CR3 and the stack traps from ring 3 land on, as we
 * last set them: a switch to what is already loaded costs nothing (the
 * process scheduler and run_user share these).  Inline, so that a process
 * switch makes the same calls through the operations table as it made to
 * the hypercall wrappers before there was a table.
 */
extern uint32_t loaded_base_mfn, loaded_kernel_sp;
static inline int set_base_ptr(uint32_t l2_mfn) /* MMUEXT_NEW_BASEPTR; natively mov %cr3 */
{
    if (l2_mfn == loaded_base_mfn)
        return 0;
    int rc = machine.load_cr3(l2_mfn);
    if (rc == 0)
        loaded_base_mfn = l2_mfn;
    return rc;
}
static inline uint32_t current_base_mfn(void)
{
    return loaded_base_mfn;
}
static inline int set_kernel_stack(uint32_t esp) /* stack_switch; natively the TSS's esp0 */
{
    if (esp == loaded_kernel_sp)
        return 0;
    int rc = machine.set_kernel_stack(esp);
    if (rc == 0)
        loaded_kernel_sp = esp;
    return rc;
}

/* time.c */
void time_init(void);
uint64_t monotonic_ns(void);
extern volatile uint32_t timer_ticks;
extern evtchn_port_t timer_port;

/* gnttab.c */
void gnttab_init(void);
grant_ref_t gnttab_grant_access(domid_t dom, uint32_t mfn, int readonly); /* 0 if none free */
/* n references side by side, kept for the caller alone (for gnttab_grant_pages()): the
 * first, or 0 if the table has no such run even at its largest. */
grant_ref_t gnttab_reserve(uint32_t n);
/* Grant dom access to pages[0..n) through the reserved references from `first` on (page p by
 * first + p), read-only if asked; the reference each page got goes to refs[p] (another one if
 * its reserved one's last grant is still mapped).  The number granted: n, or fewer if the
 * table is full. */
uint32_t gnttab_grant_pages(grant_ref_t first, domid_t dom, int readonly, const void *const *pages,
                            uint32_t n, grant_ref_t *refs);
extern struct grant_entry_v1 *gnttab_table;
/* Revoke a grant unless it is mapped (-1); one compare-and-swap, so no mapping slips in
 * between.  Inline: a block request revokes each of its pages' grants. */
static inline int gnttab_end_access(grant_ref_t ref)
{
    uint16_t *flags = &gnttab_table[ref].flags, f = *flags;
    do {
        if (f & (GTF_reading | GTF_writing))
            return -1;
    } while (!__atomic_compare_exchange_n(flags, &f, GTF_invalid, 0, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    return 0;
}
/* A map's arguments, written in the caller's own operation (gnttab_map() adds the page). */
static inline void gnttab_map_args(struct gnttab_map_grant_ref *op, domid_t dom, grant_ref_t ref,
                                   int readonly)
{
    op->flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0);
    op->ref = ref;
    op->dom = dom;
}
/* The grant area's pages in use, and the rare ways of a map, out of line (gnttab.c). */
extern struct grant_slots gnttab_slots;
void *gnttab_map_above_full_words(struct gnttab_map_grant_ref *op);
void *gnttab_map_refused(uint32_t va);
/*
 * Map op's grant into a free page of the grant area: its address, or NULL (op->status says
 * why); op->handle unmaps it.  The hypervisor writes the status, handle and bus address
 * straight into the caller's op; the status is set to an error first, so that an op it could
 * not even read reads as refused.  Inline, as gnttab_unmap(): a backend maps and unmaps a
 * grant per request, and its own registers then carry the operation across the hypercall.
 */
static inline void *gnttab_map(struct gnttab_map_grant_ref *op)
{
    if (!grant_slots_room(&gnttab_slots))
        return gnttab_map_above_full_words(op);
    op->host_addr = GRANT_AREA_START + grant_slot_take(&gnttab_slots) * PAGE_SIZE;
    op->status = GNTST_general_error;
    HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, op, 1);
    uint32_t va = (uint32_t)op->host_addr; /* read back, not kept in a register across the call */
    if (op->status != GNTST_okay)
        return gnttab_map_refused(va);
    return (void *)va;
}
/* Unmap what gnttab_map() mapped at va with handle; 0, or -1 if the hypervisor refused. */
static inline int gnttab_unmap(void *va, grant_handle_t handle)
{
    struct gnttab_unmap_grant_ref op;
    op.host_addr = (uint32_t)va;
    op.handle = handle;
    op.status = GNTST_general_error;
    HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);
    if (op.status != GNTST_okay)
        return -1;
    grant_slot_give(&gnttab_slots, op.handle); /* the handle is the page's slot */
    return 0;
}

/* A run of n grants mapped side by side with one hypercall each way (a backend's whole request,
 * so the disk moves it in one device request): ops[i] holds map_args, as for gnttab_map().  The
 * first page's address, or NULL, with nothing left mapped, if there is no run of n free pages or
 * the hypervisor refused any (ops[i].status says which).  unmaps has room for n operations. */
void *gnttab_map_run(struct gnttab_map_grant_ref *ops, uint32_t n);
int gnttab_unmap_run(const struct gnttab_map_grant_ref *ops, struct gnttab_unmap_grant_ref *unmaps,
                     uint32_t n); /* 0, or -1 if any was refused (that page stays taken) */

/* events.c: a handler for a port we already have (from start_info or interdomain binding) */
void bind_port(evtchn_port_t port, evtchn_handler_t h, void *data);
int bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_handler_t h, void *data);
void notify_remote(evtchn_port_t port);
void close_port(evtchn_port_t port);
void unbind_port(evtchn_port_t port, evtchn_handler_t h, void *data); /* closes with the last */
extern volatile uint32_t event_count; /* bumped by every handled event: wakes service loops */
extern void (*service_hook)(void);    /* dom0's services (xm-lite), run after every wake-up */
/* Between processes; inline: a domU has no services, and the test is all it runs after each
 * of its events. */
static inline void run_services(void)
{
    if (service_hook)
        service_hook();
}

/* xenbus.c (domU): the xenstore, through its ring */
void xenbus_init(void);
int xenbus_request(uint32_t type, const char *a, const char *b, uint32_t blen, char *out,
                   uint32_t cap);
int xenbus_read(const char *path, char *out, uint32_t cap); /* payload length, or -1 */
int xenbus_write(const char *path, const char *value);
domid_t my_domid(void);

/* kernel.c */
void poweroff(void) __attribute__((noreturn));
void crash(const char *why) __attribute__((noreturn));
int app_main(void); /* what minios runs after the core: its OS (startup.c), or a test */
void start_of_day(void) __attribute__((noreturn)); /* after the operations table is chosen */
extern uint64_t start_tsc;
int is_initial_domain(void);

#endif
