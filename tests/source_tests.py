"""source_tests.py - the code as the textbook (issue 16): checks on the source
tree itself, no QEMU.

  - scripts/check_layers.py: the hypervisor's dependencies run one way
    (include/public <- lib <- arch/x86 <- hv, arch/x86 calling up only
    through hv/entry.h), and so do minios's (arch <- core <- drivers <-
    services, arch calling up only through os.h); no .c file declares
    another file's function instead of including its header;
  - scripts/check_tour.py: the tour tags in the file headers of the
    hypervisor, and of minios, form one unbroken chain each, and every function docs/ and README.md name exists
    (in the file they name, where they name one).

Each check runs on the real tree, and on a small tree made here with the
faults it must find, so a check that stopped finding them would fail too.
"""
import os
import subprocess
import sys
import tempfile

from qemu import ROOT, check

ALL = []


def test(fn):
    ALL.append((fn.__name__, fn))
    return fn


def run_check(script, root):
    p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", script), root],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=120)
    return p.returncode, p.stdout


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def check_clean(script):
    """The real tree passes `script`."""
    rc, out = run_check(script, ROOT)
    check(rc == 0 and out == "", "scripts/%s found:\n%s" % (script, out))


def check_finds(script, files, want):
    """A tree made of `files` fails `script` with exactly the problems in `want`."""
    with tempfile.TemporaryDirectory(prefix="pvlab-source-") as t:
        for rel, text in files.items():
            write(t, rel, text)
        rc, out = run_check(script, t)
    for w in want:
        check(w in out, "%s did not report %r; it said:\n%s" % (script, w, out))
    n = len(out.strip().split("\n"))
    check(rc == 1 and n == len(want),
          "%s: status %d and %d problems, expected 1 and %d:\n%s" % (script, rc, n, len(want), out))


@test
def hypervisor_and_minios_layers_run_one_way():
    """No lower layer includes a higher one's header; no file declares another's function."""
    check_clean("check_layers.py")


@test
def layer_check_finds_upward_includes_and_local_declarations():
    """An arch file including hv/domain.h, an arch header including hv/entry.h, a public header
    including an hv/ one, lib including arch, and a .c file declaring another's function."""
    check_finds("check_layers.py", {
        "include/public/xen.h": '#include "../hv/arch.h"\n',
        "include/lib.h": "#include <hv/x86.h>\n",
        "include/hv/arch.h": "#include <hv/entry.h>\n",
        "include/hv/x86.h": "#include <public/xen.h>\n",
        "include/hv/entry.h": "#include <hv/domain.h>\n",
        "include/hv/domain.h": "void domain_crash(void);\n",
        "arch/x86/traps.c": "#include <hv/entry.h>\n#include <hv/domain.h>\n",
        "hv/domain.c": "#include <hv/domain.h>\nvoid domain_crash(void)\n{\n}\n",
        "hv/sched.c": "/* a comment: void domain_crash(void); */\n"
                      "void domain_crash(void);\nstatic void local(void);\n",
    }, ["include/public/xen.h:1: the public layer includes <../hv/arch.h>",
        "include/lib.h:1: the lib layer includes <hv/x86.h>",
        "include/hv/arch.h:1: the arch layer includes <hv/entry.h>",
        "arch/x86/traps.c:2: the arch layer includes <hv/domain.h>",
        "hv/sched.c:2: declares domain_crash(), which hv/domain.c defines"])


