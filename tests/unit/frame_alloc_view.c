/*
 * frame_alloc_view.c - hv/frame_alloc.c itself, with a read of its summary of clean frames
 * (frame_alloc_view.h).  The allocator is compiled here, not copied: test_mm checks the real
 * code's summary, and the hypervisor keeps no accessor it has no use for.
 */
#include "../../hv/frame_alloc.c"
#include "frame_alloc_view.h"

const uint32_t clean_group_frames = CLEAN_GROUP;

int clean_group_marked(uint32_t mfn)
{
    uint32_t g = mfn / CLEAN_GROUP;
    return (clean_groups[g / 32] >> (g % 32)) & 1;
}
