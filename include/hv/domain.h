/*
 * domain.h - domains and their virtual CPUs.
 *
 * A domain is a guest: its memory (frames owned in the frame table), its
 * shared_info page, its event channels and its vCPUs.  pvlab gives every
 * domain one vCPU.  A vCPU's registers live in its frame page, one of its
 * domain's own frames that the builder sets aside (hv/frame_alloc.c:
 * frame_page_take()): while the vCPU runs, that page is mapped at the top of
 * the hypervisor stack (guest_cpu_user_regs()), so a switch moves no
 * registers, only the page's mapping.
 */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include <stdint.h>
#include <public/xen.h>
#include <public/event_channel.h>
#include <public/sched.h>
#include <public/sysctl.h>
#include <hv/console.h>
#include <hv/fpu.h>
#include <hv/grant.h>
#include <hv/mm.h>

/*
 * A port.  An interdomain port holds its peer domain itself, so that a send follows one pointer
 * instead of looking the id up (every notification between domains): a peer never dies with it
 * set, since domain_kill() closes the dying domain's ports, which turns each peer's end back to
 * unbound (hv/event_channel.c: close_port()).
 */
struct evtchn {
    uint8_t state; /* EVTCHNSTAT_* */
    uint8_t _pad;
    uint16_t remote_port; /* interdomain: the peer's port; virq/pirq: its number */
    union {
        domid_t remote_dom;  /* unbound: the domain that may bind it */
        struct domain *peer; /* interdomain: the other end's domain */
    };
};

/* A domain's ports (hv/event_channel.c): the first EVTCHN_INLINE in struct domain itself, the
 * rest in pages of EVTCHNS_PER_PAGE taken when a free port is first looked for there. */
#define EVTCHN_INLINE    32
#define EVTCHNS_PER_PAGE (4096 / sizeof(struct evtchn))
#define EVTCHN_PAGES     ((NR_EVENT_CHANNELS - EVTCHN_INLINE + EVTCHNS_PER_PAGE - 1) / EVTCHNS_PER_PAGE)

enum vcpu_state {
    VCPU_runnable,
    VCPU_blocked, /* SCHEDOP_block or poll: waiting for an event */
    VCPU_down,    /* the domain is paused, shut down or dying */
};

struct vcpu {
    /* first: a vCPU and its record are one address, so the switch's FPU test (hv/fpu.h:
     * fpu_switch_to()) compares it with the owner's with no address to compute */
    struct vcpu_fpu fpu; /* its registers while another owns the FPU, its own TS (hv/fpu.h) */
    struct domain *domain;
    uint32_t frame_pte;       /* its frame page, as the entry area maps it; 0 until built */
    uint32_t domain_pte;      /* its domain's page, as the running domain's window maps it */
    uint32_t shared_info_pte; /* its domain's shared_info, likewise */
    struct trap_info trap_table[256];
    uint64_t syscall_gate; /* trap_table[0x80] as the IDT descriptor a switch loads (desc.c) */
    uint32_t event_cs, event_eip; /* set_callbacks */
    uint32_t failsafe_cs, failsafe_eip;
    uint32_t kernel_ss, kernel_sp; /* stack_switch: ring-1 stack for traps from ring 3 */
    uint32_t cr3_mfn;              /* page directory, pinned, with a reference held */
    uint32_t *guest_root;          /* what CR3 holds while it runs (arch/x86/hv_mappings.c) */
    uint32_t guest_root_maddr;     /* ... and its machine address */
    uint32_t root_source;          /* the page directory guest_root mirrors */
    enum vcpu_state state;
    uint64_t timer_deadline;  /* set_timer_op, ns system time; 0 = off */
    uint64_t periodic_period; /* VIRQ_TIMER period in ns; 0 = off */
    uint64_t periodic_next;
    uint32_t poll_port[SCHED_POLL_MAX_PORTS]; /* the ports a vCPU in SCHEDOP_poll waits on */
    uint32_t poll_nr;
    uint64_t poll_deadline;
    /* hv/sched_policy.c: virtual time (CPU time / weight) picks who runs next */
    uint64_t vt;
    uint32_t weight;      /* SCHED_WEIGHT_DEFAULT unless set */
    int yielded;          /* SCHEDOP_yield: run others first, this once */
    uint64_t cpu_time;    /* ns spent running */
    uint64_t last_charge; /* when cpu_time and vt were last brought up to date */
    uint64_t woken_at;    /* when it last became runnable after blocking: for wake latency */
    uint16_t virq_to_port[NR_VIRQS];
    struct vcpu *next_in_runq;   /* on the run queue of runnable vCPUs (hv/sched.c), if on_runq */
    struct vcpu **pprev_in_runq; /* ... and the link that points at it (runq or a next_in_runq) */
    int on_runq;
    uint64_t timer_due;  /* its earliest armed deadline, the key in hv/timer.c's heap; 0: none */
    uint32_t timer_slot; /* its place in that heap + 1; 0: not in it */
    struct pt_progress pt_progress; /* a preemptible L2 pin or unpin under way (hv/frame_table.c) */
};

