/*
 * proc.c - how a process is made and unmade.
 *
 * proc_spawn() builds an address space the way any Xen PV kernel must: the
 * page directory and its two L1 tables (one for the image and heap at
 * 0x08048000, one for the stack under 0xC0000000) are filled while they are
 * still ordinary pages, then remapped read-only in the kernel's own mapping
 * (update_va_mapping), and the directory is pinned (MMUEXT_PIN_L2_TABLE):
 * the hypervisor validates it, the L1s and every user page they map.  The
 * kernel's slots (0xC0000000 up to the hypervisor's) are copied from the
 * builder's directory, so the kernel and its L1 tables are shared by every
 * process; user mappings are private.  The program's segments are copied in
 * from the VFS after elf_prog_check() accepted them, and the stack receives
 * argc and argv.  A ring-1 stack (KSTACK_PAGES) is prepared so the first
 * swtch() into the process returns to proc_entry and irets into ring 3.
 *
 * A process ends in its own context (proc_exit): it loads the builder's
 * directory, unpins its own (the hypervisor drops every reference it held),
 * makes the table pages writable again and frees every frame, then becomes
 * a zombie.  Its ring-1 stack, in use until its last swtch(), goes when it
 * is reaped (waitpid, or the scheduler for the kernel's children).  kill and
 * a fault from ring 3 only mark it; it exits the next time it runs.
 *
 * Tour 29/58 - after proc/proc_table.c, before proc/elf_prog.c.
 */
#include <entry.h>
#include <os.h>
#include <proc.h>
#include <vfs.h>

#define USER_PTE            (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define RW_PTE              (_PAGE_RW | _PAGE_DIRTY)
#define KERNEL_RO           (_PAGE_PRESENT | _PAGE_ACCESSED)
#define KERNEL_RW           (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define FIRST_KERNEL_SLOT   (VIRT_BASE >> 22)
#define HV_FIRST_GUEST_SLOT 1007 /* slots from here on are the hypervisor's */
#define SPAWN_RESERVE       64   /* pages a spawn leaves free for the kernel */

struct proc_table ptab;
struct proc procs[NPROC];

/* A zeroed page charged to p, or NULL. */
static void *new_page(struct proc *p)
{
    void *va = alloc_page();
    if (va)
        p->pages++;
    return va;
}

/* Free a page charged to p. */
static void drop_page(struct proc *p, void *va)
{
    free_page(va);
    p->pages--;
}

/* A page-table entry mapping the frame behind kernel address va. */
static uint32_t pte(const void *va, uint32_t flags)
{
    return (virt_to_mfn(va) << PAGE_SHIFT) | flags;
}

/* Copy each segment's pages in and map them in l1_image. */
static int load_segments(struct proc *p, const uint8_t *image, const struct elf_prog *prog)
{
    for (unsigned int s = 0; s < prog->nr_segs; s++) {
        const struct elf_prog_seg *g = &prog->seg[s];
        p->regions[p->nr_regions++] = (struct uregion){
            g->vaddr & ~(PAGE_SIZE - 1), ROUNDUP(g->vaddr + g->memsz, PAGE_SIZE), g->writable};
        for (uint32_t va = g->vaddr & ~(PAGE_SIZE - 1); va < g->vaddr + g->memsz; va += PAGE_SIZE) {
            uint8_t *page = new_page(p);
            if (!page)
                return -E_NOMEM;
            uint32_t idx = (va >> PAGE_SHIFT) & 1023;
            p->l1_image[idx] = pte(page, USER_PTE | (g->writable ? RW_PTE : 0));
            p->image_pfns[idx] = virt_to_pfn(page) + 1;
            /* the part of [va, va+4K) that comes from the file */
            uint32_t lo = MAX(va, g->vaddr), hi = MIN(va + PAGE_SIZE, g->vaddr + g->filesz);
            if (lo < hi)
                memcpy(page + (lo - va), image + g->offset + (lo - g->vaddr), hi - lo);
        }
    }
    return 0;
}

