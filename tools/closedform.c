/* closedform: the analytic price of an option under geometric Brownian
 * motion, and of European calls and puts under Heston's and Merton's models.
 *
 * The reference the Monte Carlo tools are checked against: it takes the same
 * model and payoff options as simpaths and payoff and prints the price (and,
 * where they are cheap and exact, the Greeks) from closed-form formulas.
 * Where no closed form exists it says so and exits 3; where only an
 * approximation exists (discretely monitored barriers) it labels the row
 * with the approximation it used.
 *
 * Model: dS = (r - q) S dt + sigma S dW under the pricing measure. Monitoring
 * dates t_i = i T / steps, i = 1..steps. Sources are cited at each formula;
 * "Haug" is E. G. Haug, The Complete Guide to Option Pricing Formulas,
 * 2nd ed., McGraw-Hill 2007. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "heston.h"
#include "lognormal.h"
#include "merton.h"
#include "numtext.h"
#include "opts.h"

#define EXIT_NO_FORM 3

/* Broadie, Glasserman and Kou's continuity correction constant,
 * beta = -zeta(1/2) / sqrt(2 pi) (Math. Finance 7, 1997, p. 325). */
#define BGK_BETA 0.5825971579390107

/* Discrete lookbacks up to this many dates are priced exactly, in
 * O(steps^2) time (10^4: about 0.1 s); beyond, approximately. */
#define SPITZER_MAX 10000

#define SQRT_2PI 2.5066282746310002     /* sqrt(2 pi) */

static const char synopsis[] =
	"closedform [-K strike] [-p payoff] [-q yield] [-r rate] [-T maturity]\n"
	"                  [--barrier level] [--rebate amount] [--s0 spot]\n"
	"                  [--sigma vol] [--steps n] [--model name]\n"
	"                  [--v0 var] [--kappa rate] [--theta var] [--xi volvol] [--rho corr]\n"
	"                  [--lambda intensity] [--mu-j mean] [--delta-j sd]";

enum family { VANILLA, DIGITAL, ASIAN_GEO, ASIAN_ARITH, AMERICAN, BARRIER, LOOKBACK };

/* DESIGN.md's payoff names. phi is +1 for calls, -1 for puts; barrier is
 * +1 for an up barrier, -1 for a down one. */
static const struct payoff {
	const char *name;
	enum family family;
	int phi;
	int barrier;
	bool knock_in;
} payoffs[] = {
	{ "call", VANILLA, 1, 0, false },
	{ "put", VANILLA, -1, 0, false },
	{ "digital-call", DIGITAL, 1, 0, false },
	{ "digital-put", DIGITAL, -1, 0, false },
	{ "asian-call-arith", ASIAN_ARITH, 1, 0, false },
	{ "asian-put-arith", ASIAN_ARITH, -1, 0, false },
	{ "asian-call-geo", ASIAN_GEO, 1, 0, false },
	{ "asian-put-geo", ASIAN_GEO, -1, 0, false },
	{ "up-and-out-call", BARRIER, 1, 1, false },
	{ "down-and-out-put", BARRIER, -1, -1, false },
	{ "up-and-in-call", BARRIER, 1, 1, true },
	{ "down-and-in-put", BARRIER, -1, -1, true },
	{ "lookback-call-float", LOOKBACK, 1, 0, false },
	{ "lookback-put-float", LOOKBACK, -1, 0, false },
	{ "american-put", AMERICAN, -1, 0, false },
	{ "american-call", AMERICAN, 1, 0, false },
};

struct model {
	double s0, r, q, sigma, T, strike, barrier, rebate;
	int64_t steps;
};

/* The output table: name, value, kind. */
static struct row {
	const char *name;
	double value;
	const char *kind;
} rows[8];
static int nrows;

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Print the closed-form price of an option under geometric Brownian motion.\n\n"
	       "      --s0 X          spot price, positive (default 100)\n"
	       "  -r, --rate X        continuous interest rate (default 0.05)\n"
	       "  -q, --yield X       continuous dividend yield (default 0)\n"
	       "      --sigma X       volatility, not negative (default 0.2)\n"
	       "  -T, --maturity X    years to expiry, positive (default 1)\n"
	       "      --steps N       monitoring dates i*T/N, i = 1..N (default 1)\n"
	       "  -p, --payoff NAME   payoff (default call)\n"
	       "  -K, --strike X      strike, positive (default 100)\n"
	       "      --barrier X     barrier level, required by barrier payoffs\n"
	       "      --rebate X      paid at expiry if knocked out or never knocked in\n"
	       "                      (default 0)\n"
	       "      --model NAME    gbm (default), heston or merton\n"
	       "      --v0 X          heston: initial variance (default 0.04)\n"
	       "      --kappa X       heston: mean-reversion rate (default 1.5)\n"
	       "      --theta X       heston: long-run variance (default 0.04)\n"
	       "      --xi X          heston: volatility of variance (default 0.3)\n"
	       "      --rho X         heston: correlation, in [-1, 1] (default -0.7)\n"
	       "      --lambda X      merton: jumps per year (default 1)\n"
	       "      --mu-j X        merton: mean log jump (default -0.1)\n"
	       "      --delta-j X     merton: sd of the log jump (default 0.15)\n"
	       "  -h, --help          show this help\n"
	       "  -V, --version       show the version\n\n"
	       "Payoffs: call put digital-call digital-put asian-call-geo asian-put-geo\n"
	       "  asian-call-arith asian-put-arith up-and-out-call up-and-in-call\n"
	       "  down-and-out-put down-and-in-put lookback-call-float lookback-put-float\n"
	       "  american-call american-put. Exit status 3: no closed form exists\n"
	       "  (arithmetic Asians, American options where early exercise may pay;\n"
	       "  under heston and merton every payoff but call and put).\n\n"
	       "Output: a metadata line, a header 'name value kind', then rows price,\n"
	       "delta, gamma, vega, rho, theta (theta = -dV/dT, per year) where known;\n"
	       "barriers and lookbacks give price (discrete monitoring) and\n"
	       "price-continuous; under heston and merton the Greeks are central\n"
	       "differences of the closed form (vega: d/dV0 under heston). Kinds: exact,\n"
	       "continuous, approx-bgk, difference.\n",
	       synopsis);
	finish_output();
	exit(0);
}

