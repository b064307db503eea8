#!/usr/bin/env python3
"""scipy_sobol_peer: the arithmetic Asian call by scipy's scrambled Sobol points (issue 16).

    scipy_sobol_peer.py HALF_WIDTH [SEED] [--replicates R] [--points N0] [--max-points N]

The peer of `make price QMC=sobol TOL=`: the arithmetic-average call on
252 dates t_i = i T/252 under GBM, S0 = K = 100, r = 0.05, q = 0,
sigma = 0.2, T = 1, priced with scipy.stats.qmc.Sobol (Joe-Kuo directions,
scramble=True: LMS + digital shift, one independent scrambling per
replicate, R = 16 by default), normals by scipy.special.ndtri, paths by a
Brownian bridge (the first dimension the terminal value, then midpoints),
all in numpy. The estimate is the mean of the R replicate means, its
standard error their spread over sqrt(R), the 95% half-width Student-t
on R - 1 degrees of freedom, as mcpipe's. Like a run to a tolerance it
doubles the points per replicate, from N0 (default 1024), until the
half-width is at most HALF_WIDTH (at least 3 sizes, as tol-rule), or
N (default 2^20) is reached; every size is computed afresh from point 0
(scipy's generators restart), the time counts all of them.

Prints one TAB-separated line:
    scipy-sobol  paths  seconds  price  stderr  half_width
"""
import argparse
import math
import sys
import time

import numpy as np
from scipy.special import ndtri
from scipy.stats import qmc, t as student_t

S0, K, R, SIGMA, T, STEPS = 100.0, 100.0, 0.05, 0.2, 1.0, 252


def bridge_order(n):
    """The Brownian bridge's construction order: (index, left, right) per
    dimension after the first (which sets the terminal value), each a
    midpoint of an interval already set; left = -1 is time 0."""
    order, queue = [], [(-1, n - 1)]
    while queue:
        nxt = []
        for left, right in queue:
            if right - left < 2:
                continue
            mid = (left + right + 1) // 2
            order.append((mid, left, right))
            nxt += [(left, mid), (mid, right)]
        queue = nxt
    return order


ORDER = bridge_order(STEPS)
DT = T / STEPS


def replicate_mean(points, seed, chunk=1 << 13):
    """The discounted payoff's mean over `points` scrambled Sobol points."""
    sobol = qmc.Sobol(d=STEPS, scramble=True, seed=seed)
    total, done = 0.0, 0
    times = (np.arange(STEPS) + 1) * DT
    drift = (R - 0.5 * SIGMA * SIGMA) * times
    while done < points:
        m = min(chunk, points - done)
        u = sobol.random(m)
        z = ndtri(u)
        w = np.empty((m, STEPS))
        w[:, -1] = math.sqrt(T) * z[:, 0]
        for k, (mid, left, right) in enumerate(ORDER, start=1):
            tl = times[left] if left >= 0 else 0.0
            wl = w[:, left] if left >= 0 else 0.0
            tm, tr = times[mid], times[right]
            a = (tr - tm) / (tr - tl)
            sd = math.sqrt((tm - tl) * (tr - tm) / (tr - tl))
            w[:, mid] = a * wl + (1 - a) * w[:, right] + sd * z[:, k]
        s = S0 * np.exp(drift + SIGMA * w)
        payoff = np.maximum(s.mean(axis=1) - K, 0.0)
        total += payoff.sum()
        done += m
    return math.exp(-R * T) * total / points


def main():
    p = argparse.ArgumentParser()
    p.add_argument("half_width", type=float)
    p.add_argument("seed", type=int, nargs="?", default=20261127)
    p.add_argument("--replicates", type=int, default=16)
    p.add_argument("--points", type=int, default=1024)
    p.add_argument("--max-points", type=int, default=1 << 20)
    a = p.parse_args()
    if not a.half_width > 0 or a.replicates < 2 or a.points < 1 or a.max_points < a.points:
        print("scipy_sobol_peer: want HALF_WIDTH > 0, R >= 2, 1 <= N0 <= N", file=sys.stderr)
        sys.exit(2)
    tq = student_t.ppf(0.975, a.replicates - 1)
    seeds = np.random.SeedSequence(a.seed).spawn(a.replicates)
    start = time.perf_counter()
    n, sizes = a.points, 0
    while True:
        means = np.array([replicate_mean(n, np.random.default_rng(s)) for s in seeds])
        sizes += 1
        est, se = means.mean(), means.std(ddof=1) / math.sqrt(a.replicates)
        if (sizes >= 3 and tq * se <= a.half_width) or 2 * n > a.max_points:
            break
        n *= 2
    seconds = time.perf_counter() - start
    print(f"scipy-sobol\t{n * a.replicates}\t{seconds:.6f}\t{est!r}\t{se!r}\t{tq * se!r}")


if __name__ == "__main__":
    main()
