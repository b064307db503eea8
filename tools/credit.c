/* credit: correlated defaults of a loan book by copula, the loss
 * distribution, and its tail (EL, VaR, ES and per-obligor ES contributions).
 *
 * Model. Obligor i (exposure e, default probability p, loss given default
 * lgd, loss v = e * lgd) defaults when its latent variable crosses a
 * threshold: a Y_s + b eps > -c s, with a = sqrt(rho), b = sqrt(1 - rho),
 * Y_s the factor of its sector (Y = C xi, C the Cholesky factor of the
 * sector correlation matrix, xi standard normal; one factor without
 * sectors), eps its own normal, and
 *   Gaussian copula: s = 1,            c = Phi^-1(p);
 *   t copula:        s = sqrt(V / nu), c = t_nu^-1(p), V a chi-square(nu)
 *                    draw, the sum of nu squared normals (integer nu).
 * Given the factors, defaults are independent with
 *   p_i(xi, V) = Phi((c s + a Y_s) / b).
 * Obligors with the same (c, a, sector) (and, under IS, the same v) form a
 * group sharing p; a group's defaulters are drawn by geometric skipping
 * (the gap to the next defaulter is floor(log U / log(1 - p))), which
 * costs a draw per defaulter, not per obligor, and has the distribution of
 * independent Bernoulli(p) draws.
 *
 * Importance sampling (--is), Glasserman and Li (2005), "Importance
 * sampling for portfolio credit risk", Management Science 51(11): xi is
 * drawn N(mu, I) and, given the factors, the default probabilities are
 * twisted, q_i = p_i e^{theta v_i} / (1 + p_i (e^{theta v_i} - 1)), with
 * theta >= 0 solving psi'(theta) = x when E[L | xi] < x (else 0), psi the
 * conditional cumulant generating function of the loss and x a target
 * loss. Each scenario carries its likelihood ratio
 *   w = exp(-mu.xi + mu.mu/2 - theta L + psi(theta)),
 * and every estimate is a w-weighted one, unbiased for any mu and theta.
 *
 * Randomness: scenario k's draws are the Philox words of (seed, k) in
 * stream CREDIT_STREAM, used in a fixed order (factors, chi-square
 * normals, then each group's draws), so a scenario is the same in any
 * shard. Arithmetic on draws is detmath.h's (bit-identical on any CPU).
 *
 * A shard writes a partial: exact sums (exactsum.h) of w, w^2, w L and
 * (w L)^2, a histogram of the loss, and its tail, the scenarios
 * (loss, w, index) at or above the largest loss whose weight from the top
 * exceeds the budget B = (1-alpha)N + 3 sqrt((1-alpha)N) + 1 (ties kept
 * whole). The tail of a union of shards is the tail of the union of their
 * tails, so merging is exact; --merge reads the partials and writes the
 * estimates, re-simulating the tail scenarios for the contributions. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "detmath.h"
#include "err.h"
#include "exactsum.h"
#include "numtext.h"
#include "opts.h"
#include "partial.h"
#include "rng.h"
#include "stream.h"
#include "xalloc.h"

#define Z95 1.959963984540054   /* Phi^{-1}(0.975) */
/* The Philox stream of credit scenarios (rng.h's pricing paths are 0,
 * training paths 1): 'C'. */
#define CREDIT_STREAM UINT32_C(0x43)
#define MAX_FACTORS 64
#define MAX_NU 1000
#define BINS 1000
#define PARTIAL_KIND "credit-partial"

static const char synopsis[] =
	"credit -l loans [-r rho] [-c gaussian|t] [--nu nu] [--sectors file] [-a level] "
	"[-n scenarios] [--first i] [--count m] [--seed x] [--is] "
	"[--merge [--contributions file] [--distribution file] [partial ...]]";

/* ---- options ---------------------------------------------------------- */
static const char *loans_file, *sectors_file;
static const char *rho_text;
static bool t_copula, use_is, merge_mode;
static int nu;
static double level = 0.999;
static uint64_t scenarios = 100000, first, count;
static bool count_given;
static uint64_t seed = 1;
static const char *contrib_file, *dist_file;

/* ---- the book ----------------------------------------------------------- */
struct obligor {
	char *name;
	double exposure, pd, lgd, rho, v;   /* v = exposure * lgd */
	double a, b, c;                     /* loading, idiosyncratic weight, threshold */
	int sector;
};
static struct obligor *book;
static int nbook;
static double total_v;                  /* sum of v in book order */

static int nfactors = 1;
static char *factor_names[MAX_FACTORS];
static double chol[MAX_FACTORS][MAX_FACTORS];   /* lower triangular */

/* Obligors sharing one conditional default probability. */
struct group {
	double a, b, c, v;   /* v only under IS (else that of the first member) */
	double vsum;         /* the members' v, summed in their order */
	int sector, n;
	int *members;        /* indices into book */
};
static struct group *groups;
static int ngroups;

/* ---- importance sampling ------------------------------------------------ */
static double is_mu[MAX_FACTORS], is_mu2;    /* the shift and mu.mu */
static double is_target;                     /* x */
static double loss_scale;                    /* max v: theta is in units of 1/loss_scale */

/* ---- deterministic normal distribution function --------------------- */

/* Phi(x): Hart (1968) algorithm 5666 as given by G. West, "Better
 * approximations to cumulative normal functions", Wilmott (2005), about
 * 1e-15 absolute; det_exp, so the same bits on every CPU. */
static double det_phi(double x)
{
	double y = fabs(x), r;
	if (y > 37)
		r = 0;
	else {
		double e = det_exp(-(y * y) / 2);
		if (y < 7.07106781186547) {
			double sa = 3.52624965998911e-02 * y + 0.700383064443688;
			sa = sa * y + 6.37396220353165;
			sa = sa * y + 33.912866078383;
			sa = sa * y + 112.079291497871;
			sa = sa * y + 221.213596169931;
			sa = sa * y + 220.206867912376;
			double sb = 8.83883476483184e-02 * y + 1.75566716318264;
			sb = sb * y + 16.064177579207;
			sb = sb * y + 86.7807322029461;
			sb = sb * y + 296.564248779674;
			sb = sb * y + 637.333633378831;
			sb = sb * y + 793.826512519948;
			sb = sb * y + 440.413735824752;
			r = e * sa / sb;
		} else {
			double s = y + 0.65;
			s = y + 4 / s;
			s = y + 3 / s;
			s = y + 2 / s;
			s = y + 1 / s;
			r = e / s / 2.506628274631;
		}
	}
	return x > 0 ? 1 - r : r;
}