@test
def minios_layer_check_finds_upward_includes_and_local_declarations():
    """minios's layers (arch < core < drivers < services): the core including a process header,
    a driver including a file system's, an operations table including a driver's, a shared
    arch header including os.h (only arch's own sources may), and a .c file declaring an
    assembly routine; arch's C including os.h and a service including anything are fine."""
    m = "guests/minios/"
    check_finds("check_layers.py", {
        m + "include/os.h": "#include <machine.h>\n",
        m + "include/machine.h": "#include <os.h>\n",
        m + "include/proc.h": "void spawn(void);\n",
        m + "include/blkdev.h": "void blkdev_read(void);\n",
        m + "include/ext2fs.h": "void ext2fs_mount(void);\n",
        m + "kernel.c": "#include <os.h>\n#include <proc.h>\n",
        m + "blkdev.c": "#include <os.h>\n#include <blkdev.h>\n#include <ext2fs.h>\n",
        m + "arch/pv/pv_ops.c": "#include <os.h>\n#include <blkdev.h>\n",
        m + "arch/native/native.h": "#include <os.h>\n",
        m + "proc/swtch.S": "    .globl proc_entry\nproc_entry:\n    ret\n",
        m + "proc/proc.c": "#include <proc.h>\n#include <blkdev.h>\n#include <ext2fs.h>\n"
                          "void proc_entry(void);\n",
    }, [m + "include/machine.h:1: the arch layer includes <os.h>",
        m + "kernel.c:2: the core layer includes <proc.h>",
        m + "blkdev.c:3: the drivers layer includes <ext2fs.h>",
        m + "arch/pv/pv_ops.c:2: the arch layer includes <blkdev.h>",
        m + "proc/proc.c:4: declares proc_entry(), which " + m + "proc/swtch.S defines"])


@test
def tour_chain_is_unbroken_and_docs_name_only_existing_functions():
    """Every hypervisor file has its tour stop, the chain runs 1..M, docs name real functions."""
    check_clean("check_tour.py")


@test
def tour_check_finds_a_broken_chain_and_missing_functions():
    """A wrong 'before', a missing stop, an untagged file, a function nowhere and one not in
    the file a document gives for it; not xv6's trap() nor functions that exist, one with a
    function-pointer parameter among them."""
    check_finds("check_tour.py", {
        "README.md": "Start with `hv/a.c: start()`.\n",
        "docs/x.md": "Then `missing()`, `hv/a.c: finish()`, `hv/a.c: walk()` and xv6's "
                     "`trap()`.\n",
        "hv/a.c": "/*\n * a.c\n *\n * Tour 1/4 - after README.md, before hv/c.c.\n */\n"
                  "void start(void)\n{\n}\n"
                  "int walk(const char *p, int (*fn)(const char *, void *), void *a)\n{\n}\n",
        "hv/b.c": "/*\n * b.c\n *\n * Tour 2/4 - after hv/a.c, before docs/x.md.\n */\n"
                  "void finish(void)\n{\n}\n",
        "hv/c.c": "/* c.c: no tag */\n",
        "arch/x86/d.S": "/*\n * Tour 4/4 - after hv/c.c, before docs/x.md.\n */\n",
    }, ["hv/c.c:1: 0 tour tags",
        "hv/a.c:4: stop 1 says before hv/c.c, but stop 2 is hv/b.c",
        "tour: no file is stop 3/4",
        "docs/x.md:1: names missing(), which nothing in the tree defines",
        "docs/x.md:1: names hv/a.c: finish(), which is not defined in hv/a.c"])


@test
def minios_tour_check_finds_a_broken_chain():
    """minios's tour is its own chain, naming files from guests/minios/: a wrong 'after', a
    missing stop and a file without a tag are found; README.md is found at the top."""
    m = "guests/minios/"
    check_finds("check_tour.py", {
        "README.md": "",
        "docs/x.md": "",
        "hv/a.c": "/*\n * Tour 1/1 - after README.md, before README.md.\n */\n",
        m + "kernel.c": "/*\n * Tour 1/4 - after README.md, before proc/sched.c.\n */\n",
        m + "proc/sched.c": "/*\n * Tour 2/4 - after head.S, before events.c.\n */\n",
        m + "events.c": "/*\n * Tour 4/4 - after proc/sched.c, before README.md.\n */\n",
        m + "fs/bcache.c": "/* no tag */\n",
    }, [m + "fs/bcache.c:1: 0 tour tags",
        m + "proc/sched.c:2: stop 2 says after head.S, but stop 1 is kernel.c",
        "minios's tour: no file is stop 3/4"])
