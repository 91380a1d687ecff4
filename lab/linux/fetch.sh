#!/bin/sh
# fetch.sh - the Linux baseline's Debian packages, fetched at lab time and
# never committed (DESIGN.md decision 13).
#
# usage: lab/linux/fetch.sh DIR
#
# The homework's first column is a real Linux running the real dbench 4.0.
# This script adds the i386 architecture to dpkg, updates apt's lists and
# downloads, into DIR/debs, Debian's 686 kernel, dbench with the two
# libraries it links against (libpopt, libc) and a static busybox; then it
# unpacks each package under DIR/pkgs/NAME with dpkg-deb -x, where
# lab/linux/mkinitramfs.py picks the files it needs.  The dbench package also
# brings /usr/share/dbench/client.txt, the homework's loadfile.
#
# apt-get update has been seen to exit 100 because one i386 index was
# mid-sync on the mirror: then the script says so and goes on, and the
# download decides (it fails with apt's own message if a package does not
# resolve).  Packages already in DIR/debs are not fetched again.
set -e
dir=${1:?usage: fetch.sh DIR}
mkdir -p "$dir/debs" "$dir/pkgs"
dir=$(cd "$dir" && pwd)
PACKAGES="dbench:i386 busybox-static:i386 libpopt0:i386 libc6:i386"

have_debs() {
    for p in linux-image-6.1.0-*-686_ dbench_ busybox-static_ libpopt0_ libc6_; do
        ls "$dir"/debs/${p}*_i386.deb >/dev/null 2>&1 || return 1
    done
}

update_lists() {
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
        echo "lab: dpkg --add-architecture i386"
        dpkg --add-architecture i386
    fi
    echo "lab: apt-get update"
    apt-get update -qq || echo "lab: apt-get update failed (exit $?): an index may be mid-sync;" \
        "going on with the lists apt has"
}

# The newest linux-image-6.1.0-N-686 that apt knows (not the -dbg or -unsigned ones).
kernel_package() {
    apt-cache pkgnames linux-image-6.1.0- | grep -E '^linux-image-6\.1\.0-[0-9]+-686$' |
        sort -t- -k4,4n | tail -n 1
}

download() {
    kernel=$(kernel_package)
    [ -n "$kernel" ] || { echo "lab: apt knows no linux-image-6.1.0-*-686 package"; exit 1; }
    echo "lab: apt-get download $kernel:i386 $PACKAGES"
    (cd "$dir/debs" && apt-get download -q "$kernel:i386" $PACKAGES)
}

unpack() {
    for deb in "$dir"/debs/*.deb; do
        name=$(basename "$deb" | cut -d_ -f1)
        [ -d "$dir/pkgs/$name" ] && continue
        echo "lab: unpack $(basename "$deb")"
        dpkg-deb -x "$deb" "$dir/pkgs/$name.tmp" && mv "$dir/pkgs/$name.tmp" "$dir/pkgs/$name"
    done
}

if ! have_debs; then
    update_lists
    download
fi
unpack
echo "lab: Linux packages ready in $dir"
