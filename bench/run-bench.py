#!/usr/bin/env python3
"""run-bench.py: the `make bench` job (issue 5). Run from the checkout's root.

On both workloads, the European call (S0 = K = 100, r = 0.05, q = 0,
sigma = 0.2, T = 1) and the arithmetic Asian call on 252 dates, it measures
paths per second of
  - the fused C loop (build/bench/fused): one core, no text, the limit;
    and one such loop per core, each on its own range of the paths: the
    rate all cores reach with no start-up, no text and no job control,
    the ceiling of `make price` on this machine;
  - the numpy peer (bench/numpy_peer.py), in 1 process and in a
    ProcessPoolExecutor of one process per core (2 on the issue's machine);
  - `make price` with JOBS=1 and JOBS=<all cores>, timed from outside
    (the whole command: setup, GNU parallel, every shard, the summary),
    with its shards fused (simpaths --payoff --partial, the default) and,
    on all cores, through the text pipeline (FUSED=0),
then prints the table, the ratios of issue 5 and whether each goal is met,
and the peak RSS of simpaths, payoff and aggregate as PATHS grows, and of
the fused simpaths.

paths/s is wall-clock, as the goals are stated. The table also shows the CPU
seconds of each run (user + sys of the command and everything it started),
and paths per CPU second: on a machine shared with other work, wall-clock
rates swing with the load, CPU rates much less. The ratios are also given
from CPU time ("idle-machine estimate": rate per CPU second times the cores
the implementation uses).

Each measurement is sized to take at least 0.8 x BENCH_SECONDS (default 2)
by growing PATHS from a short run, then run BENCH_REPEAT times (default 3)
at that size, in rounds of one run of every row, so that rows compared in
a ratio are measured side by side; the table shows the medians. make
price runs after `make all`, so no rebuild is timed; JOBS=1 runs the PATHS
sized for all cores, and must give the same bits. Environment: MAKE (the
make to call), BENCH_PYTHON (the python3 with numpy), FUSED_LOOP (the fused
loop's binary), BENCH_SECONDS, BENCH_REPEAT, BENCH_Z (the prices must agree
within this many standard errors, default 4). Exit status 0 whether or not
the goals are met; 1 if a run fails or the prices disagree.
"""
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.getcwd()
MAKE = os.environ.get("MAKE", "make")
PYTHON = os.environ.get("BENCH_PYTHON", "/usr/bin/python3")
FUSED_LOOP = os.environ.get("FUSED_LOOP", "build/bench/fused")
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
REPEAT = max(1, int(os.environ.get("BENCH_REPEAT", "3")))
# Prices must agree within this many standard errors (tests/bench.bats
# raises it: with its tiny runs and ten comparisons, 4 would fail one run
# in 1600 by chance).
Z_LIMIT = float(os.environ.get("BENCH_Z", "4"))
SEED = 20261127
CORES = os.cpu_count() or 1
WORKLOADS = {
    "european": {"label": "European call", "STEPS": "1", "PAYOFF": "call"},
    "asian": {"label": "Asian call, 252 steps", "STEPS": "252", "PAYOFF": "asian-call-arith"},
}
TOOLS_PATH = os.path.join(ROOT, "build/bin") + os.pathsep + os.path.join(ROOT, "pipeline")


def fail(message):
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(1)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(argv, env=None):
    """Runs argv; returns (stdout, wall s, CPU s of it and its descendants)."""
    cpu = children_cpu()
    start = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                       stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        fail(f"{' '.join(shlex.quote(a) for a in argv)} failed ({p.returncode}):\n{p.stderr}")
    return p.stdout, seconds, children_cpu() - cpu


def nice(n):
    """n rounded down to two significant digits, at least 1000."""
    n = max(1000, int(n))
    scale = 10 ** (len(str(n)) - 2)
    return n // scale * scale


# --- the implementations: each returns (wall s, CPU s, price, stderr) --------
# fused and numpy time themselves (no process start-up, no numpy import);
# make price is timed whole.

def fused(workload, paths):
    out, _, cpu = run([FUSED_LOOP, workload, str(paths), str(SEED)])
    f = out.split("\t")
    return float(f[3]), cpu, float(f[5]), float(f[6])


