#!/bin/sh
# init.sh - /init of bench-xen's initramfs (tools/xenpeer/bench_xen.py packs
# it with a static busybox, Debian's xen-privcmd.ko, the xenpeer module and
# the xenpeer program; there is no disk).
#
# The same initramfs boots twice: as the 64-bit PV dom0 of Xen 4.17, and as
# bare Linux on the same QEMU machine.  Under Xen it loads privcmd (Debian
# builds it as a module) and the xenpeer module, whose windows run while
# insmod waits, prints the module's window lines from the kernel log, then
# runs the user-space windows.  On bare Linux only the user-space program
# runs (its getppid windows).  Every window line is
#   xenpeer: window name=NAME n=N check=C
# and the lines come out in the order the windows ran, which is how the
# host pairs them with the plugin's windows.  Then it powers the machine off
# (Xen passes dom0's poweroff on to ACPI S5, and QEMU exits).
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
hv=$(cat /sys/hypervisor/type 2>/dev/null)
echo "xenpeer: init: hypervisor '${hv:-none}', kernel $(uname -r)"
if [ "$hv" = xen ]; then
    insmod /xen-privcmd.ko || echo "xenpeer: error: insmod xen-privcmd.ko failed"
    insmod /xenpeer.ko || echo "xenpeer: error: insmod xenpeer.ko failed"
    dmesg | grep -E 'xenpeer: (window|error|no |not |cannot)'
fi
/xenpeer-user || echo "xenpeer: error: xenpeer-user exited $?"
echo "xenpeer: done"
poweroff -f
