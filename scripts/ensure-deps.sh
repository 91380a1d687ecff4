#!/bin/sh
# ensure-deps.sh - install the Debian packages pvlab needs, or say exactly
# which command to run.  Every build runs it before anything queries a tool
# (see build/toolchain.mk in the Makefile).  With arguments, it ensures those
# packages instead of the build's (make format: clang-format; make gdb: gdb).
#
# The build's packages: gcc and gcc-multilib (the -m32 freestanding kernels and
# the 32-bit libgcc), make, qemu-system-x86 (qemu-system-i386), grub-pc-bin,
# grub-common, xorriso and mtools (grub-mkrescue's ISO), libcmocka-dev (host
# unit tests), python3 (the test runner and the image builders), e2fsprogs
# (mke2fs makes the ext2 disk images, e2fsck and debugfs check them),
# qemu-utils (qemu-img: make test runs the lab's quick pipeline, whose
# checkpoints live in qcow2 overlays; only a Recommends of qemu-system-x86).
set -e
packages="gcc gcc-multilib make qemu-system-x86 grub-pc-bin grub-common xorriso mtools \
libcmocka-dev python3 e2fsprogs qemu-utils"
[ $# -gt 0 ] && packages="$*"
need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in $packages; do
    have_pkg "$p" || need="$need $p"
done
[ -z "$need" ] && exit 0
echo "pvlab: missing Debian packages:$need"
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "pvlab: run this as root, then build again:"
    echo "    apt-get update && apt-get install -y$need"
    exit 1
fi
echo "pvlab: installing them with apt-get"
export DEBIAN_FRONTEND=noninteractive
# An index that is mid-sync on the mirror makes update exit 100 while the
# packages still resolve: go on and let the install say what is missing.
apt-get update -qq || echo "pvlab: apt-get update failed (exit $?); trying the install anyway"
apt-get install -y -qq $need