/* log(1 + x) for x > -1, accurate for small x (Goldberg's trick). */
static double det_log1p(double x)
{
	double u = 1 + x;
	if (u == 1)
		return x;
	return det_log(u) * x / (u - 1);
}

/* ---- reading the inputs ------------------------------------------------- */

static double field_in(struct stream *s, int col, const char *name, double lo, double hi,
                       bool lo_open, bool hi_open)
{
	double x = stream_field_double(s, col);
	if ((lo_open ? !(x > lo) : !(x >= lo)) || (hi_open ? !(x < hi) : !(x <= hi))) {
		char text[NUM_TEXT_MAX];
		num_format(text, x);
		data_error(stream_where(s), "%s %s outside %c%g, %g%c", name, text,
		           lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']');
	}
	return x;
}

/* The sector correlation matrix: header `sector name...`, one row per
 * sector in the header's order, its name first. */
static void read_sectors(const char *file)
{
	struct stream s = { 0 };
	char *inputs[1] = { (char *)file };
	double corr[MAX_FACTORS][MAX_FACTORS];
	int row = 0;

	stream_open(&s, 1, inputs);
	for (enum record r; (r = stream_next(&s)) != RECORD_END;) {
		if (r != RECORD_ROW)
			continue;
		if (row == 0 && nfactors == 1 && !factor_names[0]) {
			if (s.ncolumns < 2 || strcmp(s.columns[0], "sector") != 0)
				data_error(stream_header_where(&s),
				           "header must be 'sector' and the sector names");
			if (s.ncolumns - 1 > MAX_FACTORS)
				data_error(stream_header_where(&s), "more than %d sectors", MAX_FACTORS);
			nfactors = s.ncolumns - 1;
			for (int k = 0; k < nfactors; k++) {
				for (int j = 0; j < k; j++)
					if (strcmp(factor_names[j], s.columns[k + 1]) == 0)
						data_error(stream_header_where(&s), "sector '%s' named twice",
						           s.columns[k + 1]);
				factor_names[k] = xstrdup(s.columns[k + 1]);
			}
		}
		if (row >= nfactors)
			data_error(stream_where(&s), "more rows than sectors");
		if (strcmp(s.fields[0], factor_names[row]) != 0)
			data_error(stream_where(&s), "row '%s' where sector '%s' was expected",
			           s.fields[0], factor_names[row]);
		for (int k = 0; k < nfactors; k++) {
			double x = field_in(&s, k + 1, "correlation", -1, 1, false, false);
			if (k == row && x != 1)
				data_error(stream_where(&s), "diagonal correlation of '%s' is not 1",
				           factor_names[row]);
			if (k < row && x != corr[k][row])
				data_error(stream_where(&s),
				           "not symmetric: '%s','%s' differs from '%s','%s'",
				           factor_names[row], factor_names[k], factor_names[k],
				           factor_names[row]);
			corr[row][k] = x;
		}
		row++;
	}
	if (!factor_names[0] || row != nfactors)
		data_error(file, "%d rows for %d sectors", row, factor_names[0] ? nfactors : 0);
	stream_close(&s);
	/* Cholesky; a pivot that is not positive: not a correlation matrix */
	for (int j = 0; j < nfactors; j++) {
		double d = corr[j][j];
		for (int k = 0; k < j; k++)
			d -= chol[j][k] * chol[j][k];
		if (!(d > 1e-12))
			data_error(file, "correlation matrix is not positive definite");
		chol[j][j] = sqrt(d);
		for (int i = j + 1; i < nfactors; i++) {
			double x = corr[i][j];
			for (int k = 0; k < j; k++)
				x -= chol[i][k] * chol[j][k];
			chol[i][j] = x / chol[j][j];
		}
	}
}

static double threshold(double p)
{
	if (!t_copula)
		return det_normal_quantile(p);
	/* GSL, not detmath: the bits may differ between CPUs, but they enter
	 * the partial's book-digest, so shards from two such hosts refuse to
	 * merge instead of mixing */
	return gsl_cdf_tdist_Pinv(p, nu);
}

static void read_book(const char *file, double rho)
{
	struct stream s = { 0 };
	char *inputs[1] = { (char *)file };
	int cap = 0;
	int col_o = -1, col_e = -1, col_p = -1, col_l = -1, col_s = -1, col_r = -1;

	stream_open(&s, 1, inputs);
	for (enum record r; (r = stream_next(&s)) != RECORD_END;) {
		if (r != RECORD_ROW)
			continue;
		if (col_o < 0) {
			col_o = stream_column(&s, "obligor");
			col_e = stream_column(&s, "exposure");
			col_p = stream_column(&s, "pd");
			col_l = stream_column(&s, "lgd");
			col_s = stream_column(&s, "sector");
			col_r = stream_column(&s, "rho");
			if (col_o < 0 || col_e < 0 || col_p < 0 || col_l < 0)
				data_error(stream_header_where(&s),
				           "header needs columns obligor exposure pd lgd");
			if (sectors_file && col_s < 0)
				data_error(stream_header_where(&s),
				           "--sectors needs a sector column");
			if (col_r < 0 && !rho_text)
				data_error(stream_header_where(&s),
				           "no rho column: give --rho");
		}
		if (nbook == cap) {
			cap = cap ? 2 * cap : 256;
			book = xreallocarray(book, (size_t)cap, sizeof *book);
		}
		struct obligor *o = &book[nbook];
		o->name = xstrdup(s.fields[col_o]);
		o->exposure = stream_field_double(&s, col_e);
		if (o->exposure < 0)
			data_error(stream_where(&s), "negative exposure %s", s.fields[col_e]);
		o->pd = field_in(&s, col_p, "pd", 0, 1, true, true);
		o->lgd = field_in(&s, col_l, "lgd", 0, 1, false, false);
		o->rho = col_r >= 0 ? field_in(&s, col_r, "rho", 0, 1, false, true) : rho;
		o->v = o->exposure * o->lgd;
		o->sector = 0;
		if (sectors_file) {
			int k = 0;
			while (k < nfactors && strcmp(factor_names[k], s.fields[col_s]) != 0)
				k++;
			if (k == nfactors)
				data_error(stream_where(&s), "unknown sector '%s'", s.fields[col_s]);
			o->sector = k;
		}
		o->a = sqrt(o->rho);
		o->b = sqrt(1 - o->rho);
		o->c = threshold(o->pd);
		if (nbook == INT32_MAX / 2)
			data_error(stream_where(&s), "too many obligors");
		nbook++;
	}
	if (nbook == 0)
		data_error(file, "no obligors");
	stream_close(&s);
	total_v = 0;
	loss_scale = 0;
	for (int i = 0; i < nbook; i++) {
		total_v += book[i].v;
		if (book[i].v > loss_scale)
			loss_scale = book[i].v;
	}
	if (!isfinite(total_v))
		data_error(file, "total exposure too large");
}

