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
 * group sharing p; defaulters are drawn by geometric skipping (the gap to
 * the next defaulter is floor(log U / log(1 - p))), which costs a draw per
 * defaulter, not per obligor, and has the distribution of independent
 * Bernoulli(p) draws; without IS over blocks of groups, thinned (struct
 * block).
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
 * A shard writes a partial: exact sums (exactsum.h) of EL's estimator
 * (the loss; under IS w_shift E[L | factors]) and its square, a histogram of the loss, and its tail,
 * the worst scenarios (loss, w, index) as tail.h keeps them (shared with
 * risk(1): exact and mergeable, weights included). --merge reads the
 * partials, gives VaR and ES with tail.h's intervals, and the obligors'
 * Euler contributions to the ES by re-simulating the kept scenarios up to
 * the VaR's (a scenario's defaulters are a function of (seed, index)). */
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
#include "tail.h"
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
	"[-n scenarios] [--first i] [--count m] [--seed x] [--is] [--rows] "
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
static bool emit_rows;

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

/* Without IS, consecutive groups of one sector and loading whose default
 * probabilities are within a factor 2 form a block: its defaulters are
 * drawn by geometric skipping at the block's largest conditional
 * probability p_max (its last group's), each candidate kept with
 * probability p_g / p_max (thinning: exactly Bernoulli(p_g) per member).
 * A draw per candidate, not per obligor, and a Phi per candidate's group,
 * not per group: a book whose obligors all have their own PD costs about
 * as little as one in a few rating grades. */
struct block { int g0, g1, n; int *members; };
static struct block *blocks;
static int nblocks;
static int *member_group;     /* the group of each entry of the members array */

/* ---- importance sampling ------------------------------------------------ */
static double is_mu[MAX_FACTORS], is_mu2;    /* the shift and mu.mu */
static double is_target;                     /* x */
static double loss_scale;                    /* max v: theta is in units of 1/loss_scale */

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

