/*
 * proc_table.h - the process table's rules (proc/proc_table.c): who may be
 * created, what exit leaves behind and what wait collects.  Pure logic with
 * no hardware underneath, so tests/unit/test_proc_table.c runs it on the host.
 */
#ifndef MINIOS_PROC_TABLE_H
#define MINIOS_PROC_TABLE_H

#include <stdint.h>
#include <public/syscall.h>

#define NPROC 32 /* the table's size: a spawn beyond it is refused with -E_AGAIN */

enum pt_state { PT_UNUSED, PT_RUNNABLE, PT_RUNNING, PT_SLEEPING, PT_ZOMBIE };

struct pt_entry {
    int pid, ppid; /* ppid 0: the kernel is the parent, and reaps it */
    enum pt_state state;
    int status; /* exit status, once a zombie */
};

/*
 * Two sets of slots kept beside the states, one bit per slot, so that the
 * scheduler finds the next process to run, and the sleepers to look at,
 * without visiting all NPROC slots: an idle domain runs its scheduler loop
 * after every event (proc/sched.c).  Every state change goes through
 * pt_set_state(), which keeps them true.
 */
struct proc_table {
    struct pt_entry e[NPROC];
    uint32_t runnable; /* bit i: e[i] is RUNNABLE */
    uint32_t sleeping; /* bit i: e[i] is SLEEPING */
    int last_pid;
};
_Static_assert(NPROC <= 32, "a slot set is one 32-bit word");

/* Slot's state becomes s; the slot sets follow. */
static inline void pt_set_state(struct proc_table *t, int slot, enum pt_state s)
{
    uint32_t bit = 1u << slot;
    t->e[slot].state = s;
    t->runnable = s == PT_RUNNABLE ? t->runnable | bit : t->runnable & ~bit;
    t->sleeping = s == PT_SLEEPING ? t->sleeping | bit : t->sleeping & ~bit;
}

/* A new entry, RUNNABLE, child of ppid, with the next free pid; its slot or -E_AGAIN. */
int pt_alloc(struct proc_table *t, int ppid);
/* The slot of a live or zombie pid, or -1. */
int pt_find(const struct proc_table *t, int pid);
/*
 * Slot ends with `status`: it becomes a ZOMBIE; its children are handed to
 * the kernel (ppid 0).  Returns the parent's slot (to wake), or -1 if the
 * kernel is the parent.
 */
int pt_exit(struct proc_table *t, int slot, int status);
/*
 * The waitpid rules for the process in `slot` waiting for `pid` (-1: any
 * child).  Returns the slot of a zombie child to reap (its status in
 * *status), -E_CHILD if there is no such child, or -E_AGAIN if a matching
 * child lives and the caller must sleep.
 */
int pt_wait(const struct proc_table *t, int slot, int pid, int *status);
/* Forget a reaped zombie. */
void pt_free(struct proc_table *t, int slot);
/* A zombie nobody will wait for (the kernel's child), or -1. */
int pt_orphan_zombie(const struct proc_table *t);

#endif