static int group_order(const void *x, const void *y)
{
	const struct obligor *p = &book[*(const int *)x], *q = &book[*(const int *)y];
	if (p->sector != q->sector)
		return p->sector < q->sector ? -1 : 1;
	if (p->c != q->c)
		return p->c < q->c ? -1 : 1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (use_is && p->v != q->v)
		return p->v < q->v ? -1 : 1;
	int i = *(const int *)x, j = *(const int *)y;
	return (i > j) - (i < j);
}

static void make_groups(void)
{
	int *order = xreallocarray(NULL, (size_t)nbook, sizeof *order);
	for (int i = 0; i < nbook; i++)
		order[i] = i;
	qsort(order, (size_t)nbook, sizeof *order, group_order);
	groups = xreallocarray(NULL, (size_t)nbook, sizeof *groups);
	for (int k = 0; k < nbook; k++) {
		const struct obligor *o = &book[order[k]];
		struct group *g = ngroups ? &groups[ngroups - 1] : NULL;
		if (!g || g->sector != o->sector || g->c != o->c || g->a != o->a ||
		    (use_is && g->v != o->v)) {
			g = &groups[ngroups++];
			*g = (struct group){ o->a, o->b, o->c, o->v, 0, o->sector, 0, order + k };
		}
		g->n++;
		g->vsum += o->v;
	}
}

/* ---- one scenario --------------------------------------------------------- */

struct draws {
	uint64_t scenario;
	uint32_t block;
	int left;
	uint64_t word[2];
};

static inline uint64_t next_word(struct draws *d)
{
	if (d->left == 0) {
		rng_block(seed, CREDIT_STREAM, d->scenario, d->block++, d->word);
		d->left = 2;
	}
	return d->word[2 - d->left--];
}

/* psi(theta) and psi'(theta) over the groups, given their p: the
 * conditional cumulant generating function of the loss. */
static void cgf(const double *p, double theta, double *psi, double *dpsi)
{
	double s = 0, ds = 0;
	for (int g = 0; g < ngroups; g++) {
		double ev = det_exp(theta * groups[g].v);
		double den = 1 + p[g] * (ev - 1);
		s += groups[g].n * det_log(den);
		ds += groups[g].n * groups[g].v * p[g] * ev / den;
	}
	*psi = s;
	*dpsi = ds;
}

/* psi'(theta) into *dpsi; returns psi''(theta). */
static double cgf2(const double *p, double theta, double *dpsi)
{
	double ds = 0, d2 = 0;
	for (int g = 0; g < ngroups; g++) {
		double ev = det_exp(theta * groups[g].v);
		double den = 1 + p[g] * (ev - 1);
		double m = p[g] * ev / den;   /* the twisted probability */
		ds += groups[g].n * groups[g].v * m;
		d2 += groups[g].n * groups[g].v * groups[g].v * m * (1 - m);
	}
	*dpsi = ds;
	return d2;
}

/* theta >= 0 with psi'(theta) = x, or 0 when E[L | factors] >= x. Any
 * theta keeps the estimate unbiased: this only needs to be a good one,
 * and the same bits everywhere (fixed steps, detmath). */
static double twist(const double *p, double x)
{
	double psi, d;
	cgf(p, 0, &psi, &d);
	if (!(x > 0) || d >= x || x >= total_v)
		return 0;
	/* Newton from the left, safeguarded by bisection in the bracket
	 * [lo, hi] (psi' increases); fixed rules, so the same bits anywhere */
	double lo = 0, hi = 600 / loss_scale, theta = 0;
	for (int k = 0; k < 100; k++) {
		double dd = cgf2(p, theta, &d);
		if (d < x)
			lo = theta;
		else
			hi = theta;
		double next = theta + (x - d) / dd;
		if (!(next > lo && next < hi))
			next = lo + (hi - lo) / 2;
		if (fabs(next - theta) <= 1e-12 * next || hi - lo <= 1e-12 * hi) {
			theta = next;
			break;
		}
		theta = next;
	}
	(void)psi;
	return theta;
}

/* The conditional default probabilities of the groups given xi (and s). */
static void group_probs(const double *xi, double s, double *p)
{
	double y[MAX_FACTORS];
	for (int f = 0; f < nfactors; f++) {
		double t = 0;
		for (int k = 0; k <= f; k++)
			t += chol[f][k] * xi[k];
		y[f] = t;
	}
	for (int g = 0; g < ngroups; g++)
		p[g] = det_phi((groups[g].c * s + groups[g].a * y[groups[g].sector]) / groups[g].b);
}

