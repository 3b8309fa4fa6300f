#!/usr/bin/python3
"""Python baselines for bench_detect, on the same binary data set (float64 rows, one per series).

--method zscore (default): a numpy rolling z-score. Each series is scored the way a per-series
  Python job would: z = (x - mean of the previous 28 days) / their standard deviation, flag |z| > 3,
  with numpy doing the arithmetic (cumulative sums, no Python loop over days). With --vectorized all
  series are scored at once as one 2-D array instead (the fastest numpy can do, at the price of
  holding every intermediate for the whole data set).
--method stl: statsmodels' STL decomposition (robust, period 7: a weekday-aware seasonal baseline
  that resists outliers, the work closest to costbot's detector), then flag residuals beyond 4
  robust standard deviations (median absolute deviation). This is an offline decomposition: each
  series is fitted once with every day known, which is cheaper than the streaming, no-look-ahead
  scoring costbot does (that would refit STL once per day). --limit scores only the first N series
  (STL runs at roughly a hundred series a second, so 100,000 series would take tens of minutes).

Usage: bench_detect_baseline.py FILE [N] [DAYS] [--method zscore|stl] [--vectorized] [--limit N]
Prints one JSON line: series/s (wall clock), series per CPU second, flagged points, peak RSS.
"""
import argparse
import json
import resource
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


def stl_flagged(stl_class, x):
    resid = stl_class(x, period=7, robust=True).fit().resid
    centre = np.median(resid)
    mad = 1.4826 * np.median(np.abs(resid - centre))
    return int((np.abs(resid - centre) > 4 * max(mad, 1e-9)).sum())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("n", nargs="?", type=int, default=100000)
    ap.add_argument("days", nargs="?", type=int, default=365)
    ap.add_argument("--method", choices=["zscore", "stl"], default="zscore")
    ap.add_argument("--vectorized", action="store_true")
    ap.add_argument("--limit", type=int, default=0, help="score only the first N series")
    args = ap.parse_args()
    n = min(args.n, args.limit) if args.limit > 0 else args.n
    days = args.days
    if args.method == "stl":
        import statsmodels
        from statsmodels.tsa.seasonal import STL
    start = time.perf_counter()
    cpu_start = time.process_time()
    data = np.fromfile(args.file, dtype=np.float64, count=n * days).reshape(n, days)
    if args.method == "stl":
        flagged = sum(stl_flagged(STL, data[i]) for i in range(n))
        impl = f"python statsmodels {statsmodels.__version__} STL (robust, period 7) + MAD, per series"
    elif args.vectorized:
        flagged = int((np.abs(rolling_z_2d(data)) > 3).sum())
        impl = "python numpy rolling z-score, all series as one 2-D array"
    else:
        flagged = 0
        for i in range(n):
            flagged += int((np.abs(rolling_z(data[i])) > 3).sum())
        impl = "python numpy rolling z-score, per series"
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start  # every thread of the process (numpy's BLAS included)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"impl": impl, "series": n, "days": days, "seconds": round(seconds, 3),
                      "series_per_s": round(n / seconds), "points_per_s": round(n * days / seconds),
                      "cpu_seconds": round(cpu, 3), "series_per_cpu_s": round(n / cpu),
                      "flagged": flagged, "peak_rss_mb": round(peak, 1)}))


if __name__ == "__main__":
    main()
