#!/usr/bin/env python3
"""Summarizes hyperfine JSON exports: median, spread and ratios against a baseline.

usage: summarize.py RESULT.json [--baseline NAME] [--bytes N]

For each command: the median, the min and max, the interquartile range, the mean and standard
deviation of its runs, the number of runs, its ratio to the baseline's median (time /
baseline time; below 1 is faster) and, with --bytes, its median throughput in MiB/s.
"""

import argparse
import json
import statistics


def quartiles(times):
    if len(times) < 4:
        return min(times), max(times)
    q = statistics.quantiles(times, n=4)
    return q[0], q[2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("result")
    parser.add_argument("--baseline")
    parser.add_argument("--bytes", type=int)
    args = parser.parse_args()
    with open(args.result) as f:
        results = json.load(f)["results"]
    medians = {r["command"]: statistics.median(r["times"]) for r in results}
    base = medians.get(args.baseline) if args.baseline else None
    header = "| command | median | min … max | IQR | mean ± σ | runs |"
    if base:
        header += f" time / {args.baseline} |"
    if args.bytes:
        header += " MiB/s (median) |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r in results:
        times = r["times"]
        med = medians[r["command"]]
        q1, q3 = quartiles(times)
        row = (
            f"| {r['command']} | {fmt(med)} | {fmt(min(times))} … {fmt(max(times))} "
            f"| {fmt(q1)} … {fmt(q3)} | {fmt(r['mean'])} ± {fmt(r['stddev'] or 0)} | {len(times)} |"
        )
        if base:
            row += f" {med / base:.2f} |"
        if args.bytes:
            row += f" {args.bytes / med / 1048576:.0f} |"
        print(row)


def fmt(seconds):
    if seconds >= 1:
        return f"{seconds:.3f} s"
    return f"{seconds * 1000:.1f} ms"


if __name__ == "__main__":
    main()