/* Simulates scenario k: returns the loss, sets *weight, and *elw to the
 * conditional expected loss given the factors times the factors' own
 * likelihood ratio (EL's estimator: unbiased, and its weights are only
 * the shift's, light-tailed, where the twist's are not); lists the
 * defaulters in dflt (when not NULL, room for nbook) and their number. */
static double scenario(uint64_t k, double *weight, double *elw, int *dflt, int *ndflt)
{
	static double *p, *q;
	struct draws d = { k, 0, 0, { 0, 0 } };
	double xi[MAX_FACTORS], s = 1, logw = 0;

	if (!p) {
		p = xreallocarray(NULL, (size_t)ngroups, sizeof *p);
		q = xreallocarray(NULL, (size_t)ngroups, sizeof *q);
	}
	for (int f = 0; f < nfactors; f++) {
		xi[f] = det_normal_quantile(det_u01(next_word(&d)));
		if (use_is) {
			xi[f] += is_mu[f];
			logw -= is_mu[f] * xi[f];
		}
	}
	if (use_is)
		logw += is_mu2 / 2;
	if (t_copula) {
		double chi2 = 0;
		for (int j = 0; j < nu; j++) {
			double z = det_normal_quantile(det_u01(next_word(&d)));
			chi2 += z * z;
		}
		s = sqrt(chi2 / nu);
	}
	group_probs(xi, s, p);
	if (elw) {
		double e = 0;
		for (int g = 0; g < ngroups; g++)
			e += groups[g].vsum * p[g];
		*elw = use_is ? e * det_exp(logw) : e;
	}
	double theta = 0;
	if (use_is) {
		theta = twist(p, is_target);
		for (int g = 0; g < ngroups; g++) {
			double ev = det_exp(theta * groups[g].v);
			q[g] = theta > 0 ? p[g] * ev / (1 + p[g] * (ev - 1)) : p[g];
		}
		if (theta > 0) {
			double psi, dpsi;
			cgf(p, theta, &psi, &dpsi);
			logw += psi;
		}
	} else
		memcpy(q, p, (size_t)ngroups * sizeof *q);

	double loss = 0;
	int n = 0;
	for (int g = 0; g < ngroups; g++) {
		const struct group *gr = &groups[g];
		double qg = q[g];
		if (!(qg > 0))
			continue;
		if (gr->n == 1 || qg > 0.25) {
			/* a Bernoulli draw per member: u < q */
			for (int m = 0; m < gr->n; m++)
				if (det_u01(next_word(&d)) < qg) {
					loss += book[gr->members[m]].v;
					if (dflt)
						dflt[n] = gr->members[m];
					n++;
				}
			continue;
		}
		/* geometric skipping: P(gap = j) = q (1-q)^j */
		double l1q = det_log1p(-qg);
		if (!(l1q < 0))
			continue;
		double pos = -1;
		for (;;) {
			double gap = floor(det_log(det_u01(next_word(&d))) / l1q);
			pos += gap + 1;
			if (pos >= gr->n)
				break;
			int i = gr->members[(int)pos];
			loss += book[i].v;
			if (dflt)
				dflt[n] = i;
			n++;
		}
	}
	if (use_is)
		logw -= theta * loss;
	*weight = use_is ? det_exp(logw) : 1;
	if (ndflt)
		*ndflt = n;
	return loss;
}

/* ---- choosing the shift ----------------------------------------------- */

/* F(t dir) of Glasserman and Li: -(theta x - psi(theta)) - t^2/2. */
static double bound(const double *dir, double t, double *p)
{
	double xi[MAX_FACTORS], psi, dpsi;
	for (int k = 0; k < nfactors; k++)
		xi[k] = t * dir[k];
	group_probs(xi, 1, p);
	double theta = twist(p, is_target);
	cgf(p, theta, &psi, &dpsi);
	return -(theta * is_target - psi) - t * t / 2;
}

/* Glasserman and Li's bound F(z) = -sup_theta (theta x - psi(theta, z))
 * - z.z/2, maximised along the direction d of the factors that raise the
 * loss most (one factor: d = 1), by golden section on [0, 8]; x is the
 * conditional expected loss at the factors' level-quantile along d. */
static void choose_shift(void)
{
	double dir[MAX_FACTORS] = { 0 }, norm = 0;
	double *p = xreallocarray(NULL, (size_t)ngroups, sizeof *p);

	for (int g = 0; g < ngroups; g++) {
		double w = groups[g].n * groups[g].v * groups[g].a;
		for (int k = 0; k <= groups[g].sector; k++)
			dir[k] += w * chol[groups[g].sector][k];
	}
	for (int k = 0; k < nfactors; k++)
		norm += dir[k] * dir[k];
	norm = sqrt(norm);
	if (!(norm > 0)) {
		free(p);
		return;
	}
	for (int k = 0; k < nfactors; k++)
		dir[k] /= norm;

	double xi[MAX_FACTORS], psi, dpsi, za = det_normal_quantile(level);
	for (int k = 0; k < nfactors; k++)
		xi[k] = za * dir[k];
	group_probs(xi, 1, p);
	cgf(p, 0, &psi, &dpsi);
	is_target = dpsi;

	double lo = 0, hi = 8, gr = (sqrt(5.0) - 1) / 2;
	double t1 = hi - gr * (hi - lo), t2 = lo + gr * (hi - lo);
	double f1 = bound(dir, t1, p), f2 = bound(dir, t2, p);
	while (hi - lo > 1e-6) {
		if (f1 < f2) {
			lo = t1; t1 = t2; f1 = f2;
			t2 = lo + gr * (hi - lo);
			f2 = bound(dir, t2, p);
		} else {
			hi = t2; t2 = t1; f2 = f1;
			t1 = hi - gr * (hi - lo);
			f1 = bound(dir, t1, p);
		}
	}
	double t = (lo + hi) / 2;
	is_mu2 = 0;
	for (int k = 0; k < nfactors; k++) {
		is_mu[k] = t * dir[k];
		is_mu2 += is_mu[k] * is_mu[k];
	}
	free(p);
}

/* ---- the run's identity ------------------------------------------------ */

