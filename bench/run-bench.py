#!/usr/bin/env python3
"""run-bench.py: the `make bench` job (issues 5 and 20). Run from the checkout's root.

Workloads: the European call (S0 = K = 100, r = 0.05, q = 0, sigma = 0.2,
T = 1) and the arithmetic Asian call on 252 dates under GBM, and the
European call under Heston (V0 = 0.04, kappa = 1.5, theta = 0.04,
xi = 0.3, rho = -0.7) at 32 QE steps of 1/32 year. It measures paths per
second of
  - the fused C loop (build/bench/fused, GBM only): one core, no text, the
    limit; and one such loop per core, each on its own range of the paths:
    the rate all cores reach with no start-up, no text and no job control,
    the ceiling of `make price` on this machine;
  - the peers: numpy written well (bench/numpy_peer.py, its choices
    measured by bench/numpy-variants.py), in 1 process and in a
    ProcessPoolExecutor of one process per core, and on GBM the peer the
    bench had before issue 20 ("old numpy peer", its pool); the strongest
    peer of a workload is the fastest of these rows in the run;
  - `make price` with JOBS=1 and JOBS=<all cores>, timed from outside
    (the whole command: setup, GNU parallel, every shard, the summary),
    with its shards fused (simpaths --payoff --partial, the default) and,
    on all cores, through the text pipeline (FUSED=0); on Heston, JOBS=<all
    cores> only, and only when `simpaths --help` lists the heston model,
then prints the table, issue 20's ratios against the strongest peer and
the fused ceiling and whether each goal is met, the Heston estimates
against QuantLib's closed form (where quantlib-python is installed), and
the peak RSS of simpaths, payoff and aggregate as PATHS grows, and of the
fused simpaths.

paths/s is wall-clock, as the goals are stated. The table also shows the CPU
seconds of each run (user + sys of the command and everything it started),
and paths per CPU second: on a machine shared with other work, wall-clock
rates swing with the load, CPU rates much less. The ratios are also given
from CPU time ("idle-machine estimate": rate per CPU second times the cores
the implementation uses).

Each measurement is sized to take at least 0.7 x BENCH_SECONDS (default 2),
of wall time and of CPU time per core it uses, by growing PATHS from a
short run (on a loaded machine a run then takes longer, but does the work
it would do on an idle one); the sizing runs are not kept. Then a
workload's rows are measured at those sizes in BENCH_ROUNDS (default 5)
interleaved rounds: round r runs each of the workload's rows once,
starting at its r-th row, backwards every other round (a row's place in
the round and the row before it change), so that the rows a ratio compares are measured
seconds apart, and a slow minute of this guest hits every row of a round
rather than all runs of one. Every row that enters a ratio (the fused
loops, every peer, make price JOBS=1 and JOBS=<all cores>) runs in every
round; the text pipeline (FUSED=0), in no ratio, runs in the first
BENCH_REPEAT (default 3) rounds only. Each row shows the median of its
runs' wall times and their min and max (its spread); the ratios and the
goals' verdicts are from the medians (paths / median wall), and beside
them the ratio from each row's fastest run (paths / min wall). make
price runs after `make all`, so no rebuild is timed; JOBS=1 runs the PATHS
sized for all cores, and must give the same bits. Environment: MAKE (the
make to call), BENCH_PYTHON (the python3 with numpy), FUSED_LOOP (the fused
loop's binary), BENCH_SECONDS, BENCH_ROUNDS, BENCH_REPEAT, BENCH_Z (the prices must agree
within this many standard errors, default 4), BENCH_ROWS (all, the
default, or ceiling: only the fused loops and make price JOBS=<all cores>
on the GBM workloads, and their ratios: issue 20's ceiling goal in a
fraction of the time), each checked before any work (exit 2). Exit status 0 whether or not the goals are met; 1 if a run
fails or the prices disagree.
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
# the Heston limit (bench/fused-heston.c: model.c's QE walk in one loop)
FUSED_HESTON = os.environ.get("FUSED_HESTON", "build/bench/fused-heston")


def setting(name, default, parse, valid, what):
    """An environment variable, checked before any work: exit 2 if bad."""
    text = os.environ.get(name, default)
    try:
        value = parse(text)
    except ValueError:
        value = None
    if value is None or not valid(value):
        print(f"run-bench: {name}={text}: {what}", file=sys.stderr)
        sys.exit(2)
    return value


SECONDS = setting("BENCH_SECONDS", "2", float, lambda v: 0.001 <= v <= 3600,
                  "not a number of seconds from 0.001 to 3600")
# the interleaved rounds of every row in a ratio, and the runs of the rows
# in none (the text pipeline: its first BENCH_REPEAT rounds)
ROUNDS = setting("BENCH_ROUNDS", "5", int, lambda v: 1 <= v <= 100,
                 "not a whole number from 1 to 100")
REPEAT = setting("BENCH_REPEAT", "3", int, lambda v: 1 <= v <= 100,
                 "not a whole number from 1 to 100")
# Prices must agree within this many standard errors (tests/bench.bats
# raises it: with its tiny runs and many comparisons, 4 would fail a run
# now and then by chance).
Z_LIMIT = setting("BENCH_Z", "4", float, lambda v: 1 <= v <= 100, "not a number from 1 to 100")
ROWS = setting("BENCH_ROWS", "all", str, lambda v: v in ("all", "ceiling"), "not all or ceiling")
SEED = 20261127
CORES = os.cpu_count() or 1
WORKLOADS = {
    "european": {"label": "European call", "STEPS": "1", "PAYOFF": "call"},
    "asian": {"label": "Asian call, 252 steps", "STEPS": "252", "PAYOFF": "asian-call-arith"},
    # issue 20's Heston European: 32 QE steps of 1/32 year (numpy_peer.py's
    # parameters; DESIGN.md's variables)
    "heston": {"label": "Heston call, dt 1/32", "STEPS": "1", "PAYOFF": "call",
               "MODEL": ["MODEL=heston", "V0=0.04", "KAPPA=1.5", "THETA=0.04", "XI=0.3",
                         "RHO=-0.7", "SUBSTEPS=32"]},
}
GBM = ("european", "asian")
# issue 20's goals: make price / the strongest peer, per workload
PEER_GOALS = {"european": 1.2, "asian": 2.5, "heston": 3.0}
CEILING_GOAL = 0.85   # make price / the fused loop on every core, GBM workloads
NAME_W = 24           # the implementation column's width
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

def fused_loop(workload):
    return FUSED_HESTON if workload == "heston" else FUSED_LOOP


def fused(workload, paths):
    out, _, cpu = run([fused_loop(workload), workload, str(paths), str(SEED)])
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
    procs = [subprocess.Popen([fused_loop(workload), workload, str(n), str(SEED), str(first)],
                              stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
             for n, first in zip(shares, firsts)]
    outs = [p.communicate()[0] for p in procs]
    seconds = time.perf_counter() - start
    cpu = children_cpu() - cpu
    if any(p.returncode != 0 for p in procs):
        fail(f"{fused_loop(workload)} {workload}: one of the {CORES} loops failed")
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


def numpy_peer(workers, *options):
    def measure(workload, paths):
        # (make bench runs this script without OPENBLAS_CORETYPE and
        # OPENBLAS_L2_SIZE, which slow a current OpenBLAS: mk/bench.mk)
        out, _, cpu = run([PYTHON, "bench/numpy_peer.py", workload, str(paths), str(workers),
                           str(SEED), *options])
        f = out.split("\t")
        return float(f[3]), cpu, float(f[5]), float(f[6])
    return measure


def make_price(jobs, fused=1):
    def measure(workload, paths):
        with tempfile.TemporaryDirectory(prefix="mcpipe-bench.") as out:
            w = WORKLOADS[workload]
            argv = [MAKE, "-s", "--no-print-directory", "price", f"PATHS={paths}",
                    f"JOBS={jobs}", f"STEPS={w['STEPS']}", f"PAYOFF={w['PAYOFF']}",
                    f"SEED={SEED}", f"OUT={out}", f"FUSED={fused}", *w.get("MODEL", [])]
            _, seconds, cpu = run(argv)
            with open(os.path.join(out, "price.tsv")) as f:
                rows = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")]
            price = next(r for r in rows if r[0] == "price")
            return seconds, cpu, float(price[1]), float(price[2])
    return measure


def size(fn, workload, guess, cores):
    """Grows PATHS until a run takes about SECONDS (fixed costs, such as make
    price's start-up, make a short run a poor predictor), counted in the
    CPU seconds the run's cores would give it on an idle machine (its CPU
    seconds / cores): on a machine others load, a run sized by its wall
    time alone gets a fraction of its cores and does too little work, and
    make price's fixed costs then weigh too much. Returns PATHS and the
    result of the run at that size."""
    paths = guess
    result = fn(workload, paths)
    while min(result[0], result[1] / cores) < 0.7 * SECONDS:
        done = max(min(result[0], result[1] / cores), 1e-3)
        paths = nice(paths * min(20.0, 1.1 * SECONDS / done))
        result = fn(workload, paths)
    return paths, result


def spread(values):
    """(median, min, max) of a row's run times. The ratios and goals use the
    median: a run that a neighbour's burst on this guest slowed (or a lucky
    one) moves it less than it moves a mean, and not at all while fewer
    than half the runs are hit; the min, the row's fastest run, is shown
    beside it."""
    values = sorted(values)
    return statistics.median(values), values[0], values[-1]


def row_of(name, cores, workload, paths, results):
    """The row of one implementation's runs at `paths`, each (wall s, CPU s,
    price, stderr): its rate from the median wall time, its best rate from
    the fastest run, the spread, and the median CPU time."""
    wall, fastest, slowest = spread([r[0] for r in results])
    cpu = statistics.median(r[1] for r in results)
    row = {"name": name, "cores": cores, "workload": workload, "paths": paths,
           "seconds": wall, "min": fastest, "max": slowest, "runs": len(results),
           "rate": paths / wall, "best": paths / fastest, "cpu": cpu, "cpu_rate": paths / cpu,
           "price": results[-1][2], "stderr": results[-1][3]}
    print(f"  {name:<24} {workload:<9} {paths:>11} paths {wall:7.2f} s "
          f"({fastest:.2f}-{slowest:.2f}, {len(results)} runs) "
          f"{row['rate']:10.3g} paths/s {cpu:7.2f} CPU s", file=sys.stderr, flush=True)
    return row


def ratio(a, b):
    """Row a's paths/s over row b's: from their medians (what the goals'
    verdicts use), from their fastest runs, and the idle-machine estimate
    (paths per median CPU second times the cores each uses)."""
    return (a["rate"] / b["rate"], a["best"] / b["best"],
            a["cpu_rate"] * a["cores"] / (b["cpu_rate"] * b["cores"]))


def ratio_text(text, r, goal=None):
    """A line of the ratios: the median's, the fastest runs' and the idle
    estimate's (None: not shown), and the goal's verdict on the median."""
    med, best, idle = r
    line = (f"{text:<50} {med:5.2f}x {'(' + format(best, '.2f') + 'x)':>9} "
            f"{'' if idle is None else '(' + format(idle, '.2f') + 'x)':>11}")
    if goal is None:
        return line
    return f"{line}  >= {goal:g}: {'met' if med >= goal else 'NOT met'}"


def interleave(group, rounds):
    """Measures a workload's rows, each [name, cores, fn, workload, paths,
    runs wanted, results], in rounds: round r runs once each row that wants
    more runs, starting from the r-th row, in reverse order every other
    round, so that a row's place in the round and the row run before it
    change from round to round. Rows compared in a ratio are then measured
    seconds apart in every round, and a slow minute of the guest falls on
    all of a round's rows, not on all runs of one row."""
    for r in range(rounds):
        k = r % len(group)
        order = group[k:] + group[:k]
        if r % 2:
            order.reverse()
        print(f"  round {r + 1}/{rounds}: {group[0][3]}", file=sys.stderr, flush=True)
        for name, cores, fn, workload, paths, wanted, results in order:
            if len(results) < wanted:
                results.append(fn(workload, paths))


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


