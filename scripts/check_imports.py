#!/usr/bin/env python3
"""Checks that each file's top-level `use` items come in three groups, in this order, separated
by a blank line: `std`/`core`/`alloc`, then external crates, then `crate`/`super`/`self`.

rustfmt's `group_imports = "StdExternalCrate"` does this but is unstable (nightly only), and
this project builds with the installed stable toolchain, so CI runs this check instead.
Usage: `python3 scripts/check_imports.py [FILES…]` (default: every tracked .rs file). Exit 1
on the first file out of order, naming the line.
"""
import re
import subprocess
import sys

STD = ("std", "core", "alloc")
LOCAL = ("crate", "super", "self")


def group_of(path: str) -> int:
    root = path.split("::")[0].lstrip(":").strip("{ ")
    if root in STD:
        return 0
    if root in LOCAL:
        return 2
    return 1


def check(path: str) -> list:
    problems = []
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks = []  # list of lists of (line number, group)
    current = []
    depth_items = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        # Re-exports (`pub use`) are the module's public surface, placed where they read best.
        m = re.match(r"^use ([A-Za-z_:{]+)", line)
        if m:
            current.append((i + 1, group_of(m.group(1))))
            # skip a multi-line use
            while not lines[i].rstrip().endswith(";"):
                i += 1
        elif line.strip() == "" or line.startswith("#[") or line.startswith("//"):
            if current and line.strip() == "":
                blocks.append(current)
                current = []
        else:
            if current:
                blocks.append(current)
                current = []
            if re.match(r"^(pub(\([a-z]+\))? )?(fn|struct|enum|impl|mod|const|static|trait|type|macro_rules)", line):
                # only the leading import section is checked
                pass
        i += 1
    if current:
        blocks.append(current)
    last_group = -1
    for block in blocks:
        groups = [g for _, g in block]
        if len(set(groups)) > 1:
            problems.append(f"{path}:{block[0][0]}: one block mixes import groups {sorted(set(groups))}; separate std / external / crate with blank lines")
            continue
        g = groups[0]
        if g < last_group:
            problems.append(f"{path}:{block[0][0]}: import group out of order (std, then external crates, then crate/super/self)")
        last_group = max(last_group, g)
    return problems


def main() -> int:
    files = sys.argv[1:] or [
        f for f in subprocess.run(["git", "ls-files", "*.rs"], capture_output=True, text=True, check=True).stdout.split()
    ]
    problems = []
    for f in files:
        problems += check(f)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
