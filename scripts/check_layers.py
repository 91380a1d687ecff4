#!/usr/bin/env python3
"""check_layers.py - the hypervisor's dependencies run one way.

The layers, lowest first:

  include/public/   the ABI: includes only itself
  lib/, lib.h       string and formatting helpers: only the ABI and itself
  arch/x86/         the hardware layer, with its headers hv/arch.h, hv/x86.h,
                    hv/config.h, hv/fpu.h, hv/guest_access.h, hv/uregs.h,
                    hv/asm_offsets.h and hv/io_decode.h: only the
                    layers below, and hv/entry.h, the one header through which
                    it calls up (see that header)
  hv/               the hypervisor proper: anything

Two rules are checked, each violation reported as FILE:LINE: WHAT:

  1. No file includes a header of a higher layer (other than arch/x86's
     hv/entry.h).
  2. No .c file declares, at file scope, a function that another file
     defines: it must include the header that declares it.  (A declaration
     kept beside its definition, or of a static function, is fine.)

Usage: scripts/check_layers.py [ROOT]   exit status 1 if anything is wrong.
"""
import os
import re
import sys

ARCH_HEADERS = {"hv/arch.h", "hv/x86.h", "hv/config.h", "hv/fpu.h", "hv/guest_access.h",
                "hv/uregs.h", "hv/asm_offsets.h", "hv/io_decode.h"}
UP_HEADER = "hv/entry.h"

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
# A file-scope prototype: starts at column 0 with a type, ends in ");" (maybe lines later).
PROTO = re.compile(r"^(?!static\b|typedef\b|return\b|#|\s)(?:extern\s+)?[A-Za-z_][\w\s\*]*?"
                   r"\b([A-Za-z_]\w*)\s*\([^;{]*\)\s*(?:__attribute__\s*\(\(.*\)\)\s*)?;",
                   re.M | re.S)
DEFN = re.compile(r"^(?!static\b)[A-Za-z_][\w\s\*]*?\b([A-Za-z_]\w*)\s*\([^;{)]*\)\s*\{", re.M)
ASM_GLOBAL = re.compile(r"^\s*\.globl\s+([\w, ]+)", re.M)


def layer_of_file(rel):
    """The layer a source or header file belongs to."""
    if rel.startswith("include/public/"):
        return "public"
    if rel.startswith("lib/") or rel == "include/lib.h":
        return "lib"
    if rel.startswith("arch/x86/") or rel[len("include/"):] in ARCH_HEADERS:
        return "arch"
    if rel == "include/" + UP_HEADER:
        return "entry"
    return "hv"


RANK = {"public": 0, "lib": 1, "arch": 2, "entry": 3, "hv": 3}


def target_of(root, rel, inc, quoted):
    """The file an include names, relative to root (None for a system header)."""
    if quoted:
        local = os.path.normpath(os.path.join(os.path.dirname(rel), inc))
        if os.path.exists(os.path.join(root, local)):
            return local
    if os.path.exists(os.path.join(root, "include", inc)):
        return "include/" + inc
    return None


def allowed(rel, layer, target):
    """May file `rel`, of `layer`, include `target`?"""
    if target is None:
        return True
    if target == "include/" + UP_HEADER and layer == "arch":
        return not rel.startswith("include/")  # arch's sources, not its headers
    return RANK[layer_of_file(target)] <= RANK[layer]


def sources(root):
    for top in ("include/public", "include/hv", "lib", "arch/x86", "hv"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                if n.endswith((".c", ".h", ".S", ".lds", ".lds.S")):
                    yield os.path.relpath(os.path.join(dirpath, n), root)
    if os.path.exists(os.path.join(root, "include/lib.h")):
        yield "include/lib.h"


def strip_comments(text):
    """Blank out comments, keeping line numbers."""
    return re.sub(r"/\*.*?\*/|//[^\n]*", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text,
                  flags=re.S)


def check(root):
    problems = []
    texts = {}
    for rel in sources(root):
        with open(os.path.join(root, rel), errors="replace") as f:
            texts[rel] = f.read()
    # Rule 1: includes.
    for rel, text in texts.items():
        layer = layer_of_file(rel)
        for n, line in enumerate(text.split("\n"), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            inc = m.group(2)
            if not allowed(rel, layer, target_of(root, rel, inc, m.group(1) == '"')):
                problems.append("%s:%d: the %s layer includes <%s>, a higher layer's header%s" % (
                    rel, n, layer, inc,
                    " (arch/x86 calls up only through <%s>)" % UP_HEADER if layer == "arch" else ""))
    # Rule 2: local declarations of functions defined elsewhere.
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


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    problems = check(root)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
