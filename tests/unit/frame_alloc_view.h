/*
 * frame_alloc_view.h - what test_mm.c may read of hv/frame_alloc.c's private state.
 *
 * The allocator keeps a summary of where its clean free frames are (clean_groups: a bit a group
 * of frames) so that a search passes frames in use a group at a time.  Nothing in the
 * hypervisor reads it but the allocator, so it has no public accessor; test_mm.c checks it
 * against the frames themselves through frame_alloc_view.c, which test_mm links in place of
 * hv/frame_alloc.o.
 */
#ifndef FRAME_ALLOC_VIEW_H
#define FRAME_ALLOC_VIEW_H

#include <stdint.h>

extern const uint32_t clean_group_frames; /* frames a bit of the summary stands for */

/* Whether the summary says that mfn's group may hold a clean free frame. */
int clean_group_marked(uint32_t mfn);

#endif