/* "tool: what" then exit 3: the payoff is valid but has no closed form. */
static _Noreturn __attribute__((format(printf, 1, 2)))
void no_closed_form(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_NO_FORM);
}

static void add_row(const char *name, double value, const char *kind)
{
	rows[nrows++] = (struct row){ name, value, kind };
}

/* --- the normal distribution ------------------------------------------- */

static double npdf(double x)
{
	return exp(-0.5 * x * x) / SQRT_2PI;
}

/* log N(x), accurate where N(x) underflows: below -35 the asymptotic series
 * N(x) ~ n(x)/|x| (1 - 1/x^2 + 3/x^4 - ...) (Abramowitz & Stegun 26.2.12),
 * whose terms after the seventh are below 3e-16 there. */
static double log_ncdf(double x)
{
	if (x > 0)
		return log1p(-normal_cdf(-x));
	if (x > -35)
		return log(normal_cdf(x));
	double z = 1 / (x * x), series = 1, term = 1;
	for (int k = 1; k <= 6; k++) {
		term *= -(2 * k - 1) * z;
		series += term;
	}
	return -0.5 * x * x - log(-x) - log(SQRT_2PI) + log(series);
}

/* e^p N(x) without overflow: the reflection terms (H/S)^p N(.) of barrier
 * and lookback formulas pair a huge power with a tiny probability when
 * sigma is small. */
static double scaled_ncdf(double p, double x)
{
	if (p < 700 && x > -35)
		return exp(p) * normal_cdf(x);
	return exp(p + log_ncdf(x));
}

/* expm1(x) / x, 1 at 0. */
static double expm1_ratio(double x)
{
	return x == 0 ? 1 : expm1(x) / x;
}

/* --- calls, puts and digitals on a lognormal quantity ------------------- */

/* S_T and the discrete geometric average as lognormal quantities
 * (lognormal.h): a = c = 1 for S_T. */
static struct lognormal lognormal_of_model(const struct model *m, double a, double c)
{
	return lognormal_of(m->s0, m->strike, m->r, m->q, m->sigma, m->T, a, c);
}

/* Black (1976) on the lognormal quantity: V = phi df (F N(phi d1) -
 * K N(phi d2)). Write V = phi (A - B), A = df F N(phi d1), B = df K N(phi d2);
 * then dV/dlnF = phi A, dV/dv = df F n(d1), dV/dln(df) = V, and the Greeks
 * follow by the chain rule (with a = c = 1 they are Black-Scholes-Merton's:
 * Hull, Options, Futures and Other Derivatives, "The Greek Letters").
 * Theta only for S_T itself: for an average, shrinking T also moves the
 * monitoring dates, which calendar time does not. */
static void lognormal_option(const struct model *m, int phi, double a, double c,
                             bool theta)
{
	struct lognormal L = lognormal_of_model(m, a, c);
	double A, B, price = lognormal_black(&L, phi, &A, &B);
	double d1 = lognormal_d1(L.x, L.v);
	/* df F n(d1), and the same over v: zero off the money when v = 0. */
	double dfFn = L.v > 0 ? L.df * L.F * npdf(d1) : 0;
	double dfFn_v = L.v > 0 ? dfFn / L.v : 0;

	add_row("price", price, "exact");
	if (L.v == 0 && L.x == 0)
		return;   /* the payoff's kink: no Greeks */
	add_row("delta", phi * A / L.S, "exact");
	add_row("gamma", dfFn_v / (L.S * L.S), "exact");
	add_row("vega", phi * A * L.lnF_sigma + dfFn * L.v_sigma, "exact");
	add_row("rho", phi * (A * (L.lnF_r - L.T) + B * L.T), "exact");
	if (theta)
		add_row("theta", -(phi * (A * (L.lnF_T - L.r) + B * L.r) + dfFn * L.v_T),
		        "exact");
}

/* Cash-or-nothing: V = df N(phi d2) pays 1 if phi S_T > phi K (Reiner &
 * Rubinstein 1991, "Unscrambling the binary code"; Haug 4.19.2). With
 * G = dV/dlnF = phi df n(d2)/v: dV/dv = -G d1 and dV/dln(df) = V. */
