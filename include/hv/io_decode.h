/*
 * io_decode.h - one decoded port-I/O instruction (arch/x86/io_decode.c).
 */
#ifndef HV_IO_DECODE_H
#define HV_IO_DECODE_H

#include <stdint.h>

struct io_insn {
    uint8_t len;        /* bytes, prefixes included */
    uint8_t size;       /* bytes per transfer: 1, 2 or 4 */
    uint8_t in;         /* in/ins (else out/outs) */
    uint8_t string;     /* ins/outs: memory at %edi (ins) or %esi (outs) */
    uint8_t rep;        /* rep prefix: %ecx transfers */
    uint8_t port_in_dx; /* the port is %dx (else `port`, an imm8) */
    uint16_t port;
};

/* 0 if no instruction io_decode() accepts begins with byte b (cli, hlt, a mov...): the #GP
 * handler's quick answer before it fetches the whole instruction. */
static inline int io_insn_may_start(unsigned int b) /* b < 256 */
{
    /* One bit per byte: 0x66 and 0xF3 (prefixes), 0x6C-0x6F (ins/outs), 0xE4-0xE7 (in/out
     * imm8), 0xEC-0xEF (in/out %dx).  A table, where five compares cost twice as much, and
     * `bt`, which finds bit b of a bit string in memory in one instruction. */
    static const uint32_t may_start[8] = {[3] = 1u << (0x66 - 0x60) | 0xFu << (0x6C - 0x60),
                                          [7] = 0xFu << (0xE4 - 0xE0) | 0xFu << (0xEC - 0xE0) |
                                                1u << (0xF3 - 0xE0)};
    int set;
    __asm__("btl %2, %1" : "=@ccc"(set) : "m"(may_start), "r"(b));
    return set;
}

/* The instruction at b[0..n): its length, or 0 if it is not one we emulate. */
unsigned int io_decode(const uint8_t *b, unsigned int n, struct io_insn *io);

#endif
