#!/usr/bin/python3
# quantlib_heston_speed: QuantLib's AnalyticHestonEngine (Debian's
# quantlib-python) on a surface file's quotes, the peer of
# bench/heston-speed: the same out-of-the-money options, each maturity's
# zero rate as a flat curve (the same discount factor), Actual/365 Fixed.
#
# usage: quantlib_heston_speed.py SURFACE ENGINE REPEAT V0 KAPPA THETA XI RHO
# ENGINE: laguerre (Gauss-Laguerre, 144 nodes, QuantLib's default) or
# lobatto (adaptive Gauss-Lobatto, relative tolerance 1e-8).
# Prints "# seconds=S prices=N" (NPV calls only), then each price, in the
# order of bench/heston-speed (maturity, rate, strike).
import math
import sys
import time

import QuantLib as ql

path, engine_name, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
v0, kappa, theta, xi, rho = map(float, sys.argv[4:9])
meta, rows, header = {}, [], None
for line in open(path):
    if line.startswith("#"):
        for word in line[1:].split():
            if "=" in word:
                k, v = word.split("=", 1)
                meta[k] = v
        continue
    f = line.split()
    if not f:
        continue
    if header is None:
        header = f
        continue
    rows.append(dict(zip(header, f)))
s0, q = float(meta["s0"]), float(meta.get("q", 0))
quotes = sorted((float(r["maturity"]), float(r.get("rate", meta.get("r"))), float(r["strike"]))
                for r in rows)

today = ql.Date(5, ql.July, 2002)
ql.Settings.instance().evaluationDate = today
dc = ql.Actual365Fixed()
spot = ql.QuoteHandle(ql.SimpleQuote(s0))
qts = ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc))
options, models = [], {}
for T, r, K in quotes:
    days = round(T * 365)
    if abs(days / 365 - T) > 1e-12:
        sys.exit("quantlib_heston_speed: maturity %r is not a whole number of days" % T)
    if (T, r) not in models:
        rts = ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc, ql.Continuous))
        model = ql.HestonModel(ql.HestonProcess(rts, qts, spot, v0, kappa, theta, xi, rho))
        if engine_name == "laguerre":
            eng = ql.AnalyticHestonEngine(model, 144)
        else:
            eng = ql.AnalyticHestonEngine(model, 1e-8, 100000)
        models[(T, r)] = eng
    F = s0 * math.exp((r - q) * T)
    opt = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Call if K >= F else ql.Option.Put, K),
                           ql.EuropeanExercise(today + days))
    opt.setPricingEngine(models[(T, r)])
    options.append(opt)
prices = []
start = time.perf_counter()
for _ in range(repeat):
    for opt in options:
        opt.recalculate()
    prices = [opt.NPV() for opt in options]
seconds = time.perf_counter() - start
print("# seconds=%.6f prices=%d" % (seconds, repeat * len(options)))
for p in prices:
    print("%.17g" % p)