static void digital_option(const struct model *m, int phi)
{
	struct lognormal L = lognormal_of_model(m, 1, 1);
	double d1 = lognormal_d1(L.x, L.v), d2 = d1 - L.v;
	double V = L.df * normal_cdf(phi * d2);
	double G = L.v > 0 ? phi * L.df * npdf(d2) / L.v : 0;
	double Gd1 = L.v > 0 ? G * d1 : 0;

	add_row("price", V, "exact");
	if (L.v == 0 && L.x == 0)
		return;   /* the payoff's jump: no Greeks */
	add_row("delta", G / L.S, "exact");
	add_row("gamma", L.v > 0 ? -Gd1 / (L.v * L.S * L.S) : 0, "exact");
	add_row("vega", G * L.lnF_sigma - Gd1 * L.v_sigma, "exact");
	add_row("rho", G * L.lnF_r - L.T * V, "exact");
	add_row("theta", -(G * L.lnF_T - L.r * V - Gd1 * L.v_T), "exact");
}

/* --- barriers ------------------------------------------------------------ */

static double bs_price(const struct model *m, int phi, double K)
{
	struct model k = *m;
	k.strike = K;
	struct lognormal L = lognormal_of_model(&k, 1, 1);
	double d1 = lognormal_d1(L.x, L.v), d2 = d1 - L.v;
	return phi * L.df * (L.F * normal_cdf(phi * d1) - K * normal_cdf(phi * d2));
}

/* df P(phi S_T > phi K) */
static double bs_digital(const struct model *m, int phi, double K)
{
	struct model k = *m;
	k.strike = K;
	struct lognormal L = lognormal_of_model(&k, 1, 1);
	return L.df * normal_cdf(phi * (lognormal_d1(L.x, L.v) - L.v));
}

/* Continuously monitored barrier at level H (Merton 1973; Reiner &
 * Rubinstein 1991, "Breaking down the barriers"), in Haug's notation
 * (4.17.1): A is the vanilla, B the vanilla struck at the barrier, C and D
 * their reflections, E the rebate if the barrier is never hit.
 * For the four payoffs here the barrier lies on the side where the option
 * pays (up for calls, down for puts), so eta = -phi and Haug's table is:
 * strike beyond the barrier: out = 0, in = A; else out = A-B+C-D, in = B-C+D.
 * The rebate R is paid at expiry: R df P(hit) to a knock-out, R df P(no hit)
 * to a knock-in, so in + out = vanilla + R df. Needs sigma > 0. */
static double barrier_continuous(const struct model *m, const struct payoff *p, double H)
{
	double S = m->s0, K = m->strike, R = m->rebate;
	double v = m->sigma * sqrt(m->T), s2 = m->sigma * m->sigma;
	double mu = (m->r - m->q - s2 / 2) / s2;
	double lhs = log(H / S), dq = exp(-m->q * m->T), df = exp(-m->r * m->T);
	int phi = p->phi, eta = -p->barrier;

	double x1 = log(S / K) / v + (1 + mu) * v;
	double x2 = -lhs / v + (1 + mu) * v;
	double y1 = (2 * lhs + log(S / K)) / v + (1 + mu) * v;
	double y2 = lhs / v + (1 + mu) * v;
	double A = phi * (S * dq * normal_cdf(phi * x1) - K * df * normal_cdf(phi * (x1 - v)));
	double B = phi * (S * dq * normal_cdf(phi * x2) - K * df * normal_cdf(phi * (x2 - v)));
	double C = phi * (S * dq * scaled_ncdf(2 * (mu + 1) * lhs, eta * y1)
	                  - K * df * scaled_ncdf(2 * mu * lhs, eta * (y1 - v)));
	double D = phi * (S * dq * scaled_ncdf(2 * (mu + 1) * lhs, eta * y2)
	                  - K * df * scaled_ncdf(2 * mu * lhs, eta * (y2 - v)));
	/* P(no hit) by the reflection principle for drifted Brownian motion */
	double image = scaled_ncdf(2 * mu * lhs, eta * (y2 - v));
	double no_hit = normal_cdf(eta * (x2 - v)) - image;
	double hit = normal_cdf(-eta * (x2 - v)) + image;
	bool beyond = p->barrier * (K - H) >= 0;

	if (p->knock_in)
		return (beyond ? A : B - C + D) + R * df * no_hit;
	return (beyond ? 0 : A - B + C - D) + R * df * hit;
}

/* One monitoring date (steps = 1), exactly: the barrier is checked on S_T
 * alone, hit meaning phi S_T >= phi H (up for calls, down for puts). The
 * knock-in part of the vanilla, phi (S_T - K)+ 1{hit}, is the vanilla
 * struck at H plus phi (H - K) digitals at H when K lies inside the
 * barrier, the whole vanilla when beyond; the knock-out is the rest. */
static double barrier_one_date(const struct model *m, const struct payoff *p)
{
	double K = m->strike, H = m->barrier, R = m->rebate, df = exp(-m->r * m->T);
	int phi = p->phi;
	double vanilla = bs_price(m, phi, K);
	double hit = bs_digital(m, phi, H);   /* df P(hit) */
	double in_part = p->barrier * (K - H) >= 0 ? vanilla
	               : bs_price(m, phi, H) + phi * (H - K) * hit;

	if (p->knock_in)
		return in_part + R * (df - hit);
	return vanilla - in_part + R * hit;
}

