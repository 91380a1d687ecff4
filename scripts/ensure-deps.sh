#!/bin/sh
# ensure-deps.sh - install the Debian packages pvlab needs to build and test,
# or say exactly which command to run.  Called by every build.
set -e
need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in gcc gcc-multilib make qemu-system-x86 grub-pc-bin grub-common xorriso mtools \
         libcmocka-dev python3; do
    have_pkg "$p" || need="$need $p"
done
[ -z "$need" ] && exit 0
echo "pvlab: missing Debian packages:$need"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "pvlab: installing them with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $need
else
    echo "pvlab: run this as root, then build again:"
    echo "    apt-get update && apt-get install -y$need"
    exit 1
fi
