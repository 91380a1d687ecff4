/*
 * domain_build.c - build a domain from a kernel image in memory: dom0 at boot
 * (hv/main.c), and every domU through domctl (hv/domctl.c).
 *
 * We follow Xen's x86_32 PV layout.  The guest's pseudo-physical page N is
 * mapped at virt_base + N*4K, and the builder fills, in order from the kernel
 * upwards:
 *
 *   virt_base  kernel image (ELF segments, bss zeroed)
 *              pfn-to-mfn list       (start_info.mfn_list)
 *              start_info page       (%esi at entry)
 *              boot module, if any   (start_info.mod_start)
 *              page directory + L1s  (start_info.pt_base, nr_pt_frames)
 *              one boot stack page   (%esp at entry)
 *              console page          (start_info.console.domU.mfn)
 *              xenstore page         (start_info.store_mfn)
 *              512 KiB + room for the L1s that will map the rest of memory
 *
 * The domain's last frame is not among these pages: it is its vCPU's frame
 * page (hv/frame_alloc.c: frame_page_take()), where its registers live, so
 * the guest is told of one page less than the domain was given.
 * all rounded up to 4 MiB and mapped (a domain smaller than that, down to
 * 1 MiB, is mapped whole); the page-table frames themselves are
 * mapped read-only.  The page directory is then pinned through the same
 * validation a guest's own would get, and loaded as the domain's CR3.  So the
 * first free pseudo-physical page is pfn(pt_base) + nr_pt_frames + 3.
 *
 * A domU also gets, as in Xen, its console and xenstore pages granted to dom0
 * (grant references 0 and 1) and one unbound event channel for each, which
 * dom0 binds to when it attaches its console and xenstore services.
 *
 * Tour 19/37 - after hv/domain.c, before hv/elf.c.
 */
#include <lib.h>
#include <public/errno.h>
#include <hv/arch.h>
#include <hv/bootinfo.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/elf.h>
#include <hv/event.h>
#include <hv/grant.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <hv/time.h>

struct layout {
    uint32_t v_start, v_p2m, v_si, v_mod, v_pt, v_stack, v_console, v_store, v_end;
    uint32_t nr_l1, nr_pages;
};

#define MiB4 0x400000u

static void plan_layout(struct layout *l, const struct elf_image *img, uint32_t mod_len,
                        uint32_t nr_pages)
{
    l->nr_pages = nr_pages;
    l->v_start = img->virt_base;
    l->v_p2m = ROUNDUP(img->vend, PAGE_SIZE);
    l->v_si = l->v_p2m + ROUNDUP(nr_pages * 4, PAGE_SIZE);
    l->v_mod = l->v_si + PAGE_SIZE;
    l->v_pt = l->v_mod + ROUNDUP(mod_len, PAGE_SIZE);
    uint32_t extra = (512u << 10) + (nr_pages / 1024 + 1) * PAGE_SIZE;
    for (l->nr_l1 = 1;;) {
        l->v_stack = l->v_pt + (1 + l->nr_l1) * PAGE_SIZE;
        l->v_console = l->v_stack + PAGE_SIZE;
        l->v_store = l->v_console + PAGE_SIZE;
        /* A small domain (1 MiB) is mapped whole: the room is for what it does not have. */
        l->v_end = MIN(ROUNDUP(l->v_store + PAGE_SIZE + extra, MiB4),
                       MAX(l->v_start + nr_pages * PAGE_SIZE, l->v_store + PAGE_SIZE));
        uint32_t need = (l->v_end - (l->v_start & ~(MiB4 - 1))) / MiB4;
        if (need <= l->nr_l1)
            break;
        l->nr_l1 = need;
    }
}

static uint32_t pfn_of(const struct layout *l, uint32_t va)
{
    return (va - l->v_start) >> PAGE_SHIFT;
}

/* Copy bytes into the guest's pseudo-physical memory at virtual address va. */
static void copy_to_pseudophys(const uint32_t *p2m, const struct layout *l, uint32_t va,
                               const void *src, uint32_t len)
{
    const uint8_t *s = src;
    while (len) {
        uint32_t off = va & (PAGE_SIZE - 1), n = MIN(len, PAGE_SIZE - off);
        uint8_t *dst = map_domain_page(p2m[pfn_of(l, va)]);
        memcpy(dst + off, s, n);
        unmap_domain_page(dst);
        va += n, len -= n, s += n;
    }
}

