/*
 * elfnote.h - the ELF notes that mark a kernel as a pvlab (Xen-style PV)
 * guest.  A guest kernel carries a PT_NOTE segment with notes named "Xen";
 * the domain builder refuses an ELF without XEN_ELFNOTE_GUEST_OS.
 */
#ifndef PUBLIC_ELFNOTE_H
#define PUBLIC_ELFNOTE_H

#define XEN_ELFNOTE_ENTRY          1 /* virtual entry point (optional: e_entry is used) */
#define XEN_ELFNOTE_HYPERCALL_PAGE 2
#define XEN_ELFNOTE_VIRT_BASE      3 /* where pseudo-physical page 0 is mapped */
#define XEN_ELFNOTE_PADDR_OFFSET   4
#define XEN_ELFNOTE_XEN_VERSION    5
#define XEN_ELFNOTE_GUEST_OS       6 /* a string, e.g. "minios" */
#define XEN_ELFNOTE_GUEST_VERSION  7
#define XEN_ELFNOTE_LOADER         8 /* "generic" */

#endif