/* The stack pages, with argc, argv and the strings at the top; the user %esp. */
static int load_stack(struct proc *p, char *const argv[], int argc, uint32_t *esp)
{
    uint8_t *top = NULL;
    for (int i = 0; i < USER_STACK_PAGES; i++) {
        uint8_t *page = new_page(p);
        if (!page)
            return -E_NOMEM;
        p->l1_stack[1024 - USER_STACK_PAGES + i] = pte(page, USER_PTE | RW_PTE);
        p->stack_pfns[i] = virt_to_pfn(page) + 1;
        top = page;
    }
    p->regions[p->nr_regions++] =
        (struct uregion){USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE, USER_STACK_TOP, 1};
    /* the top page alone holds the arguments: SPAWN_MAX_CHARS plus the pointers fit */
    uint32_t off = PAGE_SIZE, ptrs[SPAWN_MAX_ARGS + 1];
    for (int i = argc - 1; i >= 0; i--) {
        uint32_t n = (uint32_t)strlen(argv[i]) + 1;
        off -= n;
        memcpy(top + off, argv[i], n);
        ptrs[i] = USER_STACK_TOP - PAGE_SIZE + off;
    }
    ptrs[argc] = 0;
    off &= ~3u;
    off -= (uint32_t)(argc + 1) * 4;
    memcpy(top + off, ptrs, (argc + 1) * 4);
    uint32_t argv_va = USER_STACK_TOP - PAGE_SIZE + off;
    off -= 8;
    memcpy(top + off, &argc, 4);
    memcpy(top + off + 4, &argv_va, 4);
    *esp = USER_STACK_TOP - PAGE_SIZE + off;
    return 0;
}

/* Hand the tables to the hypervisor: L1s and L2 read-only for us, the L2 pinned. */
static int install_tables(struct proc *p)
{
    const uint32_t *kl2 = (const uint32_t *)start_info.pt_base;
    for (int i = FIRST_KERNEL_SLOT; i < HV_FIRST_GUEST_SLOT; i++)
        p->l2[i] = kl2[i];
    p->l2[SLOT_IMAGE] = pte(p->l1_image, USER_PTE | _PAGE_RW);
    p->l2[SLOT_STACK] = pte(p->l1_stack, USER_PTE | _PAGE_RW);
    void *tables[3] = {p->l1_image, p->l1_stack, p->l2};
    for (int i = 0; i < 3; i++)
        if (map_frame_at((uint32_t)tables[i], virt_to_mfn(tables[i]), KERNEL_RO))
            return -E_NOMEM;
    return machine.pin_l2(virt_to_mfn(p->l2)) ? -E_NOMEM : 0;
}

/* Give back every frame of the address space; `pinned` if install_tables() got that far. */
static void free_space(struct proc *p, int pinned)
{
    void *tables[3] = {p->l1_image, p->l1_stack, p->l2};
    if (pinned) {
        if (current_base_mfn() == virt_to_mfn(p->l2) && set_base_ptr(kernel_base_mfn()))
            crash("cannot leave a dying process's page directory");
        if (machine.unpin_l2(virt_to_mfn(p->l2)))
            crash("cannot unpin a process's page directory");
    }
    for (int i = 0; i < 3; i++)
        if (tables[i] && map_frame_at((uint32_t)tables[i], virt_to_mfn(tables[i]), KERNEL_RW))
            crash("cannot make a freed page table writable again");
    for (int i = 0; p->image_pfns && i < 1024; i++)
        if (p->image_pfns[i])
            drop_page(p, pfn_to_virt(p->image_pfns[i] - 1));
    for (int i = 0; i < USER_STACK_PAGES; i++)
        if (p->stack_pfns[i])
            drop_page(p, pfn_to_virt(p->stack_pfns[i] - 1));
    void *meta[4] = {p->l1_image, p->l1_stack, p->l2, p->image_pfns};
    for (int i = 0; i < 4; i++)
        if (meta[i])
            drop_page(p, meta[i]);
    p->l1_image = p->l1_stack = p->l2 = p->image_pfns = NULL;
    memset(p->stack_pfns, 0, sizeof(p->stack_pfns));
}

static int build_space(struct proc *p, const uint8_t *image, const struct elf_prog *prog,
                       char *const argv[], int argc, uint32_t *esp)
{
    p->l2 = new_page(p), p->l1_image = new_page(p), p->l1_stack = new_page(p);
    p->image_pfns = new_page(p);
    if (!p->l2 || !p->l1_image || !p->l1_stack || !p->image_pfns)
        return -E_NOMEM;
    int rc = load_segments(p, image, prog);
    if (rc == 0)
        rc = load_stack(p, argv, argc, esp);
    p->heap_start = p->brk = prog->end;
    p->heap_region = p->nr_regions;
    p->regions[p->nr_regions++] = (struct uregion){prog->end, prog->end, 1};
    return rc ? rc : install_tables(p);
}

/* The ring-1 stack: a trap frame for the first iret, under it swtch()'s frame. */
static int build_kstack(struct proc *p, uint32_t entry, uint32_t esp)
{
    p->kstack = alloc_pages(KSTACK_PAGES);
    if (!p->kstack)
        return -E_NOMEM;
    p->pages += KSTACK_PAGES;
    struct trap_frame *tf = (struct trap_frame *)(p->kstack + KSTACK_PAGES * PAGE_SIZE) - 1;
    *tf = (struct trap_frame){.es = FLAT_USER_DS,
                              .ds = FLAT_USER_DS,
                              .eip = entry,
                              .cs = FLAT_USER_CS,
                              .eflags = 0x202,
                              .user_esp = esp,
                              .user_ss = FLAT_USER_SS};
    uint32_t *sp = (uint32_t *)tf;
    *--sp = (uint32_t)proc_entry;
    for (int i = 0; i < 4; i++)
        *--sp = 0; /* %ebp %ebx %esi %edi */
    p->ctx_esp = sp;
    return 0;
}