enum domain_state {
    DOM_running,
    DOM_paused,
    DOM_shutdown, /* shut itself down; reason in shutdown_reason */
    DOM_crashed,
    DOM_dying,
};

struct domain {
    domid_t domain_id;
    char name[32];
    int is_privileged;
    enum domain_state state;
    uint32_t shutdown_reason;
    char crash_reason[96];
    uint32_t tot_pages, max_pages;
    struct build_state *build; /* a build under way (hv/domain_build.c), or NULL */
    struct shared_info *shared_info;
    uint32_t shared_info_mfn;
    struct evtchn evtchn_inline[EVTCHN_INLINE]; /* ports 0 .. EVTCHN_INLINE-1 */
    struct evtchn *evtchn_page[EVTCHN_PAGES];   /* the others, or NULL while none is open */
    uint16_t evtchn_page_open[EVTCHN_PAGES];    /* open ports in each page */
    uint16_t evtchn_free_hint;                  /* no closed port in 1 .. hint-1 */
    struct vcpu *vcpu;
    struct grant_table grant;
    struct pvlab_counters counters;
    struct pvlab_counters trace_base;  /* counters when tracing started (hv/trace.c) */
    struct guest_console console;      /* console_io writes, if not privileged */
    uint8_t relinquish_phase;          /* DOM_dying: how far destruction got (hv/domain.c) */
    struct page_list *relinquish_next; /* ... and the next frame of page_list it looks at */
    struct page_list page_list;        /* the frames it owns (include/hv/mm.h) */
    uint32_t hv_pages;                 /* hypervisor pages it holds, counted as they are taken */
    uint8_t tallied;                   /* listed: its hv_pages are in physinfo's tally */
    struct domain *next;               /* on domain_list, then on the dying list */
    struct domain **pprev;     /* listed: the pointer to it on domain_list, so it leaves in O(1) */
    struct domain *next_named; /* in its bucket of the names of listed domains (hv/domain.c) */
};

/* A domain and its one vCPU share a page (hv/domain.c: domain_create()). */
struct domain_page {
    struct domain d;
    struct vcpu v;
};

extern struct domain *domain_list;
extern struct vcpu *current;
/*
 * The running domain's page and its shared_info are also mapped at fixed addresses,
 * RUNNING_DOMAIN_VA and RUNNING_SHARED_INFO_VA, in the hypervisor's view of the entry area and
 * never in the guest root, so no guest reaches them there: every switch writes their PTEs
 * (arch/x86/hv_mappings.c: load_guest_pagetable()) and the switch to the idle loop clears them.
 * So the entry path counts into the running domain's counters and reads its vCPU's event flags
 * at constant addresses, with no pointer for a switch to store or for an entry to load; and the
 * counters are counted straight into their 64 bits: nothing is held back to be added later.
 */
#define running_domain_page ((struct domain_page *)RUNNING_DOMAIN_VA)
#define current_counters    (&running_domain_page->d.counters) /* while a guest runs */
#define current_vcpu_info   (&((struct shared_info *)RUNNING_SHARED_INFO_VA)->vcpu_info[0])
extern struct vcpu idle_vcpu;

