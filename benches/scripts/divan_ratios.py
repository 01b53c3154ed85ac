#!/usr/bin/env python3
"""Reads divan tables (one file per run, as repeat.sh keeps them) and prints each benchmark's
median per run, then the ratios of medians within each run, and the median, min and max of
each ratio over the runs.

usage: divan_ratios.py RATIO... -- FILE...

A RATIO is `NAME/BASELINE`, both benchmark paths as divan prints them joined with `/`
(`generated/1000`, `sequential_raw`); `*` in both stands for every argument, so
`generated/*:hand/*` compares `generated/10` with `hand/10` and so on.
"""

import re
import statistics
import sys

UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
TIME = re.compile(r"([0-9.]+)\s*(ns|µs|us|ms|s)\b")


def parse(path):
    """{benchmark path: median seconds} of one divan output."""
    medians = {}
    stack = []
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^([│ ]*)(├─|╰─)\s+(\S+)(.*)$", line.rstrip("\n"))
        if not m:
            continue
        depth = len(m.group(1)) // 3
        name, rest = m.group(3), m.group(4)
        stack = stack[:depth] + [name]
        cells = rest.split("│")
        # fastest │ slowest │ median │ mean │ samples │ iters
        if len(cells) >= 3:
            t = TIME.search(cells[2])
            if t:
                medians["/".join(stack)] = float(t.group(1)) * UNITS[t.group(2)]
    return medians


def fmt(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main():
    if "--" not in sys.argv:
        sys.exit(__doc__)
    split = sys.argv.index("--")
    specs, files = sys.argv[1:split], sys.argv[split + 1 :]
    runs = [parse(f) for f in files]
    names = sorted({n for r in runs for n in r})
    print("| benchmark | " + " | ".join(f"run {i + 1}" for i in range(len(runs))) + " |")
    print("|---|" + "---|" * len(runs))
    for n in names:
        print(f"| {n} | " + " | ".join(fmt(r[n]) if n in r else "—" for r in runs) + " |")
    print()
    print("| time ratio | " + " | ".join(f"run {i + 1}" for i in range(len(runs))) + " | median | min … max |")
    print("|---|" + "---|" * (len(runs) + 2))
    for spec in specs:
        top, base = spec.split(":")
        pairs = []
        if "*" in top:
            prefix = top.split("*")[0]
            for n in names:
                if n.startswith(prefix):
                    arg = n[len(prefix) :]
                    pairs.append((n, base.replace("*", arg)))
        else:
            pairs.append((top, base))
        for a, b in pairs:
            ratios = [r[a] / r[b] for r in runs if a in r and b in r]
            if not ratios:
                continue
            print(
                f"| {a} / {b} | "
                + " | ".join(f"{x:.3f}" for x in ratios)
                + f" | {statistics.median(ratios):.3f} | {min(ratios):.3f} … {max(ratios):.3f} |"
            )


if __name__ == "__main__":
    main()