/* The process's name for ps and fault reports: the path's last component. */
static void name_from_path(struct proc *p, const char *path)
{
    const char *base = path;
    for (const char *s = path; *s; s++)
        if (*s == '/')
            base = s + 1;
    strlcpy(p->name, base, sizeof(p->name));
}

#define IMAGE_FILE_MAX (4u << 20) /* a program file larger than this is refused */

/*
 * The program's bytes in memory: cpiofs keeps them there; from any other file
 * system they are read into contiguous pages (*copy, freed by the caller with
 * free_image()).  NULL if the file cannot be read whole.
 */
static const uint8_t *load_image(const struct vfs_node *n, uint8_t **copy, uint32_t *pages)
{
    *copy = NULL, *pages = 0;
    if (n->data)
        return n->data;
    if (n->size == 0 || n->size > IMAGE_FILE_MAX)
        return NULL;
    *pages = ROUNDUP(n->size, PAGE_SIZE) / PAGE_SIZE;
    if (!(*copy = alloc_pages(*pages)))
        return NULL;
    uint32_t done = 0;
    int k = 1;
    while (done < n->size && k > 0)
        if ((k = n->mnt->ops->read(n, done, *copy + done, n->size - done)) > 0)
            done += (uint32_t)k;
    return done == n->size ? *copy : NULL;
}

static void free_image(uint8_t *copy, uint32_t pages)
{
    for (uint32_t i = 0; copy && i < pages; i++)
        free_page(copy + i * PAGE_SIZE);
}

/* A new process from a checked image: its slot, or -E_AGAIN / -E_NOMEM with nothing kept. */
static int create(const uint8_t *image, const struct elf_prog *prog, char *const argv[], int argc,
                  int ppid)
{
    int slot = pt_alloc(&ptab, ppid);
    if (slot < 0)
        return slot;
    struct proc *p = &procs[slot];
    memset(p, 0, sizeof(*p));
    uint32_t esp = 0;
    int rc =
        free_pages() < SPAWN_RESERVE ? -E_NOMEM : build_space(p, image, prog, argv, argc, &esp);
    int pinned = rc == 0;
    if (rc == 0)
        rc = build_kstack(p, prog->entry, esp);
    if (rc) {
        free_space(p, pinned);
        pt_free(&ptab, slot);
    }
    return rc ? rc : slot;
}

/* Start path with argv as a child of ppid (0: the kernel); its pid, or -E_NOENT, -E_NOEXEC,
 * -E_AGAIN (table full) or -E_NOMEM, with nothing left allocated. */
int proc_spawn(const char *path, char *const argv[], int argc, int ppid)
{
    struct vfs_node n;
    struct elf_prog prog;
    const char *why;
    uint8_t *copy;
    uint32_t copy_pages;
    int rc = vfs_lookup(path, &n);
    if (rc)
        return rc;
    if ((n.mode & S_IFMT) != S_IFREG)
        return -E_PERM;
    const uint8_t *image = load_image(&n, &copy, &copy_pages);
    if (!image)
        rc = -E_NOEXEC;
    else if (elf_prog_check(image, n.size, USER_IMAGE_BASE, USER_IMAGE_END, &prog, &why)) {
        printf("minios: %s: %s\n", path, why);
        rc = -E_NOEXEC;
    }
    int slot = rc ? rc : create(image, &prog, argv, argc, ppid);
    free_image(copy, copy_pages);
    if (slot < 0)
        return slot;
    struct proc *p = &procs[slot];
    int parent = pt_find(&ptab, ppid);
    for (int fd = 0; fd < 3; fd++) /* the parent's, so the shell can redirect; else the console */
        p->fds[fd] =
            parent >= 0 && procs[parent].fds[fd] ? vfs_dup(procs[parent].fds[fd]) : vfs_console();
    p->may_privcmd = ppid == 0 || (parent >= 0 && procs[parent].may_privcmd);
    strlcpy(p->cwd, parent >= 0 ? procs[parent].cwd : "/", sizeof(p->cwd));
    name_from_path(p, path);
    return ptab.e[slot].pid;
}

uint32_t proc_exits;

/* End the current process: free its address space, become a zombie for the parent, never return. */
void proc_exit(int status)
{
    struct proc *p = current_proc;
    fds_close_all(p);
    free_space(p, 1);
    if (tty_fg_pid == proc_pid(p))
        tty_fg_pid = 0;
    local_events_disable();
    proc_exits++; /* the scheduler looks for orphaned zombies and a dead init only then */
    int parent = pt_exit(&ptab, proc_slot(p), status);
    if (parent >= 0)
        wakeup(&procs[parent]);
    sched();
    crash("a zombie ran");
}