/* sigma = 0: the path S0 e^{(r-q)t} is monotone, so it reaches the barrier
 * iff S_T does, at a monitoring date and in continuous time alike. */
static double barrier_deterministic(const struct model *m, const struct payoff *p)
{
	double df = exp(-m->r * m->T), F = m->s0 * exp((m->r - m->q) * m->T);
	double vanilla = df * fmax(p->phi * (F - m->strike), 0);
	bool hit = p->barrier * (F - m->barrier) >= 0;
	double rebate = m->rebate * df;

	if (p->knock_in)
		return hit ? vanilla : rebate;
	return hit ? rebate : vanilla;
}

/* Discrete monitoring by Broadie, Glasserman & Kou (1997): the continuous
 * formula with the barrier moved away from the spot by e^{beta sigma
 * sqrt(dt)}, error o(1/sqrt(steps)). It shifts the hit probability, hence
 * the expiry rebate, alike. */
static void barrier_option(const struct model *m, const struct payoff *p)
{
	if (m->sigma == 0) {
		double V = barrier_deterministic(m, p);
		add_row("price", V, "exact");
		add_row("price-continuous", V, "continuous");
		return;
	}
	double shift = exp(p->barrier * BGK_BETA * m->sigma * sqrt(m->T / (double)m->steps));
	if (m->steps == 1)
		add_row("price", barrier_one_date(m, p), "exact");
	else
		add_row("price", barrier_continuous(m, p, m->barrier * shift), "approx-bgk");
	add_row("price-continuous", barrier_continuous(m, p, m->barrier), "continuous");
}

/* --- floating-strike lookbacks ------------------------------------------- */

/* w h(u)/u for h(u) = e^{-2uL} N(u-w-L) - e^{2uw} N(-u-w-L), which has
 * h(0) = 0: the sigma^2/(2(r-q)) term of Goldman-Sosin-Gatto, which is 0/0
 * at r = q. Near u = 0 by its Taylor series: with f, g the two terms and
 * n*(s) = e^{-2sL} n(s-w-L) = e^{2sw} n(s+w+L) = e^{-2wL} n(s+L-w),
 *   f' = -2L f + n*,  g' = 2w g - n*,  n*^(k)(0) = e^{-2wL} (-1)^k He_k(L-w) n(L-w),
 * so h^(k)(0) = f^(k)(0) - g^(k)(0) by recurrence (He: Hermite polynomials). */
static double lookback_ratio(double u, double w, double L)
{
	if (fabs(u) * (1 + 2 * w + 2 * fabs(L)) >= 0.25)
		return w * (scaled_ncdf(-2 * u * L, u - w - L)
		            - scaled_ncdf(2 * u * w, -u - w - L)) / u;
	double z = L - w, nstar = exp(-2 * w * L) * npdf(z);
	double f = normal_cdf(-w - L), g = f;          /* f^(k)(0), g^(k)(0) from k = 0 */
	double he_prev = 0, he = 1;              /* He_{k-1}(z), He_k(z) from k = 0 */
	double sum = 0, scale = 1;               /* scale = u^(k-1)/k! */
	int small = 0;                           /* successive negligible terms */
	for (int k = 1; k <= 60 && small < 2; k++) {
		double nk = (k % 2 ? 1 : -1) * nstar * he;   /* n*^(k-1)(0) */
		f = -2 * L * f + nk;
		g = 2 * w * g - nk;
		scale /= k;
		double term = (f - g) * scale;
		sum += term;
		small = fabs(term) <= 1e-17 * fabs(sum) ? small + 1 : 0;
		scale *= u;
		double he_next = z * he - (k - 1) * he_prev;   /* He_k from He_{k-1} */
		he_prev = he;
		he = he_next;
	}
	return w * sum;
}

/* Goldman, Sosin & Gatto (1979) with a dividend yield (Haug 4.15.1), the
 * floating lookback call (S_T - min) and put (max - S_T), with the running
 * extreme so far at S0 e^{-phi ell} (ell >= 0; ell = 0 at inception).
 * With b = r - q, v = sigma sqrt(T), u = b sqrt(T)/sigma, w = v/2, L = ell/v:
 * sigma^2/(2b) = w/u, e^{bT} = e^{2uw}, (S/m)^{-2b/sigma^2} = e^{-2uL}, and
 *   call = S e^{-qT} N(L+u+w) - m e^{-rT} N(L+u-w) + S e^{-rT} w h_L(u)/u
 *   put  = M e^{-rT} N(L+w-u) - S e^{-qT} N(L-u-w)
 *          + S e^{-rT} [2w (w E(2uw) - L E(2uL)) + w h_{-L}(u)/u]
 * where E(x) = expm1(x)/x: the put's bracket e^{2uw} N(u+w-L) -
 * e^{2uL} N(w-u-L) is rewritten through N(x) = 1 - N(-x). Needs sigma > 0. */