/* FNV-1a over the book's values as the tool sees them (thresholds
 * included) and the factors' Cholesky matrix. */
static uint64_t book_digest(void)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	#define MIX(x) do { unsigned char b_[sizeof(x)]; memcpy(b_, &(x), sizeof(x)); \
		for (size_t j_ = 0; j_ < sizeof(x); j_++) { h ^= b_[j_]; h *= UINT64_C(0x100000001b3); } } while (0)
	for (int i = 0; i < nbook; i++) {
		MIX(book[i].v); MIX(book[i].pd); MIX(book[i].c); MIX(book[i].a); MIX(book[i].sector);
		for (const char *c = book[i].name; *c; c++) { h ^= (unsigned char)*c; h *= UINT64_C(0x100000001b3); }
	}
	for (int j = 0; j < nfactors; j++)
		for (int k = 0; k <= j; k++)
			MIX(chol[j][k]);
	#undef MIX
	return h;
}

static char identity[1024];

static void make_identity(void)
{
	char lv[NUM_TEXT_MAX], mu[NUM_TEXT_MAX], x[NUM_TEXT_MAX];
	num_format(lv, level);
	num_format(mu, sqrt(is_mu2));
	num_format(x, is_target);
	snprintf(identity, sizeof identity,
	         "book=%016llx obligors=%d factors=%d copula=%s nu=%d level=%s scenarios=%llu "
	         "seed=%llu is=%d is-shift=%s is-target=%s",
	         (unsigned long long)book_digest(), nbook, nfactors, t_copula ? "t" : "gaussian",
	         nu, lv, (unsigned long long)scenarios, (unsigned long long)seed, use_is ? 1 : 0,
	         use_is ? mu : "0", use_is ? x : "0");
}

/* ---- the tail ------------------------------------------------------------- */

struct tail_entry { double loss, w; uint64_t scenario; };
static struct tail_entry *tail;
static size_t ntail, tail_cap;
static double budget;   /* B, in weight */

static int tail_order(const void *x, const void *y)
{
	const struct tail_entry *a = x, *b = y;
	if (a->loss != b->loss)
		return a->loss > b->loss ? -1 : 1;
	return (a->scenario > b->scenario) - (a->scenario < b->scenario);
}

/* Sorts the tail and drops what lies below the cut: the largest loss whose
 * weight from the top exceeds the budget, its ties kept. Deterministic:
 * the order is total and the running sum is in that order. Returns the
 * cut (-inf when nothing was dropped). */
static double tail_prune(void)
{
	qsort(tail, ntail, sizeof *tail, tail_order);
	long double cum = 0;
	for (size_t k = 0; k < ntail; k++) {
		cum += tail[k].w;
		if (cum > budget) {
			size_t end = k + 1;
			while (end < ntail && tail[end].loss == tail[k].loss)
				end++;
			ntail = end;
			return tail[k].loss;
		}
	}
	return -HUGE_VAL;
}

static double tail_floor = -HUGE_VAL;   /* losses below it cannot enter */

static void tail_add(double loss, double w, uint64_t k)
{
	if (loss < tail_floor)
		return;
	if (ntail == tail_cap) {
		size_t kept = ntail;
		if (ntail >= 4096) {
			double cut = tail_prune();
			if (cut > tail_floor)
				tail_floor = cut;
			kept = ntail;
		}
		if (kept * 2 > tail_cap || ntail == tail_cap) {
			tail_cap = tail_cap ? 2 * tail_cap : 8192;
			tail = xreallocarray(tail, tail_cap, sizeof *tail);
		}
		if (loss < tail_floor)
			return;
	}
	tail[ntail++] = (struct tail_entry){ loss, w, k };
}

/* ---- the sums --------------------------------------------------------------- */
static uint64_t nscen;
static xsum sum_w, sum_w2, sum_wl, sum_wl2;
static xsum bins[BINS];
static bool bin_used[BINS];

static int bin_of(double loss)
{
	if (!(total_v > 0))
		return 0;
	double b = floor(loss / total_v * BINS);
	return b >= BINS ? BINS - 1 : b < 0 ? 0 : (int)b;
}

/* ---- a shard -------------------------------------------------------------- */

static void put_xsum(const char *record, const char *key, const xsum *x)
{
	char text[XSUM_TEXT_MAX];
	xsum_format(x, text, sizeof text);
	printf("%s\t%s\t%s\t-\n", record, key, text);
}

static void run_shard(void)
{
	for (uint64_t k = first; k < first + count; k++) {
		double w, wl, loss = scenario(k, &w, &wl, NULL, NULL);
		nscen++;
		xsum_add(&sum_w, w);
		partial_add_product(&sum_w2, w, w);
		xsum_add(&sum_wl, wl);
		partial_add_product(&sum_wl2, wl, wl);
		int b = bin_of(loss);
		xsum_add(&bins[b], w);
		bin_used[b] = true;
		tail_add(loss, w, k);
	}
	tail_prune();

	printf("# tool=credit partial=" PARTIAL_KIND " %s\n", identity);
	printf("# first=%llu count=%llu\n", (unsigned long long)first, (unsigned long long)count);
	printf("record\tkey\tvalue\textra\n");
	printf("n\t-\t%llu\t-\n", (unsigned long long)nscen);
	put_xsum("sum", "w", &sum_w);
	put_xsum("sum", "w2", &sum_w2);
	put_xsum("sum", "wl", &sum_wl);
	put_xsum("sum", "wl2", &sum_wl2);
	for (int b = 0; b < BINS; b++)
		if (bin_used[b]) {
			char key[16];
			snprintf(key, sizeof key, "%d", b);
			put_xsum("bin", key, &bins[b]);
		}
	for (size_t k = 0; k < ntail; k++) {
		char l[NUM_TEXT_MAX], w[NUM_TEXT_MAX];
		num_format_hex(l, tail[k].loss);
		num_format_hex(w, tail[k].w);
		printf("tail\t%s\t%s\t%llu\n", l, w, (unsigned long long)tail[k].scenario);
	}
}

/* ---- merging ----------------------------------------------------------------- */

