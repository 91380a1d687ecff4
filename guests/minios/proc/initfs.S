/*
 * initfs.S - the archive of programs built into the kernel (build/bin.cpio,
 * made by guests/bin/bin.mk): a domU gets no boot module, so this is its
 * root file system, and /bin/sh its shell (startup.c: mount_root()).
 *
 * Tour 26/58 - after startup.c, before proc/vfs.c.
 */
    .section .rodata
    .balign 4
    .globl initfs_start, initfs_end
initfs_start:
    .incbin INITFS
initfs_end:
