#!/usr/bin/python3
"""discrete_barrier.py [POINTS_PER_SD]: the exact prices of the discretely
monitored knock-outs quoted in tests/pathdep.bats (the barriers' test at
STEPS=252): S0=K=100 r=0.05 q=0.02 sigma=0.25 T=1, 252 equally spaced
monitoring dates t_1..t_n = T, up-and-out call H=140 (out when S >= H on a
date) and down-and-out put H=80 (out when S <= H), no rebate.

Recursive quadrature of the killed transition density of x = ln(S/S0): on
a grid of step h = sigma sqrt(dt)/POINTS_PER_SD (default 40) that ends
exactly at the barrier and reaches 10 sds of x_T beyond the mean on the
other side, the density after each date is the previous one convolved
with the Gaussian step (trapezoid rule, kernel cut at 10 sds), set to zero
beyond the barrier; the price is e^{-rT} times the trapezoid integral of
the payoff against the density at T. The grid point on the barrier keeps
the density's limit from inside (the killing excludes a single point).
Prints the two prices and the knock-ins' (Black-Scholes vanilla minus the
knock-out, in = vanilla - out), to 5 decimals as the test quotes them;
with the default step they agree with twice as fine a grid to 3e-5.
numpy and scipy only: none of mcpipe's code.
"""
import math
import sys

import numpy as np
from scipy.signal import fftconvolve
from scipy.stats import norm

S0, K, R, Q, SIGMA, T, N = 100.0, 100.0, 0.05, 0.02, 0.25, 1.0, 252


def knock_out(barrier, up, points_per_sd):
    dt = T / N
    mu, sd = (R - Q - SIGMA ** 2 / 2) * dt, SIGMA * math.sqrt(dt)
    h = sd / points_per_sd
    b = math.log(barrier / S0)
    far = (R - Q - SIGMA ** 2 / 2) * T + (-10 if up else 10) * SIGMA * math.sqrt(T)
    count = int(math.ceil(abs(b - far) / h)) + 1
    # x ascending; the barrier is the last point (up) or the first (down)
    x = b - h * np.arange(count)[::-1] if up else b + h * np.arange(count)
    cut = int(math.ceil(10 * sd / h))
    kernel = norm.pdf((np.arange(-cut, cut + 1) * h - mu) / sd) / sd
    weights = np.full(count, h)
    weights[0] = weights[-1] = h / 2
    density = norm.pdf((x - mu) / sd) / sd          # after the first date
    for _ in range(N - 1):
        # the barrier point: its value is the limit from inside, so keep it
        density = fftconvolve(density * weights, kernel, mode="same")
    s = S0 * np.exp(x)
    payoff = np.maximum(s - K, 0) if up else np.maximum(K - s, 0)
    return math.exp(-R * T) * float(np.sum(weights * density * payoff))


def vanilla(call):
    f, v = S0 * math.exp((R - Q) * T), SIGMA * math.sqrt(T)
    d1 = (math.log(f / K) + v * v / 2) / v
    d2 = d1 - v
    if call:
        return math.exp(-R * T) * (f * norm.cdf(d1) - K * norm.cdf(d2))
    return math.exp(-R * T) * (K * norm.cdf(-d2) - f * norm.cdf(-d1))


if __name__ == "__main__":
    points = float(sys.argv[1]) if len(sys.argv) > 1 else 40
    up_out = knock_out(140, True, points)
    down_out = knock_out(80, False, points)
    print(f"up-and-out-call {up_out:.5f}")
    print(f"up-and-in-call {vanilla(True) - up_out:.5f}")
    print(f"down-and-out-put {down_out:.5f}")
    print(f"down-and-in-put {vanilla(False) - down_out:.5f}")