struct range { uint64_t first, count; char *where; };
static struct range *ranges;
static size_t nranges;

static int range_order(const void *x, const void *y)
{
	const struct range *a = x, *b = y;
	return (a->first > b->first) - (a->first < b->first);
}

static void check_identity(struct stream *s)
{
	char copy[sizeof identity];
	strcpy(copy, identity);
	const char *kind = stream_meta(s, "partial");
	if (!kind || strcmp(kind, PARTIAL_KIND) != 0)
		data_error(stream_where(s), "not a credit partial");
	for (char *save = NULL, *word = strtok_r(copy, " ", &save); word;
	     word = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(word, '=');
		*eq = '\0';
		const char *got = stream_meta(s, word);
		if (!got || strcmp(got, eq + 1) != 0)
			data_error(stream_where(s), "another run's partial: %s=%s, this run has %s=%s",
			           word, got ? got : "(none)", word, eq + 1);
	}
}

static void read_xsum(struct stream *s, xsum *into)
{
	xsum x;
	const char *t = s->fields[2];
	if (xsum_parse(&x, t, strlen(t)) != 0)
		data_error(stream_where(s), "invalid exact sum '%s'", t);
	xsum_merge(into, &x);
}

static double read_hex(struct stream *s, int field)
{
	double x;
	const char *t = s->fields[field];
	if (!num_parse(t, strlen(t), &x))
		data_error(stream_where(s), "invalid number '%s'", t);
	return x;
}

static void read_partials(int n, char **files)
{
	struct stream s = { 0 };
	stream_open(&s, n, files);
	for (enum record r; (r = stream_next(&s)) != RECORD_END;) {
		if (r == RECORD_META && s.range_opened) {
			s.range_opened = false;
			ranges = xreallocarray(ranges, nranges + 1, sizeof *ranges);
			ranges[nranges++] = (struct range){ s.range_first, s.range_count,
			                                    xstrdup(stream_where(&s)) };
			continue;
		}
		if (r != RECORD_ROW)
			continue;
		if (s.ncolumns != 4 || strcmp(s.header_text, "record\tkey\tvalue\textra") != 0)
			data_error(stream_header_where(&s), "not a credit partial");
		check_identity(&s);
		const char *rec = s.fields[0], *key = s.fields[1];
		if (strcmp(rec, "n") == 0) {
			uint64_t c;
			if (!num_parse_u64(s.fields[2], strlen(s.fields[2]), &c) || c > scenarios)
				data_error(stream_where(&s), "invalid count '%s'", s.fields[2]);
			nscen += c;
		} else if (strcmp(rec, "sum") == 0) {
			xsum *to = strcmp(key, "w") == 0 ? &sum_w : strcmp(key, "w2") == 0 ? &sum_w2 :
			           strcmp(key, "wl") == 0 ? &sum_wl : strcmp(key, "wl2") == 0 ? &sum_wl2 : NULL;
			if (!to)
				data_error(stream_where(&s), "unknown sum '%s'", key);
			read_xsum(&s, to);
		} else if (strcmp(rec, "bin") == 0) {
			uint64_t b;
			if (!num_parse_u64(key, strlen(key), &b) || b >= BINS)
				data_error(stream_where(&s), "invalid bin '%s'", key);
			read_xsum(&s, &bins[b]);
			bin_used[b] = true;
		} else if (strcmp(rec, "tail") == 0) {
			double l = read_hex(&s, 1), w = read_hex(&s, 2);
			uint64_t k;
			if (!num_parse_u64(s.fields[3], strlen(s.fields[3]), &k) || k >= scenarios)
				data_error(stream_where(&s), "invalid scenario '%s'", s.fields[3]);
			if (!(l >= 0) || !(w >= 0))
				data_error(stream_where(&s), "invalid tail entry");
			if (ntail == tail_cap) {
				tail_cap = tail_cap ? 2 * tail_cap : 8192;
				tail = xreallocarray(tail, tail_cap, sizeof *tail);
			}
			tail[ntail++] = (struct tail_entry){ l, w, k };
		} else
			data_error(stream_where(&s), "unknown record '%s'", rec);
	}
	stream_close(&s);
	if (nranges == 0)
		fatal("no partial in the input");
	qsort(ranges, nranges, sizeof *ranges, range_order);
	uint64_t next = 0;
	for (size_t k = 0; k < nranges; k++) {
		if (ranges[k].first < next)
			data_error(ranges[k].where, "scenarios %llu.. counted twice",
			           (unsigned long long)ranges[k].first);
		if (ranges[k].first > next)
			data_error(ranges[k].where, "scenarios %llu..%llu missing",
			           (unsigned long long)next, (unsigned long long)ranges[k].first - 1);
		next = ranges[k].first + ranges[k].count;
	}
	if (next != scenarios)
		fatal("scenarios %llu..%llu missing", (unsigned long long)next,
		      (unsigned long long)scenarios - 1);
	if (nscen != scenarios)
		fatal("the partials count %llu scenarios, their ranges %llu",
		      (unsigned long long)nscen, (unsigned long long)scenarios);
}

/* The weight strictly above each group of tied losses, in the sorted tail. */
static bool tail_complete;   /* every scenario is in the tail (nothing cut) */

/* The smallest tail loss l with W(> l) <= t: the weighted quantile at tail
 * weight t. Fails when the kept tail does not reach it. */
static double quantile_at(long double t, const char *what)
{
	long double above = 0;
	size_t k = 0;
	while (k < ntail) {
		size_t end = k;
		long double wg = 0;
		while (end < ntail && tail[end].loss == tail[k].loss)
			wg += tail[end++].w;
		if (above + wg > t)
			return tail[k].loss;
		above += wg;
		k = end;
	}
	if (tail_complete)
		return ntail ? tail[ntail - 1].loss : 0;
	fatal("the kept tail is too short for the %s; raise SCENARIOS", what);
}

