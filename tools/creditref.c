/* creditref: reference values for credit's homogeneous pools.
 *
 * A pool of n obligors with one default probability p, asset correlation
 * rho, exposure e and loss given default lgd, one factor:
 *   - large pool (no --obligors): the loss fraction of the pool is
 *     L = lgd p(Z, s), p(z, s) = Phi((c s + sqrt(rho) z) / sqrt(1 - rho)).
 *     Gaussian (s = 1, c = Phi^-1(p)): Vasicek's quantile
 *       q_a = lgd Phi((Phi^-1(p) + sqrt(rho) Phi^-1(a)) / sqrt(1 - rho)).
 *     t copula (s = sqrt(V / nu), V chi-square(nu), c = t_nu^-1(p)):
 *       P(L <= lgd x) = E_V Phi((sqrt(1 - rho) Phi^-1(x) - c s) / sqrt(rho)),
 *     solved for the quantile by bisection, the integral over V numerical.
 *     ES = E[L; L > q] / (1 - a), E[L; L > q] = E_V int_{z_q(s)}^inf
 *     lgd p(z, s) phi(z) dz, z_q(s) = (sqrt(1 - rho) Phi^-1(q/lgd) - c s)/sqrt(rho).
 *   - finite pool (--obligors n): the number of defaults K has
 *       P(K = k) = E_V int binom(n, k; p(z, s)) phi(z) dz,
 *     integrated numerically (GSL's QAGS; over V too for t); the loss is
 *     K e lgd. VaR is the smallest loss with P(L <= VaR) >= a, ES follows
 *     Acerbi and Tasche, ES = (E[L; L > VaR] + VaR (1 - a - P(L > VaR))) / (1 - a),
 *     as credit computes it from a sample.
 * Output: name value, rows EL VaR ES; with --distribution the finite
 * pool's law instead: defaults loss probability exceedance. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_log.h>

#include "err.h"
#include "numtext.h"
#include "opts.h"
#include "xalloc.h"

static const char synopsis[] =
	"creditref --pd p --rho r [-c gaussian|t] [--nu nu] [--lgd g] [--exposure e] "
	"[--obligors n] [-a level] [--distribution]";

static double pd, rho, lgd = 1, exposure = 1, level = 0.999;
static long nobligors;          /* 0: the large pool */
static int nu;                  /* 0: Gaussian */
static double thr;              /* c */

#define WORK 2000
static gsl_integration_workspace *work_z, *work_v;

/* p(z, s) */
static double cond_pd(double z, double s)
{
	return gsl_cdf_ugaussian_P((thr * s + sqrt(rho) * z) / sqrt(1 - rho));
}

/* E_V f(s), s = sqrt(V/nu), or f(1) for the Gaussian copula. */
struct over_v { double (*f)(double s, void *arg); void *arg; };

static double v_integrand(double v, void *arg)
{
	struct over_v *o = arg;
	return o->f(sqrt(v / nu), o->arg) * gsl_ran_chisq_pdf(v, nu);
}

static double integrate_v(double (*f)(double, void *), void *arg)
{
	if (nu == 0)
		return f(1, arg);
	/* V's density is concentrated within a few sd = sqrt(2 nu) of its
	 * mean nu: a quadrature over [0, inf) alone misses it for large nu.
	 * Below mean - 30 sd it weighs less than 1e-100: left out. */
	struct over_v o = { f, arg };
	gsl_function F = { v_integrand, &o };
	double sd = sqrt(2.0 * nu), lo = nu - 30 * sd, hi = nu + 30 * sd, r1, r2, err;
	double pts[3] = { lo > 0 ? lo : 0, nu > 2 ? nu - 2 : 0, hi };
	if (pts[1] <= pts[0])
		pts[1] = (pts[0] + pts[2]) / 2;
	int st = gsl_integration_qagp(&F, pts, 3, 1e-17, 1e-11, WORK, work_v, &r1, &err);
	if (st && st != GSL_EROUND)
		fatal("integration over V failed: %s", gsl_strerror(st));
	st = gsl_integration_qagiu(&F, hi, 1e-17, 1e-11, WORK, work_v, &r2, &err);
	if (st && st != GSL_EROUND)
		fatal("integration over V failed: %s", gsl_strerror(st));
	return r1 + r2;
}

/* Relative 1e-11, or absolute 1e-17: probabilities below that do not
 * move a VaR or ES at any level this tool takes, and asking more of a
 * piece where the integrand all but vanishes makes QAGS give up. */
static double integrate_z(gsl_function *F, double lo, double hi)
{
	double r, err;
	int st = gsl_integration_qags(F, lo, hi, 1e-17, 1e-11, WORK, work_z, &r, &err);
	if (st && st != GSL_EROUND)
		fatal("integration over Z failed: %s", gsl_strerror(st));
	return r;
}

/* ---- the large pool ----------------------------------------------------- */

