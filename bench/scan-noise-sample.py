#!/usr/bin/env python3
"""Findings of gov and gitleaks on real code: counts per rule and a seeded
sample of each tool's findings (path:line rule, never the value) to label by
hand. With --labels, applies a hand-made label file (tool, path:line, rule,
label) to the same sample and estimates each tool's findings per label.

    scan-noise-sample.py --root DIR [--sample N] [--seed S] [--labels FILE] \
        [--table] gov='GLOB' gitleaks='GLOB'

With --table, ends with the tools side by side: findings, sample labels and
each label extrapolated to all findings (count x share of the sample).

Labels: credential (a live-looking secret), fake (a credential-shaped test or
example value: test keys, documentation tokens, keys in testdata), not (not a
credential at all: hashes, identifiers, code, encoded data, prose).
"""
import argparse
import collections
import glob
import json
import os
import hashlib


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
                # is the report's name after the tool prefix ('/' written ':').
                sub = os.path.basename(path)[len(tool) + 1:-len(".json")].replace(":", "/")
                file, line, rule = os.path.join(root, sub, f["file"]), f["line"], f["rule"]
            rows.add((os.path.relpath(file, root), line, rule))
    return sorted(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--sample", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--labels")
    ap.add_argument("--table", action="store_true")
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
    table = []
    for spec in a.reports:
        tool, pattern = spec.split("=", 1)
        rows = load(tool, pattern, a.root)
        per_rule = collections.Counter(r[2] for r in rows)
        print(f"{tool}: {len(rows)} findings; by rule: " +
              ", ".join(f"{k} {v}" for k, v in per_rule.most_common(12)))
        # Ordered by a hash of seed, tool and finding: a finding that comes
        # or goes with a scanner change moves no other in or out of the
        # sample, so the labels made before still apply.
        sample = sorted(rows, key=lambda r: hashlib.sha256(f"{a.seed}:{tool}:{r[0]}:{r[1]}:{r[2]}".encode()).hexdigest())
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
        table.append((tool, len(rows), len(sample), tally))
    if a.table:
        print()
        print(f"{'':44}" + "".join(f"{t[0]:>16}" for t in table))
        print(f"{'findings':44}" + "".join(f"{t[1]:>16}" for t in table))
        print(f"{'sampled':44}" + "".join(f"{t[2]:>16}" for t in table))
        for label, title in (("credential", "live-looking credential"), ("fake", "test or example credential"),
                             ("not", "not a credential at all"), ("unlabelled", "unlabelled")):
            cells = []
            for tool, n, k, tally in table:
                v = tally.get(label, 0)
                cells.append(f"{v}/{k} ~{round(v / k * n) if k else 0}")
            print(f"{title + ' (sample, est.)':44}" + "".join(f"{c:>16}" for c in cells))


if __name__ == "__main__":
    main()
