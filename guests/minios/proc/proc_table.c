/*
 * proc_table.c - the process table's rules, apart from everything a process
 * owns (address space, kernel stack: proc.c).
 *
 * A process is created RUNNABLE with the lowest unused pid after the last
 * one given out (pids are not reused at once, so a stale `kill` misses).
 * When it exits it becomes a ZOMBIE holding its status until its parent
 * collects it with waitpid; its own children are handed to the kernel
 * (ppid 0), which collects them itself, so no zombie outlives the reasons to
 * keep it.  The table has NPROC entries: that is the limit a spawn bomb
 * meets (-E_AGAIN).
 *
 * Tour 28/58 - after proc/vfs.c, before proc/proc.c.
 */
#include <lib.h>
#include <proc_table.h>

#define PID_MAX 30000

static int pid_in_use(const struct proc_table *t, int pid)
{
    return pt_find(t, pid) >= 0;
}

int pt_alloc(struct proc_table *t, int ppid)
{
    int slot = -1;
    for (int i = 0; i < NPROC && slot < 0; i++)
        if (t->e[i].state == PT_UNUSED)
            slot = i;
    if (slot < 0)
        return -E_AGAIN;
    int pid = t->last_pid;
    do
        pid = pid >= PID_MAX ? 1 : pid + 1;
    while (pid_in_use(t, pid));
    t->last_pid = pid;
    t->e[slot] = (struct pt_entry){.pid = pid, .ppid = ppid};
    pt_set_state(t, slot, PT_RUNNABLE);
    return slot;
}

int pt_find(const struct proc_table *t, int pid)
{
    if (pid <= 0)
        return -1;
    for (int i = 0; i < NPROC; i++)
        if (t->e[i].state != PT_UNUSED && t->e[i].pid == pid)
            return i;
    return -1;
}

int pt_exit(struct proc_table *t, int slot, int status)
{
    struct pt_entry *p = &t->e[slot];
    pt_set_state(t, slot, PT_ZOMBIE);
    p->status = status;
    for (int i = 0; i < NPROC; i++)
        if (t->e[i].state != PT_UNUSED && t->e[i].ppid == p->pid)
            t->e[i].ppid = 0;
    return p->ppid ? pt_find(t, p->ppid) : -1;
}

int pt_wait(const struct proc_table *t, int slot, int pid, int *status)
{
    int me = t->e[slot].pid, children = 0;
    for (int i = 0; i < NPROC; i++) {
        const struct pt_entry *c = &t->e[i];
        if (c->state == PT_UNUSED || c->ppid != me || (pid > 0 && c->pid != pid))
            continue;
        children++;
        if (c->state == PT_ZOMBIE) {
            if (status)
                *status = c->status;
            return i;
        }
    }
    return children ? -E_AGAIN : -E_CHILD;
}

void pt_free(struct proc_table *t, int slot)
{
    t->e[slot] = (struct pt_entry){0};
    pt_set_state(t, slot, PT_UNUSED);
}

int pt_orphan_zombie(const struct proc_table *t)
{
    for (int i = 0; i < NPROC; i++)
        if (t->e[i].state == PT_ZOMBIE && t->e[i].ppid == 0)
            return i;
    return -1;
}
