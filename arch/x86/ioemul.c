/*
 * ioemul.c - dom0's port I/O, carried out by the hypervisor.
 *
 * The CPU checks a ring-1 and a ring-3 `in` or `out` against the same TSS
 * I/O bitmap, and minios returns to its processes with its own `iret`,
 * without passing through the hypervisor.  So a bitmap opened for dom0's
 * kernel would be open to every dom0 process as well: any program could
 * drive the disk controller under the kernel's feet.  pvlab does what Xen
 * does instead: the bitmap refuses every port to every guest, so each
 * guest `in`/`out` raises #GP, and the #GP handler carries the instruction
 * out itself when it comes from a privileged domain's kernel (ring 1) and
 * names ports dom0 was granted (PHYSDEVOP_pvlab_ioport_grant, hv/physdev.c,
 * whose allow-list keeps DMA-capable ports out).  Then it steps over the
 * instruction.  A process (ring 3), an unprivileged domain or a port not
 * granted gets the #GP bounced as before.  Most #GPs are not port I/O (a
 * kernel's `cli`, a bad segment): an error code other than 0 or a first byte
 * that begins no port-I/O instruction (ioemul_may_start() in hv/arch.h,
 * inline in the #GP path of traps.c) answers them before this file is
 * called and the whole instruction is fetched and decoded.
 *
 * A `rep ins`/`rep outs` moves at most IOEMUL_MAX_REP elements per trap and
 * leaves %ecx, %esi/%edi and %eip as the CPU leaves an interrupted string
 * instruction, so the rest is done at the next trap, after any pending
 * interrupt: a 256-word sector is one trap.  A transfer whose guest memory
 * does not map stops there and the guest gets the #GP.
 *
 * Tour 24/37 - after arch/x86/traps.c, before arch/x86/io_decode.c.
 */
#include <lib.h>
#include <hv/arch.h>
#include <hv/entry.h>
#include <hv/guest_access.h>
#include <hv/io_decode.h>

#define IOEMUL_MAX_REP 1024
#define EFLAGS_DF      (1u << 10)

static uint8_t io_granted[65536 / 8]; /* one bit per port dom0 may use */

void ioport_allow(uint32_t first, uint32_t nr)
{
    for (uint32_t p = first; p < first + nr && p < 65536; p++)
        io_granted[p / 8] |= (uint8_t)(1u << (p % 8));
}

static int ports_granted(uint32_t port, unsigned int size)
{
    for (uint32_t p = port; p < port + size; p++)
        if (p >= 65536 || !(io_granted[p / 8] & (1u << (p % 8))))
            return 0;
    return 1;
}

static uint32_t port_in(uint16_t port, unsigned int size)
{
    uint32_t v;
    if (size == 1)
        __asm__ volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port));
    else if (size == 2)
        __asm__ volatile("inw %w1, %w0" : "=a"(v) : "Nd"(port));
    else
        __asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
    return size == 4 ? v : v & ((1u << (size * 8)) - 1);
}

static void port_out(uint16_t port, unsigned int size, uint32_t v)
{
    if (size == 1)
        __asm__ volatile("outb %b0, %w1" ::"a"(v), "Nd"(port));
    else if (size == 2)
        __asm__ volatile("outw %w0, %w1" ::"a"(v), "Nd"(port));
    else
        __asm__ volatile("outl %0, %w1" ::"a"(v), "Nd"(port));
}

/* The instruction bytes at %eip: the first 8, or as many as map. */
static unsigned int fetch(uint32_t eip, uint8_t *b)
{
    unsigned int n = 0;
    if (copy_from_guest(b, eip, 8) == 0)
        return 8;
    while (n < 8 && copy_from_guest(&b[n], eip + n, 1) == 0)
        n++;
    return n;
}

static void set_eax(struct cpu_user_regs *r, unsigned int size, uint32_t v)
{
    uint32_t keep = size == 4 ? 0 : ~((1u << (size * 8)) - 1);
    r->eax = (r->eax & keep) | v;
}

/* One element of ins/outs at *mem: 0, or -1 if the guest memory does not map. */
static int string_element(const struct io_insn *io, uint16_t port, uint32_t mem)
{
    uint32_t v = 0;
    if (io->in) {
        v = port_in(port, io->size);
        return copy_to_guest(mem, &v, io->size) ? -1 : 0;
    }
    if (copy_from_guest(&v, mem, io->size))
        return -1;
    port_out(port, io->size, v);
    return 0;
}

/* ins/outs, with or without rep: 1 if carried out (maybe in part), 0 for a #GP. */
static int string_io(struct cpu_user_regs *r, const struct io_insn *io, uint16_t port)
{
    uint32_t *mem = io->in ? &r->edi : &r->esi;
    uint32_t step = (r->eflags & EFLAGS_DF) ? -(uint32_t)io->size : io->size;
    uint32_t n = MIN(io->rep ? r->ecx : 1, IOEMUL_MAX_REP), done = 0;
    int faulted = 0;
    for (; done < n && !(faulted = string_element(io, port, *mem)); done++)
        *mem += step;
    if (io->rep)
        r->ecx -= done;
    if (faulted)
        return 0;
    if (!io->rep || r->ecx == 0)
        r->eip += io->len;
    return 1;
}

/* Carry out the port-I/O instruction at r->eip if it is one dom0 may use: 1, else 0. */
static int emulate(struct cpu_user_regs *r)
{
    uint8_t b[8];
    struct io_insn io;
    if (!io_decode(b, fetch(r->eip, b), &io))
        return 0;
    uint16_t port = io.port_in_dx ? (uint16_t)r->edx : io.port;
    if (!ports_granted(port, io.size))
        return 0;
    if (io.string)
        return string_io(r, &io, port);
    if (io.in)
        set_eax(r, io.size, port_in(port, io.size));
    else
        port_out(port, io.size, r->eax);
    r->eip += io.len;
    return 1;
}

/* Asked only when ioemul_may_start(r) (hv/arch.h): error code 0, ring 1, a first byte that
 * can begin port I/O.  A privileged domain's instruction on granted ports is carried out. */
int ioemul_gp(struct cpu_user_regs *r)
{
    if (!current->domain->is_privileged)
        return 0;
    return emulate(r);
}
