"""build_tests.py - the build itself, as a new user meets it.

A fresh Debian machine has no gcc-multilib when make first reads the Makefile.
These tests run make's parse phase (make -n, which still remakes included
makefiles) in a scratch build directory with the toolchain query failing the
way it fails there, and check that the build stops with a message naming the
package instead of linking the kernels without libgcc (issue 7).
"""
import os
import subprocess
import tempfile

from qemu import ROOT, check

ALL = []


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def make_dry_run(build_dir, cc=None, goal="all"):
    """make -n GOAL (none: make's default) into build_dir; return (exit status, stdout, stderr)."""
    args = ["make", "-n", "B=" + build_dir] + ([goal] if goal else [])
    if cc:
        args.append("CC=" + cc)
    p = subprocess.run(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def stub_gcc(directory, libgcc_answer):
    """A gcc that answers -print-libgcc-file-name as a machine without
    gcc-multilib does (libgcc_answer; None: fails) and is gcc otherwise."""
    path = os.path.join(directory, "stub-gcc")
    if libgcc_answer is None:
        answer = "exit 1"
    else:
        answer = "echo '%s'; exit 0" % libgcc_answer
    with open(path, "w") as f:
        f.write('#!/bin/sh\nfor a; do [ "$a" = -print-libgcc-file-name ] && { %s; }; done\n'
                'exec gcc "$@"\n' % answer)
    os.chmod(path, 0o755)
    return path


def links(stdout):
    return [line for line in stdout.splitlines() if line.startswith("ld ")]


def check_stops_without_linking(answer):
    with tempfile.TemporaryDirectory() as tmp:
        rc, out, err = make_dry_run(os.path.join(tmp, "build"), stub_gcc(tmp, answer))
        check(rc != 0, "make succeeded with libgcc query answering %r" % answer)
        check("gcc-multilib" in err, "no message naming gcc-multilib:\n" + err[-800:])
        check(not links(out), "make would link:\n" + "\n".join(links(out))[:800])


@test
def make_with_no_goal_builds_everything():
    # The rule that makes build/toolchain.mk is the Makefile's first; without .DEFAULT_GOAL
    # `make` alone made that file and nothing else.
    with tempfile.TemporaryDirectory() as tmp:
        rc, out, err = make_dry_run(os.path.join(tmp, "build"), goal=None)
        check(rc == 0, "make -n failed:\n" + err[-800:])
        linked = " ".join(links(out))
        check("hv.elf" in linked and "minios.elf" in linked,
              "make alone would not link hv.elf and minios.elf:\n" + (out + err)[-800:])


@test
def build_stops_when_gcc_prints_a_bare_libgcc_name():
    # What gcc prints on a machine without gcc-multilib.
    check_stops_without_linking("libgcc.a")


@test
def build_stops_when_the_libgcc_query_fails():
    check_stops_without_linking(None)


@test
def build_stops_when_a_kept_toolchain_file_names_a_missing_libgcc():
    with tempfile.TemporaryDirectory() as tmp:
        build = os.path.join(tmp, "build")
        os.makedirs(build)
        # Newer than its prerequisites, so make keeps it: as after a package removal.
        with open(os.path.join(build, "toolchain.mk"), "w") as f:
            f.write("LIBGCC := /nonexistent/libgcc.a\nTOOLCHAIN_MK_READ := 1\n")
        rc, out, err = make_dry_run(build)
        check(rc != 0, "make succeeded with a missing LIBGCC")
        check("/nonexistent/libgcc.a" in err and "not a file" in err,
              "no message naming the missing libgcc:\n" + err[-800:])
        check(not links(out), "make would link")


@test
def every_kernel_links_with_the_32bit_libgcc():
    with tempfile.TemporaryDirectory() as tmp:
        rc, out, err = make_dry_run(os.path.join(tmp, "build"))
        check(rc == 0, "make -n failed:\n" + err[-800:])
        kernels = [line for line in links(out) if "minios.elf" in line or "hv.elf" in line]
        check(len(kernels) >= 2, "no link lines for hv.elf and minios.elf:\n" + out[-800:])
        for line in kernels:
            libgcc = line.split()[-1]
            check(libgcc.startswith("/") and libgcc.endswith("libgcc.a") and
                  os.path.isfile(libgcc) and "32" in libgcc,
                  "link without a 32-bit libgcc.a: %s" % line[-300:])
