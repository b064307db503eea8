#!/usr/bin/env python3
"""numpy_peer: the options of `make bench`, priced as well as numpy allows (issue 20).

    numpy_peer.py european|asian|heston PATHS WORKERS [SEED] [--old]
                  [--bitgen NAME] [--normals ziggurat|box-muller]
                  [--layout steps|block|rows|mult] [--chunk N]

european: call on S_T; asian: arithmetic-average call on 252 dates
t_i = i T/252; both under GBM (exact log-normal steps), S0 = K = 100,
r = 0.05, q = 0, sigma = 0.2, T = 1. heston: the European call under
Heston, V0 = 0.04, kappa = 1.5, theta = 0.04, xi = 0.3, rho = -0.7, by
Andersen's (2008) QE scheme (psi_c = 1.5, gamma1 = gamma2 = 1/2, with his
martingale correction) at 32 steps of 1/32 year.

How it is written, each choice measured by bench/numpy-variants.py (one
process, CPU time; bench/RESULTS.md has the numbers), the defaults the
fastest there:
- numpy's Generator on the SFC64 bit generator (the fastest here; PCG64
  is default_rng's, Philox and MT19937 are slower), normals drawn into
  preallocated buffers (`out=`) by Box-Muller on numpy's vectorised log,
  sqrt, cos and sin (--normals box-muller, 1.8x numpy's ziggurat,
  standard_normal(out=), here: numpy 1.24's transcendental functions are
  AVX-512 kernels, its ziggurat a scalar loop);
- every array operation in place (`out=`), in chunks of 2^14 paths (L2
  sized); sums of squares by np.dot, the BLAS's ddot (make bench installs
  OpenBLAS: 0.07 ns an element against 0.28 for a square in place and a
  sum; under Debian's reference libblas3, numpy's default, ddot was
  twice as slow as those, bench/RESULTS.md);
- the Asian in the `mult` layout (--layout): a loop over the 252 steps on
  a vector of 2^14 paths, S *= exp(drift + vol z), a running sum of S;
  `steps` keeps the log-price and takes exp of it (as fast, within the
  noise), `block` cumulates a (252, m) block of normals down the steps
  and `rows` an (m, 252) block along the rows (the old peer's
  orientation): both slower;
- WORKERS > 1: a concurrent.futures.ProcessPoolExecutor of WORKERS
  processes, two tasks per worker, each its own stream
  (SeedSequence([seed, task])); the time includes starting the pool.
--old: the peer `make bench` had before issue 20 (Philox, a new array per
operation, a cumsum over (m, 252) blocks of 2^20 numbers), for comparison.

Prints one TAB-separated line:
    numpy-<workers>  workload  paths  seconds  paths_per_s  price  stderr
"""
import argparse
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor

# One BLAS thread a worker (np.dot, in old_peer): the process pool is the
# parallelism, and an optimised BLAS's own threads (make bench installs
# Debian's OpenBLAS for bench/var-bench's peers) would contend with it.
# Set before numpy is imported: OpenBLAS reads it when it loads.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np

S0, K, R, SIGMA, T = 100.0, 100.0, 0.05, 0.2, 1.0
HESTON = {"v0": 0.04, "kappa": 1.5, "theta": 0.04, "xi": 0.3, "rho": -0.7, "steps": 32}
PSI_C = 1.5
STEPS = {"european": 1, "asian": 252, "heston": HESTON["steps"]}
DEFAULTS = {"bitgen": "SFC64", "normals": "box-muller", "layout": "mult",
            "chunk": {"european": 1 << 14, "asian": 1 << 14, "heston": 1 << 14}}


