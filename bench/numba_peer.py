#!/usr/bin/env python3
"""numba_peer: the bench's GBM workloads as compiled numba loops (issue 20).

    numba_peer.py european|asian PATHS THREADS [SEED]

A loop over paths, compiled by numba (Debian's python3-numba), split over
THREADS threads with prange (numba.set_num_threads); each path draws its
normals from numba's np.random (one stream per thread, seeded per thread)
and walks its 252 steps with a running sum. The same model and parameters
as bench/numpy_peer.py. The time excludes numba's compilation (a first
call on 1000 paths compiles; a user would cache it) but includes
everything else. Not a row of `make bench`: it ran at 0.22x to 0.27x the
numpy peer's paths per CPU second (bench/RESULTS.md), its exp and normals
being scalar. Prints the line numpy_peer.py prints:
    numba-<threads>  workload  paths  seconds  paths_per_s  price  stderr
"""
import math
import os
import sys
import time

os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), "numba-cache"))
import numba  # noqa: E402
import numpy as np  # noqa: E402

S0, K, R, SIGMA, T = 100.0, 100.0, 0.05, 0.2, 1.0


@numba.njit(parallel=True, fastmath=False)
def price(paths, steps, threads, seed):
    dt = T / steps
    drift, vol = (R - 0.5 * SIGMA * SIGMA) * dt, SIGMA * math.sqrt(dt)
    per = (paths + threads - 1) // threads
    totals = np.zeros(threads)
    totals2 = np.zeros(threads)
    for t in numba.prange(threads):
        np.random.seed(seed + t)
        total = total2 = 0.0
        for _ in range(t * per, min(paths, (t + 1) * per)):
            x = math.log(S0)
            if steps == 1:
                s = math.exp(x + drift + vol * np.random.standard_normal())
            else:
                acc = 0.0
                for _ in range(steps):
                    x += drift + vol * np.random.standard_normal()
                    acc += math.exp(x)
                s = acc / steps
            f = max(s - K, 0.0)
            total += f
            total2 += f * f
        totals[t] = total
        totals2[t] = total2
    return totals.sum(), totals2.sum()


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in ("european", "asian"):
        sys.exit("usage: numba_peer.py european|asian PATHS THREADS [SEED]")
    workload, paths, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) == 5 else 20261127
    steps = 252 if workload == "asian" else 1
    numba.set_num_threads(threads)
    price(1000, steps, threads, seed)          # compiles
    start = time.perf_counter()
    total, total2 = price(paths, steps, threads, seed + 1000)
    seconds = time.perf_counter() - start
    d = math.exp(-R * T)
    mean = total * d / paths
    var = max(0.0, (total2 * d * d - paths * mean * mean) / (paths - 1))
    print(f"numba-{threads}\t{workload}\t{paths}\t{seconds:.3f}\t{paths / seconds:.4g}"
          f"\t{mean:.6f}\t{math.sqrt(var / paths):.6f}")


if __name__ == "__main__":
    main()
