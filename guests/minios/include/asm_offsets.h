/*
 * asm_offsets.h - the offsets minios's assembly reads in shared structures.
 *
 * entry.S unmasks and tests events through vcpu_info[0] of the shared_info
 * page (include/public/xen.h) with plain byte offsets.  They are written here
 * once and checked against the structure by the compiler in every C file that
 * includes os.h, so a changed layout stops the build.
 */
#ifndef MINIOS_ASM_OFFSETS_H
#define MINIOS_ASM_OFFSETS_H

/* In shared_info: vcpu_info[0] comes first, and these are its first two bytes. */
#define SHINFO_upcall_pending 0
#define SHINFO_upcall_mask    1

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <public/xen.h>
_Static_assert(offsetof(struct shared_info, vcpu_info[0].evtchn_upcall_pending) ==
                   SHINFO_upcall_pending,
               "SHINFO_upcall_pending");
_Static_assert(offsetof(struct shared_info, vcpu_info[0].evtchn_upcall_mask) == SHINFO_upcall_mask,
               "SHINFO_upcall_mask");
#endif

#endif
