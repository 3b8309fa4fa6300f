#!/usr/bin/python3
"""Scores `costbot detect-series` outputs on the NAB data with the NAB "standard" profile.

Written from NAB's published description of its scoring (whitepaper and README), not from its code:
  - every labelled window [start, end] (inclusive rows) is worth one detection; the earliest alert
    inside it earns  tp_weight * sigma(pos) / sigma(-1)  where pos = -(right - i + 1) / width runs
    from -1 at the window's first row towards 0 at its end, and sigma(x) = 2 / (1 + e^(5x)) - 1;
  - a window with no alert costs -fn_weight;
  - an alert outside every window costs fp_weight * sigma(pos) (a negative number): pos is the
    distance past the previous window's right edge in units of (that window's width - 1), so an
    alert just after a window costs little; with no earlier window, or 3+ widths past it, it costs
    -fp_weight;
  - the first min(floor(0.15 n), 750) rows of each file are a probation period: nothing there is
    scored, and a window counts only if some of its rows lie after probation;
  - the corpus score is normalised: 100 * (raw - null) / (perfect - null), where the null detector
    (never alerts) scores -fn_weight per window and the perfect one +tp_weight per window.
Standard profile: tp_weight = 1, fn_weight = 1, fp_weight = 0.11.

Also prints window recall (windows with at least one alert) and false positives per 1,000 scored
rows (alerts outside every window, after probation).

By default the detector's own `is_anomaly` column decides. With --optimize, the threshold on
`anomaly_score` is swept over the whole corpus and the best one is reported too: that is how NAB's
scoreboard was made (one threshold per detector for the whole corpus), but on this small corpus it
is fitting to the test data, so the is_anomaly figure is the honest one.

Also printed, for cost-style reading: the share of normal rows flagged (scored rows outside every
window), and with --optimize the best window recall reachable with at most 5% of normal rows
flagged (the issue's "recall at <= 5% of normal days flagged").

--split A|B picks one half of the corpus by a fixed rule, stated before any tuning: the files'
keys (<category>/<name>.csv) sorted, A = positions 0, 2, 4, ... and B = 1, 3, 5, ... On the
shared NAB files A is the half detectors are tuned on and B the half they are reported on.
--split artificial|real halves the corpus by category instead, as the team's held-out set is
split from the shared one: artificial* (the synthetic categories) against real* (recorded
series). Tune on one, report the other.
With labels/kinds.json next to the labels (the daily cost corpus), recall is also given per kind.

Usage: nab_score.py --results DIR [--nab DIR] [--optimize] [--per-file] [--split A|B|artificial|real]
  DIR mirrors the NAB data dir: DIR/<category>/<name>.csv, each a detect-series output.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

PROFILE = {"tp": 1.0, "fn": 1.0, "fp": 0.11}


def sigma(pos):
    if pos >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * pos)) - 1.0


MAX_TP = sigma(-1.0)


def parse_ts(text):
    # Labels carry microseconds ("2014-04-10 07:15:00.000000"); data rows do not.
    return text.split(".")[0].strip()


class FileCase:
    """One series: per-row credit if alerted, window ids, probation mask."""

    def __init__(self, name, timestamps, scores, flags, windows):
        self.name = name
        n = len(timestamps)
        self.n = n
        self.scores = np.asarray(scores, dtype=float)
        self.flags = np.asarray(flags, dtype=bool)
        index = {t: i for i, t in enumerate(timestamps)}
        spans = []
        for start, end in windows:
            a, b = parse_ts(start), parse_ts(end)
            if a not in index or b not in index:
                sys.exit(f"{name}: window [{start}, {end}] does not match rows of the output file")
            spans.append((index[a], index[b]))
        spans.sort()
        probation = int(min(math.floor(0.15 * n), 0.15 * 5000))
        self.window_of = np.full(n, -1, dtype=int)
        self.credit = np.zeros(n)
        prev_right, prev_width = None, None
        w = 0
        for i in range(n):
            while w < len(spans) and spans[w][1] < i:
                prev_right, prev_width = spans[w][1], spans[w][1] - spans[w][0] + 1
                w += 1
            if w < len(spans) and spans[w][0] <= i <= spans[w][1]:
                left, right = spans[w]
                width = right - left + 1
                self.window_of[i] = w
                self.credit[i] = sigma(-(right - i + 1) / width) * PROFILE["tp"] / MAX_TP
            else:
                if prev_right is None:
                    pos = 3.0
                else:
                    pos = abs(prev_right - i) / float(max(prev_width - 1, 1))
                self.credit[i] = sigma(pos) * PROFILE["fp"]
        self.scored = np.arange(n) >= probation
        self.windows = sorted({int(x) for x in self.window_of[self.scored] if x >= 0})

        self.normal_rows = int((self.scored & (self.window_of < 0)).sum())
        self.kinds = []

    def evaluate(self, alerts):
        """alerts: bool per row. Returns (raw, windows, detected, fps, scored_rows, hit per window)."""
        a = alerts & self.scored
        raw = 0.0
        detected = 0
        hits = []
        for w in self.windows:
            hit = np.nonzero(a & (self.window_of == w))[0]
            if len(hit):
                raw += self.credit[hit[0]]  # the earliest alert in the window earns the credit
                detected += 1
            else:
                raw -= PROFILE["fn"]
            hits.append(bool(len(hit)))
        outside = a & (self.window_of < 0)
        raw += float(self.credit[outside].sum())
        return raw, len(self.windows), detected, int(outside.sum()), int(self.scored.sum()), hits


def load_cases(results_dir, nab_dir, split=None):
    with open(os.path.join(nab_dir, "labels", "combined_windows.json")) as f:
        labels = json.load(f)
    kinds_path = os.path.join(nab_dir, "labels", "kinds.json")
    kinds = {}
    if os.path.exists(kinds_path):
        with open(kinds_path) as f:
            kinds = json.load(f)
    keys = sorted(labels)
    if split in ("A", "B"):
        keys = keys[0 if split == "A" else 1::2]
    elif split in ("artificial", "real"):
        keys = [k for k in keys if k.startswith("artificial") == (split == "artificial")]
    cases = []
    for key in keys:
        path = os.path.join(results_dir, key)
        if not os.path.exists(path):
            sys.exit(f"missing result file {path}")
        data_path = os.path.join(nab_dir, "data", key)
        with open(data_path) as f:
            expected_rows = sum(1 for _ in f) - 1
        timestamps, scores, flags = [], [], []
        with open(path) as f:
            header = f.readline().strip()
            if header != "timestamp,value,anomaly_score,is_anomaly":
                sys.exit(f"{path}: unexpected header {header!r}")
            for line_no, line in enumerate(f, start=2):
                parts = line.rstrip("\n").split(",")
                if len(parts) != 4:
                    sys.exit(f"{path}:{line_no}: expected 4 columns")
                timestamps.append(parts[0])
                score = float(parts[2])
                if not 0.0 <= score <= 1.0:
                    sys.exit(f"{path}:{line_no}: anomaly_score {score} outside [0, 1]")
                scores.append(score)
                flags.append(parts[3] == "1")
        if len(timestamps) != expected_rows:
            sys.exit(f"{path}: {len(timestamps)} rows, the input has {expected_rows}")
        case = FileCase(key, timestamps, scores, flags, labels[key])
        # kinds are listed in label order; windows are scored in time order (the same here)
        order = sorted(range(len(labels[key])), key=lambda i: parse_ts(labels[key][i][0]))
        names = kinds.get(key, [])
        all_kinds = [names[i] if i < len(names) else "?" for i in order]
        # only the windows scored (after probation) count, as in case.windows
        case.kinds = [all_kinds[w] for w in case.windows] if names else ["window"] * len(case.windows)
        cases.append(case)
    return cases


def corpus_score(cases, alerts_of):
    raw = null = perfect = 0.0
    windows = detected = fps = rows = normal = 0
    per_file = []
    by_kind = {}
    for c in cases:
        r, w, d, fp, n, hits = c.evaluate(alerts_of(c))
        raw += r
        null -= PROFILE["fn"] * w
        perfect += PROFILE["tp"] * w
        windows += w
        detected += d
        fps += fp
        rows += n
        normal += c.normal_rows
        for kind, hit in zip(c.kinds, hits):
            k = by_kind.setdefault(kind, [0, 0])
            k[0] += hit
            k[1] += 1
        per_file.append((c.name, r, w, d, fp, n))
    score = 100.0 * (raw - null) / (perfect - null) if perfect != null else 0.0
    return {"score": score, "raw": raw, "windows": windows, "detected": detected,
            "recall": detected / windows if windows else 0.0, "fp": fps, "rows": rows,
            "fp_per_1000": 1000.0 * fps / rows if rows else 0.0,
            "normal_flagged": fps / normal if normal else 0.0, "by_kind": by_kind, "per_file": per_file}


def report(title, s, per_file):
    print(f"{title}: NAB standard score {s['score']:.1f}  window recall {s['detected']}/{s['windows']} "
          f"({100 * s['recall']:.0f}%)  false positives {s['fp']} ({s['fp_per_1000']:.2f} per 1,000 rows, "
          f"{100 * s['normal_flagged']:.1f}% of normal rows)")
    if len(s["by_kind"]) > 1:
        print("  recall by kind: " + ", ".join(f"{k} {h}/{n}" for k, (h, n) in sorted(s["by_kind"].items())))
    if per_file:
        for name, r, w, d, fp, n in s["per_file"]:
            print(f"  {name:60s} raw {r:+7.3f}  windows {d}/{w}  fp {fp}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--nab", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "nab"))
    ap.add_argument("--optimize", action="store_true", help="also sweep one corpus-wide threshold on anomaly_score")
    ap.add_argument("--per-file", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--split", choices=["A", "B", "artificial", "real"], help="score one half (see above)")
    ap.add_argument("--label", default="", help="a name for the results in the output")
    args = ap.parse_args()
    cases = load_cases(args.results, args.nab, args.split)
    own = corpus_score(cases, lambda c: c.flags)
    prefix = f"{args.label}: " if args.label else ""
    if not args.json:
        half = f", half {args.split}" if args.split else ""
        print(f"{prefix}{len(cases)} files{half}, {own['windows']} scored windows")
        report(f"{prefix}is_anomaly", own, args.per_file)
    if args.optimize:
        candidates = np.unique(np.concatenate([c.scores for c in cases]))
        candidates = candidates[candidates > 0]
        if len(candidates) > 400:
            candidates = np.unique(np.quantile(candidates, np.linspace(0, 1, 400)))
        candidates = np.unique(np.append(candidates, 0.5))  # the detector's own threshold is always tried
        best = None
        best_recall = None  # the best recall with at most 5% of normal rows flagged
        for t in candidates:
            s = corpus_score(cases, lambda c: c.scores >= t)
            if best is None or s["score"] > best[1]["score"]:
                best = (t, s)
            if s["normal_flagged"] <= 0.05 and (best_recall is None or s["recall"] > best_recall[1]["recall"]):
                best_recall = (t, s)
        if args.json:
            strip = lambda s: {k: v for k, v in s.items() if k != "per_file"}
            print(json.dumps({"label": args.label, "is_anomaly": strip(own), "swept": strip(best[1]),
                              "swept_threshold": best[0],
                              "recall_at_5pct": strip(best_recall[1]) if best_recall else None}))
            return
        report(f"{prefix}swept: best threshold {best[0]:.4f} (one for all these files)", best[1], args.per_file)
        if best_recall:
            s = best_recall[1]
            print(f"{prefix}best recall with <= 5% of normal rows flagged: {s['detected']}/{s['windows']} "
                  f"({100 * s['recall']:.1f}%) at threshold {best_recall[0]:.4f} ({100 * s['normal_flagged']:.1f}% flagged)")
    elif args.json:
        print(json.dumps({"label": args.label, "is_anomaly": {k: v for k, v in own.items() if k != "per_file"}}))


if __name__ == "__main__":
    main()
