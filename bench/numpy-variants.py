#!/usr/bin/env python3
"""numpy-variants: the choices behind bench/numpy_peer.py, measured (issue 20).

    /usr/bin/python3 bench/numpy-variants.py [SECONDS [ROUNDS]]

One process (what one worker of the peer's pool does), each variant
sized to take about SECONDS (default 0.5) of CPU, then timed ROUNDS times
(default 3) in rounds of one run of every variant of a group, so that
the variants compared are measured side by side on a machine whose speed
drifts; it prints the best of the rounds. The time is the process's CPU
time (time.process_time): on a machine that others load, wall time
measures them as much as the variant. Prints one line per variant:
    group  variant  paths per CPU second
Groups:
- normals: numpy_peer.Normals.fill on 2^14 doubles, for each bit
  generator, numpy's ziggurat (standard_normal(out=)) and Box-Muller on
  numpy's vectorised log, sqrt, cos, sin (normals/s);
- european: chunk sizes 2^12 .. 2^18, both normal transforms (SFC64), and
  PCG64 (default_rng's); the old peer;
- asian: the layouts of numpy_peer.asian (steps, mult: a loop over the
  252 steps on a vector of m paths; block: a (252, m) block cumulated
  down the steps; rows: an (m, 252) block cumulated along the rows, the
  old peer's orientation), at several m, both transforms; the old peer;
- heston: chunk sizes 2^10 .. 2^14, both transforms.
"""
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_peer  # noqa: E402
import numpy as np  # noqa: E402

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def opts(**kw):
    o = {"old": False, "bitgen": "SFC64", "normals": "box-muller", "layout": "block", "chunk": 0}
    o.update(kw)
    return o


def peer(workload, o):
    return lambda n: numpy_peer.sums(workload, n, 1, 0, o)


def normals(bitgen, kind):
    rng = np.random.Generator(getattr(np.random, bitgen)(1))
    z = np.empty(1 << 14)
    src = numpy_peer.Normals(rng, kind, z.size)

    def fn(n):
        for _ in range(0, n, z.size):
            src.fill(z)
    return fn


def sized(fn, guess):
    n = guess
    while True:
        t = time.process_time()
        fn(n)
        s = time.process_time() - t
        if s >= 0.2 * SECONDS:
            return max(guess, int(n * SECONDS / s))
        n *= 4


def group(name, variants, guess):
    sizes = [sized(fn, guess) for _, fn in variants]
    best = [math.inf] * len(variants)
    for _ in range(ROUNDS):
        for k, (_, fn) in enumerate(variants):
            t = time.process_time()
            fn(sizes[k])
            best[k] = min(best[k], time.process_time() - t)
    for (label, _), n, s in zip(variants, sizes, best):
        print(f"{name}\t{label}\t{n / s:.3g}", flush=True)


def main():
    print(f"numpy {np.__version__}; load average {' '.join(open('/proc/loadavg').read().split()[:3])}",
          flush=True)
    group("normals", [(f"{g} {k}", normals(g, k)) for g in ("PCG64", "PCG64DXSM", "SFC64", "Philox",
                                                            "MT19937")
                      for k in ("ziggurat", "box-muller")], 1 << 16)
    group("european", [(f"SFC64 {k} chunk 2^{c}", peer("european", opts(normals=k, chunk=1 << c)))
                       for k in ("ziggurat", "box-muller") for c in (12, 13, 14, 15, 16, 18)]
          + [("PCG64 box-muller chunk 2^14", peer("european", opts(bitgen="PCG64", chunk=1 << 14))),
             ("PCG64 ziggurat chunk 2^14",
              peer("european", opts(bitgen="PCG64", normals="ziggurat", chunk=1 << 14))),
             ("old peer (Philox, new arrays)", peer("european", opts(old=True)))], 1 << 16)
    group("asian", [(f"SFC64 {k} {lay} m=2^{c}", peer("asian", opts(normals=k, layout=lay, chunk=1 << c)))
                    for k in ("ziggurat", "box-muller")
                    for lay, cs in (("steps", (10, 12, 14, 15, 16)), ("mult", (12, 14, 15, 16)),
                                    ("block", (6, 8, 10)), ("rows", (8, 10)))
                    for c in cs]
          + [("old peer (Philox, cumsum over rows)", peer("asian", opts(old=True)))], 1 << 12)
    group("heston", [(f"SFC64 {k} chunk 2^{c}", peer("heston", opts(normals=k, chunk=1 << c)))
                     for k in ("ziggurat", "box-muller") for c in (10, 12, 14, 15, 16)], 1 << 12)
    print(f"load average {' '.join(open('/proc/loadavg').read().split()[:3])}")


if __name__ == "__main__":
    main()
