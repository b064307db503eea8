#!/usr/bin/env python3
"""credit_peer: the vectorised-numpy way to simulate a loan book's losses.

    credit_peer.py LOANS SCENARIOS WORKERS RHO [LEVEL [SEED]]

The one-factor Gaussian copula of credit(1), conditional form: per
scenario one factor Z; each obligor defaults with probability
p(Z) = Phi((Phi^-1(pd) + sqrt(rho) Z) / sqrt(1 - rho)), computed once per
distinct pd and gathered (scipy.special.ndtr), drawn as U < p for a
(scenarios x obligors) block of uniforms, the loss a matrix-vector
product with exposure x lgd. Blocks bound memory; WORKERS processes of a
concurrent.futures.ProcessPoolExecutor take two tasks each (the time
includes starting them). VaR and ES (Acerbi-Tasche) from np.partition,
EL the mean loss. Prints one TAB-separated line:
    numpy-<workers>  scenarios  seconds  scenarios_per_s  EL  VaR  ES
"""
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

# One BLAS thread a worker (its matmul of the defaults by the
# exposures): the process pool is the parallelism, and an optimised
# BLAS's own threads (make bench installs Debian's OpenBLAS for
# bench/var-bench's peers) would contend with it. Set before numpy is
# imported: OpenBLAS reads it when it loads.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np
from scipy.special import ndtr, ndtri

BLOCK = 1 << 21   # uniforms per block: 16 MiB of float64


def read_book(path):
    names, rows = None, []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split()
        if names is None:
            names = fields
            continue
        rows.append(dict(zip(names, fields)))
    v = np.array([float(r["exposure"]) * float(r["lgd"]) for r in rows])
    pd = np.array([float(r["pd"]) for r in rows])
    return v, pd


def losses(path, rho, count, seed, task):
    v, pd = read_book(path)
    grades, index = np.unique(pd, return_inverse=True)
    c = ndtri(grades)
    a, b = math.sqrt(rho), math.sqrt(1 - rho)
    rng = np.random.Generator(np.random.Philox(np.random.SeedSequence([seed, task])))
    block = max(1, BLOCK // len(v))
    out = np.empty(count)
    done = 0
    while done < count:
        m = min(block, count - done)
        z = rng.standard_normal(m)
        p = ndtr((c[None, :] + a * z[:, None]) / b)[:, index]
        out[done:done + m] = (rng.random((m, len(v))) < p) @ v
        done += m
    return out


def main():
    if len(sys.argv) not in (5, 6, 7):
        sys.exit("usage: credit_peer.py LOANS SCENARIOS WORKERS RHO [LEVEL [SEED]]")
    path, n, workers, rho = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    level = float(sys.argv[5]) if len(sys.argv) > 5 else 0.999
    seed = int(sys.argv[6]) if len(sys.argv) > 6 else 20261206
    start = time.perf_counter()
    tasks = 2 * workers
    counts = [n // tasks + (k < n % tasks) for k in range(tasks)]
    if workers == 1:
        parts = [losses(path, rho, counts[k], seed, k) for k in range(tasks)]
    else:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(losses, [path] * tasks, [rho] * tasks, counts,
                                  [seed] * tasks, range(tasks)))
    loss = np.concatenate(parts)
    m = n * (1 - level)
    j = int(math.floor(m))          # losses strictly before the VaR's row
    worst = -np.sort(-np.partition(loss, n - j - 1)[n - j - 1:])
    var = worst[0] if j == 0 else worst[j]
    es = (worst[:j].sum() + (m - j) * var) / m
    seconds = time.perf_counter() - start
    print(f"numpy-{workers}\t{n}\t{seconds:.3f}\t{n / seconds:.4g}\t{loss.mean():.6g}\t{var:.6g}\t{es:.6g}")


if __name__ == "__main__":
    main()
