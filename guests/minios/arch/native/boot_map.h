/*
 * boot_map.h - how much the native boot page tables map, shared by boot.S,
 * which builds them, and start.c, which must fit the p2m array, mm_init's
 * first L1 tables and the boot archive (the first multiboot module, which
 * QEMU loads right after the kernel) inside them.  BOOT_L1S L1 tables map
 * BOOT_L1S * 4 MiB from physical 1 MiB at 0xC0000000; they cost 4 KiB of
 * .bss each.
 */
#ifndef MINIOS_NATIVE_BOOT_MAP_H
#define MINIOS_NATIVE_BOOT_MAP_H

#define BOOT_L1S 16 /* 64 MiB: the kernel, a boot archive with RAM disk images, the p2m */

#endif
