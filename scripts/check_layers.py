#!/usr/bin/env python3
"""check_layers.py - the dependencies of the hypervisor and of minios run one way.

The hypervisor's layers, lowest first:

  include/public/   the ABI: includes only itself
  lib/, lib.h       string and formatting helpers: only the ABI and itself
  arch/x86/         the hardware layer, with its headers hv/arch.h, hv/x86.h,
                    hv/config.h, hv/fpu.h, hv/guest_access.h, hv/uregs.h,
                    hv/asm_offsets.h and hv/io_decode.h: only the
                    layers below, and hv/entry.h, the one header through which
                    it calls up (see that header)
  hv/               the hypervisor proper: anything

minios's layers (guests/minios and the dom0 services built into it), over
the same ABI and lib, lowest first (README.md, after "Where to read next"):

  arch       the machine: the assembly entries (head.S, entry.S, usermode.S,
             proc/swtch.S, proc/initfs.S) with entry.h, and the two sides of
             the operations table, arch/pv/ and arch/native/, with machine.h,
             hypercall.h, asm_offsets.h and portio.h.  Its C calls up only
             through os.h, the core's declarations (console, crash(), the
             start-of-day state), as arch/x86 does through hv/entry.h.
  core       what every minios guest links: start of day (kernel.c), traps,
             events, memory (and tables that grow, table.c), grants, time, the
             console and xenstore clients,
             the command line, ring-3 benchmarks (user.c); os.h, user.h,
             cmdline.h, table.h, grant_slots.h, evtchn_dispatch.h, page_runs.h.  It calls up only through app_main() and the hooks
             the OS sets (os.h), never through a higher header.
  drivers    block devices: blkdev.c and the devices under it (ide.c,
             ramdisk.c with simg.c, blkfront.c with blkif_check.c and
             io_pool.h); the boot
             archive's reader, tools/xm-lite/bootfs.h, counts as lib.
  services   the OS on top: processes and system calls (proc/), file systems
             (fs/), dom0's backends and daemons (blkback.c, tools/console/,
             tools/xenstore/), its start of day (startup.c) and benchmarks.

Two rules are checked in each, each violation reported as FILE:LINE: WHAT:

  1. No file includes a header of a higher layer (other than the one header
     a lower layer calls up through, from its sources and private headers:
     not from the headers it shares with the layers above).
  2. No .c file declares, at file scope, a function that another file of the
     same program defines: it must include the header that declares it.  (A
     declaration kept beside its definition, or of a static function, is
     fine.)

Usage: scripts/check_layers.py [ROOT]   exit status 1 if anything is wrong.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
# A file-scope prototype: starts at column 0 with a type, ends in ");" (maybe lines later).
PROTO = re.compile(r"^(?!static\b|typedef\b|return\b|#|\s)(?:extern\s+)?[A-Za-z_][\w\s\*]*?"
                   r"\b([A-Za-z_]\w*)\s*\([^;{]*\)\s*(?:__attribute__\s*\(\(.*\)\)\s*)?;",
                   re.M | re.S)
DEFN = re.compile(r"^(?!static\b)[A-Za-z_][\w\s\*]*?\b([A-Za-z_]\w*)\s*\([^;{)]*\)\s*\{", re.M)
ASM_GLOBAL = re.compile(r"^\s*\.globl\s+([\w, ]+)", re.M)
SOURCE_ENDINGS = (".c", ".h", ".S", ".lds", ".lds.S")


def shared_layer(rel):
    """The ABI and lib, beneath both programs; None for anything else."""
    if rel.startswith("include/public/"):
        return "public"
    if rel.startswith("lib/") or rel in ("include/lib.h", "tools/xm-lite/bootfs.h",
                                         "tools/xm-lite/bootfs.c"):
        return "lib"
    return None


class Hypervisor:
    name = "hypervisor"
    tops = ("include/public", "include/hv", "lib", "arch/x86", "hv")
    include_dirs = ("include",)
    arch_headers = {"hv/arch.h", "hv/x86.h", "hv/config.h", "hv/fpu.h", "hv/guest_access.h",
                    "hv/uregs.h", "hv/asm_offsets.h", "hv/io_decode.h"}
    up_header = {"arch": "include/hv/entry.h"}  # arch/x86 calls up through this one only
    rank = {"public": 0, "lib": 1, "arch": 2, "entry": 3, "hv": 3}

    def layer(self, rel):
        shared = shared_layer(rel)
        if shared:
            return shared
        if rel.startswith("arch/x86/") or rel[len("include/"):] in self.arch_headers:
            return "arch"
        if rel == self.up_header["arch"]:
            return "entry"
        return "hv"


class Minios:
    name = "minios"
    m = "guests/minios/"
    tops = (m[:-1], "tools/console", "tools/xenstore", "include/public", "lib")
    include_dirs = (m + "include", "include", "tools/xm-lite", "tools/xenstore", "tools/console")
    up_header = {"arch": m + "include/os.h"}  # arch's C calls up through the core's header only
    rank = {"public": 0, "lib": 1, "arch": 2, "core": 3, "drivers": 4, "services": 5}
    arch_files = {"head.S", "entry.S", "usermode.S", "proc/swtch.S", "proc/initfs.S",
                  "include/entry.h", "include/machine.h", "include/hypercall.h",
                  "include/asm_offsets.h", "include/portio.h"}
    core_files = {"kernel.c", "traps.c", "events.c", "mm.c", "table.c", "gnttab.c", "time.c",
                  "console.c", "xenbus.c", "cmdline.c", "user.c", "include/os.h",
                  "include/user.h", "include/cmdline.h", "include/table.h",
                  "include/grant_slots.h", "include/evtchn_dispatch.h", "include/page_runs.h"}
    driver_files = {"blkdev.c", "ide.c", "ramdisk.c", "simg.c", "blkfront.c", "blkif_check.c",
                    "include/blkdev.h", "include/simg.h", "include/blkif_check.h",
                    "include/io_pool.h"}

    def layer(self, rel):
        shared = shared_layer(rel)
        if shared:
            return shared
        if not rel.startswith(self.m):
            return "services"  # dom0's daemons in tools/
        local = rel[len(self.m):]
        if local.startswith("arch/") or local in self.arch_files:
            return "arch"
        if local in self.core_files:
            return "core"
        if local in self.driver_files:
            return "drivers"
        return "services"


def target_of(root, rel, inc, quoted, include_dirs):
    """The file an include names, relative to root (None for a system header)."""
    if quoted:
        local = os.path.normpath(os.path.join(os.path.dirname(rel), inc))
        if os.path.exists(os.path.join(root, local)):
            return local
    for d in include_dirs:
        if os.path.exists(os.path.join(root, d, inc)):
            return os.path.normpath(os.path.join(d, inc))
    return None


def allowed(program, rel, target):
    """May file `rel` of `program` include `target`?"""
    if target is None:
        return True
    layer = program.layer(rel)
    if target == program.up_header.get(layer):  # from the layer's sources and private headers,
        return not any(rel.startswith(d + "/") for d in program.include_dirs)  # not shared ones
    return program.rank[program.layer(target)] <= program.rank[layer]


def sources(root, program):
    seen = set()
    for top in program.tops:
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                rel = os.path.relpath(os.path.join(dirpath, n), root)
                if n.endswith(SOURCE_ENDINGS) and rel not in seen:
                    seen.add(rel)
                    yield rel
    for rel in ("include/lib.h", "tools/xm-lite/bootfs.h", "tools/xm-lite/bootfs.c"):
        if os.path.exists(os.path.join(root, rel)) and rel not in seen:
            yield rel


def strip_comments(text):
    """Blank out comments, keeping line numbers."""
    return re.sub(r"/\*.*?\*/|//[^\n]*", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text,
                  flags=re.S)


def check_includes(root, program, texts):
    problems = []
    for rel, text in texts.items():
        for n, line in enumerate(text.split("\n"), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            inc = m.group(2)
            target = target_of(root, rel, inc, m.group(1) == '"', program.include_dirs)
            if not allowed(program, rel, target):
                layer = program.layer(rel)
                up = program.up_header.get(layer)
                problems.append("%s:%d: the %s layer includes <%s>, a higher layer's header%s" % (
                    rel, n, layer, inc, " (%s's %s calls up only through <%s>)" % (
                        program.name, layer, up.split("include/")[-1]) if up else ""))
    return problems


def check_declarations(texts):
    problems = []
    defined = {}
    for rel, text in texts.items():
        code = strip_comments(text)
        if rel.endswith(".c"):
            for m in DEFN.finditer(code):
                defined.setdefault(m.group(1), rel)
        elif rel.endswith(".S"):
            for m in ASM_GLOBAL.finditer(code):
                for name in m.group(1).replace(" ", "").split(","):
                    defined.setdefault(name, rel)
    for rel, text in texts.items():
        if not rel.endswith(".c"):
            continue
        code = strip_comments(text)
        for m in PROTO.finditer(code):
            name = m.group(1)
            where = defined.get(name)
            if where and where != rel:
                n = code.count("\n", 0, m.start()) + 1
                problems.append("%s:%d: declares %s(), which %s defines: include its header" % (
                    rel, n, name, where))
    return problems


def check(root):
    problems = []
    for program in (Hypervisor(), Minios()):
        texts = {}
        for rel in sources(root, program):
            with open(os.path.join(root, rel), errors="replace") as f:
                texts[rel] = f.read()
        if program.name == "minios" and not any(r.startswith(program.m) for r in texts):
            continue  # a tree without minios (the check's own test trees)
        problems += [p for p in check_includes(root, program, texts) if p not in problems]
        problems += [p for p in check_declarations(texts) if p not in problems]
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    problems = check(root)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