class Normals:
    """Fills arrays with standard normals from one stream, without allocating."""

    def __init__(self, rng, kind, size):
        self.rng, self.kind = rng, kind
        if kind == "box-muller":
            half = (size + 1) // 2
            self.u, self.v, self.w = np.empty(half), np.empty(half), np.empty(half)

    def fill(self, out):
        if self.kind == "ziggurat":
            self.rng.standard_normal(out=out)
            return
        flat = out.reshape(-1)
        n = flat.size
        h = (n + 1) // 2
        u, v, w = self.u[:h], self.v[:h], self.w[:h]
        self.rng.random(out=u)
        self.rng.random(out=v)
        np.subtract(1.0, u, out=u)           # (0, 1]: log is finite
        np.log(u, out=u)
        np.multiply(u, -2.0, out=u)
        np.sqrt(u, out=u)                    # the radius
        np.multiply(v, 2.0 * math.pi, out=v)  # the angle
        np.cos(v, out=w)
        np.multiply(u, w, out=flat[:h])
        np.sin(v, out=w)
        np.multiply(u[:n - h], w[:n - h], out=flat[h:])


def european(rng, normals, paths, chunk):
    # log S_T = log S0 + (r - sigma^2/2) T + sigma sqrt(T) z: one multiply
    # and one add, then exp, - K, max.
    drift = math.log(S0) + (R - 0.5 * SIGMA * SIGMA) * T
    vol = SIGMA * math.sqrt(T)
    buf = np.empty(chunk)
    total = total2 = 0.0
    for done in range(0, paths, chunk):
        z = buf[:min(chunk, paths - done)]
        normals.fill(z)
        np.multiply(z, vol, out=z)
        np.add(z, drift, out=z)
        np.exp(z, out=z)
        np.subtract(z, K, out=z)
        np.maximum(z, 0.0, out=z)
        total += z.sum()
        total2 += float(np.dot(z, z))
    return total, total2


def asian(rng, normals, paths, m, layout, steps=252):
    dt = T / steps
    drift, vol = (R - 0.5 * SIGMA * SIGMA) * dt, SIGMA * math.sqrt(dt)
    avg = np.empty(m)
    total = total2 = 0.0
    if layout in ("steps", "mult"):
        # a vector of m paths, a loop over the steps with a running sum:
        # steps: of exp(log-price); mult: of the price, S *= exp(step)
        x, z = np.empty(m), np.empty(m)
    else:
        # one block of normals per m paths: block is (steps, m), rows is
        # (m, steps), the old peer's orientation
        b = np.empty((steps, m) if layout == "block" else (m, steps))
        axis = 0 if layout == "block" else 1
    for done in range(0, paths, m):
        n = min(m, paths - done)
        a = avg[:n]
        if layout in ("steps", "mult"):
            xs, zs = x[:n], z[:n]
            xs.fill(math.log(S0) if layout == "steps" else S0)
            a.fill(0.0)
            for _ in range(steps):
                normals.fill(zs)
                np.multiply(zs, vol, out=zs)
                np.add(zs, drift, out=zs)
                if layout == "steps":
                    np.add(xs, zs, out=xs)
                    np.exp(xs, out=zs)
                    np.add(a, zs, out=a)
                else:
                    np.exp(zs, out=zs)
                    np.multiply(xs, zs, out=xs)
                    np.add(a, xs, out=a)
        else:
            bs = b[:, :n] if layout == "block" else b[:n]
            normals.fill(bs) if bs.flags.c_contiguous else _fill_strided(normals, bs)
            np.multiply(bs, vol, out=bs)
            np.add(bs, drift, out=bs)
            np.cumsum(bs, axis=axis, out=bs)
            np.exp(bs, out=bs)
            np.sum(bs, axis=axis, out=a)
            np.multiply(a, S0, out=a)
        np.multiply(a, 1.0 / steps, out=a)
        np.subtract(a, K, out=a)
        np.maximum(a, 0.0, out=a)
        total += a.sum()
        total2 += float(np.dot(a, a))
    return total, total2


def _fill_strided(normals, view):
    """The last, partial block of the (steps, m) layout: a view of fewer
    columns is not contiguous."""
    tmp = np.empty(view.shape)
    normals.fill(tmp)
    view[...] = tmp


