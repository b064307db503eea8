#!/usr/bin/env python3
"""numpy_peer: the vectorised-numpy way to price the same two options.

    numpy_peer.py european|asian PATHS WORKERS [SEED]

european: call on S_T; asian: arithmetic-average call on 252 dates t_i = i T/252.
S0 = K = 100, r = 0.05, q = 0, sigma = 0.2, T = 1: the model of simpaths
(exact log-normal steps), with numpy's own random numbers (Philox bit
generator, ziggurat normals). Paths go in chunks of about 2^20 numbers, so
memory stays bounded whatever PATHS is. WORKERS = 1 runs in this process;
WORKERS > 1 splits the paths over a concurrent.futures.ProcessPoolExecutor
of that many processes (the time includes starting it). Prints one
TAB-separated line:
    numpy-<workers>  workload  paths  seconds  paths_per_s  price  stderr
"""
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

S0, K, R, SIGMA, T = 100.0, 100.0, 0.05, 0.2, 1.0
CHUNK_NUMBERS = 1 << 20   # normals per chunk: 8 MiB of float64


def sums(workload, paths, seed, task):
    """Sum and sum of squares of the discounted payoff over `paths` paths."""
    steps = 252 if workload == "asian" else 1
    dt = T / steps
    drift, vol = (R - 0.5 * SIGMA * SIGMA) * dt, SIGMA * math.sqrt(dt)
    discount = math.exp(-R * T)
    rng = np.random.Generator(np.random.Philox(np.random.SeedSequence([seed, task])))
    chunk = max(1, CHUNK_NUMBERS // steps)
    total = total2 = 0.0
    done = 0
    while done < paths:
        m = min(chunk, paths - done)
        if steps == 1:
            s = S0 * np.exp(drift + vol * rng.standard_normal(m))
        else:
            x = rng.standard_normal((m, steps))
            x *= vol
            x += drift
            np.cumsum(x, axis=1, out=x)      # log(S_i / S0)
            np.exp(x, out=x)
            s = S0 * x.mean(axis=1)          # arithmetic average of S_1..S_n
        f = np.maximum(s - K, 0.0) * discount
        total += float(f.sum())
        total2 += float(np.dot(f, f))
        done += m
    return total, total2


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in ("european", "asian"):
        sys.exit("usage: numpy_peer.py european|asian PATHS WORKERS [SEED]")
    workload, paths, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) == 5 else 20261127
    # Two tasks per worker, of (nearly) equal size, each its own stream.
    ntasks = 2 * workers
    counts = [paths // ntasks + (1 if t < paths % ntasks else 0) for t in range(ntasks)]
    start = time.perf_counter()
    if workers == 1:
        results = [sums(workload, n, seed, t) for t, n in enumerate(counts)]
    else:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(sums, [workload] * ntasks, counts, [seed] * ntasks,
                                    range(ntasks)))
    seconds = time.perf_counter() - start
    total = sum(r[0] for r in results)
    total2 = sum(r[1] for r in results)
    mean = total / paths
    var = max(0.0, (total2 - paths * mean * mean) / (paths - 1))
    print(f"numpy-{workers}\t{workload}\t{paths}\t{seconds:.3f}\t{paths / seconds:.4g}"
          f"\t{mean:.6f}\t{math.sqrt(var / paths):.6f}")


if __name__ == "__main__":
    main()