static void make_blocks(int *order)
{
	member_group = xreallocarray(NULL, (size_t)nbook, sizeof *member_group);
	blocks = xreallocarray(NULL, (size_t)ngroups, sizeof *blocks);
	for (int g = 0, k = 0; g < ngroups; g++) {
		for (int m = 0; m < groups[g].n; m++)
			member_group[k++] = g;
		struct block *b = nblocks ? &blocks[nblocks - 1] : NULL;
		const struct group *first_g = b ? &groups[b->g0] : NULL;
		if (use_is || !b || first_g->sector != groups[g].sector || first_g->a != groups[g].a ||
		    book[groups[g].members[0]].pd > 2 * book[first_g->members[0]].pd) {
			b = &blocks[nblocks++];
			*b = (struct block){ g, g, 0, groups[g].members };
		}
		b->g1 = g;
		b->n += groups[g].n;
	}
	(void)order;
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
	make_blocks(order);
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

/* The sectors' factors Y = C xi. */
static void factor_values(const double *xi, double *y)
{
	for (int f = 0; f < nfactors; f++) {
		double t = 0;
		for (int k = 0; k <= f; k++)
			t += chol[f][k] * xi[k];
		y[f] = t;
	}
}

/* Group g's conditional default probability given the factors y and s. */
static inline double group_prob(int g, const double *y, double s)
{
	return det_normal_cdf((groups[g].c * s + groups[g].a * y[groups[g].sector]) / groups[g].b);
}

/* The conditional default probabilities of the groups given xi (and s). */
static void group_probs(const double *xi, double s, double *p)
{
	double y[MAX_FACTORS];
	factor_values(xi, y);
	for (int g = 0; g < ngroups; g++)
		p[g] = group_prob(g, y, s);
}

/* Without IS: each block's defaulters (struct block), their loss. */
static double block_defaults(struct draws *d, const double *xi, double s, int *dflt, int *ndflt)
{
	double y[MAX_FACTORS], loss = 0;
	int n = 0;
	factor_values(xi, y);
	for (int bi = 0; bi < nblocks; bi++) {
		const struct block *b = &blocks[bi];
		const int *mg = member_group + (b->members - groups[0].members);
		double pmax = group_prob(b->g1, y, s);
		if (!(pmax > 0))
			continue;
		if (b->n == 1 || pmax > 0.25) {
			/* a Bernoulli draw per member: u < p */
			double pg = pmax;
			int gprev = b->g1;
			for (int m = 0; m < b->n; m++) {
				if (mg[m] != gprev) {
					gprev = mg[m];
					pg = group_prob(gprev, y, s);
				}
				if (det_u01(next_word(d)) < pg) {
					loss += book[b->members[m]].v;
					if (dflt)
						dflt[n] = b->members[m];
					n++;
				}
			}
			continue;
		}
		/* geometric skipping at pmax, P(gap = j) = pmax (1-pmax)^j, each
		 * candidate of a lower group kept when u pmax < p_g */
		double l1q = det_log1p(-pmax);
		if (!(l1q < 0))
			continue;
		double pos = -1, pg = pmax;
		int gprev = b->g1;
		for (;;) {
			double gap = floor(det_log(det_u01(next_word(d))) / l1q);
			pos += gap + 1;
			if (pos >= b->n)
				break;
			int m = (int)pos;
			if (mg[m] != b->g1) {
				if (mg[m] != gprev) {
					gprev = mg[m];
					pg = group_prob(gprev, y, s);
				}
				if (!(det_u01(next_word(d)) * pmax < pg))
					continue;
			}
			loss += book[b->members[m]].v;
			if (dflt)
				dflt[n] = b->members[m];
			n++;
		}
	}
	*ndflt = n;
	return loss;
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
	if (!use_is) {
		/* EL's estimator is then the loss itself: its conditional
		 * expectation would cost a Phi per group, which blocks avoid */
		int nd;
		double loss = block_defaults(&d, xi, s, dflt, &nd);
		if (elw)
			*elw = loss;
		*weight = 1;
		if (ndflt)
			*ndflt = nd;
		return loss;
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
static struct tail tail;

/* Adds scenario k. A weight that underflowed to 0 (a scenario the shift
 * and twist make astronomically likely) weighs nothing in any estimate:
 * it stays out of the tail, which takes positive weights. */
static void tail_take(uint64_t k, double loss, double w)
{
	if (w == 0)
		return;
	if (!tail_add(&tail, k, loss, w, NULL))
		fatal("scenario %llu: loss or weight not finite", (unsigned long long)k);
}

/* ---- the sums --------------------------------------------------------------- */
static uint64_t nscen;
static xsum sum_wl, sum_wl2;   /* EL's estimator (scenario()'s elw) and its square */
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

/* --rows: each scenario as a row, its defaulters named, for Unix tools. */
static void run_rows(void)
{
	int *dflt = xreallocarray(NULL, (size_t)nbook, sizeof *dflt);
	printf("# tool=credit rows=1 %s\n", identity);
	printf("# first=%llu count=%llu\n", (unsigned long long)first, (unsigned long long)count);
	printf("scenario\tloss\tweight\tdefaults\tdefaulters\n");
	for (uint64_t k = first; k < first + count; k++) {
		double w;
		int nd;
		double loss = scenario(k, &w, NULL, dflt, &nd);
		char l[NUM_TEXT_MAX], wt[NUM_TEXT_MAX];
		num_format(l, loss);
		num_format(wt, w);
		printf("%llu\t%s\t%s\t%d\t", (unsigned long long)k, l, wt, nd);
		for (int j = 0; j < nd; j++)
			printf("%s%s", j ? "," : "", book[dflt[j]].name);
		printf(nd ? "\n" : "-\n");
	}
	free(dflt);
}

static void run_shard(void)
{
	for (uint64_t k = first; k < first + count; k++) {
		double w, wl, loss = scenario(k, &w, &wl, NULL, NULL);
		nscen++;
		xsum_add(&sum_wl, wl);
		partial_add_product(&sum_wl2, wl, wl);
		int b = bin_of(loss);
		xsum_add(&bins[b], w);
		bin_used[b] = true;
		tail_take(k, loss, w);
	}
	tail_trim(&tail);

	printf("# tool=credit partial=" PARTIAL_KIND " %s\n", identity);
	printf("# first=%llu count=%llu\n", (unsigned long long)first, (unsigned long long)count);
	printf("record\tkey\tvalue\textra\n");
	printf("n\t-\t%llu\t-\n", (unsigned long long)nscen);
	put_xsum("sum", "wl", &sum_wl);
	put_xsum("sum", "wl2", &sum_wl2);
	for (int b = 0; b < BINS; b++)
		if (bin_used[b]) {
			char key[16];
			snprintf(key, sizeof key, "%d", b);
			put_xsum("bin", key, &bins[b]);
		}
	for (size_t k = 0; k < tail.n; k++) {
		char l[NUM_TEXT_MAX], w[NUM_TEXT_MAX];
		num_format_hex(l, tail.rows[k].loss);
		num_format_hex(w, tail.rows[k].weight);
		printf("tail\t%s\t%s\t%llu\n", l, w, (unsigned long long)tail.rows[k].scenario);
	}
}

/* ---- merging ----------------------------------------------------------------- */

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
			tail_add_range(&tail, s.range_first, s.range_count, stream_where(&s));
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
			xsum *to = strcmp(key, "wl") == 0 ? &sum_wl : strcmp(key, "wl2") == 0 ? &sum_wl2 : NULL;
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
			if (!(l >= 0) || !tail_add(&tail, k, l, w, NULL))
				data_error(stream_where(&s), "invalid tail entry");
		} else
			data_error(stream_where(&s), "unknown record '%s'", rec);
	}
	stream_close(&s);
	if (tail.nranges == 0)
		fatal("no partial in the input");
	tail_trim(&tail);
	tail_check_coverage(&tail, true);
	if (nscen != scenarios)
		fatal("the partials count %llu scenarios, their ranges %llu",
		      (unsigned long long)nscen, (unsigned long long)scenarios);
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
	double N = (double)scenarios;

	/* EL: the mean of w E[L | factors] */
	double swl = xsum_round(&sum_wl), swl2 = xsum_round(&sum_wl2);
	double el = swl / N;
	double el_var = swl2 / N - el * el;
	double el_se = sqrt(el_var > 0 ? el_var / N : 0);

	struct tail_estimate e;
	char why[256];
	if (!tail_estimates(&tail, &e, why, sizeof why))
		fatal("%s", why);

	printf("# tool=credit %s\n", identity);
	printf("name\testimate\tstderr\tci95_low\tci95_high\tscenarios\n");
	row("EL", el, el_se, el - Z95 * el_se, el + Z95 * el_se);
	row("VaR", e.var, e.var_se, e.var_low, e.var_high);
	row("ES", e.es, e.es_se, e.es_low, e.es_high);

	if (contrib_file) {
		/* Euler contributions (tail.h): each kept row up to the VaR's
		 * carries its obligors' losses v_i D_i, recomputed here */
		struct tail full;
		char **names = xreallocarray(NULL, (size_t)nbook, sizeof *names);
		for (int i = 0; i < nbook; i++)
			names[i] = book[i].name;
		tail_init(&full, level, scenarios, use_is, nbook, names, "--level");
		int *dflt = xreallocarray(NULL, (size_t)nbook, sizeof *dflt);
		for (size_t k = 0; k <= e.jstar; k++) {
			double w;
			int nd;
			double loss = scenario(tail.rows[k].scenario, &w, NULL, dflt, &nd);
			if (loss != tail.rows[k].loss || w != tail.rows[k].weight)
				fatal("scenario %llu does not reproduce its partial's loss",
				      (unsigned long long)tail.rows[k].scenario);
			tail_add(&full, tail.rows[k].scenario, loss, w, NULL);
			double *x = tail_extra(&full, full.n - 1);
			for (int j = 0; j < nd; j++)
				x[dflt[j]] = book[dflt[j]].v;
		}
		/* the same rows in the same order: the VaR's row is the last */
		tail_trim(&full);
		struct tail_estimate fe = e;
		fe.jstar = full.n - 1;
		double *c = xreallocarray(NULL, (size_t)nbook, sizeof *c);
		double *cse = xreallocarray(NULL, (size_t)nbook, sizeof *cse);
		tail_contributions(&full, &fe, c, cse);
		FILE *f = open_out(contrib_file);
		fprintf(f, "# tool=credit %s\n", identity);
		fprintf(f, "obligor\texposure\tpd\tlgd\tel\tes_contribution\tstderr\tshare\n");
		for (int i = 0; i < nbook; i++) {
			char t[7][NUM_TEXT_MAX];
			num_format(t[0], book[i].exposure);
			num_format(t[1], book[i].pd);
			num_format(t[2], book[i].lgd);
			num_format(t[3], book[i].exposure * book[i].pd * book[i].lgd);
			num_format(t[4], c[i]);
			num_format(t[5], cse[i]);
			num_format(t[6], e.es > 0 ? c[i] / e.es : 0);
			fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", book[i].name, t[0], t[1], t[2],
			        t[3], t[4], t[5], t[6]);
		}
		close_out(f, contrib_file);
		free(c);
		free(cse);
		free(dflt);
		free(names);
		tail_free(&full);
	}
	if (dist_file) {
		FILE *f = open_out(dist_file);
		double above[BINS + 1];
		above[BINS] = 0;
		for (int b = BINS - 1; b >= 0; b--)
			above[b] = above[b + 1] + xsum_round(&bins[b]) / N;
		char t[2][NUM_TEXT_MAX];
		num_format(t[0], e.var);
		num_format(t[1], e.es);
		fprintf(f, "# tool=credit %s var=%s es=%s\n", identity, t[0], t[1]);
		fprintf(f, "loss_low\tloss_high\tprobability\texceedance\n");
		for (int b = 0; b < BINS; b++)
			if (bin_used[b]) {
				char u[4][NUM_TEXT_MAX];
				num_format(u[0], total_v * b / BINS);
				num_format(u[1], total_v * (b + 1) / BINS);
				num_format(u[2], xsum_round(&bins[b]) / N);
				num_format(u[3], above[b]);
				fprintf(f, "%s\t%s\t%s\t%s\n", u[0], u[1], u[2], u[3]);
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
	       "      --rows              each scenario as a row: loss, weight, defaulters\n"
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

enum { OPT_NU = 256, OPT_SECTORS, OPT_FIRST, OPT_COUNT, OPT_SEED, OPT_IS, OPT_ROWS, OPT_MERGE,
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
		{ "rows", no_argument, NULL, OPT_ROWS },
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
		case OPT_ROWS: emit_rows = true; break;
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
	if (!(level >= 0.5 && level < 1))
		usage_error("--level: must be in [0.5, 1)");
	if (!merge_mode && (contrib_file || dist_file))
		usage_error("--contributions and --distribution need --merge");
	if (merge_mode && emit_rows)
		usage_error("--rows and --merge: choose one");
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
	tail_init(&tail, level, scenarios, use_is, 0, NULL, "--level");

	if (merge_mode)
		run_merge(argc - optind, argv + optind);
	else if (emit_rows)
		run_rows();
	else
		run_shard();
	finish_output();
	return 0;
}