def heston(rng, normals, paths, m):
    """Andersen's QE (2008, section 3.2.4, psi_c = 1.5) for V, his scheme
    for log S with gamma1 = gamma2 = 1/2 and the martingale correction
    (section 4.2.3: K0* in place of K0), vectorised over m paths, a loop
    over the steps. The exponential branch (psi > psi_c) is rare here and
    computed on its paths alone."""
    h = HESTON
    kappa, theta, xi, rho, n_steps = h["kappa"], h["theta"], h["xi"], h["rho"], h["steps"]
    dt = T / n_steps
    e = math.exp(-kappa * dt)
    c1 = xi * xi * e * (1 - e) / kappa            # s^2 = V c1 + c2
    c2 = theta * xi * xi * (1 - e) ** 2 / (2 * kappa)
    k2 = 0.5 * dt * (kappa * rho / xi - 0.5) + rho / xi
    k3 = 0.5 * dt * (1 - rho * rho)               # = K4
    big_a = k2 + 0.5 * k3                         # A = K2 + K4/2
    # log S += r dt + K0* + K1 V + K2 V' + sqrt(K3 V + K4 V') Z, and
    # K0* = core - (K1 + K3/2) V, so: r dt + core - K3/2 V + K2 V' + ...
    bufs = [np.empty(m) for _ in range(11)]
    total = total2 = 0.0
    for done in range(0, paths, m):
        n = min(m, paths - done)
        V, X, Vn, M, P, A1, B2, Aa, D, ZV, Z = (b[:n] for b in bufs)
        V.fill(h["v0"])
        X.fill(math.log(S0))
        for _ in range(n_steps):
            normals.fill(ZV)
            normals.fill(Z)
            np.multiply(V, e, out=M)
            np.add(M, theta * (1 - e), out=M)         # m = theta + (V - theta) e
            np.multiply(V, c1, out=P)
            np.add(P, c2, out=P)                      # s^2
            np.multiply(M, M, out=A1)
            np.divide(P, A1, out=P)                   # psi = s^2 / m^2
            expo = np.flatnonzero(P > PSI_C)
            # the quadratic branch, on every path (the others are redone below)
            np.minimum(P, PSI_C, out=A1)
            np.divide(2.0, A1, out=A1)                # 2/psi
            np.subtract(A1, 1.0, out=B2)
            np.multiply(B2, A1, out=B2)
            np.sqrt(B2, out=B2)
            np.add(B2, A1, out=B2)
            np.subtract(B2, 1.0, out=B2)              # b^2 = 2/psi - 1 + sqrt(2/psi (2/psi - 1))
            np.add(B2, 1.0, out=Aa)
            np.divide(M, Aa, out=Aa)                  # a = m / (1 + b^2)
            np.sqrt(B2, out=Vn)
            np.add(Vn, ZV, out=Vn)
            np.multiply(Vn, Vn, out=Vn)
            np.multiply(Vn, Aa, out=Vn)               # V' = a (b + Zv)^2
            # K0*'s core: -A b^2 a / (1 - 2 A a) + log(1 - 2 A a) / 2
            np.multiply(Aa, -2.0 * big_a, out=D)
            np.add(D, 1.0, out=D)
            np.multiply(B2, Aa, out=A1)
            np.multiply(A1, -big_a, out=A1)
            np.divide(A1, D, out=A1)
            np.log(D, out=D)
            np.multiply(D, 0.5, out=D)
            np.add(D, A1, out=D)                      # D: the core
            if expo.size:
                # the exponential branch: V' = 0 with probability p, else
                # log((1 - p) / (1 - U)) / beta; core = -log(p + beta (1 - p) / (beta - A))
                pm, ps = M[expo], P[expo]
                p = (ps - 1) / (ps + 1)
                beta = (1 - p) / pm
                u = rng.random(expo.size)
                Vn[expo] = np.where(u <= p, 0.0, np.log((1 - p) / (1 - u)) / beta)
                D[expo] = -np.log(p + beta * (1 - p) / (beta - big_a))
            # log S += r dt + core - K3/2 V + K2 V' + sqrt(K3 (V + V')) Z
            np.add(D, R * dt, out=D)
            np.multiply(V, -0.5 * k3, out=A1)
            np.add(D, A1, out=D)
            np.multiply(Vn, k2, out=A1)
            np.add(D, A1, out=D)
            np.add(V, Vn, out=A1)
            np.multiply(A1, k3, out=A1)
            np.sqrt(A1, out=A1)
            np.multiply(A1, Z, out=A1)
            np.add(D, A1, out=D)
            np.add(X, D, out=X)
            V, Vn = Vn, V
        np.exp(X, out=X)
        np.subtract(X, K, out=X)
        np.maximum(X, 0.0, out=X)
        total += X.sum()
        total2 += float(np.dot(X, X))
    return total, total2