static double lp_cdf_given_s(double s, void *arg)
{
	double x = *(double *)arg;   /* Phi^-1 of the loss fraction / lgd */
	return gsl_cdf_ugaussian_P((sqrt(1 - rho) * x - thr * s) / sqrt(rho));
}

/* The quantile of the large pool's loss fraction (per unit lgd). */
static double lp_quantile(double a)
{
	if (nu == 0)
		return gsl_cdf_ugaussian_P((thr + sqrt(rho) * gsl_cdf_ugaussian_Pinv(a)) / sqrt(1 - rho));
	double lo = -40, hi = 40;
	for (int k = 0; k < 200 && hi - lo > 1e-13 * (1 + fabs(lo)); k++) {
		double mid = (lo + hi) / 2;
		if (integrate_v(lp_cdf_given_s, &mid) < a)
			lo = mid;
		else
			hi = mid;
	}
	return gsl_cdf_ugaussian_P((lo + hi) / 2);
}

static double es_z_integrand(double z, void *arg)
{
	double s = *(double *)arg;
	return cond_pd(z, s) * gsl_ran_ugaussian_pdf(z);
}

static double lp_tail_given_s(double s, void *arg)
{
	double q = *(double *)arg;
	double zq = (sqrt(1 - rho) * gsl_cdf_ugaussian_Pinv(q) - thr * s) / sqrt(rho);
	if (zq > 40)
		return 0;
	gsl_function F = { es_z_integrand, &s };
	return integrate_z(&F, zq < -40 ? -40 : zq, 40);
}

/* ---- the finite pool ---------------------------------------------------- */

struct binom_arg { unsigned k; double s; };

static double binom_integrand(double z, void *arg)
{
	struct binom_arg *b = arg;
	return gsl_ran_binomial_pdf(b->k, cond_pd(z, b->s), (unsigned)nobligors) *
	       gsl_ran_ugaussian_pdf(z);
}

/* The binomial's peak in z, where p(z, s) = k/n, is narrow for a large
 * pool: the quadrature is told where it is, and where it spreads. */
static double binom_given_s(double s, void *arg)
{
	unsigned k = *(unsigned *)arg;
	struct binom_arg b = { k, s };
	gsl_function F = { binom_integrand, &b };
	double x = (k > 0 ? k : 0.5) / (double)nobligors;
	if (x > 1 - 0.5 / (double)nobligors)
		x = 1 - 0.5 / (double)nobligors;
	double zk = (sqrt(1 - rho) * gsl_cdf_ugaussian_Pinv(x) - thr * s) / sqrt(rho);
	double pts[9] = { -40 }, r, err;
	size_t n = 1;
	const double off[7] = { -2, -0.5, -0.1, 0, 0.1, 0.5, 2 };
	for (int j = 0; j < 7; j++) {
		double z = zk + off[j];
		if (z > pts[n - 1] + 1e-9 && z < 40 - 1e-9)
			pts[n++] = z;
	}
	pts[n++] = 40;
	/* piece by piece: QAGP's extrapolation across pieces where the
	 * integrand vanishes can report divergence */
	double sum = 0;
	for (size_t j = 0; j + 1 < n; j++)
		sum += integrate_z(&F, pts[j], pts[j + 1]);
	(void)r;
	(void)err;
	return sum;
}

static double *finite_law(void)
{
	double *P = xreallocarray(NULL, (size_t)nobligors + 1, sizeof *P);
	for (long k = 0; k <= nobligors; k++) {
		unsigned kk = (unsigned)k;
		P[k] = integrate_v(binom_given_s, &kk);
	}
	return P;
}

