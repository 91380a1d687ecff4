#!/bin/sh
# init.sh - /init of the lab's Linux initramfs (lab/linux/mkinitramfs.py
# fills in @SECONDS@, @MIDPOINT@ and @DISK_MIB@): the homework's Part 1 on
# Debian's own kernel.
#
# It loads the kernel modules in dependency order, each with its parameters
# (/etc/modules.order: ext4, which mounts ext2, and brd, Linux's RAM disk),
# makes an ext2 of @DISK_MIB@ MiB on /dev/ram0 and runs the real dbench 4.0
# there with client.txt (itself in the initramfs) for 1 and then 2 clients.
# Everything dbench touches is in RAM, as on minios's RAM disks: no disk
# completion, which the host would time, enters the run, so under -icount
# it repeats to the instruction.  /bin/marker executes xchg %bx,%bx three
# times per run: when dbench starts, @MIDPOINT@ s later (guest time: 2 s
# into the execute phase, after dbench's warm-up of a fifth of the run) and
# when it ends.  The lab saves its checkpoints at the middle markers.  The
# lab's scripts read the "lab:" lines and dbench's own output from the
# serial console, then the machine powers off.
export PATH=/bin:/usr/bin LD_LIBRARY_PATH=/lib
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m args; do
    insmod /lib/modules/$m.ko $args || echo "lab: insmod $m $args failed"
done < /etc/modules.order
if ! mke2fs -b 4096 -L dbench /dev/ram0 >/dev/null || ! mount -t ext2 /dev/ram0 /mnt; then
    echo "lab: no ext2 on the RAM disk /dev/ram0; dmesg ends with:"
    dmesg | tail -n 20
    poweroff -f
fi
echo "lab: ext2 on /dev/ram0 (brd, @DISK_MIB@ MiB) mounted on /mnt"
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
