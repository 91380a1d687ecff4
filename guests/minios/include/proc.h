/*
 * proc.h - minios's processes: ring-3 programs in their own page
 * directories (proc/proc.c), scheduled round-robin on the timer event
 * (proc/sched.c), answering int $0x80 (proc/syscall.c), with files from the
 * VFS (proc/vfs.c) and the console's line discipline (proc/tty.c).
 * docs/processes.md tells the whole story.
 */
#ifndef MINIOS_PROC_H
#define MINIOS_PROC_H

#include <stdint.h>
#include <public/syscall.h>
#include <public/xen.h>
#include <proc_table.h>
#include <elf_prog.h>
#include <uaccess.h>

#define KSTACK_PAGES 4  /* each process's ring-1 stack: kernel commands run on it too */
#define MAX_FDS      64 /* descriptors per process: 256 bytes of pointers each */
#define MAX_UREGIONS (ELF_PROG_MAX_SEGS + 2)
#define SLOT_IMAGE   (USER_IMAGE_BASE >> 22)      /* the L2 slot of the image and heap */
#define SLOT_STACK   ((USER_STACK_TOP - 1) >> 22) /* the L2 slot of the stack */

struct vfs_file;

struct proc {
    uint32_t *ctx_esp;    /* saved by swtch() while the process is not running */
    uint8_t *kstack;      /* KSTACK_PAGES, contiguous */
    uint32_t *l2;         /* its page directory, pinned */
    uint32_t *l1_image;   /* the L1 of SLOT_IMAGE */
    uint32_t *l1_stack;   /* the L1 of SLOT_STACK */
    uint32_t *image_pfns; /* pfn + 1 of each page l1_image maps (0: none) */
    uint32_t stack_pfns[USER_STACK_PAGES];
    uint32_t heap_start, brk;
    struct uregion regions[MAX_UREGIONS]; /* segments, then heap, then stack */
    unsigned int nr_regions, heap_region;
    uint32_t pages;   /* frames it holds, page tables and kernel stack included */
    int killed;       /* the signal that ends it, once killed */
    int may_privcmd;  /* the right to privcmd and xenbus (privcmd.c), inherited */
    void *wait_chan;  /* what it sleeps on */
    uint64_t wake_ns; /* nanosleep's deadline, 0 if none */
    uint64_t cpu_ns, ran_since;
    uint32_t events_seen; /* event_count when it was switched in */
    uint32_t ticks_seen;  /* timer_ticks when last looked: a later tick may end its turn */
    struct vfs_file *fds[MAX_FDS];
    char cwd[PATH_MAX_LEN]; /* the working directory: absolute, normalised; the parent's at spawn */
    char name[PROC_NAME_LEN];
};

extern struct proc_table ptab;
extern struct proc procs[NPROC];
extern struct proc *current_proc; /* NULL while the scheduler runs */

static inline int proc_slot(const struct proc *p)
{
    return (int)(p - procs);
}
static inline int proc_pid(const struct proc *p)
{
    return ptab.e[proc_slot(p)].pid;
}

/* proc.c */
int proc_spawn(const char *path, char *const argv[], int argc, int ppid); /* pid or -E_* */
void proc_exit(int status) __attribute__((noreturn));
void proc_reap(int slot); /* a zombie's last frames (its kernel stack), and its slot */
int proc_kill(int pid, int sig);
int proc_brk(struct proc *p, uint32_t end);
int proc_fault(struct trap_frame *f, uint32_t cr2); /* user_trap_hook */
void proc_init(void);
int proc_start_init(const char *path, const char *script); /* its pid, or -E_*; sh -t SCRIPT */
void proc_keep_init(void); /* the scheduler's: restart it if it ended */

/* sched.c */
void scheduler(void) __attribute__((noreturn));
void sleep_on(void *chan);
void wakeup(void *chan);
void yield(void);
void preempt_after_syscall(struct proc *p); /* a tick came: yield if past its slice */
void sched(void);                           /* with events masked: back to the scheduler */
void swtch(uint32_t **save, uint32_t *load);
extern uint32_t context_switches;
extern uint32_t proc_exits; /* processes that have ended: orphans and zombies appear only then */

/* syscall.c */
void syscall_init(void);
int copy_from_user(void *dst, uint32_t src, uint32_t len);
int copy_to_user(uint32_t dst, const void *src, uint32_t len);
int copy_string_from_user(char *dst, uint32_t src, uint32_t cap);
void fds_close_all(struct proc *p);

/* privcmd.c */
int sys_privcmd(uint32_t nr, uint32_t uarg, uint32_t c, uint32_t d);
int sys_xenbus(uint32_t umsg, uint32_t len, uint32_t ureply, uint32_t cap);
int sys_privdrop(uint32_t a, uint32_t b, uint32_t c, uint32_t d);

/* domsvc.c: dom0's services for the ring-3 toolstack */
int sys_domsvc(uint32_t op, uint32_t dom, uint32_t arg, uint32_t arg2);
void domsvc_init(void);          /* dom0's start of day: xenstore, VIRQ_DOM_EXC, the services */
void domsvc_forget(domid_t dom); /* before it is destroyed: every service lets go of it */

/* sysinfo.c: this domain's counters from the hypervisor (public/sysctl.h): 0, or -E_PERM */
int own_hv_counters(struct pvlab_counters *k);

/* tty.c */
extern uint32_t tty_polled_events; /* console_events when tty_take_typed() last looked */
void tty_take_typed(void);
/* After events: take what was typed, if a console event came (inline: an idle domain wakes for
 * every event, and this test is all it runs here for most of them). */
static inline void tty_poll(void)
{
    if (tty_polled_events != console_events)
        tty_take_typed();
}
int tty_read(char *buf, uint32_t len); /* bytes, or -E_AGAIN when no line is ready */
void tty_set_raw(int on);              /* every byte as typed, for a console attach */
int tty_take(char *buf, uint32_t cap, char stop);
extern int tty_chan, tty_fg_pid;

/* sysinfo.c: what info, uptime, ticks, stats, halt, bench and pf ask the kernel */
int sys_sysinfo(uint32_t usi, uint32_t b, uint32_t c, uint32_t d);
int sys_stats(uint32_t ust, uint32_t b, uint32_t c, uint32_t d);
int sys_hvcounters(uint32_t uc, uint32_t b, uint32_t c, uint32_t d);
int sys_poweroff(uint32_t a, uint32_t b, uint32_t c, uint32_t d);
int sys_kbench(uint32_t a, uint32_t b, uint32_t c, uint32_t d);
int sys_kprobe(uint32_t addr, uint32_t uval, uint32_t c, uint32_t d);

/* sysblk.c: raw block devices for the blk program */
int sys_blkdev(uint32_t op, uint32_t ureq, uint32_t c, uint32_t d);

#endif
