#!/usr/bin/python3
"""Python baseline for bench_detect: a numpy rolling z-score on the same binary data set.

Each series is scored the way a per-series Python job would: z = (x - mean of the previous 28
days) / their standard deviation, flag |z| > 3, with numpy doing the arithmetic (cumulative sums,
no Python loop over days). `--vectorized` scores all series at once as one 2-D array instead (the
fastest numpy can do, at the price of holding every intermediate for the whole data set).

Usage: bench_detect_baseline.py FILE [N] [DAYS] [--vectorized]
"""
import json
import resource
import sys
import time

import numpy as np

WINDOW = 28


def rolling_z(x):
    c = np.concatenate(([0.0], np.cumsum(x)))
    c2 = np.concatenate(([0.0], np.cumsum(x * x)))
    mean = (c[WINDOW:] - c[:-WINDOW]) / WINDOW
    var = (c2[WINDOW:] - c2[:-WINDOW]) / WINDOW - mean * mean
    std = np.sqrt(np.maximum(var, 1e-12))
    z = np.zeros_like(x)
    z[WINDOW:] = (x[WINDOW:] - mean[:-1]) / std[:-1]  # only days before the scored one
    return z


def rolling_z_2d(x):
    zeros = np.zeros((x.shape[0], 1))
    c = np.concatenate((zeros, np.cumsum(x, axis=1)), axis=1)
    c2 = np.concatenate((zeros, np.cumsum(x * x, axis=1)), axis=1)
    mean = (c[:, WINDOW:] - c[:, :-WINDOW]) / WINDOW
    var = (c2[:, WINDOW:] - c2[:, :-WINDOW]) / WINDOW - mean * mean
    std = np.sqrt(np.maximum(var, 1e-12))
    z = np.zeros_like(x)
    z[:, WINDOW:] = (x[:, WINDOW:] - mean[:, :-1]) / std[:, :-1]
    return z


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    vectorized = "--vectorized" in sys.argv
    path = args[0]
    n = int(args[1]) if len(args) > 1 else 100000
    days = int(args[2]) if len(args) > 2 else 365
    start = time.perf_counter()
    data = np.fromfile(path, dtype=np.float64, count=n * days).reshape(n, days)
    if vectorized:
        flagged = int((np.abs(rolling_z_2d(data)) > 3).sum())
    else:
        flagged = 0
        for i in range(n):
            flagged += int((np.abs(rolling_z(data[i])) > 3).sum())
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"impl": "python numpy rolling z-score, " + ("all series as one 2-D array" if vectorized else "per series"),
                      "series": n, "days": days, "seconds": round(seconds, 3), "series_per_s": round(n / seconds),
                      "points_per_s": round(n * days / seconds), "flagged": flagged, "peak_rss_mb": round(peak, 1)}))


if __name__ == "__main__":
    main()