static inline int is_idle_vcpu(const struct vcpu *v)
{
    return v == &idle_vcpu;
}

/* domain.c */
struct domain *domain_create(domid_t id, const char *name, int privileged);
void domain_destroy(struct domain *d); /* all at once: at boot and for the initial domain */
/* Destruction in steps (domctl): kill, then relinquish until it returns 0 and `d` is gone. */
void domain_kill(struct domain *d);
int domain_relinquish(struct domain *d, uint32_t budget); /* 0 when done, else MM_RESTART */
struct domain *dying_domain_by_id(domid_t id);
/* XEN_DOMCTL_get_domain_state: the next domain whose state changed (its bit cleared) into *id,
 * or -XEN_ENOENT; and the state flags of domain id. */
int domain_next_changed(domid_t *id);
uint16_t domain_state_flags(domid_t id);

/* The listed domain of an id, or NULL: hv/domain.c's directory of pages of pointers, read inline
 * (every notification between domains asks it). */
#define DOMIDS_PER_PAGE (PAGE_SIZE / sizeof(struct domain *))
#define DOMID_DIR_PAGES ((DOMID_FIRST_RESERVED + DOMIDS_PER_PAGE - 1) / DOMIDS_PER_PAGE)
extern struct domain **domid_dir[DOMID_DIR_PAGES];
static inline struct domain *domain_by_id(domid_t id)
{
    if (id >= DOMID_FIRST_RESERVED || !domid_dir[id / DOMIDS_PER_PAGE])
        return NULL;
    return domid_dir[id / DOMIDS_PER_PAGE][id % DOMIDS_PER_PAGE];
}
struct domain *domain_from_id(domid_t from);     /* the listed domain of the lowest id >= from */
struct domain *domain_by_name(const char *name); /* a listed domain's */
void domain_shutdown(struct domain *d, uint32_t reason);
void domain_crash(struct domain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void domain_count_error(struct domain *d);

/* domctl.c */
void domid_set_limit(uint32_t n); /* ids wrap after n (max_domid= on the command line) */

/* domain_build.c */
struct build_result {
    uint32_t console_port, store_port; /* the domain's ends, unbound, for dom0 to bind */
    uint32_t console_mfn, store_mfn;   /* granted to dom0 as grant references 0 and 1 */
};
int construct_domain(struct domain *d, const void *image, uint32_t image_len, const void *module,
                     uint32_t module_len, const char *cmdline, uint32_t mem_bytes,
                     struct build_result *out); /* all at once: the initial domain, at boot */
/* A domU's build in steps (domctl): begin, then build_step() until it returns 0 or an error;
 * MM_RESTART means "call again".  build_abandon() drops a build that will not be finished. */
int build_begin_from_guest(struct domain *d, uint32_t image, uint32_t image_len,
                           const char *cmdline, uint32_t mem_bytes);
int build_step(struct domain *d, int bounded, struct build_result *out);
void build_abandon(struct domain *d);
/* Hypervisor pages the domains hold, on average (rounded up); the most a domU holds, and dom0's;
 * from a tally kept as they change, not a walk of the domains (issue 15). */
uint32_t domain_hv_pages(uint32_t *domu_max, uint32_t *privileged);
uint32_t domain_count(void); /* listed domains */
/* d's hv_pages change by `nr`; a listed domain's tally follows. */
void domain_tally_hv_pages(struct domain *d, int nr);

/* Pages of the hypervisor's heap for its bookkeeping of d (ports, grant records), counted as d's
 * (d->hv_pages, which xm-lite info shows); NULL when the heap is full. */
static inline void *domain_take_pages(struct domain *d, unsigned int nr)
{
    void *p = alloc_xenheap_pages(nr);
    if (p)
        domain_tally_hv_pages(d, (int)nr);
    return p;
}

static inline void domain_give_pages(struct domain *d, void *p, unsigned int nr)
{
    if (p)
        domain_tally_hv_pages(d, -(int)nr);
    free_xenheap_pages(p, nr);
}
extern struct domain *initial_domain;

#endif