static double lookback_continuous(const struct model *m, int phi, double ell)
{
	double S = m->s0, v = m->sigma * sqrt(m->T);
	double dq = exp(-m->q * m->T), df = exp(-m->r * m->T);
	double u = (m->r - m->q) * sqrt(m->T) / m->sigma, w = v / 2, L = ell / v;

	if (phi > 0)
		return S * dq * normal_cdf(L + u + w) - S * exp(-ell) * df * normal_cdf(L + u - w)
		       + S * df * lookback_ratio(u, w, L);
	double growth = 2 * w * (w * expm1_ratio(2 * u * w) - L * expm1_ratio(2 * u * L));
	return S * exp(ell) * df * normal_cdf(L + w - u) - S * dq * normal_cdf(L - u - w)
	       + S * df * (growth + lookback_ratio(u, w, -L));
}

/* E[exp(s max(0, W_1, ..., W_m))] for the random walk W with N(mu, sd^2)
 * steps, exactly, by Spitzer's identity (F. Spitzer, Trans. AMS 82, 1956):
 *   sum_m t^m E[e^{s M_m}] = exp(sum_k t^k/k E[e^{s max(W_k, 0)}]),
 * E[e^{s max(W, 0)}] = N(-m/d) + e^{s m + s^2 d^2/2} N(m/d + s d) for
 * W ~ N(m, d^2). The power series exponential B = exp(A) comes from
 * B' = A'B: b_n = (1/n) sum_k k a_k b_{n-k}, all terms positive. O(m^2).
 * (For discrete lookbacks: Aitsahlia & Lai, Appl. Math. Finance 5, 1998;
 * Ohgren, Int. J. Theor. Appl. Finance 4, 2001.) */
static double spitzer(double s, double mu, double sd, int64_t m)
{
	static double ka[SPITZER_MAX + 1], b[SPITZER_MAX + 1];   /* k a_k, b_n */

	for (int64_t k = 1; k <= m; k++) {
		double mk = mu * (double)k, dk = sd * sqrt((double)k);
		ka[k] = normal_cdf(-mk / dk)
		        + exp(s * mk + s * s * dk * dk / 2) * normal_cdf(mk / dk + s * dk);
	}
	b[0] = 1;
	for (int64_t n = 1; n <= m; n++) {
		double sum = 0;
		for (int64_t k = 1; k <= n; k++)
			sum += ka[k] * b[n - k];
		b[n] = sum / (double)n;
	}
	return b[m];
}

/* Discrete monitoring (extremes over S0 and the steps dates), exactly: under
 * the measure with the stock as numeraire, log S has drift
 * (r - q + sigma^2/2) per year, and the payoffs are S_T (1 - e^{-U}) for the
 * call and S_T (e^{D} - 1) for the put, U = max_i ln(S_T/S_{t_i}) and
 * D = max_i ln(S_{t_i}/S_T) (i = 0..steps): by time reversal, maxima of
 * random walks with steps +-N((r - q + sigma^2/2) dt, sigma^2 dt), whose
 * exponential moments spitzer() gives. */
static double lookback_discrete(const struct model *m, int phi)
{
	double dt = m->T / (double)m->steps;
	double mu = (m->r - m->q + m->sigma * m->sigma / 2) * dt;
	double S_dq = m->s0 * exp(-m->q * m->T);

	if (phi > 0)
		return S_dq * (1 - spitzer(-1, mu, m->sigma * sqrt(dt), m->steps));
	return S_dq * (spitzer(1, -mu, m->sigma * sqrt(dt), m->steps) - 1);
}

/* Beyond SPITZER_MAX dates, Broadie, Glasserman & Kou (1999, Finance Stoch.
 * 3, 55-82): the discrete maximum behaves as the continuous one times
 * e^{-delta}, delta = beta sigma sqrt(T/steps), floored at S0 (the minimum:
 * times e^{+delta}). So S0 max(e^{M-delta}, 1) = e^{-delta} max(S0 e^delta,
 * S0 e^M), a continuous maximum with the running maximum started at
 * S0 e^delta, and with E[e^{-rT} S_T] = S0 e^{-qT}:
 *   put_m  = e^{-delta} put(S0 e^{delta})  + (e^{-delta} - 1) S0 e^{-qT}
 *   call_m = e^{+delta} call(S0 e^{-delta}) - (e^{+delta} - 1) S0 e^{-qT}
 * (their lookback theorem, here with a yield), error o(1/sqrt(steps)).
 * sigma = 0: the path is monotone, its extremes are S0 and S_T. */
static void lookback_option(const struct model *m, int phi)
{
	double S = m->s0, dq = exp(-m->q * m->T), df = exp(-m->r * m->T);

	if (m->sigma == 0) {
		double V = S * df * fmax(phi * expm1((m->r - m->q) * m->T), 0);
		add_row("price", V, "exact");
		add_row("price-continuous", V, "continuous");
		return;
	}
	if (m->steps <= SPITZER_MAX) {
		add_row("price", lookback_discrete(m, phi), "exact");
	} else {
		/* The correction is an expansion in delta: past delta = 1/2 (sigma
		 * sqrt(T) above 86 at these step counts) it is no price (the two
		 * terms cancel into nonsense, once -4.9 for a put), so no row, as
		 * for a price outside [0, the continuous price]: a discrete
		 * extreme is never beyond the continuous one. */
		double delta = BGK_BETA * m->sigma * sqrt(m->T / (double)m->steps);
		double grow = phi * delta;   /* ln of the factor on the price */
		double V = exp(grow) * lookback_continuous(m, phi, delta) - phi * expm1(grow) * S * dq;
		if (delta <= 0.5 && V >= 0 && V <= lookback_continuous(m, phi, 0))
			add_row("price", V, "approx-bgk");
	}
	add_row("price-continuous", lookback_continuous(m, phi, 0), "continuous");
}

/* --- American ------------------------------------------------------------ */

/* Early exercise never pays when the European is worth at least the
 * intrinsic value throughout: for a call, S e^{-q t} - K e^{-r t} >= S - K
 * holds when q <= 0 <= r (Merton 1973); for a put when r <= 0 <= q. Then the
 * American (and any Bermudan) price is the European one. */
static void american_option(const struct model *m, const struct payoff *p)
{
	if (p->phi > 0 && !(m->q <= 0 && m->r >= 0))
		no_closed_form("no closed form for %s unless q <= 0 and r >= 0", p->name);
	if (p->phi < 0 && !(m->r <= 0 && m->q >= 0))
		no_closed_form("no closed form for %s unless r <= 0 and q >= 0", p->name);
	lognormal_option(m, p->phi, 1, 1, true);
}

/* --- options and output -------------------------------------------------- */

/* The option texts as given, read once getopt is done so that the checks
 * run in a fixed order and can depend on the payoff. */
struct texts {
	const char *s0, *r, *q, *sigma, *T, *steps, *payoff, *strike, *barrier, *rebate;
	const char *model, *v0, *kappa, *theta, *xi, *rho, *lambda, *mu_j, *delta_j;
	bool sigma_given;
};

static const struct payoff *find_payoff(const char *name)
{
	for (size_t i = 0; i < sizeof payoffs / sizeof payoffs[0]; i++)
		if (strcmp(payoffs[i].name, name) == 0)
			return &payoffs[i];
	usage_error("--payoff: unknown payoff '%s'", name);
}

static double read_barrier(const struct texts *t, const struct payoff *p, double s0)
{
	const char *side = p->barrier > 0 ? "above" : "below";

	if (!t->barrier)
		usage_error("--barrier is required for %s", p->name);
	double H = opt_positive("--barrier", t->barrier);
	if (p->barrier * (H - s0) <= 0)
		usage_error("--barrier: '%s' must be %s --s0 '%s' for %s "
		            "(it would start knocked %s)", t->barrier, side, t->s0,
		            p->name, p->knock_in ? "in" : "out");
	return H;
}

static struct model read_model(const struct texts *t, const struct payoff *p)
{
	struct model m;

	m.s0 = opt_positive("--s0", t->s0);
	m.r = opt_double("--rate", t->r);
	m.q = opt_double("--yield", t->q);
	m.sigma = opt_nonneg("--sigma", t->sigma);
	m.T = opt_positive("--maturity", t->T);
	m.steps = opt_int("--steps", t->steps, INT64_MIN, INT64_MAX);
	if (m.steps < 1)
		usage_error("--steps: '%s' must be at least 1", t->steps);
	/* A floating lookback has no strike: --strike must still be a number. */
	m.strike = p->family == LOOKBACK ? opt_double("--strike", t->strike)
	                                 : opt_positive("--strike", t->strike);
	m.rebate = t->rebate ? opt_nonneg("--rebate", t->rebate) : 0;
	m.barrier = 0;
	if (p->family == BARRIER)
		m.barrier = read_barrier(t, p, m.s0);
	else if (t->barrier)
		usage_error("--barrier: %s has no barrier", p->name);
	else if (t->rebate)
		usage_error("--rebate: %s has no barrier", p->name);
	return m;
}

static void price(const struct model *m, const struct payoff *p)
{
	double a, c;

	switch (p->family) {
	case VANILLA: lognormal_option(m, p->phi, 1, 1, true); break;
	case DIGITAL: digital_option(m, p->phi); break;
	case ASIAN_GEO:
		lognormal_average_factors((long)m->steps, &a, &c);
		lognormal_option(m, p->phi, a, c, false);
		break;
	case ASIAN_ARITH: no_closed_form("no closed form for %s", p->name);
	case AMERICAN: american_option(m, p); break;
	case BARRIER: barrier_option(m, p); break;
	case LOOKBACK: lookback_option(m, p->phi); break;
	}
	for (int i = 0; i < nrows; i++)
		if (!isfinite(rows[i].value))
			fatal("%s: not a finite number for these parameters", rows[i].name);
}

/* --- Heston and Merton: European calls and puts ------------------------ */

enum model_kind { GBM, HESTON, MERTON };

struct sv {
	enum model_kind kind;
	struct heston h;
	double lambda, mu_j, delta_j;
};

/* Each model's own options: given under another model, they are an error,
 * not silently ignored. */
static void check_applies(const char *option, const char *text, enum model_kind kind,
                          enum model_kind owner, const char *owner_name)
{
	if (text && kind != owner)
		usage_error("%s: applies to --model %s only", option, owner_name);
}

static enum model_kind read_model_kind(const struct texts *t, struct sv *sv)
{
	enum model_kind k;