/* Free a zombie's ring-1 stack and slot; it has run for the last time. */
void proc_reap(int slot)
{
    struct proc *p = &procs[slot];
    for (int i = 0; i < KSTACK_PAGES; i++)
        free_page(p->kstack + i * PAGE_SIZE);
    p->kstack = NULL;
    pt_free(&ptab, slot);
}

/* Mark pid to end with 128+sig the next time it runs, waking it if it sleeps; 0 or -E_SRCH. */
int proc_kill(int pid, int sig)
{
    int slot = pt_find(&ptab, pid);
    if (slot < 0 || ptab.e[slot].state == PT_ZOMBIE)
        return -E_SRCH;
    if (sig <= 0 || sig > 31)
        return -E_INVAL;
    procs[slot].killed = sig;
    if (ptab.e[slot].state == PT_SLEEPING) {
        procs[slot].wake_ns = 0;
        pt_set_state(&ptab, slot, PT_RUNNABLE);
    }
    return 0;
}

/* Back heap address va (in the current page directory) with a new page. */
static int map_heap_page(struct proc *p, uint32_t va)
{
    uint8_t *page = new_page(p);
    if (!page)
        return -E_NOMEM;
    if (machine.update_va_mapping(va, pte(page, USER_PTE | RW_PTE), UVMF_NONE)) {
        drop_page(p, page);
        return -E_NOMEM;
    }
    p->image_pfns[(va >> PAGE_SHIFT) & 1023] = virt_to_pfn(page) + 1;
    return 0;
}

/* Unmap and free the heap page at va. */
static void unmap_heap_page(struct proc *p, uint32_t va)
{
    uint32_t *slot = &p->image_pfns[(va >> PAGE_SHIFT) & 1023];
    if (machine.update_va_mapping(va, 0, UVMF_INVLPG))
        crash("cannot unmap a heap page");
    drop_page(p, pfn_to_virt(*slot - 1));
    *slot = 0;
}

/* Move the heap's end (of the current process); returns the end now, as Linux's brk. */
int proc_brk(struct proc *p, uint32_t end)
{
    if (end < p->heap_start || end > USER_IMAGE_END)
        return (int)p->brk;
    uint32_t have = ROUNDUP(p->brk, PAGE_SIZE), want = ROUNDUP(end, PAGE_SIZE);
    if (want > have && free_pages() < SPAWN_RESERVE + (want - have) / PAGE_SIZE)
        return (int)p->brk;
    for (uint32_t va = have; va < want; va += PAGE_SIZE)
        if (map_heap_page(p, va)) {
            end = va;
            break;
        }
    for (uint32_t va = want; va < have; va += PAGE_SIZE)
        unmap_heap_page(p, va);
    p->brk = end;
    p->regions[p->heap_region].end = end;
    return (int)end;
}

/* user_trap_hook: a fault in ring 3 ends the process, with one line saying why. */
int proc_fault(struct trap_frame *f, uint32_t cr2)
{
    struct proc *p = current_proc;
    if (!p)
        return 0;
    printf("minios: %s[%d] killed: %s at eip %08x", p->name, proc_pid(p), trap_name(f->vector),
           f->eip);
    if (f->vector == 14)
        printf(", address %08x", cr2);
    printf("\n");
    proc_exit(128 + (f->vector == 0 ? SIGFPE : f->vector == 6 ? SIGILL : SIGSEGV));
}

/* Faults from ring 3 end the faulting process instead of the domain. */
void proc_init(void)
{
    user_trap_hook = proc_fault;
}

/* The first process (the shell), child of the kernel, started again if it ends. */
static const char *init_path;
static int init_pid, init_slot, init_restarts;

int proc_start_init(const char *path, const char *script)
{
    char *argv[4] = {"sh", "-t", (char *)script, NULL};
    init_path = path;
    int pid = proc_spawn(path, script ? argv : (char *[]){"sh", NULL}, script ? 3 : 1, 0);
    if (pid > 0)
        init_pid = pid, init_slot = pt_find(&ptab, pid);
    return pid;
}

void proc_keep_init(void)
{
    const struct pt_entry *e = &ptab.e[init_slot];
    if (!init_path || (e->pid == init_pid && e->state != PT_ZOMBIE && e->state != PT_UNUSED) ||
        init_restarts >= 20)
        return;
    init_restarts++;
    printf("minios: %s ended; starting it again\n", init_path);
    if (proc_start_init(init_path, NULL) < 0)
        printf("minios: cannot start %s\n", init_path);
}
