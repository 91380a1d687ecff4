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
static inline int io_insn_may_start(uint8_t b)
{
    uint8_t base = b & 0xFC;
    return b == 0x66 || b == 0xF3 || base == 0xE4 || base == 0xEC || base == 0x6C;
}

/* The instruction at b[0..n): its length, or 0 if it is not one we emulate. */
unsigned int io_decode(const uint8_t *b, unsigned int n, struct io_insn *io);

#endif