	if (strcmp(t->model, "gbm") == 0)
		k = GBM;
	else if (strcmp(t->model, "heston") == 0)
		k = HESTON;
	else if (strcmp(t->model, "merton") == 0)
		k = MERTON;
	else
		usage_error("--model: unknown model '%s' (gbm, heston or merton)", t->model);
	check_applies("--v0", t->v0, k, HESTON, "heston");
	check_applies("--kappa", t->kappa, k, HESTON, "heston");
	check_applies("--theta", t->theta, k, HESTON, "heston");
	check_applies("--xi", t->xi, k, HESTON, "heston");
	check_applies("--rho", t->rho, k, HESTON, "heston");
	check_applies("--lambda", t->lambda, k, MERTON, "merton");
	check_applies("--mu-j", t->mu_j, k, MERTON, "merton");
	check_applies("--delta-j", t->delta_j, k, MERTON, "merton");
	if (k == HESTON && t->sigma_given)
		usage_error("--sigma: not a parameter of --model heston (its variance is --v0, "
		            "--kappa, --theta, --xi)");
	sv->kind = k;
	if (k == HESTON) {
		sv->h.v0 = opt_nonneg("--v0", t->v0 ? t->v0 : "0.04");
		sv->h.kappa = opt_nonneg("--kappa", t->kappa ? t->kappa : "1.5");
		sv->h.theta = opt_nonneg("--theta", t->theta ? t->theta : "0.04");
		sv->h.xi = opt_nonneg("--xi", t->xi ? t->xi : "0.3");
		sv->h.rho = opt_double("--rho", t->rho ? t->rho : "-0.7");
		if (fabs(sv->h.rho) > 1)
			usage_error("--rho: '%s' must be in [-1, 1]", t->rho);
	} else if (k == MERTON) {
		sv->lambda = opt_nonneg("--lambda", t->lambda ? t->lambda : "1");
		sv->mu_j = opt_double("--mu-j", t->mu_j ? t->mu_j : "-0.1");
		sv->delta_j = opt_nonneg("--delta-j", t->delta_j ? t->delta_j : "0.15");
	}
	return k;
}

/* The call or put under heston or merton at m (its s0, r; sv's v0 or m's
 * sigma as the caller moved them). */
static double sv_value(const struct model *m, const struct payoff *p, const struct sv *sv)
{
	double v;
	if (sv->kind == HESTON) {
		enum heston_status st = heston_prices(&sv->h, p->phi, m->s0, m->r, m->q, m->T,
		                                      1, &m->strike, &v, 0, NULL);
		if (st == HESTON_NO_CONVERGENCE)
			fatal("price: the Heston integral did not converge for these parameters");
		if (st != HESTON_OK)
			fatal("price: not a finite number for these parameters");
	} else {
		v = merton_price(p->phi, m->s0, m->strike, m->r, m->q, m->sigma, m->T,
		                 sv->lambda, sv->mu_j, sv->delta_j);
	}
	if (!isfinite(v))
		fatal("price: not a finite number for these parameters");
	return v;
}

/* The price moved by h in one parameter (0: s0, 1: v0 or sigma, 2: r). */
static double sv_moved(const struct model *m, const struct payoff *p, const struct sv *sv,
                       int which, double h)
{
	struct model mm = *m;
	struct sv ss = *sv;
	if (which == 0)
		mm.s0 += h;
	else if (which == 1 && sv->kind == HESTON)
		ss.h.v0 += h;
	else if (which == 1)
		mm.sigma += h;
	else
		mm.r += h;
	return sv_value(&mm, p, &ss);
}

/* Only calls and puts have closed forms here; every other payoff is refused
 * (exit 3) rather than priced by a formula of another model. The Greeks
 * (vega: d/dV0 under heston, d/dsigma under merton) are central
 * differences of the closed form, kind "difference": steps of 1e-3 of s0,
 * of V0 or sigma and 1e-4 in r, whose truncation errors (h^2/6 of the
 * third derivative) are about 1e-6 of the Greek and whose rounding errors
 * (the integral's 1e-12 s0 over h) about 1e-8; forward differences where
 * V0 or sigma is too small to step down. simpaths --greeks estimates the
 * same derivatives by bumps of 1% (bumpgreeks.h). */
static void price_sv(const struct model *m, const struct payoff *p, const struct sv *sv)
{
	if (p->family != VANILLA)
		no_closed_form("no closed form for %s under --model %s", p->name,
		               sv->kind == HESTON ? "heston" : "merton");
	double v = sv_value(m, p, sv);
	add_row("price", v, "exact");

	double hs = 1e-3 * m->s0, up = sv_moved(m, p, sv, 0, hs), down = sv_moved(m, p, sv, 0, -hs);
	add_row("delta", (up - down) / (2 * hs), "difference");
	add_row("gamma", ((up + down) - 2 * v) / (hs * hs), "difference");
	double vol = sv->kind == HESTON ? sv->h.v0 : m->sigma;
	double hv = vol > 1e-4 ? 1e-3 * vol : 1e-7;
	if (vol > 1e-4)
		add_row("vega", (sv_moved(m, p, sv, 1, hv) - sv_moved(m, p, sv, 1, -hv)) / (2 * hv),
		        "difference");
	else
		add_row("vega", (sv_moved(m, p, sv, 1, hv) - v) / hv, "difference");
	double hr = 1e-4;
	add_row("rho", (sv_moved(m, p, sv, 2, hr) - sv_moved(m, p, sv, 2, -hr)) / (2 * hr),
	        "difference");
	for (int i = 0; i < nrows; i++)
		if (!isfinite(rows[i].value))
			fatal("%s: not a finite number for these parameters", rows[i].name);
}