/* Write the bootstrap page directory and L1s; page-table frames are mapped read-only. */
static uint32_t build_page_tables(const uint32_t *p2m, const struct layout *l)
{
    uint32_t l2_pfn = pfn_of(l, l->v_pt);
    uint32_t *l2 = map_domain_page(p2m[l2_pfn]);
    uint32_t first_pt = l2_pfn, last_pt = l2_pfn + l->nr_l1;
    uint32_t l1_index = 0;
    for (uint32_t va = l->v_start & ~(MiB4 - 1); va < l->v_end; va += MiB4, l1_index++) {
        uint32_t l1_mfn = p2m[l2_pfn + 1 + l1_index];
        l2[L2_INDEX(va)] = (l1_mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
        uint32_t *l1 = map_domain_page(l1_mfn);
        for (uint32_t i = 0; i < 1024; i++) {
            uint32_t v = va + i * PAGE_SIZE;
            if (v < l->v_start || v >= l->v_end)
                continue;
            uint32_t pfn = pfn_of(l, v);
            uint32_t flags = _PAGE_PRESENT | _PAGE_ACCESSED;
            if (pfn < first_pt || pfn > last_pt)
                flags |= _PAGE_RW | _PAGE_DIRTY;
            l1[i] = (p2m[pfn] << PAGE_SHIFT) | flags;
        }
        unmap_domain_page(l1);
    }
    unmap_domain_page(l2);
    return p2m[l2_pfn];
}

static void fill_start_info(struct domain *d, const uint32_t *p2m, const struct layout *l,
                            uint32_t mod_len, const char *cmdline, const struct build_result *r)
{
    struct start_info *si = map_domain_page(p2m[pfn_of(l, l->v_si)]);
    memset(si, 0, PAGE_SIZE);
    strlcpy(si->magic, "xen-3.0-x86_32", sizeof(si->magic));
    si->nr_pages = l->nr_pages;
    si->shared_info = d->shared_info_mfn << PAGE_SHIFT;
    si->flags = d->is_privileged ? SIF_PRIVILEGED | SIF_INITDOMAIN : 0;
    si->pt_base = l->v_pt;
    si->nr_pt_frames = 1 + l->nr_l1;
    si->mfn_list = l->v_p2m;
    si->mod_start = mod_len ? l->v_mod : 0;
    si->mod_len = mod_len;
    si->first_p2m_pfn = pfn_of(l, l->v_p2m);
    si->nr_p2m_frames = ROUNDUP(l->nr_pages * 4, PAGE_SIZE) >> PAGE_SHIFT;
    strlcpy(si->cmd_line, cmdline ? cmdline : "", sizeof(si->cmd_line));
    if (!d->is_privileged) {
        si->store_mfn = r->store_mfn;
        si->store_evtchn = r->store_port;
        si->console.domU.mfn = r->console_mfn;
        si->console.domU.evtchn = r->console_port;
    }
    unmap_domain_page(si);
}

/* The vCPU's first registers, in its frame page (the start of the page is the frame). */
static void set_initial_registers(struct vcpu *v, uint32_t frame_mfn, const struct elf_image *img,
                                  const struct layout *l)
{
    struct cpu_user_regs *r = map_domain_page(frame_mfn);
    r->eip = img->entry;
    r->esp = l->v_stack + PAGE_SIZE;
    r->esi = l->v_si;
    r->cs = FLAT_KERNEL_CS;
    r->ss = r->ds = r->es = r->fs = r->gs = FLAT_KERNEL_DS;
    r->eflags = 0x202; /* IF: the real interrupt flag is always on in a guest */
    v->kernel_ss = FLAT_KERNEL_SS;
    v->kernel_sp = r->esp;
    unmap_domain_page(r);
}

/* A domU's console and xenstore: pages granted to dom0, and one port for both (dom0's
 * services share it too: a domU costs dom0 one of its NR_EVENT_CHANNELS, not two). */
static int setup_devices(struct domain *d, const uint32_t *p2m, const struct layout *l,
                         struct build_result *r)
{
    r->console_mfn = p2m[pfn_of(l, l->v_console)];
    r->store_mfn = p2m[pfn_of(l, l->v_store)];
    if (d->is_privileged)
        return 0; /* dom0 uses the hypervisor's console and runs the xenstore itself */
    int port = evtchn_alloc_unbound_for(d, 0);
    if (port < 0)
        return port;
    r->console_port = r->store_port = (uint32_t)port;
    gnttab_grant_to_dom0(d, GNTTAB_RESERVED_CONSOLE, r->console_mfn);
    gnttab_grant_to_dom0(d, GNTTAB_RESERVED_XENSTORE, r->store_mfn);
    return 0;
}

/*
 * A build in steps.  Building a large domain is long - thousands of frames
 * to take, and a domU's kernel image to copy out of dom0's memory - so domctl
 * does it a bounded piece per hypervisor entry, as hypercall continuations
 * (the same call issued again), and the domain carries the state of the
 * build between them.  dom0's build at boot runs the same steps without
 * bounds.  Before the first step, a domU's image head (its ELF headers and
 * notes, elf_head_len()) is copied into the hypervisor and checked; its
 * segments are copied from dom0 straight into the domain's frames, as
 * libxc's loader writes them into the mapped guest frames.  The phases:
 */
enum build_phase {
    BS_ALLOC, /* the domain's frames: BUILD_ALLOC_BUDGET a step (a scrubbed one costs more) */
    BS_IMAGE, /* the kernel's segments into its frames: BUILD_COPY_CHUNK bytes a step */
    BS_LOAD,  /* p2m list, start_info, bootstrap page tables: one step */
    BS_PIN,   /* the bootstrap page directory, validated MM_L2_BUDGET entries a step */
};

struct build_state {
    uint8_t phase;
    uint32_t image_guest; /* a domU's image: dom0's pointer to it */
    uint8_t *image_buf;   /* the hypervisor's copy of a domU's image head, or NULL */
    uint32_t image_pages;
    const uint8_t *image;           /* the image (dom0's at boot) or the head of it (a domU's) */
    uint32_t image_len, image_have; /* the image's bytes; how many of them are at `image` */
    uint32_t seg, seg_done;         /* BS_IMAGE: the segment, and its bytes copied */
    const void *module;
    uint32_t mod_len;
    uint32_t mem_bytes;
    char cmdline[MAX_GUEST_CMDLINE];
    struct elf_image img;
    struct layout l;
    uint32_t *p2m, p2m_pages;
    uint32_t l2_mfn;
    struct build_result r;
};
_Static_assert(sizeof(struct build_state) <= PAGE_SIZE, "a build's state lives in one page");

void build_abandon(struct domain *d)
{
    struct build_state *b = d->build;
    if (!b)
        return;
    free_xenheap_pages(b->image_buf, b->image_pages);
    free_xenheap_pages(b->p2m, b->p2m_pages);
    free_xenheap_pages(b, 1);
    d->build = NULL;
}

static int build_begin(struct domain *d, const void *module, uint32_t mod_len, const char *cmdline,
                       uint32_t mem_bytes)
{
    struct build_state *b = alloc_xenheap_pages(1);
    if (!b)
        return -XEN_ENOMEM;
    b->module = module;
    b->mod_len = mod_len;
    b->mem_bytes = mem_bytes;
    strlcpy(b->cmdline, cmdline ? cmdline : "", sizeof(b->cmdline));
    d->build = b;
    return 0;
}

/* The first `len` bytes of a domU's image into the hypervisor's heap (in place of fewer). */
static int copy_head(struct domain *d, struct build_state *b, uint32_t len)
{
    free_xenheap_pages(b->image_buf, b->image_pages);
    b->image_pages = ROUNDUP(len, PAGE_SIZE) / PAGE_SIZE;
    b->image_buf = alloc_xenheap_pages(b->image_pages);
    if (!b->image_buf) {
        b->image_pages = 0;
        return -XEN_ENOMEM;
    }
    b->image = b->image_buf;
    b->image_have = len;
    if (copy_from_guest(b->image_buf, b->image_guest, len)) {
        printk("(XEN) domain %u: dom0's image pointer %08x cannot be read\n", d->domain_id,
               b->image_guest);
        return -XEN_EFAULT;
    }
    return 0;
}

/* The head elf_parse_head() reads: the first page, then as much as that says (bounded). */
static int fetch_head(struct domain *d, struct build_state *b)
{
    uint32_t len = MIN(b->image_len, PAGE_SIZE);
    int rc = copy_head(d, b, len);
    while (rc == 0 && (len = elf_head_len(b->image, b->image_have, b->image_len)) > b->image_have) {
        if (len > BUILD_COPY_CHUNK) {
            printk("(XEN) domain %u: kernel image rejected: its ELF headers and notes reach past "
                   "its first %u KiB\n",
                   d->domain_id, BUILD_COPY_CHUNK >> 10);
            return -XEN_EINVAL;
        }
        rc = copy_head(d, b, len);
    }
    return rc;
}

static int build_plan(struct domain *d, struct build_state *b);

int build_begin_from_guest(struct domain *d, uint32_t image, uint32_t image_len,
                           const char *cmdline, uint32_t mem_bytes)
{
    int rc = build_begin(d, NULL, 0, cmdline, mem_bytes);
    if (rc)
        return rc;
    struct build_state *b = d->build;
    b->image_guest = image;
    b->image_len = image_len;
    rc = fetch_head(d, b);
    if (rc == 0)
        rc = build_plan(d, b);
    if (rc)
        build_abandon(d);
    return rc;
}

/* The image's headers are at hand: check them and plan the domain's layout. */
static int build_plan(struct domain *d, struct build_state *b)
{
    const char *err;
    if (elf_parse_head(b->image, b->image_have, b->image_len, &b->img, &err)) {
        printk("(XEN) domain %u: kernel image rejected: %s\n", d->domain_id, err);
        return -XEN_EINVAL;
    }
    uint32_t mem_pages = b->mem_bytes >> PAGE_SHIFT;
    uint32_t nr_pages = mem_pages ? mem_pages - 1 : 0; /* the guest's: not its frame page */
    plan_layout(&b->l, &b->img, b->mod_len, nr_pages);
    if (!nr_pages || pfn_of(&b->l, b->l.v_end) > nr_pages || b->l.v_end > GRANT_AREA_START) {
        printk("(XEN) domain %u: %u MiB is too small for this kernel\n", d->domain_id,
               b->mem_bytes >> 20);
        return -XEN_ENOMEM;
    }
    b->p2m_pages = ROUNDUP((nr_pages + 1) * 4, PAGE_SIZE) / PAGE_SIZE;
    b->p2m = alloc_xenheap_pages(b->p2m_pages);
    if (!b->p2m) {
        b->p2m_pages = 0;
        return -XEN_ENOMEM;
    }
    b->phase = BS_ALLOC;
    return 0;
}

/* No clean frame is left (none appears during a step): frames scrubbed now, one at a time,
 * each costing BUILD_SCRUB_COST of the step's budget (dom0's build at boot, before any idle). */
static int alloc_scrubbed(struct domain *d, struct build_state *b, uint32_t *budget)
{
    do {
        uint32_t pfn = d->tot_pages, mfn = alloc_domheap_page(d);
        if (!mfn) {
            printk("(XEN) domain %u: not enough free memory for %u MiB\n", d->domain_id,
                   b->mem_bytes >> 20);
            return -XEN_ENOMEM;
        }
        b->p2m[pfn] = mfn;
        mfn_to_page(mfn)->pfn = pfn;
        d->tot_pages++;
        *budget -= MIN(*budget, BUILD_SCRUB_COST);
    } while (d->tot_pages < b->l.nr_pages + 1 && *budget > 0);
    return 0;
}

/* The domain's frames, clean ones taken a run at a time straight into the p2m list. */
static int alloc_step(struct domain *d, struct build_state *b, int bounded)
{
    uint32_t nr_pages = b->l.nr_pages + 1, budget = bounded ? BUILD_ALLOC_BUDGET : UINT32_MAX;
    while (d->tot_pages < nr_pages && budget > 0) {
        uint32_t pfn = d->tot_pages, want = MIN(nr_pages - pfn, budget);
        uint32_t got = alloc_clean_domheap_pages(d, b->p2m + pfn, pfn, want);
        d->tot_pages += got;
        budget -= got;
        int rc = got ? 0 : alloc_scrubbed(d, b, &budget);
        if (rc)
            return rc;
    }
    if (d->tot_pages < nr_pages)
        return MM_RESTART;
    d->max_pages = nr_pages;
    b->phase = BS_IMAGE;
    return 0;
}

/* n bytes at offset `off` of the image into `dst`: from dom0's memory (a domU's image, read
 * fault-safe), or from the image in the hypervisor's memory (dom0's at boot). */
static int image_bytes(struct domain *d, const struct build_state *b, void *dst, uint32_t off,
                       uint32_t n)
{
    if (!b->image_guest) {
        memcpy(dst, b->image + off, n);
        return 0;
    }
    if (copy_from_guest(dst, b->image_guest + off, n) == 0)
        return 0;
    printk("(XEN) domain %u: dom0's image at %08x cannot be read at offset %u\n", d->domain_id,
           b->image_guest, off);
    return -XEN_EFAULT;
}

/* Each segment's file bytes, a page at a time into its frame; the rest of it (bss) is zero
 * already, as every frame is clean when taken. */
static int image_step(struct domain *d, struct build_state *b, int bounded)
{
    uint32_t budget = bounded ? BUILD_COPY_CHUNK : UINT32_MAX;
    while (b->seg < b->img.nr_segments && budget > 0) {
        const struct elf_segment *s = &b->img.seg[b->seg];
        uint32_t va = s->vaddr + b->seg_done, off = va & (PAGE_SIZE - 1);
        uint32_t n = MIN(MIN(s->filesz - b->seg_done, PAGE_SIZE - off), budget);
        if (n) {
            uint8_t *dst = map_domain_page(b->p2m[pfn_of(&b->l, va)]);
            int rc = image_bytes(d, b, dst + off, s->offset + b->seg_done, n);
            unmap_domain_page(dst);
            if (rc)
                return rc;
        }
        b->seg_done += n;
        budget -= n;
        if (b->seg_done == s->filesz)
            b->seg++, b->seg_done = 0;
    }
    if (b->seg < b->img.nr_segments)
        return MM_RESTART;
    b->phase = BS_LOAD;
    return 0;
}

static int pin_step(struct domain *d, struct build_state *b, int bounded)
{
    int rc = pin_l2_preemptible(d->domain_id, b->l2_mfn, &d->vcpu->pt_progress,
                                bounded ? MM_L2_BUDGET : UINT32_MAX);
    if (rc < 0)
        printk("(XEN) domain %u: bootstrap page tables failed validation (%d)\n", d->domain_id, rc);
    return rc;
}

/* Everything but the frames and the pin: bounded by the image and the bootstrap tables. */
static int load_step(struct domain *d, struct build_state *b, int bounded)
{
    const struct layout *l = &b->l;
    int rc = setup_devices(d, b->p2m, l, &b->r);
    if (rc)
        return rc;
    copy_to_pseudophys(b->p2m, l, l->v_p2m, b->p2m, l->nr_pages * 4);
    if (b->mod_len)
        copy_to_pseudophys(b->p2m, l, l->v_mod, b->module, b->mod_len);
    fill_start_info(d, b->p2m, l, b->mod_len, b->cmdline, &b->r);
    b->l2_mfn = build_page_tables(b->p2m, l);
    b->phase = BS_PIN;
    return pin_step(d, b, bounded);
}

/* The pin is done: load the page directory and set the registers. */
static int build_finish(struct domain *d, struct build_state *b, struct build_result *out)
{
    int rc = get_page_and_type(b->l2_mfn, d->domain_id, PGT_l2);
    if (rc)
        return rc;
    uint32_t frame_mfn = b->p2m[b->l.nr_pages]; /* the frame after the guest's pages */
    if ((rc = frame_page_take(frame_mfn)) != 0) {
        put_page_and_type(b->l2_mfn);
        return rc;
    }
    d->vcpu->cr3_mfn = b->l2_mfn;
    d->vcpu->frame_pte = entry_page_pte(frame_mfn);
    set_initial_registers(d->vcpu, frame_mfn, &b->img, &b->l);
    if (out)
        *out = b->r;
    printk("(XEN) domain %u: %s kernel, %u MiB (%u pages and its vCPU's frame page), virt_base "
           "%08x, entry %08x\n",
           d->domain_id, b->img.guest_os, b->mem_bytes >> 20, b->l.nr_pages, b->img.virt_base,
           b->img.entry);
    printk("(XEN)   start_info %08x, page tables %08x (%u frames), p2m %08x, "
           "mapped to %08x, module %u bytes\n",
           b->l.v_si, b->l.v_pt, 1 + b->l.nr_l1, b->l.v_p2m, b->l.v_end, b->mod_len);
    return 0;
}

static int phase_step(struct domain *d, struct build_state *b, int bounded)
{
    switch (b->phase) {
    case BS_ALLOC:
        return alloc_step(d, b, bounded);
    case BS_IMAGE:
        return image_step(d, b, bounded);
    case BS_LOAD:
        return load_step(d, b, bounded);
    default:
        return pin_step(d, b, bounded);
    }
}

int build_step(struct domain *d, int bounded, struct build_result *out)
{
    struct build_state *b = d->build;
    int rc;
    do {
        uint8_t phase = b->phase;
        rc = phase_step(d, b, bounded);
        if (rc == 0 && phase >= BS_LOAD)
            rc = build_finish(d, b, out); /* the pin (in the load step, or later) is done */
        else if (rc == 0)
            rc = MM_RESTART; /* the next phase starts a step of its own */
    } while (rc == MM_RESTART && !bounded);
    if (rc != MM_RESTART)
        build_abandon(d);
    return rc;
}

int construct_domain(struct domain *d, const void *image, uint32_t image_len, const void *module,
                     uint32_t mod_len, const char *cmdline, uint32_t mem_bytes,
                     struct build_result *out)
{
    int rc = build_begin(d, module, mod_len, cmdline, mem_bytes);
    if (rc)
        return rc;
    d->build->image = image;
    d->build->image_len = d->build->image_have = image_len;
    rc = build_plan(d, d->build);
    if (rc) {
        build_abandon(d);
        return rc;
    }
    return build_step(d, 0, out);
}
