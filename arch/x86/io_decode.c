/*
 * io_decode.c - decode one x86 port-I/O instruction, for the emulator in
 * arch/x86/ioemul.c.
 *
 * The instructions a driver uses are few: `in`/`out` with the port as an
 * 8-bit immediate or in %dx, and the string forms `ins`/`outs`, with the
 * operand-size prefix 0x66 for 16-bit transfers and `rep` (0xF3) for a whole
 * buffer.  Anything else - another prefix, another opcode, `rep` on a
 * non-string instruction - is "not an I/O instruction we emulate", and the
 * guest gets the #GP the hardware gave.  Pure: unit-tested on the host
 * (tests/unit/test_io_decode.c).
 *
 * Tour 25/37 - after arch/x86/ioemul.c, before hv/hypercall.c.
 */
#include <hv/io_decode.h>

#define MAX_PREFIXES 4

static int opcode_operand(uint8_t op, const uint8_t *b, unsigned int *i, unsigned int n,
                          struct io_insn *io)
{
    switch (op) {
    case 0xE4: /* in al, imm8 */
    case 0xE5: /* in (e)ax, imm8 */
    case 0xE6: /* out imm8, al */
    case 0xE7: /* out imm8, (e)ax */
        if (*i >= n)
            return 0;
        io->port_in_dx = 0;
        io->port = b[(*i)++];
        return 1;
    case 0xEC: /* in al, dx */
    case 0xED: /* in (e)ax, dx */
    case 0xEE: /* out dx, al */
    case 0xEF: /* out dx, (e)ax */
        io->port_in_dx = 1;
        return 1;
    case 0x6C: /* insb */
    case 0x6D: /* insw/insd */
    case 0x6E: /* outsb */
    case 0x6F: /* outsw/outsd */
        io->port_in_dx = 1;
        io->string = 1;
        return 1;
    default:
        return 0;
    }
}

unsigned int io_decode(const uint8_t *b, unsigned int n, struct io_insn *io)
{
    unsigned int i = 0;
    int size16 = 0;
    *io = (struct io_insn){0};
    for (; i < n && i < MAX_PREFIXES; i++) {
        if (b[i] == 0x66)
            size16 = 1;
        else if (b[i] == 0xF3)
            io->rep = 1;
        else
            break;
    }
    if (i >= n)
        return 0;
    uint8_t op = b[i++];
    if (!opcode_operand(op, b, &i, n, io) || (io->rep && !io->string))
        return 0;
    uint8_t base = op & 0xFE;
    io->in = base == 0xE4 || base == 0xEC || base == 0x6C;
    io->size = (op & 1) ? (size16 ? 2 : 4) : 1;
    io->len = (uint8_t)i;
    return i;
}