static void put(const char *name, double x)
{
	char t[NUM_TEXT_MAX];
	num_format(t, x);
	printf("%s\t%s\n", name, t);
}

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Reference EL, VaR and ES of a homogeneous one-factor pool: Vasicek's\n"
	       "large pool, the t copula's large pool, or the exact finite pool.\n\n"
	       "  -p, --pd P            default probability, 0 < P < 1\n"
	       "  -r, --rho R           asset correlation, 0 < R < 1\n"
	       "  -c, --copula NAME     gaussian (default) or t\n"
	       "      --nu N            the t copula's degrees of freedom, 2 to 1000\n"
	       "      --lgd G           loss given default, 0 to 1 (default 1)\n"
	       "  -e, --exposure E      exposure per obligor (default 1)\n"
	       "  -n, --obligors N      a finite pool of N obligors (default: large pool,\n"
	       "                        losses as a fraction of the pool's exposure)\n"
	       "  -a, --level A         VaR and ES level (default 0.999)\n"
	       "  -d, --distribution    the finite pool's law instead of EL, VaR, ES\n"
	       "  -h, --help            show this help\n"
	       "  -V, --version         show the version\n\n"
	       "Output: name value, rows EL VaR ES; or defaults loss probability exceedance.\n",
	       synopsis);
	finish_output();
	exit(0);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pd", required_argument, NULL, 'p' },
		{ "rho", required_argument, NULL, 'r' },
		{ "copula", required_argument, NULL, 'c' },
		{ "nu", required_argument, NULL, 'N' },
		{ "lgd", required_argument, NULL, 'g' },
		{ "exposure", required_argument, NULL, 'e' },
		{ "obligors", required_argument, NULL, 'n' },
		{ "level", required_argument, NULL, 'a' },
		{ "distribution", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pd_text = NULL, *rho_text = NULL, *copula = "gaussian", *nu_text = NULL;
	bool distribution = false;
	int c;

	tool_init("creditref", argv);
	while ((c = getopt_long(argc, argv, "p:r:c:e:n:a:dhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': pd_text = optarg; break;
		case 'r': rho_text = optarg; break;
		case 'c': copula = optarg; break;
		case 'N': nu_text = optarg; break;
		case 'g':
			lgd = opt_double("--lgd", optarg);
			if (!(lgd >= 0 && lgd <= 1))
				usage_error("--lgd: '%s' must be in [0, 1]", optarg);
			break;
		case 'e': exposure = opt_nonneg("--exposure", optarg); break;
		case 'n': nobligors = (long)opt_int("--obligors", optarg, 1, 100000); break;
		case 'a': level = opt_double("--level", optarg); break;
		case 'd': distribution = true; break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!pd_text || !rho_text)
		usage_error("--pd and --rho are required");
	pd = opt_double("--pd", pd_text);
	if (!(pd > 0 && pd < 1))
		usage_error("--pd: '%s' must be in (0, 1)", pd_text);
	rho = opt_double("--rho", rho_text);
	if (!(rho > 0 && rho < 1))
		usage_error("--rho: '%s' must be in (0, 1)", rho_text);
	if (!(level > 0 && level < 1))
		usage_error("--level: must be in (0, 1)");
	if (strcmp(copula, "t") == 0) {
		if (!nu_text)
			usage_error("--copula t needs --nu");
		nu = (int)opt_int("--nu", nu_text, 2, 1000);
	} else if (strcmp(copula, "gaussian") != 0)
		usage_error("--copula: unknown copula '%s' (gaussian or t)", copula);
	else if (nu_text)
		usage_error("--nu: only for --copula t");
	if (distribution && !nobligors)
		usage_error("--distribution needs --obligors");

	gsl_set_error_handler_off();
	work_z = gsl_integration_workspace_alloc(WORK);
	work_v = gsl_integration_workspace_alloc(WORK);
	thr = nu ? gsl_cdf_tdist_Pinv(pd, nu) : gsl_cdf_ugaussian_Pinv(pd);

	char t[5][NUM_TEXT_MAX];
	num_format(t[0], pd);
	num_format(t[1], rho);
	num_format(t[2], lgd);
	num_format(t[3], exposure);
	num_format(t[4], level);
	printf("# tool=creditref pd=%s rho=%s copula=%s nu=%d lgd=%s exposure=%s obligors=%ld level=%s\n",
	       t[0], t[1], nu ? "t" : "gaussian", nu, t[2], t[3], nobligors, t[4]);
	if (!nobligors) {
		double q = lp_quantile(level);
		double tailmass = integrate_v(lp_tail_given_s, &q);
		printf("name\tvalue\n");
		put("EL", lgd * pd);
		put("VaR", lgd * q);
		put("ES", lgd * tailmass / (1 - level));
	} else {
		double *P = finite_law(), v = exposure * lgd;
		double *above = xreallocarray(NULL, (size_t)nobligors + 2, sizeof *above);
		above[nobligors + 1] = 0;
		for (long k = nobligors; k >= 0; k--)
			above[k] = above[k + 1] + P[k];   /* P(K >= k), summed from the top */
		if (distribution) {
			printf("defaults\tloss\tprobability\texceedance\n");
			for (long k = 0; k <= nobligors; k++) {
				char a[NUM_TEXT_MAX], b[NUM_TEXT_MAX], e[NUM_TEXT_MAX];
				num_format(a, k * v);
				num_format(b, P[k]);
				num_format(e, above[k + 1]);
				printf("%ld\t%s\t%s\t%s\n", k, a, b, e);
			}
		} else {
			/* the smallest k with P(K > k) <= 1 - a */
			long kv = 0;
			while (kv < nobligors && above[kv + 1] > 1 - level)
				kv++;
			double tail = 0;
			for (long k = kv + 1; k <= nobligors; k++)
				tail += P[k] * k * v;
			printf("name\tvalue\n");
			put("EL", nobligors * pd * v);
			put("VaR", kv * v);
			put("ES", (tail + kv * v * (1 - level - above[kv + 1])) / (1 - level));
		}
		free(P);
		free(above);
	}
	gsl_integration_workspace_free(work_z);
	gsl_integration_workspace_free(work_v);
	finish_output();
	return 0;
}
