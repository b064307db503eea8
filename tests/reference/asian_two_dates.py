#!/usr/bin/python3
"""asian_two_dates.py S0 K R Q SIGMA T: the exact price of the arithmetic
Asian call and put averaging S_{T/2} and S_T (two monitoring dates) under
Black-Scholes, by one-dimensional quadrature (scipy.integrate.quad).

Given S1 = S_{T/2}, S2 is lognormal, so (S1 + S2)/2 > K is S2 > 2K - S1 and
E[((S1 + S2)/2 - K)^+ | S1] is half a Black-Scholes call on S2 struck at
2K - S1 (undiscounted), or (S1 + E[S2 | S1])/2 - K when 2K - S1 <= 0; the
put by parity: C - P = e^{-rT} (E[A] - K). Integrated over the normal Z1
that makes S1, with both quadrature errors below 1e-10.
Prints "call PRICE" and "put PRICE" with 12 significant digits. The
reference for tests/variance.bats (independent of mcpipe's code: only
scipy's normal CDF and quadrature).
"""
import math
import sys

from scipy import integrate
from scipy.stats import norm


def prices(s0, k, r, q, sigma, t):
    dt = t / 2
    mu = (r - q - sigma * sigma / 2) * dt
    v = sigma * math.sqrt(dt)
    growth = math.exp((r - q) * dt)     # E[S2 | S1] = S1 growth

    def conditional_call(z1):
        s1 = s0 * math.exp(mu + v * z1)
        strike = 2 * k - s1
        forward = s1 * growth
        if strike <= 0:
            return (s1 + forward) / 2 - k
        d1 = (math.log(forward / strike) + v * v / 2) / v
        return 0.5 * (forward * norm.cdf(d1) - strike * norm.cdf(d1 - v))

    def integrand(z1):
        return conditional_call(z1) * norm.pdf(z1)

    call, err = integrate.quad(integrand, -12, 12, epsabs=1e-12, epsrel=1e-12, limit=200)
    assert err < 1e-10, err
    mean_average = s0 * (math.exp((r - q) * dt) + math.exp((r - q) * t)) / 2
    discount = math.exp(-r * t)
    call *= discount
    put = call - discount * (mean_average - k)
    return call, put


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit("usage: asian_two_dates.py S0 K R Q SIGMA T")
    call, put = prices(*map(float, sys.argv[1:]))
    print(f"call {call:.12g}")
    print(f"put {put:.12g}")
