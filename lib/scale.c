/*
 * scale.c - convert TSC ticks to nanoseconds with the (mul, shift) pair of a
 * vcpu_time_info record.  Shared by the hypervisor and guests so both compute
 * the same time from the same TSC.
 */
#include <lib.h>

uint64_t scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    uint64_t lo = ((delta & 0xFFFFFFFFu) * mul) >> 32;
    uint64_t hi = (delta >> 32) * mul;
    return hi + lo;
}
