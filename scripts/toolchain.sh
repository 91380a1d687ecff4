#!/bin/sh
# toolchain.sh - write build/toolchain.mk: the facts about the toolchain that
# exist only once its Debian packages are installed.
#
# The Makefile includes the file this script writes, and make re-reads the
# Makefile after making it (GNU make's "remaking makefiles").  The rule runs
# scripts/ensure-deps.sh first, so no query below can run before gcc-multilib
# is installed.  A query that fails stops the build here with a message: an
# empty or bare-name LIBGCC would otherwise link the kernels without libgcc's
# 64-bit division helpers (__udivdi3, ...) and fail far from the cause.
#
# Usage: scripts/toolchain.sh CC >build/toolchain.mk
set -e
cc="${1:-gcc}"
libgcc=$("$cc" -m32 -print-libgcc-file-name 2>/dev/null || true)
case "$libgcc" in
/*) [ -f "$libgcc" ] || libgcc_missing=1 ;;
*) libgcc_missing=1 ;;   # gcc prints a bare "libgcc.a" when it has no 32-bit libgcc
esac
if [ -n "$libgcc_missing" ]; then
    echo "pvlab: '$cc -m32 -print-libgcc-file-name' gave '${libgcc}', not a 32-bit libgcc.a;" >&2
    echo "pvlab: the 32-bit libgcc comes with gcc-multilib: apt-get install -y gcc-multilib" >&2
    exit 1
fi
echo "# Made by scripts/toolchain.sh; make clean removes it."
echo "LIBGCC := $libgcc"
echo "TOOLCHAIN_MK_READ := 1"