def fused_all_cores(workload, paths):
    """One fused loop per core at once, core k on its k-th share of the
    paths (their union is paths [0, PATHS), as in make price); timed from
    outside, from the first start to the last exit."""
    shares = [paths // CORES + (1 if k < paths % CORES else 0) for k in range(CORES)]
    firsts = [sum(shares[:k]) for k in range(CORES)]
    cpu = children_cpu()
    start = time.perf_counter()
    procs = [subprocess.Popen([FUSED_LOOP, workload, str(n), str(SEED), str(first)],
                              stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
             for n, first in zip(shares, firsts)]
    outs = [p.communicate()[0] for p in procs]
    seconds = time.perf_counter() - start
    cpu = children_cpu() - cpu
    if any(p.returncode != 0 for p in procs):
        fail(f"{FUSED_LOOP} {workload}: one of the {CORES} loops failed")
    # the whole mean and stderr from each share's (n, mean, stderr)
    total = total2 = 0.0
    for n, out in zip(shares, outs):
        f = out.split("\t")
        mean, se = float(f[5]), float(f[6])
        total += n * mean
        total2 += (n - 1) * n * se * se + n * mean * mean
    mean = total / paths
    var = max(0.0, (total2 - paths * mean * mean) / (paths - 1))
    return seconds, cpu, mean, (var / paths) ** 0.5


def numpy_peer(workers):
    def measure(workload, paths):
        env = dict(os.environ)
        # the environment's BLAS tuning is not numpy's business here
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
        out, _, cpu = run([PYTHON, "bench/numpy_peer.py", workload, str(paths), str(workers),
                           str(SEED)], env=env)
        f = out.split("\t")
        return float(f[3]), cpu, float(f[5]), float(f[6])
    return measure


def make_price(jobs, fused=1):
    def measure(workload, paths):
        with tempfile.TemporaryDirectory(prefix="mcpipe-bench.") as out:
            w = WORKLOADS[workload]
            argv = [MAKE, "-s", "--no-print-directory", "price", f"PATHS={paths}",
                    f"JOBS={jobs}", f"STEPS={w['STEPS']}", f"PAYOFF={w['PAYOFF']}",
                    f"SEED={SEED}", f"OUT={out}", f"FUSED={fused}"]
            _, seconds, cpu = run(argv)
            with open(os.path.join(out, "price.tsv")) as f:
                rows = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")]
            price = next(r for r in rows if r[0] == "price")
            return seconds, cpu, float(price[1]), float(price[2])
    return measure


def size(fn, workload, guess):
    """Grows PATHS until a run takes about SECONDS (fixed costs, such as make
    price's start-up, make a short run a poor predictor). Returns PATHS and
    the result of the run at that size."""
    paths = guess
    result = fn(workload, paths)
    while result[0] < 0.8 * SECONDS:
        paths = nice(paths * min(20.0, 1.1 * SECONDS / max(result[0], 1e-3)))
        result = fn(workload, paths)
    return paths, result


def row_of(name, cores, workload, paths, results):
    """The row of the runs' medians."""
    wall = statistics.median(r[0] for r in results)
    cpu = statistics.median(r[1] for r in results)
    row = {"name": name, "cores": cores, "workload": workload, "paths": paths,
           "seconds": wall, "rate": paths / wall, "cpu": cpu, "cpu_rate": paths / cpu,
           "price": results[-1][2], "stderr": results[-1][3]}
    print(f"  {name:<24} {workload:<9} {paths:>11} paths {wall:7.2f} s "
          f"{row['rate']:10.3g} paths/s {cpu:7.2f} CPU s", file=sys.stderr, flush=True)
    return row


def peak_rss(workload, paths):
    """Peak RSS in KiB of simpaths, payoff, aggregate in one shard's pipeline,
    and of the fused simpaths --payoff --partial."""
    w = WORKLOADS[workload]
    emit = "terminal" if w["STEPS"] == "1" else "summary"
    sim = f"simpaths --steps {w['STEPS']} --emit {emit}"
    pay = f"--payoff {w['PAYOFF']} --strike 100"
    with tempfile.TemporaryDirectory(prefix="mcpipe-rss.") as d:
        t = [os.path.join(d, n) for n in ("simpaths", "payoff", "aggregate", "fused")]
        cmd = (f"genseeds --paths {paths} --shards 1 --seed {SEED} >{d}/seeds && "
               f"/usr/bin/time -f %M -o {t[0]} {sim} --hex <{d}/seeds | "
               f"/usr/bin/time -f %M -o {t[1]} payoff --hex {pay} | "
               f"/usr/bin/time -f %M -o {t[2]} aggregate --partial >/dev/null && "
               f"/usr/bin/time -f %M -o {t[3]} {sim} {pay} --partial <{d}/seeds >/dev/null")
        env = dict(os.environ, PATH=TOOLS_PATH + os.pathsep + os.environ["PATH"])
        run(["bash", "-o", "pipefail", "-c", cmd], env=env)
        return [int(open(f).read().split()[-1]) for f in t]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def main():
    if not os.access(FUSED_LOOP, os.X_OK):
        fail(f"{FUSED_LOOP}: not built (make bench builds it)")
    started = time.perf_counter()
    gcc = subprocess.run(["cc", "--version"], stdout=subprocess.PIPE, text=True).stdout.splitlines()[0]
    numpy_version = subprocess.run([PYTHON, "-c", "import numpy; print(numpy.__version__)"],
                                   stdout=subprocess.PIPE, text=True).stdout.strip()
    run([MAKE, "-s", "--no-print-directory", "all"])   # so that no make price rebuilds a tool
    print(f"machine: {cpu_model()}, nproc {CORES}; load average {loadavg()} at the start")
    print(f"compiler: {gcc}; numpy {numpy_version} ({PYTHON}); "
          f"median of {REPEAT} run(s) per row, each at least {0.8 * SECONDS:g} s")
    print("measuring...", file=sys.stderr, flush=True)

    FUSED_ROW, FUSEDN, NP1, NPN, PRICE1, PRICEN, TEXTN = (
        "fused C loop, 1 core", f"fused C loop, {CORES} cores", "numpy, 1 process",
        f"numpy, ProcessPool({CORES})", "make price JOBS=1", f"make price JOBS={CORES}",
        f"... FUSED=0 JOBS={CORES}")
    guesses = {"european": (2000000, 500000, 2000000), "asian": (20000, 4000, 40000)}
    # First each row's size, sized to take SECONDS (JOBS=1 runs the PATHS
    # of all cores, so the same bits, for the speedup; the text pipeline is
    # sized on its own, being slower). Then rounds of one run of every row:
    # the machine's speed drifts from minute to minute (a VM's neighbours),
    # and rows measured side by side in each round drift together, so their
    # ratios hold better than if each row's runs were done in one go.
    plan = []   # [name, cores, fn, workload, paths, results]
    for workload in WORKLOADS:
        g_fused, g_numpy, g_price = guesses[workload]
        for name, cores, fn, guess in ((FUSED_ROW, 1, fused, g_fused),
                                       (FUSEDN, CORES, fused_all_cores, g_fused),
                                       (NP1, 1, numpy_peer(1), g_numpy),
                                       (NPN, CORES, numpy_peer(CORES), g_numpy),
                                       (PRICEN, CORES, make_price(CORES), g_price),
                                       (TEXTN, CORES, make_price(CORES, fused=0), g_price // 4)):
            paths, first = size(fn, workload, guess)
            plan.append([name, cores, fn, workload, paths, [first]])
            if name == PRICEN:
                plan.append([PRICE1, 1, make_price(1), workload, paths, []])
    for _ in range(REPEAT):
        for name, cores, fn, workload, paths, results in plan:
            if len(results) < REPEAT:
                results.append(fn(workload, paths))
    rows = {(name, workload): row_of(name, cores, workload, paths, results)
            for name, cores, fn, workload, paths, results in plan}
    for workload in WORKLOADS:
        one, allcores = rows[PRICE1, workload], rows[PRICEN, workload]
        if (one["price"], one["stderr"]) != (allcores["price"], allcores["stderr"]):
            fail(f"{workload}: make price gives {one['price']} with JOBS=1, {allcores['price']} "
                 f"with JOBS={CORES}")
    order = (FUSED_ROW, FUSEDN, NP1, NPN, PRICE1, PRICEN, TEXTN)

    print()
    print(f"| {'implementation':<21} | {'workload':<21} | {'paths':>9} | {'wall s':>6} "
          f"| {'paths/s':>8} | {'CPU s':>6} | {'paths/CPU s':>11} | {'price ± stderr':<17} |")
    print(f"|{'-' * 23}|{'-' * 23}|{'-' * 10}:|{'-' * 7}:|{'-' * 9}:|{'-' * 7}:|{'-' * 12}:|{'-' * 19}|")
    for workload, w in WORKLOADS.items():
        for name in order:
            r = rows[name, workload]
            print(f"| {name:<21} | {w['label']:<21} | {r['paths']:>9} | {r['seconds']:6.2f} "
                  f"| {r['rate']:8.3g} | {r['cpu']:6.2f} | {r['cpu_rate']:11.3g} "
                  f"| {r['price']:7.4f} ± {r['stderr']:.4f} |")

    # Prices agree within errors: each against the fused estimate (the same
    # paths as make price, other paths for numpy), |z| < Z_LIMIT.
    disagree = []
    for workload in WORKLOADS:
        ref = rows[FUSED_ROW, workload]
        for name in order[1:]:
            r = rows[name, workload]
            z = (r["price"] - ref["price"]) / (r["stderr"] ** 2 + ref["stderr"] ** 2) ** 0.5
            if abs(z) > Z_LIMIT:
                disagree.append(f"{name} {workload}: z = {z:.1f} against the fused loop")

    def ratios(a, b, workload):
        ra, rb = rows[a, workload], rows[b, workload]
        return (ra["rate"] / rb["rate"],
                ra["cpu_rate"] * ra["cores"] / (rb["cpu_rate"] * rb["cores"]))
    goals = [
        ("Asian: make price (all cores) / fused limit", ratios(PRICEN, FUSED_ROW, "asian"), 0.8, ""),
        (f"Asian: make price (all cores) / numpy pool({CORES})", ratios(PRICEN, NPN, "asian"), 3.0, ""),
        (f"European: make price (all cores) / numpy pool({CORES})", ratios(PRICEN, NPN, "european"), 1.0,
         " (aim 2)"),
        ("European: make price (all cores) / fused limit", ratios(PRICEN, FUSED_ROW, "european"),
         0.3, ""),
    ]
    print()
    print(f"{'ratio of paths/s':<50} {'wall':>6} {'(idle est.)':>11}  goal")
    for text, (wall, idle), goal, aim in goals:
        print(f"{text:<50} {wall:5.2f}x {'(' + format(idle, '.2f') + 'x)':>11}  >= {goal:g}{aim}: "
              f"{'met' if wall >= goal else 'NOT met'}")
    if CORES >= 2:
        goal = 1.8 if CORES == 2 else 0.9 * CORES
        for workload in WORKLOADS:
            s = rows[PRICEN, workload]["rate"] / rows[PRICE1, workload]["rate"]
            text = f"{WORKLOADS[workload]['label']}: JOBS={CORES} / JOBS=1"
            print(f"{text:<50} {s:5.2f}x {'':>11}  >= {goal:g}: {'met' if s >= goal else 'NOT met'}")
    # The ceiling: the fused loop on every core at once, with no start-up,
    # no text and no job control, is as fast as make price could be here;
    # a goal above (ceiling / numpy pool) is out of reach on this machine.
    print()
    print(f"{'the ceiling: one fused loop per core':<50} {'wall':>6} {'(idle est.)':>11}")
    for workload in WORKLOADS:
        label = "Asian" if workload == "asian" else "European"
        for text, a, b in ((f"{label}: fused on {CORES} cores / fused on 1 core", FUSEDN, FUSED_ROW),
                           (f"{label}: fused on {CORES} cores / numpy pool({CORES})", FUSEDN, NPN),
                           (f"{label}: make price / fused on {CORES} cores", PRICEN, FUSEDN)):
            wall, idle = ratios(a, b, workload)
            print(f"{text:<50} {wall:5.2f}x {'(' + format(idle, '.2f') + 'x)':>11}")
    ceiling = ratios(FUSEDN, NPN, "asian")[0]
    print(f"Asian, 3x the numpy pool: make price must reach {3.0 / ceiling:.0%} of the ceiling; "
          f"it reached {ratios(PRICEN, FUSEDN, 'asian')[0]:.0%}")
    print()
    print(f"{f'prices agree within {Z_LIMIT:g} standard errors':<50} "
          f"{'yes' if not disagree else 'NO: ' + '; '.join(disagree)}")
    print(f"{f'make price JOBS=1 and JOBS={CORES}: same estimate':<50} yes (identical bits)")

    print()
    print("peak RSS (KiB) of one shard's simpaths | payoff | aggregate, and of the fused")
    print("simpaths --payoff --partial, as PATHS grows:")
    print(f"| {'workload':<21} | {'PATHS':>9} | {'simpaths':>8} | {'payoff':>8} | {'aggregate':>9} "
          f"| {'fused':>8} |")
    print(f"|{'-' * 23}|{'-' * 10}:|{'-' * 9}:|{'-' * 9}:|{'-' * 10}:|{'-' * 9}:|")
    flat = True
    for workload, sizes in (("european", (10 ** 5, 10 ** 6, 10 ** 7)),
                            ("asian", (10 ** 3, 10 ** 4, 10 ** 5))):
        seen = []
        for n in sizes:
            rss = peak_rss(workload, n)
            seen.append(rss)
            print(f"| {WORKLOADS[workload]['label']:<21} | {n:>9} | {rss[0]:>8} | {rss[1]:>8} "
                  f"| {rss[2]:>9} | {rss[3]:>8} |")
        for k in range(4):
            column = [s[k] for s in seen]
            flat = flat and max(column) <= 1.25 * min(column) + 1024
    print(f"{'peak memory flat as PATHS grows 100x':<50} {'met' if flat else 'NOT met'}")
    print(f"\n(bench took {time.perf_counter() - started:.0f} s; load average {loadavg()} at the end)")
    if disagree:
        sys.exit(1)


if __name__ == "__main__":
    main()