static void row(const char *name, double est, double se, double lo, double hi)
{
	char t[5][NUM_TEXT_MAX];
	num_format(t[0], est);
	num_format(t[1], se);
	num_format(t[2], lo);
	num_format(t[3], hi);
	printf("%s\t%s\t%s\t%s\t%s\t%llu\n", name, t[0], t[1], t[2], t[3],
	       (unsigned long long)scenarios);
}

static FILE *open_out(const char *file)
{
	FILE *f = fopen(file, "w");
	if (!f)
		fatal("%s:", file);
	return f;
}

static void close_out(FILE *f, const char *file)
{
	if (ferror(f) | (fclose(f) != 0))
		fatal("%s: write error", file);
}

static void run_merge(int n, char **files)
{
	read_partials(n, files);
	qsort(tail, ntail, sizeof *tail, tail_order);
	long double N = (long double)scenarios;
	long double T = (1 - (long double)level) * N;
	{
		long double kept = 0;
		for (size_t k = 0; k < ntail; k++)
			kept += tail[k].w;
		tail_complete = ntail == scenarios;
		(void)kept;
	}

	/* EL */
	double swl = xsum_round(&sum_wl), swl2 = xsum_round(&sum_wl2);
	double el = swl / (double)N;
	double el_var = swl2 / (double)N - el * el;
	double el_se = sqrt(el_var > 0 ? el_var / (double)N : 0);

	/* VaR: weight above, at and the ES sums */
	double var = quantile_at(T, "VaR");
	long double w_above = 0, wl_above = 0, w2_above = 0, w_at = 0;
	for (size_t k = 0; k < ntail && tail[k].loss >= var; k++) {
		if (tail[k].loss > var) {
			w_above += tail[k].w;
			wl_above += (long double)tail[k].w * tail[k].loss;
			w2_above += (long double)tail[k].w * tail[k].w;
		} else
			w_at += tail[k].w;
	}
	long double es = (wl_above + (long double)var * (T - w_above)) / T;

	/* VaR's interval: the quantiles at T -+ 1.96 sd of the tail weight */
	long double sdw2 = w2_above - w_above * w_above / N;
	long double sdw = sdw2 > 0 ? sqrtl(sdw2) : 0;
	double var_lo = quantile_at(T + Z95 * sdw, "VaR interval");
	double var_hi = T - Z95 * sdw > 0 ? quantile_at(T - Z95 * sdw, "VaR interval")
	                                  : (ntail ? tail[0].loss : var);

	/* ES's standard error: ES = VaR + E[(L - VaR)^+] / (1 - alpha), whose
	 * derivative in VaR vanishes at VaR, so to first order the estimator
	 * varies as the mean of w (L - VaR)^+ / (1 - alpha): only the tail
	 * enters (under IS the weights elsewhere are noisy and do not count) */
	long double alpha1 = 1 - (long double)level, m1 = 0, m2 = 0;
	for (size_t k = 0; k < ntail && tail[k].loss > var; k++) {
		long double h = ((long double)tail[k].loss - var) / alpha1, w = tail[k].w;
		m1 += w * h;
		m2 += w * w * h * h;
	}
	m1 /= N;
	m2 /= N;
	long double es_var = m2 - m1 * m1;
	double es_se = es_var > 0 ? (double)sqrtl(es_var / N) : 0;

	printf("# tool=credit %s\n", identity);
	printf("name\testimate\tstderr\tci95_low\tci95_high\tscenarios\n");
	row("EL", el, el_se, el - Z95 * el_se, el + Z95 * el_se);
	row("VaR", var, (var_hi - var_lo) / (2 * Z95), var_lo, var_hi);
	row("ES", (double)es, es_se, (double)es - Z95 * es_se, (double)es + Z95 * es_se);

	if (contrib_file) {
		/* Acerbi-Tasche: scenarios above VaR count whole, those at VaR by
		 * the share beta that fills the tail weight T */
		long double beta = w_at > 0 ? (T - w_above) / w_at : 0;
		long double *c = xreallocarray(NULL, (size_t)nbook, sizeof *c);
		int *dflt = xreallocarray(NULL, (size_t)nbook, sizeof *dflt);
		for (int i = 0; i < nbook; i++)
			c[i] = 0;
		for (size_t k = 0; k < ntail && tail[k].loss >= var; k++) {
			double w;
			int nd;
			double loss = scenario(tail[k].scenario, &w, NULL, dflt, &nd);
			if (loss != tail[k].loss || w != tail[k].w)
				fatal("scenario %llu does not reproduce its partial's loss",
				      (unsigned long long)tail[k].scenario);
			long double f = tail[k].loss > var ? 1 : beta;
			for (int j = 0; j < nd; j++)
				c[dflt[j]] += f * w * book[dflt[j]].v;
		}
		FILE *f = open_out(contrib_file);
		fprintf(f, "# tool=credit %s\n", identity);
		fprintf(f, "obligor\texposure\tpd\tlgd\tel\tes_contribution\tshare\n");
		for (int i = 0; i < nbook; i++) {
			char t[5][NUM_TEXT_MAX];
			num_format(t[0], book[i].exposure);
			num_format(t[1], book[i].pd);
			num_format(t[2], book[i].lgd);
			num_format(t[3], book[i].exposure * book[i].pd * book[i].lgd);
			double ci = (double)(c[i] / T);
			num_format(t[4], ci);
			char sh[NUM_TEXT_MAX];
			num_format(sh, es > 0 ? ci / (double)es : 0);
			fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", book[i].name, t[0], t[1], t[2], t[3],
			        t[4], sh);
		}
		close_out(f, contrib_file);
		free(c);
		free(dflt);
	}
	if (dist_file) {
		FILE *f = open_out(dist_file);
		double above[BINS + 1];
		above[BINS] = 0;
		for (int b = BINS - 1; b >= 0; b--)
			above[b] = above[b + 1] + xsum_round(&bins[b]) / (double)N;
		fprintf(f, "# tool=credit %s var=%.17g es=%.17g\n", identity, var, (double)es);
		fprintf(f, "loss_low\tloss_high\tprobability\texceedance\n");
		for (int b = 0; b < BINS; b++)
			if (bin_used[b]) {
				char t[4][NUM_TEXT_MAX];
				num_format(t[0], total_v * b / BINS);
				num_format(t[1], total_v * (b + 1) / BINS);
				num_format(t[2], xsum_round(&bins[b]) / (double)N);
				num_format(t[3], above[b]);
				fprintf(f, "%s\t%s\t%s\t%s\n", t[0], t[1], t[2], t[3]);
			}
		close_out(f, dist_file);
	}
}