def old_peer(workload, paths, seed, task):
    """The peer before issue 20, as it was."""
    steps = STEPS[workload]
    dt = T / steps
    drift, vol = (R - 0.5 * SIGMA * SIGMA) * dt, SIGMA * math.sqrt(dt)
    discount = math.exp(-R * T)
    rng = np.random.Generator(np.random.Philox(np.random.SeedSequence([seed, task])))
    chunk = max(1, (1 << 20) // steps)
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
            np.cumsum(x, axis=1, out=x)
            np.exp(x, out=x)
            s = S0 * x.mean(axis=1)
        f = np.maximum(s - K, 0.0) * discount
        total += float(f.sum())
        total2 += float(np.dot(f, f))
        done += m
    return total, total2


def sums(workload, paths, seed, task, opts):
    """Sum and sum of squares of the discounted payoff over `paths` paths of
    stream `task`."""
    if opts["old"]:
        return old_peer(workload, paths, seed, task)
    bitgen = getattr(np.random, opts["bitgen"])(np.random.SeedSequence([seed, task]))
    rng = np.random.Generator(bitgen)
    chunk = opts["chunk"] or DEFAULTS["chunk"][workload]
    size = chunk * (STEPS[workload] if workload == "asian" and opts["layout"] in ("block", "rows")
                    else 1)
    normals = Normals(rng, opts["normals"], size)
    if workload == "european":
        total, total2 = european(rng, normals, paths, chunk)
    elif workload == "asian":
        total, total2 = asian(rng, normals, paths, chunk, opts["layout"])
    else:
        total, total2 = heston(rng, normals, paths, chunk)
    discount = math.exp(-R * T)
    return total * discount, total2 * discount * discount


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("workload", choices=("european", "asian", "heston"))
    ap.add_argument("paths", type=int)
    ap.add_argument("workers", type=int)
    ap.add_argument("seed", type=int, nargs="?", default=20261127)
    ap.add_argument("--old", action="store_true")
    ap.add_argument("--bitgen", default=DEFAULTS["bitgen"],
                    choices=("PCG64", "PCG64DXSM", "SFC64", "Philox", "MT19937"))
    ap.add_argument("--normals", default=DEFAULTS["normals"], choices=("ziggurat", "box-muller"))
    ap.add_argument("--layout", default=DEFAULTS["layout"], choices=("steps", "block", "rows", "mult"))
    ap.add_argument("--chunk", type=int, default=0)
    a = ap.parse_args()
    if a.paths < 2 or a.workers < 1 or a.chunk < 0 or (a.old and a.workload == "heston"):
        ap.error("PATHS >= 2, WORKERS >= 1, --chunk >= 0; --old has no heston")
    opts = {"old": a.old, "bitgen": a.bitgen, "normals": a.normals, "layout": a.layout,
            "chunk": a.chunk}
    # Two tasks per worker, of (nearly) equal size, each its own stream.
    ntasks = 2 * a.workers
    counts = [a.paths // ntasks + (1 if t < a.paths % ntasks else 0) for t in range(ntasks)]
    start = time.perf_counter()
    if a.workers == 1:
        results = [sums(a.workload, n, a.seed, t, opts) for t, n in enumerate(counts)]
    else:
        with ProcessPoolExecutor(a.workers) as pool:
            results = list(pool.map(sums, [a.workload] * ntasks, counts, [a.seed] * ntasks,
                                    range(ntasks), [opts] * ntasks))
    seconds = time.perf_counter() - start
    total = sum(r[0] for r in results)
    total2 = sum(r[1] for r in results)
    mean = total / a.paths
    var = max(0.0, (total2 - a.paths * mean * mean) / (a.paths - 1))
    print(f"numpy-{a.workers}\t{a.workload}\t{a.paths}\t{seconds:.3f}\t{a.paths / seconds:.4g}"
          f"\t{mean:.6f}\t{math.sqrt(var / a.paths):.6f}")


if __name__ == "__main__":
    main()