static void print_meta(const char *key, double value)
{
	char buf[NUM_TEXT_MAX];
	num_format(buf, value);
	printf(" %s=%s", key, buf);
}

static void print_rows(const struct model *m, const struct payoff *p, const struct sv *sv)
{
	static const char *names[] = { "gbm", "heston", "merton" };
	printf("# tool=closedform model=%s", names[sv->kind]);
	print_meta("s0", m->s0);
	print_meta("r", m->r);
	print_meta("q", m->q);
	if (sv->kind != HESTON)
		print_meta("sigma", m->sigma);
	if (sv->kind == HESTON) {
		print_meta("v0", sv->h.v0);
		print_meta("kappa", sv->h.kappa);
		print_meta("theta", sv->h.theta);
		print_meta("xi", sv->h.xi);
		print_meta("rho", sv->h.rho);
	} else if (sv->kind == MERTON) {
		print_meta("lambda", sv->lambda);
		print_meta("mu_j", sv->mu_j);
		print_meta("delta_j", sv->delta_j);
	}
	print_meta("T", m->T);
	printf(" steps=%lld payoff=%s", (long long)m->steps, p->name);
	if (p->family != LOOKBACK)
		print_meta("strike", m->strike);
	if (p->family == BARRIER) {
		print_meta("barrier", m->barrier);
		print_meta("rebate", m->rebate);
	}
	printf("\nname\tvalue\tkind\n");
	for (int i = 0; i < nrows; i++) {
		char buf[NUM_TEXT_MAX];
		num_format(buf, rows[i].value + 0.0);   /* + 0.0: no "-0" */
		printf("%s\t%s\t%s\n", rows[i].name, buf, rows[i].kind);
	}
}

int main(int argc, char **argv)
{
	enum { OPT_S0 = 256, OPT_SIGMA, OPT_STEPS, OPT_BARRIER, OPT_REBATE, OPT_MODEL,
	       OPT_V0, OPT_KAPPA, OPT_THETA, OPT_XI, OPT_RHO, OPT_LAMBDA, OPT_MU_J, OPT_DELTA_J };
	static const struct option longopts[] = {
		{ "s0", required_argument, NULL, OPT_S0 },
		{ "rate", required_argument, NULL, 'r' },
		{ "yield", required_argument, NULL, 'q' },
		{ "sigma", required_argument, NULL, OPT_SIGMA },
		{ "maturity", required_argument, NULL, 'T' },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "payoff", required_argument, NULL, 'p' },
		{ "strike", required_argument, NULL, 'K' },
		{ "barrier", required_argument, NULL, OPT_BARRIER },
		{ "rebate", required_argument, NULL, OPT_REBATE },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "v0", required_argument, NULL, OPT_V0 },
		{ "kappa", required_argument, NULL, OPT_KAPPA },
		{ "theta", required_argument, NULL, OPT_THETA },
		{ "xi", required_argument, NULL, OPT_XI },
		{ "rho", required_argument, NULL, OPT_RHO },
		{ "lambda", required_argument, NULL, OPT_LAMBDA },
		{ "mu-j", required_argument, NULL, OPT_MU_J },
		{ "delta-j", required_argument, NULL, OPT_DELTA_J },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct texts t = {
		.s0 = "100", .r = "0.05", .q = "0", .sigma = "0.2", .T = "1", .steps = "1",
		.payoff = "call", .strike = "100", .barrier = NULL, .rebate = NULL,
		.model = "gbm",
	};
	int c;

	tool_init("closedform", argv);
	while ((c = getopt_long(argc, argv, "r:q:T:p:K:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_S0: t.s0 = optarg; break;
		case 'r': t.r = optarg; break;
		case 'q': t.q = optarg; break;
		case OPT_SIGMA: t.sigma = optarg; t.sigma_given = true; break;
		case 'T': t.T = optarg; break;
		case OPT_STEPS: t.steps = optarg; break;
		case 'p': t.payoff = optarg; break;
		case 'K': t.strike = optarg; break;
		case OPT_BARRIER: t.barrier = optarg; break;
		case OPT_REBATE: t.rebate = optarg; break;
		case OPT_MODEL: t.model = optarg; break;
		case OPT_V0: t.v0 = optarg; break;
		case OPT_KAPPA: t.kappa = optarg; break;
		case OPT_THETA: t.theta = optarg; break;
		case OPT_XI: t.xi = optarg; break;
		case OPT_RHO: t.rho = optarg; break;
		case OPT_LAMBDA: t.lambda = optarg; break;
		case OPT_MU_J: t.mu_j = optarg; break;
		case OPT_DELTA_J: t.delta_j = optarg; break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	const struct payoff *p = find_payoff(t.payoff);
	struct sv sv = { 0 };
	read_model_kind(&t, &sv);
	struct model m = read_model(&t, p);
	if (sv.kind == GBM)
		price(&m, p);
	else
		price_sv(&m, p, &sv);
	print_rows(&m, p, &sv);
	finish_output();
	return 0;
}
