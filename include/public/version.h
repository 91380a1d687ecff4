/*
 * version.h - xen_version: which hypervisor is this?
 */
#ifndef PUBLIC_VERSION_H
#define PUBLIC_VERSION_H

#define XENVER_version             0 /* returns (major << 16) | minor */
#define XENVER_extraversion        1 /* arg: char[16] */
#define XENVER_compile_info        2
#define XENVER_capabilities        3 /* arg: char[1024] */
#define XENVER_changeset           4
#define XENVER_platform_parameters 5 /* arg: uint32_t virt_start */
#define XENVER_get_features        6
#define XENVER_pagesize            7

#define PVLAB_VERSION_MAJOR 0
#define PVLAB_VERSION_MINOR 1
#define PVLAB_EXTRAVERSION  ".0-pvlab"

#endif
