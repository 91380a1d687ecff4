#!/usr/bin/env python3
"""check_tour.py - the guided tours through the code are unbroken, and every
function the documents name exists.

Two tours: the hypervisor's (every source file of hv/ and arch/x86/) and
minios's (every source file under guests/minios/).  Each file ends its
opening comment with its place in its tour's reading order,

    Tour 7/33 - after hv/multiboot.c, before arch/x86/desc.c.

as lguest's comments do.  The hypervisor's tour names files from the top of
the tree, minios's from guests/minios/ (a name not found there, such as
README.md, is looked up from the top).  The check, for each tour: every
such file has exactly one tag, in its opening comment; the numbers run
1..M with the same M everywhere; each file's "after" names the file
numbered one less and "before" the one numbered one more; the first comes
after, and the last goes on to, a file that exists (a document).

The documents: every `name()` inside backquotes in docs/*.md and README.md
must be defined somewhere in the tree (a C function or function-like macro,
an assembly label, a Python function), and where one is written
`FILE: name()`, FILE (a path, or the end of one) must hold it.  Names of
other projects' functions,
written after their owner ("xv6's `trap()`"), are not ours to check.

Each problem is printed as FILE:LINE: WHAT.
Usage: scripts/check_tour.py [ROOT]   exit status 1 if anything is wrong.
"""
import os
import re
import subprocess
import sys

# Each tour: its name, the folder its tags name files from, and where its files are
# (a folder and whether its subfolders count).
TOURS = (("the hypervisor's tour", "", (("hv", False), ("arch/x86", False))),
         ("minios's tour", "guests/minios", (("guests/minios", True),)))
TOUR_ENDINGS = (".c", ".S", ".lds")
TAG = re.compile(r"Tour (\d+)/(\d+) - after (\S+), before (\S+)\.")
ANY_TAG = re.compile(r"\bTour \d+/\d+")
FOREIGN_OWNERS = ("xv6's", "Xen's", "Linux's", "lguest's", "Mini-OS's", "dbench's", "POSIX's")
PLACEHOLDERS = {"function"}  # "`file: function()`" explains the notation itself


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def tour_files(root, dirs):
    for d, recursive in dirs:
        top = os.path.join(root, d)
        if not os.path.isdir(top):
            continue
        for dirpath, subdirs, names in os.walk(top):
            subdirs.sort()
            if not recursive:
                subdirs[:] = []
            for n in sorted(names):
                if n.endswith(TOUR_ENDINGS):
                    yield os.path.relpath(os.path.join(dirpath, n), root)


def read_tags(root, files):
    """Each file's tag as (n, m, after, before, line), and the problems of files without one."""
    problems, tags = [], {}
    for rel in files:
        with open(os.path.join(root, rel), errors="replace") as f:
            text = f.read()
        head_end = text.find("*/") if text.startswith("/*") else -1
        found = [m for m in ANY_TAG.finditer(text)]
        if len(found) != 1:
            problems.append("%s:1: %d tour tags (one is wanted, at the end of the opening "
                            "comment)" % (rel, len(found)))
            continue
        m = TAG.match(text, found[0].start())
        if not m:
            problems.append("%s:%d: a tour tag must read 'Tour N/M - after FILE, before FILE.'" %
                            (rel, line_of(text, found[0].start())))
            continue
        if head_end < 0 or m.start() > head_end:
            problems.append("%s:%d: the tour tag is not in the opening comment" %
                            (rel, line_of(text, m.start())))
        tags[rel] = (int(m.group(1)), int(m.group(2)), m.group(3), m.group(4),
                     line_of(text, m.start()))
    return problems, tags


def check_chain(root, name, base, tags):
    """The tags of one tour run 1..M, each naming its neighbours."""
    problems = []
    name = name if base else "tour"
    totals = {t[1] for t in tags.values()}
    if len(totals) != 1:
        problems.append("%s: files disagree on the number of stops: %s" % (name, sorted(totals)))
    total = max(totals)
    by_number = {}
    for rel, (n, _, _, _, line) in sorted(tags.items()):
        if n in by_number:
            problems.append("%s:%d: stop %d is also %s" % (rel, line, n, by_number[n]))
        by_number[n] = rel
    for n in range(1, total + 1):
        if n not in by_number:
            problems.append("%s: no file is stop %d/%d" % (name, n, total))
    strip = len(base) + 1 if base else 0
    for rel, (n, _, after, before, line) in sorted(tags.items()):
        for word, want, other in (("after", by_number.get(n - 1), after),
                                  ("before", by_number.get(n + 1), before)):
            if want and other != want[strip:]:
                problems.append("%s:%d: stop %d says %s %s, but stop %d is %s" % (
                    rel, line, n, word, other, n - 1 if word == "after" else n + 1, want[strip:]))
            elif not want and not (os.path.exists(os.path.join(root, base, other)) or
                                   os.path.exists(os.path.join(root, other))):
                problems.append("%s:%d: stop %d says %s %s, which does not exist" %
                                (rel, line, n, word, other))
    return problems


