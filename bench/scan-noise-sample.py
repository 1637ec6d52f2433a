#!/usr/bin/env python3
"""Findings of gov and gitleaks on real code: counts per rule and a seeded
sample of each tool's findings (path:line rule, never the value) to label by
hand. With --labels, applies a hand-made label file (tool, path:line, rule,
label) to the same sample and estimates each tool's findings per label.

    scan-noise-sample.py --root DIR [--sample N] [--seed S] [--labels FILE] \
        gov='GLOB' gitleaks='GLOB'

Labels: credential (a live-looking secret), fake (a credential-shaped test or
example value: test keys, documentation tokens, keys in testdata), not (not a
credential at all: hashes, identifiers, code, encoded data, prose).
"""
import argparse
import collections
import glob
import json
import os
import random


def load(tool, pattern, root):
    rows = set()
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            rep = json.load(f)
        items = (rep.get("findings") or []) if isinstance(rep, dict) else rep
        for f in items:
            if tool == "gitleaks":
                file, line, rule = f["File"], f["StartLine"], f["RuleID"]
            else:
                # gov names files relative to the directory it scanned, which
                # is the report's name after the tool prefix.
                sub = os.path.basename(path)[len(tool) + 1:-len(".json")]
                file, line, rule = os.path.join(root, sub, f["file"]), f["line"], f["rule"]
            rows.add((os.path.relpath(file, root), line, rule))
    return sorted(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--sample", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--labels")
    ap.add_argument("reports", nargs="+", help="tool=GLOB")
    a = ap.parse_args()
    labels = {}
    if a.labels:
        with open(a.labels) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                tool, where, rule, label = line.rstrip("\n").split("\t")[:4]
                labels[(tool, where, rule)] = label
    for spec in a.reports:
        tool, pattern = spec.split("=", 1)
        rows = load(tool, pattern, a.root)
        per_rule = collections.Counter(r[2] for r in rows)
        print(f"{tool}: {len(rows)} findings; by rule: " +
              ", ".join(f"{k} {v}" for k, v in per_rule.most_common(12)))
        sample = list(rows)
        random.Random(a.seed).shuffle(sample)
        sample = sorted(sample[: a.sample])
        tally = collections.Counter()
        for file, line, rule in sample:
            label = labels.get((tool, f"{file}:{line}", rule), "")
            tally[label or "unlabelled"] += 1
            print(f"  {file}:{line} {rule}" + (f"  [{label}]" if label else ""))
        if labels:
            n = len(sample)
            est = ", ".join(f"{k} {v}/{n} (~{round(v / n * len(rows))} of {len(rows)})" for k, v in sorted(tally.items()))
            print(f"  {tool} sample labels: {est}")


if __name__ == "__main__":
    main()
