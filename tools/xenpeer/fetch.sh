#!/bin/sh
# fetch.sh - the real Xen and its dom0 kernel for `make bench-xen`, fetched
# from Debian 12 at bench time and never committed (as the lab's Linux
# baseline, lab/linux/fetch.sh).
#
# usage: tools/xenpeer/fetch.sh DIR
#
# Downloads with apt-get download, into DIR/debs: Xen 4.17's hypervisor
# (xen-hypervisor-4.17-amd64), one Linux 6.1 amd64 kernel image with its
# headers (linux-headers-6.1.0-N-amd64, -common, and linux-kbuild-6.1, whose
# scripts build an out-of-tree module) and a static busybox.  Every package is
# unpacked into the one tree DIR/root with dpkg-deb -x, so the headers'
# relative symlinks (scripts -> ../../lib/linux-kbuild-6.1/scripts) resolve
# there; the one absolute path, the -amd64 Makefile's include of the -common
# one, is pointed into DIR/root.  Xen ships gzipped (/boot/xen-4.17-amd64.gz):
# QEMU's multiboot -kernel loads the gunzipped image, DIR/xen.  The kernel
# release is written to DIR/kernel-release.
#
# N is the newest ABI for which apt knows both the headers and an image
# (Debian's signed linux-image-6.1.0-N-amd64 lags the unsigned build by a
# release at times, and is the same kernel; the signed one is preferred).
# apt-get update runs only when apt knows no such pair; if it fails (an
# index mid-sync on the mirror) the script says so and goes on with the
# lists apt has.  Packages already unpacked are not fetched again.
set -e
dir=${1:?usage: fetch.sh DIR}
mkdir -p "$dir/debs" "$dir/root"
dir=$(cd "$dir" && pwd)
XEN=xen-hypervisor-4.17-amd64

# apt would download it: a real package with a candidate version (apt-cache show also
# answers for a name that is only provided by another package).
has_candidate() {
    apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [0-9]'
}

# The newest N with linux-headers-6.1.0-N-amd64 and an image: "N IMAGE", or nothing.
kernel_pair() {
    for n in $(apt-cache pkgnames linux-headers-6.1.0- |
               sed -n 's/^linux-headers-6\.1\.0-\([0-9]*\)-amd64$/\1/p' | sort -rn); do
        for image in linux-image-6.1.0-$n-amd64 linux-image-6.1.0-$n-amd64-unsigned; do
            if has_candidate "$image"; then
                echo "$n $image"
                return
            fi
        done
    done
}

download() {
    pair=$(kernel_pair)
    if [ -z "$pair" ] || ! has_candidate $XEN; then
        echo "xenpeer: apt-get update"
        apt-get update -qq || echo "xenpeer: apt-get update failed (exit $?): an index may be" \
            "mid-sync; going on with the lists apt has"
        pair=$(kernel_pair)
    fi
    [ -n "$pair" ] || { echo "xenpeer: apt knows no linux-headers-6.1.0-N-amd64 with its image"; exit 1; }
    n=${pair%% *}
    image=${pair#* }
    pkgs="$XEN $image linux-headers-6.1.0-$n-amd64 linux-headers-6.1.0-$n-common linux-kbuild-6.1 busybox-static:amd64"
    echo "xenpeer: apt-get download $pkgs"
    rm -f "$dir"/debs/*.deb
    (cd "$dir/debs" && apt-get download -q $pkgs)
    echo "6.1.0-$n-amd64" >"$dir/kernel-release.tmp"
}

unpack() {
    for deb in "$dir"/debs/*.deb; do
        echo "xenpeer: unpack $(basename "$deb")"
        dpkg-deb -x "$deb" "$dir/root"
    done
    release=$(cat "$dir/kernel-release.tmp")
    sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" \
        "$dir/root/usr/src/linux-headers-$release/Makefile"
    gunzip -c "$dir/root/boot/xen-4.17-amd64.gz" >"$dir/xen"
    mv "$dir/kernel-release.tmp" "$dir/kernel-release"
}

if [ ! -f "$dir/kernel-release" ]; then
    rm -rf "$dir/root" && mkdir -p "$dir/root"
    download
    unpack
fi
echo "xenpeer: Xen 4.17 and Linux $(cat "$dir/kernel-release") ready in $dir"