def check_tour(root):
    problems = []
    for name, base, dirs in TOURS:
        files = list(tour_files(root, dirs))
        if not files and base:
            continue  # a tree without minios (the check's own test trees)
        found, tags = read_tags(root, files)
        problems += found
        if not tags:
            problems.append("%s: no file carries a tour tag" % ", ".join(d for d, _ in dirs))
            continue
        problems += check_chain(root, name, base, tags)
    return problems


# A C parameter list, with one level of parentheses inside for a function-pointer
# parameter: (const char *path, int (*fn)(const char *, void *), void *arg).
PARAMS = r"\((?:[^;{}()]|\([^;{}()]*\))*\)"


def names_in(path):
    """The functions (and function-like macros, labels) one file defines."""
    with open(path, errors="replace") as fh:
        text = fh.read()
    if path.endswith(".py"):
        return set(re.findall(r"^\s*def\s+(\w+)", text, re.M))
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
    names = set(re.findall(r"#\s*define\s+(\w+)\(", text))
    if path.endswith(".S"):
        return names | set(re.findall(r"^\s*(\w+):", text, re.M))
    attr = r"\s*(?:__attribute__\s*\(\(.*?\)\)\s*)?"
    names.update(re.findall(r"\b(\w+)\s*" + PARAMS + attr + r"\{", text, re.S))
    return names


def defined_names(root):
    names = set()
    for f in tracked(root):
        path = os.path.join(root, f)
        if f.endswith((".c", ".h", ".S", ".py")) and os.path.isfile(path):
            names |= names_in(path)
            if f.endswith((".c", ".h")):
                # Declared in C, defined in assembly (copy_guest, reset_stack_and_jump, ...).
                with open(path, errors="replace") as fh:
                    names.update(re.findall(r"\b(\w+)\s*" + PARAMS + r"\s*(?:__attribute__"
                                            r"\s*\(\(.*?\)\)\s*)?;", fh.read()))
    return names


def tracked(root):
    """The tree's files: git's list, or (outside a git tree) every file under root."""
    if os.path.isdir(os.path.join(root, ".git")) or os.path.isfile(os.path.join(root, ".git")):
        return subprocess.run(["git", "ls-files"], cwd=root, stdout=subprocess.PIPE,
                              universal_newlines=True, check=True).stdout.split()
    return sorted(os.path.relpath(os.path.join(d, n), root)
                  for d, _, names in os.walk(root) for n in names)


def check_file_name(root, files, rel, line, path, name):
    """`path: name()`: path is a file (or the tail of one) and one such file has name in it."""
    candidates = [f for f in files if f == path or f.endswith("/" + path)]
    if not candidates:
        return ["%s:%d: names %s, which is not a file in the tree" % (rel, line, path)]
    for f in candidates:
        if f.endswith((".c", ".h", ".S", ".py")):
            if name in names_in(os.path.join(root, f)):
                return []
        else:
            with open(os.path.join(root, f), errors="replace") as fh:
                if re.search(r"\b%s\b" % re.escape(name), fh.read()):
                    return []
    return ["%s:%d: names %s: %s(), which is not defined in %s" % (rel, line, path, name,
                                                           " or ".join(candidates))]


def check_docs(root):
    names = defined_names(root)
    files = tracked(root)
    problems = []
    docs = sorted("docs/" + n for n in os.listdir(os.path.join(root, "docs")) if n.endswith(".md"))
    for rel in docs + ["README.md"]:
        with open(os.path.join(root, rel)) as f:
            text = f.read()
        for span in re.finditer(r"`([^`\n]+(?:\n[^`\n]+)?)`", text):
            before = text[max(0, span.start() - 16):span.start()]
            if before.rstrip().endswith(FOREIGN_OWNERS):
                continue
            where = re.match(r"\s*([\w./-]+\.(?:c|h|S|py|lds)):\s*(\w+)\(\)", span.group(1))
            if where:
                problems += check_file_name(root, files, rel, line_of(text, span.start(1)),
                                            where.group(1), where.group(2))
            for m in re.finditer(r"\b([A-Za-z_]\w*)\(\)", span.group(1)):
                name = m.group(1)
                if name not in names and name not in PLACEHOLDERS:
                    problems.append("%s:%d: names %s(), which nothing in the tree defines" %
                                    (rel, line_of(text, span.start(1) + m.start()), name))
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    problems = check_tour(root) + check_docs(root)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
