#!/usr/bin/python3
"""The naive baseline every detector here is compared with: a rolling z-score.

For every <category>/<name>.csv under DATA_DIR (a NAB-shaped data dir: timestamp,value), writes
OUT_DIR/<category>/<name>.csv with the columns detect-series writes:
  z = (value - mean of the previous W rows) / their standard deviation (online: rows before only)
  anomaly_score = |z| / (|z| + K) (0.5 exactly at |z| = K), is_anomaly = |z| >= K
Defaults W = 28, K = 3 (what a per-series Python job would do on daily cost).

Usage: rolling_z_series.py DATA_DIR OUT_DIR [--window W] [--k K]
"""
import argparse
import os

import numpy as np


def rolling_z(x, window):
    c = np.concatenate(([0.0], np.cumsum(x)))
    c2 = np.concatenate(([0.0], np.cumsum(x * x)))
    z = np.zeros_like(x)
    if len(x) <= window:
        return z
    mean = (c[window:] - c[:-window]) / window
    var = (c2[window:] - c2[:-window]) / window - mean * mean
    std = np.sqrt(np.maximum(var, 1e-12))
    z[window:] = (x[window:] - mean[:-1]) / std[:-1]
    return z


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--window", type=int, default=28)
    ap.add_argument("--k", type=float, default=3.0)
    args = ap.parse_args()
    for category in sorted(os.listdir(args.data)):
        src = os.path.join(args.data, category)
        if not os.path.isdir(src):
            continue
        os.makedirs(os.path.join(args.out, category), exist_ok=True)
        for name in sorted(os.listdir(src)):
            if not name.endswith(".csv"):
                continue
            with open(os.path.join(src, name)) as f:
                f.readline()
                rows = [line.rstrip("\n").split(",") for line in f if line.strip()]
            values = np.array([float(r[1]) for r in rows])
            z = np.abs(rolling_z(values, args.window))
            with open(os.path.join(args.out, category, name), "w") as f:
                f.write("timestamp,value,anomaly_score,is_anomaly\n")
                for r, zi in zip(rows, z):
                    f.write(f"{r[0]},{r[1]},{zi / (zi + args.k):.6f},{int(zi >= args.k)}\n")


if __name__ == "__main__":
    main()