def heston_available():
    """Whether simpaths has the heston model (issue 15, engineer h15's work):
    the bench's Heston row of make price appears by itself when it does."""
    p = subprocess.run([os.path.join(ROOT, "build/bin/simpaths"), "--help"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return "heston" in p.stdout


def heston_closed_form():
    """The Heston call's value by QuantLib's AnalyticHestonEngine (Debian's
    quantlib-python), or None where it is not installed."""
    code = ("import QuantLib as ql\n"
            "d = ql.Date(1, 1, 2026); ql.Settings.instance().evaluationDate = d\n"
            "dc = ql.Actual365Fixed()\n"
            "curve = lambda r: ql.YieldTermStructureHandle(ql.FlatForward(d, r, dc))\n"
            "p = ql.HestonProcess(curve(0.05), curve(0.0), ql.QuoteHandle(ql.SimpleQuote(100)),"
            " 0.04, 1.5, 0.04, 0.3, -0.7)\n"
            "o = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Call, 100),"
            " ql.EuropeanExercise(d + 365))\n"
            "o.setPricingEngine(ql.AnalyticHestonEngine(ql.HestonModel(p)))\n"
            "print(repr(o.NPV()))\n")
    p = subprocess.run([PYTHON, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       text=True)
    return float(p.stdout) if p.returncode == 0 else None


def ratio_header(title, goal=""):
    return f"{title:<50} {'median':>6} {'(fastest)':>9} {'(idle est.)':>11}  {goal}".rstrip()


METHOD = ("ratios of paths/s: 'median' from each row's median wall time (the goals' "
          "verdicts), '(fastest)' from each row's fastest run, '(idle est.)' from CPU time")


def ceiling_only(rows):
    """BENCH_ROWS=ceiling: make price against the fused loops on every core
    (issue 20's 0.85x), and the estimates against the fused loop's."""
    print()
    print(METHOD)
    print(ratio_header("ratio of paths/s", "goal"))
    bad = []
    for workload in GBM:
        p, f, one = (rows[f"make price JOBS={CORES}", workload],
                     rows[f"fused C loop, {CORES} cores", workload],
                     rows["fused C loop, 1 core", workload])
        text = f"{workload.capitalize()}: make price / fused on {CORES} cores"
        print(ratio_text(text, ratio(p, f), CEILING_GOAL))
        z = (p["price"] - one["price"]) / (p["stderr"] ** 2 + one["stderr"] ** 2) ** 0.5
        if abs(z) > Z_LIMIT:
            bad.append(f"{workload}: z = {z:.1f}")
    print(f"{f'prices agree within {Z_LIMIT:g} standard errors':<50} "
          f"{'yes' if not bad else 'NO: ' + '; '.join(bad)}")
    print(f"(load average {loadavg()} at the end)")
    if bad:
        sys.exit(1)


def main():
    if not os.access(FUSED_LOOP, os.X_OK):
        fail(f"{FUSED_LOOP}: not built (make bench builds it)")
    started = time.perf_counter()
    gcc = subprocess.run(["cc", "--version"], stdout=subprocess.PIPE, text=True).stdout.splitlines()[0]
    numpy_version = subprocess.run([PYTHON, "-c", "import numpy; print(numpy.__version__)"],
                                   stdout=subprocess.PIPE, text=True).stdout.strip()
    run([MAKE, "-s", "--no-print-directory", "all"])   # so that no make price rebuilds a tool
    heston = heston_available()
    print(f"machine: {cpu_model()}, nproc {CORES}; load average {loadavg()} at the start")
    print(f"compiler: {gcc}; numpy {numpy_version} ({PYTHON}); "
          f"each row sized to at least {0.7 * SECONDS:g} s of wall and of CPU per core, then run in "
          f"{ROUNDS} interleaved rounds (the text pipeline in {min(REPEAT, ROUNDS)}); "
          "wall s: the median, min-max: the fastest and slowest run")
    print("measuring...", file=sys.stderr, flush=True)

    FUSED_ROW, FUSEDN, NP1, NPN, OLDN, PRICE1, PRICEN, TEXTN = (
        "fused C loop, 1 core", f"fused C loop, {CORES} cores", "numpy, 1 process",
        f"numpy, ProcessPool({CORES})", f"old numpy peer, pool({CORES})", "make price JOBS=1",
        f"make price JOBS={CORES}", f"... FUSED=0 JOBS={CORES}")
    PEERS = (NP1, NPN, OLDN)
    guesses = {"european": (2000000, 1000000, 2000000), "asian": (20000, 4000, 40000),
               "heston": (20000, 20000, 100000)}
    # Per workload: first each row's size, sized to take SECONDS (JOBS=1
    # runs the PATHS of all cores, so the same bits, for the speedup; the
    # text pipeline is sized on its own, being slower). Then interleaved
    # rounds of one run of every row: the guest's speed moves from minute
    # to minute (its neighbours; the same 2-core fused run took 1.9 to 3.9
    # s back to back, bench/RESULTS.md, "Noise"), and rows measured side
    # by side in each round move together, so the medians' ratios hold
    # better than if each row's runs were done in one go.
    plan = []   # [name, cores, fn, workload, paths, runs wanted, results]
    for workload in WORKLOADS:
        g_fused, g_numpy, g_price = guesses[workload]
        if ROWS == "ceiling":   # the fused loops and make price alone
            if workload not in GBM:
                continue
            rows = ((FUSED_ROW, 1, fused, g_fused), (FUSEDN, CORES, fused_all_cores, g_fused),
                    (PRICEN, CORES, make_price(CORES), g_price))
        elif workload in GBM:
            rows = ((FUSED_ROW, 1, fused, g_fused), (FUSEDN, CORES, fused_all_cores, g_fused),
                    (NP1, 1, numpy_peer(1), g_numpy), (NPN, CORES, numpy_peer(CORES), g_numpy),
                    (OLDN, CORES, numpy_peer(CORES, "--old"), g_numpy // 2),
                    (PRICEN, CORES, make_price(CORES), g_price),
                    (TEXTN, CORES, make_price(CORES, fused=0), g_price // 4))
        else:
            rows = ((NP1, 1, numpy_peer(1), g_numpy), (NPN, CORES, numpy_peer(CORES), g_numpy))
            if os.access(FUSED_HESTON, os.X_OK):
                rows = ((FUSED_ROW, 1, fused, g_fused),
                        (FUSEDN, CORES, fused_all_cores, g_fused)) + rows
            if heston:
                rows += ((PRICEN, CORES, make_price(CORES), g_price),)
        group = []
        for name, cores, fn, guess in rows:
            paths, _ = size(fn, workload, guess, cores)   # the sizing run is not kept
            # the text pipeline is in no ratio: fewer rounds
            group.append([name, cores, fn, workload, paths,
                          min(REPEAT, ROUNDS) if name == TEXTN else ROUNDS, []])
            if name == PRICEN and workload in GBM and ROWS == "all":
                group.append([PRICE1, 1, make_price(1), workload, paths, ROUNDS, []])
        interleave(group, ROUNDS)
        plan += group
    rows = {(name, workload): row_of(name, cores, workload, paths, results)
            for name, cores, fn, workload, paths, wanted, results in plan}
    for workload in GBM:
        if ROWS == "ceiling":
            break
        one, allcores = rows[PRICE1, workload], rows[PRICEN, workload]
        if (one["price"], one["stderr"]) != (allcores["price"], allcores["stderr"]):
            fail(f"{workload}: make price gives {one['price']} with JOBS=1, {allcores['price']} "
                 f"with JOBS={CORES}")
    order = (FUSED_ROW, FUSEDN, NP1, NPN, OLDN, PRICE1, PRICEN, TEXTN)

    print()
    print(f"| {'implementation':<{NAME_W}} | {'workload':<21} | {'paths':>9} | {'wall s':>6} "
          f"| {'min-max':>11} | {'paths/s':>8} | {'CPU s':>6} | {'paths/CPU s':>11} "
          f"| {'price ± stderr':<17} |")
    print(f"|{'-' * (NAME_W + 2)}|{'-' * 23}|{'-' * 10}:|{'-' * 7}:|{'-' * 12}:|{'-' * 9}:|{'-' * 7}:"
          f"|{'-' * 12}:|{'-' * 19}|")
    for workload, w in WORKLOADS.items():
        for name in order:
            if (name, workload) not in rows:
                continue
            r = rows[name, workload]
            print(f"| {name:<{NAME_W}} | {w['label']:<21} | {r['paths']:>9} | {r['seconds']:6.2f} "
                  f"| {format(r['min'], '.2f') + '-' + format(r['max'], '.2f'):>11} "
                  f"| {r['rate']:8.3g} | {r['cpu']:6.2f} | {r['cpu_rate']:11.3g} "
                  f"| {r['price']:7.4f} ± {r['stderr']:.4f} |")
    if not heston:
        print(f"(no make price row for {WORKLOADS['heston']['label']}: build/bin/simpaths --help "
              "lists no heston model yet; the row appears when it does)")
    if ROWS == "ceiling":
        ceiling_only(rows)
        return

    # Prices agree within errors: on GBM each against the fused estimate
    # (the same paths as make price, other paths for numpy), on Heston
    # against numpy's pool (QE at the same steps: the same bias).
    disagree = []
    for workload in WORKLOADS:
        ref_name = FUSED_ROW if workload in GBM else NPN
        ref = rows[ref_name, workload]
        for name in order:
            if name == ref_name or (name, workload) not in rows:
                continue
            r = rows[name, workload]
            z = (r["price"] - ref["price"]) / (r["stderr"] ** 2 + ref["stderr"] ** 2) ** 0.5
            if abs(z) > Z_LIMIT:
                disagree.append(f"{name} {workload}: z = {z:.1f} against {ref_name}")

    def ratios(a, b, workload):
        return ratio(rows[a, workload], rows[b, workload])

    # The strongest peer of each workload: the fastest of the peers' rows
    # in this run, by each statistic on its own (every peer measured as
    # mcpipe is): by median paths/s, by its fastest run, and by paths per
    # CPU second times its cores (on a loaded machine these can differ:
    # one process may get as much wall time as two).
    def peers(workload):
        return [rows[n, workload] for n in PEERS if (n, workload) in rows]

    def strongest(workload, key):
        return max(peers(workload), key=key)["name"]
    by_median = lambda r: r["rate"]
    by_fastest = lambda r: r["best"]
    by_idle = lambda r: r["cpu_rate"] * r["cores"]

    def ratios_peer(a, workload):
        """a against the strongest peer, each statistic against the peer
        strongest by it."""
        ra = rows[a, workload]
        return tuple(k(ra) / max(k(r) for r in peers(workload))
                     for k in (by_median, by_fastest, by_idle))
    short = {"european": "European", "asian": "Asian", "heston": "Heston"}
    print()
    print("the strongest peer of each workload (the numpy row of the highest median paths/s):")
    for workload in WORKLOADS:
        print(f"  {short[workload]:<9} {strongest(workload, by_median)} "
              f"(fastest run: {strongest(workload, by_fastest)}; "
              f"idle est.: {strongest(workload, by_idle)})")
    print()
    print(METHOD)
    print(ratio_header("ratio of paths/s (issue 20 goals)", "goal"))
    for workload in WORKLOADS:
        text = f"{short[workload]}: make price / strongest peer"
        if (PRICEN, workload) in rows:
            print(ratio_text(text, ratios_peer(PRICEN, workload), PEER_GOALS[workload]))
        else:
            print(f"{text:<50} {'n/a':>6} {'':>9} {'':>11}  >= {PEER_GOALS[workload]:g}: NOT met "
                  "(no heston in simpaths yet)")
    for workload in GBM:
        print(ratio_text(f"{short[workload]}: make price / fused on {CORES} cores",
                         ratios(PRICEN, FUSEDN, workload), CEILING_GOAL))
    if CORES >= 2:
        goal = 1.8 if CORES == 2 else 0.9 * CORES
        for workload in GBM:
            med, best, _ = ratios(PRICEN, PRICE1, workload)
            print(ratio_text(f"{WORKLOADS[workload]['label']}: JOBS={CORES} / JOBS=1",
                             (med, best, None), goal))
    # The ceiling: the fused loop on every core at once, with no start-up,
    # no text and no job control, is as fast as make price could be here;
    # a goal above (ceiling / strongest peer) is out of reach on this machine.
    print()
    print(ratio_header("the ceiling: one fused loop per core"))
    for workload in GBM:
        label = short[workload]
        old = tuple(k(max(peers(workload), key=k)) / k(rows[OLDN, workload])
                    for k in (by_median, by_fastest, by_idle))
        for text, r in (
                (f"{label}: fused on {CORES} cores / fused on 1 core", ratios(FUSEDN, FUSED_ROW, workload)),
                (f"{label}: fused on {CORES} cores / strongest peer", ratios_peer(FUSEDN, workload)),
                (f"{label}: strongest peer / old numpy peer", old)):
            print(ratio_text(text, r))
    if (FUSEDN, "heston") in rows:
        # the Heston limit: model.c's QE walk fused, the same normals as
        # make price (bench/fused-heston.c); issue 15/20's goal is 3x the peer
        pairs = [("Heston: fused on {} cores / fused on 1 core".format(CORES),
                  ratios(FUSEDN, FUSED_ROW, "heston")),
                 ("Heston: fused on {} cores / strongest peer".format(CORES),
                  ratios_peer(FUSEDN, "heston"))]
        if (PRICEN, "heston") in rows:
            pairs.append(("Heston: make price / fused on {} cores".format(CORES),
                          ratios(PRICEN, FUSEDN, "heston")))
        for text, r in pairs:
            print(ratio_text(text, r))
    for workload in GBM:
        ceiling = ratios_peer(FUSEDN, workload)[0]
        goal = PEER_GOALS[workload]
        print(f"{short[workload]}, {goal:g}x the strongest peer: make price must reach "
              f"{goal / ceiling:.0%} of the ceiling; it reached {ratios(PRICEN, FUSEDN, workload)[0]:.0%}")
    print()
    print(f"{f'prices agree within {Z_LIMIT:g} standard errors':<50} "
          f"{'yes' if not disagree else 'NO: ' + '; '.join(disagree)}")
    print(f"{f'make price JOBS=1 and JOBS={CORES}: same estimate':<50} yes (identical bits)")
    exact = heston_closed_form()
    if exact is None:
        print(f"{'Heston closed form (QuantLib)':<50} n/a (quantlib-python is not installed)")
    else:
        for name in (NPN, PRICEN):
            if (name, "heston") in rows:
                r = rows[name, "heston"]
                z = (r["price"] - exact) / r["stderr"]
                print(f"{f'Heston: {name} against the closed form':<50} {exact:.4f}, z = {z:+.1f}")

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
