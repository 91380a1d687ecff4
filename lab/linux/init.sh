#!/bin/sh
# init.sh - /init of the lab's Linux initramfs (lab/linux/mkinitramfs.py
# fills in @SECONDS@): the homework's Part 1 on Debian's own kernel.
#
# It loads the kernel modules in dependency order (/etc/modules.order),
# mounts the ext2 disk dbench works on, and runs the real dbench 4.0 with
# client.txt for 1 and then 2 clients.  /bin/marker executes xchg %bx,%bx
# three times per run: when dbench starts, @MIDPOINT@ s later (guest time:
# 2 s into the execute phase, after dbench's warm-up of a fifth of the run)
# and when it ends.  The lab saves its checkpoints at the middle markers:
# a count of instructions after the start would not do, because how many
# instructions a second of dbench takes depends on how long it waits for
# the disk.  The lab's scripts read the "lab:" lines and dbench's own output
# from the serial console, then the machine powers off.
export PATH=/bin:/usr/bin LD_LIBRARY_PATH=/lib
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /etc/modules.order); do
    insmod /lib/modules/$m.ko || echo "lab: insmod $m failed"
done
disk=""
for i in 1 2 3 4 5 6 7 8 9 10; do
    for d in /dev/sda /dev/vda; do [ -b $d ] && disk=$d; done
    [ -n "$disk" ] && break
    sleep 1
done
if [ -z "$disk" ] || ! mount -t ext2 $disk /mnt; then
    echo "lab: no ext2 disk to mount (${disk:-no sda or vda}); dmesg ends with:"
    dmesg | tail -n 20
    poweroff -f
fi
echo "lab: $disk mounted on /mnt"
for n in 1 2; do
    echo "lab: dbench -c /client.txt -t @SECONDS@ -D /mnt $n"
    marker
    dbench -c /client.txt -t @SECONDS@ -D /mnt $n &
    sleep @MIDPOINT@
    marker
    wait $!
    marker
    echo "lab: dbench $n finished"
done
sync
umount /mnt
echo "lab: dbench done"
poweroff -f