/* ---- main ------------------------------------------------------------------ */

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Simulate correlated defaults of a loan book (a shard of scenarios) and\n"
	       "write its exact, mergeable partial; or merge partials into EL, VaR, ES.\n\n"
	       "  -l, --loans FILE        the book: obligor exposure pd lgd [sector] [rho]\n"
	       "  -r, --rho R             asset correlation, 0 <= R < 1 (or a rho column)\n"
	       "  -c, --copula NAME       gaussian (default) or t\n"
	       "      --nu N              the t copula's degrees of freedom, 1 to 1000\n"
	       "      --sectors FILE      sector factor correlations: sector name...\n"
	       "  -a, --level A           VaR and ES level, 0 < A < 1 (default 0.999)\n"
	       "  -n, --scenarios N       scenarios of the whole run (default 100000)\n"
	       "      --first I           this shard's first scenario (default 0)\n"
	       "      --count M           its number of scenarios (default: to the end)\n"
	       "      --seed X            64-bit seed (default 1)\n"
	       "      --is                importance sampling (Glasserman and Li 2005)\n"
	       "      --merge             read partials, write the estimates\n"
	       "      --contributions F   with --merge: per-obligor ES contributions to F\n"
	       "      --distribution F    with --merge: the loss histogram to F\n"
	       "  -h, --help              show this help\n"
	       "  -V, --version           show the version\n\n"
	       "Output: a partial; with --merge the table\n"
	       "name estimate stderr ci95_low ci95_high scenarios, rows EL, VaR, ES.\n",
	       synopsis);
	finish_output();
	exit(0);
}

enum { OPT_NU = 256, OPT_SECTORS, OPT_FIRST, OPT_COUNT, OPT_SEED, OPT_IS, OPT_MERGE,
       OPT_CONTRIB, OPT_DIST };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "loans", required_argument, NULL, 'l' },
		{ "rho", required_argument, NULL, 'r' },
		{ "copula", required_argument, NULL, 'c' },
		{ "nu", required_argument, NULL, OPT_NU },
		{ "sectors", required_argument, NULL, OPT_SECTORS },
		{ "level", required_argument, NULL, 'a' },
		{ "scenarios", required_argument, NULL, 'n' },
		{ "first", required_argument, NULL, OPT_FIRST },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "is", no_argument, NULL, OPT_IS },
		{ "merge", no_argument, NULL, OPT_MERGE },
		{ "contributions", required_argument, NULL, OPT_CONTRIB },
		{ "distribution", required_argument, NULL, OPT_DIST },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *copula = "gaussian", *nu_text = NULL;
	double rho = 0;
	int c;

	tool_init("credit", argv);
	while ((c = getopt_long(argc, argv, "l:r:c:a:n:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': loans_file = optarg; break;
		case 'r': rho_text = optarg; break;
		case 'c': copula = optarg; break;
		case OPT_NU: nu_text = optarg; break;
		case OPT_SECTORS: sectors_file = optarg; break;
		case 'a': level = opt_double("--level", optarg); break;
		case 'n': scenarios = (uint64_t)opt_int("--scenarios", optarg, 1, INT64_C(1) << 53); break;
		case OPT_FIRST: first = (uint64_t)opt_int("--first", optarg, 0, INT64_C(1) << 53); break;
		case OPT_COUNT:
			count = (uint64_t)opt_int("--count", optarg, 1, INT64_C(1) << 53);
			count_given = true;
			break;
		case OPT_SEED: seed = opt_seed("--seed", optarg); break;
		case OPT_IS: use_is = true; break;
		case OPT_MERGE: merge_mode = true; break;
		case OPT_CONTRIB: contrib_file = optarg; break;
		case OPT_DIST: dist_file = optarg; break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (!loans_file)
		usage_error("--loans is required");
	if (strcmp(copula, "t") == 0)
		t_copula = true;
	else if (strcmp(copula, "gaussian") != 0)
		usage_error("--copula: unknown copula '%s' (gaussian or t)", copula);
	if (t_copula && !nu_text)
		usage_error("--copula t needs --nu");
	if (!t_copula && nu_text)
		usage_error("--nu: only for --copula t");
	if (nu_text)
		nu = (int)opt_int("--nu", nu_text, 1, MAX_NU);
	if (rho_text) {
		rho = opt_double("--rho", rho_text);
		if (!(rho >= 0 && rho < 1))
			usage_error("--rho: '%s' must be in [0, 1)", rho_text);
	}
	if (!(level > 0 && level < 1))
		usage_error("--level: must be in (0, 1)");
	if (!merge_mode && (contrib_file || dist_file))
		usage_error("--contributions and --distribution need --merge");
	if (merge_mode && (first || count_given))
		usage_error("--first and --count are a shard's, not --merge's");
	if (!count_given)
		count = first < scenarios ? scenarios - first : 0;
	if (!merge_mode && (first >= scenarios || count > scenarios - first))
		usage_error("--first, --count: scenarios %llu..%llu outside 0..%llu",
		            (unsigned long long)first, (unsigned long long)(first + count - 1),
		            (unsigned long long)scenarios - 1);
	if (!merge_mode && optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	if (sectors_file)
		read_sectors(sectors_file);
	else
		chol[0][0] = 1;
	read_book(loans_file, rho);
	make_groups();
	if (use_is)
		choose_shift();
	make_identity();
	double tw = (1 - level) * (double)scenarios;
	budget = tw + 3 * sqrt(tw) + 1;

	if (merge_mode)
		run_merge(argc - optind, argv + optind);
	else
		run_shard();
	finish_output();
	return 0;
}
