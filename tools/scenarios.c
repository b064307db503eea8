/* scenarios: correlated market scenarios over a horizon, a portfolio
 * revalued in full in each, and the tail of its losses as a partial.
 *
 * A scenario's normals come from Philox counters (seed, RNG_SCENARIO,
 * scenario), so a scenario is the same wherever it is computed; its loss
 * is today's value minus the horizon's, each option revalued by
 * Black-Scholes with its remaining maturity. The worst losses go out as a
 * tail partial (tools/lib/tail.h) that risk(1) merges; each kept row
 * carries every position's share of the loss (recomputed for the kept
 * scenarios only), for the ES contributions. --closed-form writes the
 * delta-normal and delta-gamma-normal VaR and ES instead. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detmath.h"
#include "err.h"
#include "lognormal.h"
#include "normals.h"
#include "numtext.h"
#include "opts.h"
#include "rng.h"
#include "simd.h"
#include "tail.h"
#include "xalloc.h"
#include "ziggurat.h"

#define RNG_SCENARIO 2         /* rng.h's stream for risk scenarios */
#define MAX_ASSETS 256
#define MAX_DF 500
#define TRADING_DAYS 252.0
#define BLOCK 64               /* scenarios revalued together */

/* --- the three input files ------------------------------------------------ */

/* A TSV file read whole: '#' lines skipped, fields split on TABs exactly
 * (an empty field between two TABs is empty: a stock's strike), or on runs
 * of spaces in a line without a TAB. */
struct table {
	const char *path;
	char **line;           /* each line's fields, NUL-separated */
	int *nfields;
	unsigned long *lineno;
	int n;                 /* lines, the header first */
};

static char *fields_of(char *text, int *count)
{
	bool tabs = strchr(text, '\t') != NULL;
	char *out = xstrdup(text), *p = out, *w = out;
	int n = 0;

	if (tabs) {
		n = 1;
		for (; *p; p++)
			if (*p == '\t') {
				*p = '\0';
				n++;
			}
	} else {
		while (*p) {
			while (*p == ' ')
				p++;
			if (!*p)
				break;
			while (*p && *p != ' ')
				*w++ = *p++;
			*w++ = '\0';
			n++;
		}
	}
	*count = n;
	return out;
}

static void table_read(struct table *t, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;

	memset(t, 0, sizeof *t);
	t->path = path;
	if (!fp)
		data_error(path, "cannot open:");
	while ((len = getline(&buf, &cap, fp)) != -1) {
		lineno++;
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (buf[0] == '#' || strspn(buf, " \t") == (size_t)len)
			continue;
		t->line = xreallocarray(t->line, (size_t)t->n + 1, sizeof *t->line);
		t->nfields = xreallocarray(t->nfields, (size_t)t->n + 1, sizeof *t->nfields);
		t->lineno = xreallocarray(t->lineno, (size_t)t->n + 1, sizeof *t->lineno);
		t->line[t->n] = fields_of(buf, &t->nfields[t->n]);
		t->lineno[t->n] = lineno;
		t->n++;
	}
	if (ferror(fp))
		data_error(path, "read error:");
	fclose(fp);
	free(buf);
	if (t->n == 0)
		data_error(path, "empty: no header");
}

static const char *field(const struct table *t, int row, int k)
{
	const char *f = t->line[row];
	for (int i = 0; i < k; i++)
		f += strlen(f) + 1;
	return f;
}

static char where_buf[600];
static const char *where(const struct table *t, int row)
{
	snprintf(where_buf, sizeof where_buf, "%s:%lu", t->path, t->lineno[row]);
	return where_buf;
}

static int column(const struct table *t, const char *name, bool required)
{
	for (int k = 0; k < t->nfields[0]; k++)
		if (strcmp(field(t, 0, k), name) == 0)
			return k;
	if (required)
		data_error(where(t, 0), "no column '%s'", name);
	return -1;
}

static double number(const struct table *t, int row, int k, const char *what)
{
	const char *f = field(t, row, k);
	double x;
	if (!num_parse(f, strlen(f), &x))
		data_error(where(t, row), "%s '%.40s' is not a number", what, f);
	return x;
}

/* x as the shortest text that reads back; four buffers, for one message. */
static const char *text_of(double x)
{
	static char buf[4][NUM_TEXT_MAX];
	static int next;
	char *b = buf[next++ % 4];
	num_format(b, x);
	return b;
}

static void check_fields(const struct table *t, int row)
{
	if (t->nfields[row] != t->nfields[0])
		data_error(where(t, row), "expected %d fields, found %d", t->nfields[0], t->nfields[row]);
}

/* --- market, correlation, portfolio ---------------------------------------- */

static int nassets;
static char *asset_name[MAX_ASSETS];
static double spot[MAX_ASSETS], vol[MAX_ASSETS], divq[MAX_ASSETS], mu[MAX_ASSETS];
static double corr[MAX_ASSETS][MAX_ASSETS], chol[MAX_ASSETS][MAX_ASSETS];

enum instrument { STOCK, CALL, PUT };

struct position {
	double quantity, strike, maturity;
	int asset;
	enum instrument kind;
	char *name;            /* the extra column's name: L<line>-<asset>-<instrument> */
	/* at the horizon: d1 = lnS a + b, d2 = d1 - v; value phi (S dq N(phi d1) - dk N(phi d2)) */
	double a, b, v, dq, dk, phi;
	double pa, pb, pv, pqty;  /* phi a, phi b, phi v, phi quantity: phi = +-1, so
	                           * phi (x a + b) = x pa + pb and qty (phi x) =
	                           * pqty x bit for bit, a multiplication fewer */
	double sk, ks;         /* dq / dk and dk / dq: phi(d2) = phi(d1) S sk */
	double today;          /* quantity times today's value */
};

static int npositions;
static struct position *book;

static int asset_index(const char *name)
{
	for (int i = 0; i < nassets; i++)
		if (strcmp(asset_name[i], name) == 0)
			return i;
	return -1;
}

static bool valid_name(const char *s)
{
	if (!*s || *s == '#' || strlen(s) > 64)
		return false;
	double x;
	if (num_parse(s, strlen(s), &x))
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* The tables stay (static): the messages of later checks point into them. */
static void read_market(const char *path)
{
	static struct table t;
	table_read(&t, path);
	int ca = column(&t, "asset", true), cs = column(&t, "spot", true), cv = column(&t, "vol", true);
	int cq = column(&t, "q", true), cm = column(&t, "mu", false);

	for (int r = 1; r < t.n; r++) {
		check_fields(&t, r);
		if (nassets == MAX_ASSETS)
			data_error(where(&t, r), "more than %d assets", MAX_ASSETS);
		const char *name = field(&t, r, ca);
		if (!valid_name(name))
			data_error(where(&t, r), "invalid asset name '%.40s'", name);
		if (asset_index(name) >= 0)
			data_error(where(&t, r), "asset '%s' repeated", name);
		int i = nassets++;
		asset_name[i] = xstrdup(name);
		spot[i] = number(&t, r, cs, "spot");
		vol[i] = number(&t, r, cv, "vol");
		divq[i] = number(&t, r, cq, "q");
		mu[i] = cm >= 0 && field(&t, r, cm)[0] ? number(&t, r, cm, "mu") : 0;
		if (!(spot[i] > 0))
			data_error(where(&t, r), "spot %s is not positive", text_of(spot[i]));
		if (!(vol[i] > 0) || vol[i] > 10)
			data_error(where(&t, r), "vol %s is not in (0, 10]", text_of(vol[i]));
		if (fabs(divq[i]) > 1 || fabs(mu[i]) > 10)
			data_error(where(&t, r), "q or mu out of range (|q| <= 1, |mu| <= 10)");
	}
	if (nassets == 0)
		data_error(path, "no assets");
}

/* Eigenvalues of the symmetric n x n matrix a (destroyed) by cyclic Jacobi
 * rotations; the smallest is returned. */
static double smallest_eigenvalue(double a[MAX_ASSETS][MAX_ASSETS], int n)
{
	for (int sweep = 0; sweep < 100; sweep++) {
		double off = 0;
		for (int p = 0; p < n; p++)
			for (int q = p + 1; q < n; q++)
				off += a[p][q] * a[p][q];
		if (off < 1e-30)
			break;
		for (int p = 0; p < n; p++)
			for (int q = p + 1; q < n; q++) {
				if (a[p][q] == 0)
					continue;
				double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
				double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
				double c = 1 / sqrt(t * t + 1), s = t * c;
				for (int k = 0; k < n; k++) {
					double akp = a[k][p], akq = a[k][q];
					a[k][p] = c * akp - s * akq;
					a[k][q] = s * akp + c * akq;
				}
				for (int k = 0; k < n; k++) {
					double apk = a[p][k], aqk = a[q][k];
					a[p][k] = c * apk - s * aqk;
					a[q][k] = s * apk + c * aqk;
				}
			}
	}
	double least = a[0][0];
	for (int i = 1; i < n; i++)
		if (a[i][i] < least)
			least = a[i][i];
	return least;
}

static void read_corr(const char *path)
{
	static struct table t;
	static double work[MAX_ASSETS][MAX_ASSETS];
	int order[MAX_ASSETS];   /* the matrix's k-th name is asset order[k] */
	bool seen[MAX_ASSETS] = { false };
	int row_of[MAX_ASSETS];

	table_read(&t, path);
	if (t.nfields[0] != nassets)
		data_error(where(&t, 0), "%d names, the market has %d assets", t.nfields[0], nassets);
	for (int k = 0; k < nassets; k++) {
		const char *name = field(&t, 0, k);
		int i = asset_index(name);
		if (i < 0)
			data_error(where(&t, 0), "asset '%.40s' is not in the market", name);
		if (seen[i])
			data_error(where(&t, 0), "asset '%.40s' repeated", name);
		seen[i] = true;
		order[k] = i;
	}
	if (t.n - 1 != nassets)
		data_error(path, "%d rows, the header names %d assets", t.n - 1, nassets);
	for (int r = 1; r < t.n; r++) {
		if (t.nfields[r] != nassets + 1)
			data_error(where(&t, r), "expected %d fields (a name and %d numbers), found %d",
			           nassets + 1, nassets, t.nfields[r]);
		if (strcmp(field(&t, r, 0), field(&t, 0, r - 1)) != 0)
			data_error(where(&t, r), "row '%.40s' where the header's order wants '%.40s'",
			           field(&t, r, 0), field(&t, 0, r - 1));
		row_of[r - 1] = r;
		for (int k = 0; k < nassets; k++) {
			double x = number(&t, r, k + 1, "correlation");
			if (!(fabs(x) <= 1))
				data_error(where(&t, r), "correlation %s,%s = %s is not in [-1, 1]",
				           field(&t, r, 0), field(&t, 0, k), text_of(x));
			corr[order[r - 1]][order[k]] = x;
		}
	}
	for (int k = 0; k < nassets; k++) {
		int i = order[k];
		if (corr[i][i] != 1)
			data_error(where(&t, row_of[k]), "diagonal entry %s,%s = %s is not 1",
			           asset_name[i], asset_name[i], text_of(corr[i][i]));
		for (int l = 0; l < k; l++) {
			int j = order[l];
			if (corr[i][j] != corr[j][i])
				data_error(where(&t, row_of[k]), "not symmetric: entry %s,%s = %s but %s,%s = %s",
				           asset_name[i], asset_name[j], text_of(corr[i][j]), asset_name[j],
				           asset_name[i], text_of(corr[j][i]));
		}
	}
	memcpy(work, corr, sizeof work);
	double least = smallest_eigenvalue(work, nassets);
	if (least < -1e-10)
		data_error(path, "not positive semi-definite: smallest eigenvalue %.6g", least);
	/* Cholesky, a pivot that rounding took below zero counting as zero
	 * (a semi-definite matrix: perfectly correlated assets) */
	for (int i = 0; i < nassets; i++)
		for (int j = 0; j <= i; j++) {
			double s = corr[i][j];
			for (int k = 0; k < j; k++)
				s -= chol[i][k] * chol[j][k];
			if (i == j)
				chol[i][i] = s > 1e-12 ? sqrt(s) : 0;
			else
				chol[i][j] = chol[j][j] > 0 ? s / chol[j][j] : 0;
		}
}

static double horizon, rate;   /* in years */

static void read_portfolio(const char *path)
{
	static struct table t;
	table_read(&t, path);
	int cq = column(&t, "quantity", true), ca = column(&t, "asset", true);
	int ci = column(&t, "instrument", true), ck = column(&t, "strike", true);
	int cm = column(&t, "maturity", true);

	book = xreallocarray(NULL, (size_t)t.n, sizeof *book);
	for (int r = 1; r < t.n; r++) {
		struct position *p = &book[npositions];
		const char *inst = field(&t, r, ci), *asset = field(&t, r, ca);
		/* a stock row may stop after its instrument: strike and maturity empty */
		bool stock = strcmp(inst, "stock") == 0;
		if (!(t.nfields[r] == t.nfields[0] || (stock && t.nfields[r] > ci && t.nfields[r] > cq &&
		                                       t.nfields[r] > ca && t.nfields[r] <= t.nfields[0])))
			check_fields(&t, r);
		memset(p, 0, sizeof *p);
		p->quantity = number(&t, r, cq, "quantity");
		p->asset = asset_index(asset);
		if (p->asset < 0)
			data_error(where(&t, r), "asset '%.40s' is not in the market", asset);
		if (stock) {
			p->kind = STOCK;
			if ((ck < t.nfields[r] && field(&t, r, ck)[0]) || (cm < t.nfields[r] && field(&t, r, cm)[0]))
				data_error(where(&t, r), "a stock has no strike or maturity (leave them empty)");
		} else if (strcmp(inst, "call") == 0 || strcmp(inst, "put") == 0) {
			p->kind = inst[0] == 'c' ? CALL : PUT;
			p->strike = number(&t, r, ck, "strike");
			p->maturity = number(&t, r, cm, "maturity");
			if (!(p->strike > 0))
				data_error(where(&t, r), "strike %s is not positive", text_of(p->strike));
			if (!(p->maturity > horizon) || p->maturity > 100)
				data_error(where(&t, r), "maturity %s is not after the horizon (%s years) "
				           "or beyond 100 years", text_of(p->maturity), text_of(horizon));
		} else {
			data_error(where(&t, r), "instrument '%.40s': want stock, call or put", inst);
		}
		char name[200];
		snprintf(name, sizeof name, "L%lu-%s-%s", t.lineno[r], asset, inst);
		p->name = xstrdup(name);
		npositions++;
	}
	if (npositions == 0)
		data_error(path, "no positions");
}

/* --- revaluation --------------------------------------------------------------- */

/* Coefficients of p's value with tau years left. */
static void set_pricing(struct position *p, double tau)
{
	double s = vol[p->asset], v = s * sqrt(tau);
	p->v = v;
	p->a = 1 / v;
	p->b = (-log(p->strike) + (rate - divq[p->asset] + 0.5 * s * s) * tau) / v;
	p->dq = exp(-divq[p->asset] * tau);
	p->dk = p->strike * exp(-rate * tau);
	p->phi = p->kind == CALL ? 1 : -1;
	p->pa = p->phi * p->a;
	p->pb = p->phi * p->b;
	p->pv = p->phi * p->v;
	p->pqty = p->phi * p->quantity;
	p->sk = p->dq / p->dk;
	p->ks = p->dk / p->dq;
}

/* e^(-y1^2/2) and e^(-y2^2/2), the normal densities (times sqrt(2 pi))
 * at d1 and d2, from one det_exp: v d1 - v^2/2 = ln(S dq / dk), so
 * e^(-d2^2/2) = e^(-d1^2/2) S dq / dk. The exp is taken at the smaller of
 * |y1|, |y2| and the other density derived from it by a factor below 1,
 * so that where one density underflows the other is still right. The
 * exponential is det_exp_lean (1 ulp, not det_exp's 0.54: a third fewer
 * operations). The densities are then within a few ulps (relative; |y|^2
 * 2^-53 from y2's own rounding) of det_exp's at the rounded y1 and y2:
 * far below the approximation error of N itself. */
static ALWAYS_INLINE void densities(const struct position *p, double y1, double y2, double s, double inv_s,
                                    bool near, double *e1, double *e2)
{
	double a1 = fabs(y1), a2 = fabs(y2);
	int first = a1 <= a2;
	double least = first ? a1 : a2;
	/* near: least < DET_NORMAL_CDF_NEAR, the exponent above -25, within
	 * det_exp_lean's range: its clamps left out, the same bits */
	double e = near ? det_exp_lean_in_range(-0.5 * (least * least)) : det_exp_lean(-0.5 * (least * least));
	double other = e * (first ? s * p->sk : inv_s * p->ks);
	*e1 = first ? e : other;
	*e2 = first ? other : e;
}

/* The arguments of N for a block of one option (n <= BLOCK). */
static double y1s[BLOCK], y2s[BLOCK];

/* value[j] for an option from y1s and y2s: N(y1) and N(y2) over one
 * division, c1 = n1 d2 / (d1 d2), c2 = n2 d1 / (d1 d2) (divisions are
 * what a vector loop waits on). `near` is a literal at each call: every
 * argument within DET_NORMAL_CDF_NEAR, so the loop leaves out the far
 * branch and its selects (the same bits). */
static ALWAYS_INLINE void option_values(const struct position *p, const double *s,
                                        const double *inv_s, int n, bool near, double *value,
                                        double *acc)
{
	double dq = p->dq, dk = p->dk, pqty = p->pqty, today = p->today;

	for (int j = 0; j < n; j++) {
		double y1 = y1s[j], y2 = y2s[j];
		double e1, e2, n1, d1, n2, d2;
		densities(p, y1, y2, s[j], inv_s[j], near, &e1, &e2);
		if (near) {
			det_normal_cdf_parts_near(fabs(y1), e1, &n1, &d1);
			det_normal_cdf_parts_near(fabs(y2), e2, &n2, &d2);
		} else {
			det_normal_cdf_parts_exp(fabs(y1), e1, &n1, &d1);
			det_normal_cdf_parts_exp(fabs(y2), e2, &n2, &d2);
		}
		double inv = 1 / (d1 * d2);
		double c1 = n1 * d2 * inv, c2 = n2 * d1 * inv;
		double cdf1 = y1 > 0 ? 1 - c1 : c1, cdf2 = y2 > 0 ? 1 - c2 : c2;
		double v = pqty * (s[j] * dq * cdf1 - dk * cdf2);
		if (acc)
			acc[j] += today - v;
		else
			value[j] = v;
	}
}

/* value[j] = quantity times p's value at log price ln_s[j] (price s[j],
 * inv_s[j] = 1 / s[j]); or, with acc (a literal NULL or not at each call),
 * acc[j] += p->today - that value instead, the loop that computes it
 * adding it up (the same bits as the sum over value[]). */
static ALWAYS_INLINE void position_values(const struct position *p, const double *ln_s, const double *s,
                                          const double *inv_s, int n, double *value, double *acc)
{
	if (p->kind == STOCK) {
		double qty = p->quantity, today = p->today;
		for (int j = 0; j < n; j++) {
			if (acc)
				acc[j] += today - qty * s[j];
			else
				value[j] = qty * s[j];
		}
		return;
	}
	double pa = p->pa, pb = p->pb, pv = p->pv;
	/* Most blocks have every argument of N within DET_NORMAL_CDF_NEAR:
	 * those take the near branch alone (the same bits, a sixth fewer
	 * operations). */
	int far = 0;
	for (int j = 0; j < n; j++) {
		double y1 = ln_s[j] * pa + pb, y2 = y1 - pv;
		y1s[j] = y1;
		y2s[j] = y2;
		far |= !(fabs(y1) < DET_NORMAL_CDF_NEAR) | !(fabs(y2) < DET_NORMAL_CDF_NEAR);
	}
	if (far)
		option_values(p, s, inv_s, n, false, value, acc);
	else
		option_values(p, s, inv_s, n, true, value, acc);
}

enum returns { GBM, NORMAL, STUDENT };
static enum returns returns = GBM;
/* --normals: the assets' normals by inversion (AS241, the default: the
 * bytes of every run before the option) or by the ziggurat (ziggurat.h:
 * a third of a shard's instructions were the inversion's) */
static bool ziggurat;
static int df;
static uint64_t seed = 20261206;
static double drift[MAX_ASSETS], vol_h[MAX_ASSETS], ln_spot[MAX_ASSETS];

/* Working memory for one block. */
typedef double lanes8 __attribute__((vector_size(8 * sizeof(double))));
_Static_assert(BLOCK % 32 == 0, "simulate's Cholesky product takes 32 scenarios at a time");
static double z_words[BLOCK * (MAX_ASSETS + MAX_DF) + 2];
static double zt[MAX_ASSETS][BLOCK], x[MAX_ASSETS][BLOCK];
static double ln_s[MAX_ASSETS][BLOCK], s_h[MAX_ASSETS][BLOCK], inv_s_h[MAX_ASSETS][BLOCK], scale[BLOCK];
static double values[BLOCK], loss[BLOCK];
static struct normal_scratch scratch;
static struct zig_scratch zig_scratch;

/* The standard normals of scenarios ids[0..n): width a scenario, from its
 * counters alone (word w is half w % 2 of Philox block w / 2), into
 * z_words[w * n + j], word-major so that the Philox loop runs over
 * scenarios in vectors (as simpaths's draw_bits). Under --normals
 * ziggurat the assets' words w < nassets are the ziggurat's (its rare
 * words from the counters {w, RNG_SCENARIO | RNG_ZIGGURAT, scenario}, one
 * block a word, so still from (seed, scenario) alone); the words of
 * RETURNS=t's chi-square stay inversion's. */
static uint32_t all_lo[BLOCK * (MAX_ASSETS + MAX_DF) + 2], all_hi[BLOCK * (MAX_ASSETS + MAX_DF) + 2];
static ALWAYS_INLINE void draw_normals(const uint64_t *ids, int n, int width)
{
	const philox4x32_key_t key = { { (uint32_t)seed, (uint32_t)(seed >> 32) } };
	int total = n * width;

	for (int b = 0; 2 * b < width; b++) {
		uint32_t *lo0 = all_lo + 2 * b * n, *hi0 = all_hi + 2 * b * n;
		uint32_t *lo1 = lo0 + n, *hi1 = hi0 + n;
		for (int j = 0; j < n; j++) {
			philox4x32_ctr_t ctr = { { (uint32_t)b, RNG_SCENARIO, (uint32_t)ids[j],
			                           (uint32_t)(ids[j] >> 32) } };
			philox4x32_ctr_t r = philox4x32_R(10, ctr, key);
			lo0[j] = r.v[0];
			hi0[j] = r.v[1];
			lo1[j] = r.v[2];   /* word 2b + 1: past width when width is odd, unused */
			hi1[j] = r.v[3];
		}
	}
	int done = 0;
	if (ziggurat) {
		/* whole rows of n words a call, so that word k's w is step0 + k / n */
		int rows = NORMALS_MAX / n;
		for (int w = 0; w < nassets; w += rows) {
			int m = nassets - w < rows ? nassets - w : rows;
			const struct zig_where where = { seed, 0, RNG_SCENARIO, n, w };
			ziggurat_from_words_ids(all_lo + w * n, all_hi + w * n, m * n, z_words + w * n,
			                        &zig_scratch, &where, ids);
		}
		done = nassets * n;
	}
	for (; done < total; done += NORMALS_MAX) {
		int len = total - done < NORMALS_MAX ? total - done : NORMALS_MAX;
		normals_from_words(all_lo + done, all_hi + done, len, z_words + done, &scratch);
	}
}

/* The horizon's prices of scenarios ids[0..n), n <= BLOCK, into ln_s,
 * and with prices into s_h and inv_s_h too (without: GBM leaves them, for
 * screening, which needs the log prices alone); false (with the scenario
 * in *bad) if a price is not positive (RETURNS=normal only). */
SIMD_CLONES static bool simulate(const uint64_t *ids, int n, bool prices, uint64_t *bad)
{
	int width = nassets + (returns == STUDENT ? df : 0);
	draw_normals(ids, n, width);
	for (int k = 0; k < nassets; k++)
		for (int j = 0; j < n; j++)
			zt[k][j] = z_words[k * n + j];
	for (int j = 0; j < n; j++)
		scale[j] = 1;
	if (returns == STUDENT) {
		/* multivariate t, scaled to unit variance: z sqrt((df - 2) / chi2_df) */
		for (int j = 0; j < n; j++) {
			double w = 0;
			for (int d = 0; d < df; d++) {
				double u = z_words[(nassets + d) * n + j];
				w += u * u;
			}
			scale[j] = sqrt((df - 2) / w);
		}
	}
	/* x = L z, 32 scenarios at a time: four vectors of 8 sums, each its
	 * own chain over k, in registers (gcc kept an array of 8 sums in
	 * memory, and each k waited on a store and a load: 18% of simulate
	 * under AVX-512). Each lane adds the same products in the same order
	 * as one scenario at a time (no contraction): the same bits. Past n,
	 * up to a multiple of 32 (BLOCK is one), the lanes compute from
	 * earlier blocks' finite numbers (or the zeros zt starts with), and
	 * are not used. */
	int n32 = (n + 31) & ~31;
	for (int i = 0; i < nassets; i++)
		for (int j0 = 0; j0 < n32; j0 += 32) {
			lanes8 a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
			for (int k = 0; k <= i; k++) {
				double l = chol[i][k];
				const double *z = &zt[k][j0];
				lanes8 z0, z1, z2, z3;
				memcpy(&z0, z, sizeof z0);
				memcpy(&z1, z + 8, sizeof z1);
				memcpy(&z2, z + 16, sizeof z2);
				memcpy(&z3, z + 24, sizeof z3);
				a0 += l * z0;
				a1 += l * z1;
				a2 += l * z2;
				a3 += l * z3;
			}
			memcpy(&x[i][j0], &a0, sizeof a0);
			memcpy(&x[i][j0 + 8], &a1, sizeof a1);
			memcpy(&x[i][j0 + 16], &a2, sizeof a2);
			memcpy(&x[i][j0 + 24], &a3, sizeof a3);
		}
	for (int i = 0; i < nassets; i++) {
		double m = drift[i], sv = vol_h[i], l0 = ln_spot[i], s0 = spot[i];
		if (returns == NORMAL) {
			for (int j = 0; j < n; j++) {
				s_h[i][j] = s0 * (1 + m + sv * x[i][j]);
				ln_s[i][j] = det_log(s_h[i][j]);
			}
			for (int j = 0; j < n; j++)
				if (!(s_h[i][j] > 0)) {
					*bad = ids[j];
					return false;
				}
		} else if (!prices) {
			for (int j = 0; j < n; j++)
				ln_s[i][j] = l0 + m + sv * (x[i][j] * scale[j]);
			continue;
		} else {
			for (int j = 0; j < n; j++) {
				ln_s[i][j] = l0 + m + sv * (x[i][j] * scale[j]);
				s_h[i][j] = det_exp(ln_s[i][j]);
			}
		}
		for (int j = 0; j < n; j++)
			inv_s_h[i][j] = 1 / s_h[i][j];
	}
	return true;
}

/* loss[j] = the sum, in the book's order, of each position's loss; with
 * per_position, position p's loss of scenario j also in per_position[j][p]. */
SIMD_CLONES static void revalue(int n, double *const *per_position)
{
	for (int j = 0; j < n; j++)
		loss[j] = 0;
	if (!per_position) {
		/* the hot loop: each position's loss added where it is computed */
		for (int p = 0; p < npositions; p++) {
			const struct position *pos = &book[p];
			position_values(pos, ln_s[pos->asset], s_h[pos->asset], inv_s_h[pos->asset], n, NULL,
			                loss);
		}
		return;
	}
	for (int p = 0; p < npositions; p++) {
		const struct position *pos = &book[p];
		double today = pos->today;
		position_values(pos, ln_s[pos->asset], s_h[pos->asset], inv_s_h[pos->asset], n, values, NULL);
		for (int j = 0; j < n; j++)
			loss[j] += today - values[j];
		if (per_position)
			for (int j = 0; j < n; j++)
				per_position[j][p] = today - values[j];
	}
}

static void simulate_or_die(const uint64_t *ids, int n, bool prices)
{
	uint64_t bad;
	if (!simulate(ids, n, prices, &bad))
		fatal("scenario %llu: a price at the horizon is not positive (RETURNS=normal: "
		      "an arithmetic return below -100%%)", (unsigned long long)bad);
}

/* --- screening: losses that cannot reach the tail ---------------------------------

 * A shard keeps only its losses at or above the tail's cut (tail_below_cut):
 * once the cut is set (the first trim), most scenarios are revalued to be
 * dropped. Each position's value is a monotone function of its asset's log
 * price alone (a stock's linearly; Black-Scholes's call increasing and put
 * decreasing in S), so on an interval of log prices a position's loss is
 * at most the larger of its losses at the two ends. For each asset a grid
 * of GRID + 1 log prices over its drift plus or minus GRID_SPAN horizon
 * sigmas, each position's loss is computed at every node by the very code
 * that revalues a scenario (position_values); entry k of the asset's
 * table holds the sums over its positions of their largest and their
 * least loss at nodes k and k + 1. A scenario's bound and floor are the
 * sums of its assets' entries (the interval its index names), plus and
 * minus grid_margin; a scenario outside an asset's grid (or a NaN) gets
 * +inf and -inf. The computed loss of a scenario differs from the exact
 * monotone function only by rounding and N's approximation (about 1e-14
 * of the book's gross value W, below), and its interval's index by its
 * rounding (the log price off the interval by less than 1e-12 of a node
 * spacing plus 2e-12, the loss by less than 3e-12 W, a position's
 * |dV/d ln S| being at most |quantity| S dq). grid_margin is 1e-9 of W
 * plus 1e-9 of the table's own sizes: 300 times all of that, and the
 * bound's own additions' rounding besides. So a bound below the cut means the
 * loss is below it: such a scenario is dropped without its revaluation,
 * as tail_add would have dropped it, and the partial is the same bytes
 * (tests/scenarios.bats compares it with --no-screen's). */
#define GRID 4096
#define GRID_SPAN 8.0
static double *grid_table;             /* nassets rows of GRID (bound, floor) pairs */
static double grid_lo[MAX_ASSETS], grid_inv_h[MAX_ASSETS], grid_margin;
static int screened[MAX_ASSETS], nscreened;   /* the assets with positions */
static bool no_screen;                 /* --no-screen: revalue every scenario */
static double bounds[BLOCK], floors[BLOCK];

/* The nodes lo + i h (i <= GRID), their prices and the prices' inverses,
 * as simulate makes them from a log price */
SIMD_CLONES static void grid_nodes(double lo, double h, double *g, double *s, double *inv)
{
	for (int i = 0; i <= GRID; i++) {
		g[i] = lo + i * h;
		s[i] = det_exp(g[i]);
		inv[i] = 1 / s[i];
	}
}

/* pos's loss at the nodes */
SIMD_CLONES static void grid_losses(const struct position *pos, const double *g, const double *s,
                                    const double *inv, double *loss_at)
{
	for (int i = 0; i <= GRID; i += BLOCK) {
		int n = GRID + 1 - i < BLOCK ? GRID + 1 - i : BLOCK;
		position_values(pos, g + i, s + i, inv + i, n, loss_at + i, NULL);
		for (int j = 0; j < n; j++)
			loss_at[i + j] = pos->today - loss_at[i + j];
	}
}

/* The grids and grid_margin; false (no screening) if a node's value is
 * not finite. */
static bool setup_screening(void)
{
	static double g[GRID + 1], s[GRID + 1], inv[GRID + 1];
	double *worst = xreallocarray(NULL, GRID + 1, sizeof *worst);
	double gross = 0, sizes = 0;
	bool ok = true;

	grid_table = xreallocarray(NULL, (size_t)nassets * GRID, 2 * sizeof *grid_table);
	nscreened = 0;
	for (int a = 0; a < nassets && ok; a++) {
		double *table = grid_table + (size_t)a * GRID * 2;
		double largest = 0;
		bool used = false;
		for (int p = 0; p < npositions; p++)
			used |= book[p].asset == a;
		if (!used)
			continue;
		double half = GRID_SPAN * vol_h[a];
		half = half > 1e-6 ? half : 1e-6;
		double lo = ln_spot[a] + drift[a] - half, h = 2 * half / GRID;
		grid_lo[a] = lo;
		grid_inv_h[a] = GRID / (2 * half);
		grid_nodes(lo, h, g, s, inv);
		for (int k = 0; k < 2 * GRID; k++)
			table[k] = 0;
		for (int p = 0; p < npositions; p++) {
			const struct position *pos = &book[p];
			if (pos->asset != a)
				continue;
			grid_losses(pos, g, s, inv, worst);
			double top = 0;
			for (int i = 0; i <= GRID; i++) {
				double v = pos->today - worst[i];
				top = fabs(v) > top ? fabs(v) : top;
				ok &= isfinite(worst[i]);
			}
			/* what its computed value can differ from the exact by is
			 * proportional to its parts' sizes: S dq and dk */
			gross += fabs(pos->today) + top + fabs(pos->quantity) *
			         (pos->kind == STOCK ? s[GRID] : s[GRID] * pos->dq + pos->dk);
			for (int k = 0; k < GRID; k++) {
				double x = worst[k], y = worst[k + 1];
				table[2 * k] += x > y ? x : y;
				table[2 * k + 1] += x < y ? x : y;
			}
		}
		for (int k = 0; k < 2 * GRID; k++)
			largest = fabs(table[k]) > largest ? fabs(table[k]) : largest;
		sizes += largest;
		screened[nscreened++] = a;
	}
	free(worst);
	grid_margin = 1e-9 * (gross + sizes);
	return ok && isfinite(grid_margin);
}

/* b[j] and f[j] += asset's table entries at x[j]; out[j] += 1 if x[j] is
 * outside its grid (index 0 then). The pointers restrict and the select
 * on the index alone: gcc 12 gathers only so. */
static ALWAYS_INLINE void screen_asset(int n, const double *restrict x, const double *restrict table,
                                       double lo, double inv_h, double *restrict b,
                                       double *restrict f, double *restrict out)
{
	for (int j = 0; j < n; j++) {
		double u = (x[j] - lo) * inv_h;
		double outside = u >= 0.0 && u < GRID ? 0.0 : 1.0;   /* 1 for NaN */
		long k = (long)(outside == 0.0 ? u : 0.0);
		b[j] += table[2 * k];
		f[j] += table[2 * k + 1];
		out[j] += outside;
	}
}

/* bounds[j] and floors[j]: at least and at most scenario j's loss (ln_s
 * of the block), or +inf and -inf */
SIMD_CLONES static void screen_block(int n)
{
	double b[BLOCK], f[BLOCK], out[BLOCK];

	for (int j = 0; j < n; j++) {
		b[j] = grid_margin;
		f[j] = -grid_margin;
		out[j] = 0;
	}
	for (int i = 0; i < nscreened; i++) {
		int a = screened[i];
		screen_asset(n, ln_s[a], grid_table + (size_t)a * GRID * 2, grid_lo[a], grid_inv_h[a], b, f, out);
	}
	for (int j = 0; j < n; j++) {
		bounds[j] = out[j] == 0 ? b[j] : INFINITY;
		floors[j] = out[j] == 0 ? f[j] : -INFINITY;
	}
}

/* The k-th greatest of x[0, n) (1 <= k <= n), x reordered: Hoare's
 * selection, the middle element a pivot. */
static double kth_greatest(double *x, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1, want = k - 1;
	while (lo < hi) {
		double pivot = x[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (x[i] > pivot)
				i++;
			while (x[j] < pivot)
				j--;
			if (i <= j) {
				double t = x[i];
				x[i] = x[j];
				x[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (want <= j)
			hi = j;
		else if (want >= i)
			lo = i;
		else
			return x[want];
	}
	return x[want];
}

/* --- the run ----------------------------------------------------------------------- */

static uint64_t nscenarios = 100000, first, count;
static bool have_count, closed_form, no_positions, contributions;
static int histogram_bins;     /* --histogram: bins of the P&L, or 0 */
static const char *histogram_path;   /* --histogram-file: there, and the tail on stdout */
static double *histogram_pnl;
static const char *positions_path;
static double level = 0.99;
static const char *market_path, *corr_path, *portfolio_path;
static struct tail tail;

static void prepare(void)
{
	for (int i = 0; i < nassets; i++) {
		ln_spot[i] = det_log(spot[i]);
		vol_h[i] = vol[i] * sqrt(horizon);
		drift[i] = returns == NORMAL ? mu[i] * horizon : (mu[i] - 0.5 * vol[i] * vol[i]) * horizon;
	}
	for (int p = 0; p < npositions; p++) {
		struct position *pos = &book[p];
		double value;
		if (pos->kind != STOCK) {
			set_pricing(pos, pos->maturity);
			double inv_spot = 1 / spot[pos->asset];
			position_values(pos, &ln_spot[pos->asset], &spot[pos->asset], &inv_spot, 1, &value, NULL);
			set_pricing(pos, pos->maturity - horizon);
		} else {
			value = pos->quantity * spot[pos->asset];
		}
		pos->today = value;
	}
}

/* FNV-1a of the three files' bytes: shards of one run read the same files. */
static uint64_t inputs_hash(void)
{
	const char *paths[] = { market_path, corr_path, portfolio_path };
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (int k = 0; k < 3; k++) {
		FILE *fp = fopen(paths[k], "r");
		int c;
		if (!fp)
			data_error(paths[k], "cannot open:");
		while ((c = getc(fp)) != EOF)
			h = (h ^ (uint64_t)(unsigned char)c) * UINT64_C(0x100000001b3);
		fclose(fp);
		h = (h ^ 0xff) * UINT64_C(0x100000001b3);
	}
	return h;
}

static void identity(struct tail *t)
{
	static const char *names[] = { "gbm", "normal", "t" };
	char text[NUM_TEXT_MAX], key[40];
	struct meta_entry *e;
	int n = 0;

	e = t->identity = xreallocarray(NULL, 8, sizeof *e);
#define PUT(k, ...) do { snprintf(key, sizeof key, __VA_ARGS__); \
		e[n++] = (struct meta_entry){ xstrdup(k), xstrdup(key), xstrdup("scenarios") }; } while (0)
	PUT("seed", "%llu", (unsigned long long)seed);
	num_format(text, horizon * TRADING_DAYS);
	PUT("horizon", "%s", text);
	PUT("returns", "%s", names[returns]);
	if (returns == STUDENT)
		PUT("df", "%d", df);
	num_format(text, rate);
	PUT("r", "%s", text);
	PUT("inputs", "%016llx", (unsigned long long)inputs_hash());
	/* inversion's partials carry no normals=, as before the option */
	if (ziggurat)
		PUT("normals", "%s", "ziggurat");
#undef PUT
	t->nidentity = n;
	t->have_identity = true;
}

/* Each position's loss for rows [0, nrows) of t (with npositions extras):
 * the kept scenarios again, the same arithmetic in the same order, so the
 * same loss, bit for bit (checked). */
static void attach_positions(struct tail *t, size_t nrows)
{
	static uint64_t ids[BLOCK];
	double *rows[BLOCK];

	for (size_t i = 0; i < nrows; i += BLOCK) {
		int n = nrows - i < BLOCK ? (int)(nrows - i) : BLOCK;
		for (int j = 0; j < n; j++) {
			ids[j] = t->rows[i + (size_t)j].scenario;
			rows[j] = tail_extra(t, i + (size_t)j);
		}
		simulate_or_die(ids, n, true);
		revalue(n, rows);
		for (int j = 0; j < n; j++)
			if (loss[j] != t->rows[i + (size_t)j].loss)
				fatal("scenario %llu: loss %.17g, but this run's is %.17g (another run's tail?)",
				      (unsigned long long)ids[j], t->rows[i + (size_t)j].loss, loss[j]);
	}
}

/* --histogram: the P&L (minus the loss) of the range in histogram_bins
 * equal bins from its least to its greatest value: rows "pnl count", pnl
 * the bin's centre, on fp. */
/* histogram_bins' bin of a P&L, of lo and width: write_histogram's count */
static long bin_of(double pnl, double lo, double width)
{
	long b = (long)((pnl - lo) / width);
	return b < histogram_bins ? b : histogram_bins - 1;
}

static void write_histogram(FILE *fp)
{
	double lo = histogram_pnl[0], hi = histogram_pnl[0];
	uint64_t *counts = xreallocarray(NULL, (size_t)histogram_bins, sizeof *counts);
	char text[NUM_TEXT_MAX];

	for (uint64_t i = 1; i < count; i++) {
		lo = histogram_pnl[i] < lo ? histogram_pnl[i] : lo;
		hi = histogram_pnl[i] > hi ? histogram_pnl[i] : hi;
	}
	double width = hi > lo ? (hi - lo) / histogram_bins : 1;
	memset(counts, 0, (size_t)histogram_bins * sizeof *counts);
	for (uint64_t i = 0; i < count; i++)
		counts[bin_of(histogram_pnl[i], lo, width)]++;
	fprintf(fp, "# tool=scenarios histogram=1 first=%llu count=%llu\npnl\tcount\n",
	        (unsigned long long)first, (unsigned long long)count);
	for (int b = 0; b < histogram_bins; b++) {
		num_format(text, lo + (b + 0.5) * width);
		fprintf(fp, "%s\t%llu\n", text, (unsigned long long)counts[b]);
	}
	free(counts);
	free(histogram_pnl);
}

static void start_tail(struct tail *t, int nextra)
{
	char **names = xreallocarray(NULL, (size_t)npositions, sizeof *names);

	for (int p = 0; p < npositions; p++)
		names[p] = book[p].name;
	tail_init(t, level, nscenarios, false, nextra, names, "--level");
	free(names);
	identity(t);
}

/* loss[0, n) of scenarios ids into the tail */
static void add_losses(const uint64_t *ids, int n)
{
	for (int j = 0; j < n; j++) {
		/* tail_add's own first test without the call (most
		 * losses, once a trim has dropped rows): 2.7% of a
		 * shard went to the calls */
		double l = loss[j];
		if (isfinite(l) && tail_below_cut(&tail, l))
			continue;
		if (!tail_add(&tail, ids[j], l, 1, NULL))
			fatal("scenario %llu: the loss is not finite", (unsigned long long)ids[j]);
	}
}

/* Scenarios [from, from + n) screened, n <= SEGMENT. First every
 * scenario's floor and bound; then the cut is the greater of the tail's
 * and the K'-th greatest floor (K' = floor(K) + 1 rows, what the partial
 * keeps): at least K' scenarios have a loss at or above it, so a scenario
 * whose bound is below it is not among the K' worst, and is left out.
 * The others are simulated again (a scenario's numbers depend on its id
 * alone) and revalued in full, in order. */
#define SEGMENT 262144
static double *floor_of, *bound_of, *scratch_of;
static uint64_t *todo;

/* floor_of and bound_of of scenarios [from, from + n), n <= SEGMENT */
static void bound_segment(uint64_t from, uint64_t n)
{
	static uint64_t ids[BLOCK];

	if (!floor_of) {
		floor_of = xreallocarray(NULL, SEGMENT, sizeof *floor_of);
		bound_of = xreallocarray(NULL, SEGMENT, sizeof *bound_of);
		scratch_of = xreallocarray(NULL, SEGMENT, sizeof *scratch_of);
		todo = xreallocarray(NULL, SEGMENT, sizeof *todo);
	}
	for (uint64_t done = 0; done < n;) {
		int m = n - done < BLOCK ? (int)(n - done) : BLOCK;
		for (int j = 0; j < m; j++)
			ids[j] = from + done + (uint64_t)j;
		simulate_or_die(ids, m, false);
		screen_block(m);
		memcpy(floor_of + done, floors, (size_t)m * sizeof *floors);
		memcpy(bound_of + done, bounds, (size_t)m * sizeof *bounds);
		done += (uint64_t)m;
	}
}

/* The cut of scenarios [0, n) of the segment: no scenario whose bound is
 * below it is among the K' worst of the run's shard. Only the floors
 * above the tail's threshold (once it has one) are selected among: the
 * K'-th greatest of all is the K'-th greatest of those when K' of them
 * are, and the threshold is the cut when fewer are. After a shard's first
 * segment few are (the threshold is its K'-th worst loss so far), and the
 * selection over every floor was 7% of a shard of 5 million scenarios. */
static double segment_cut(uint64_t n)
{
	size_t kept = (size_t)tail.keep + 1, above = 0;
	double least = tail.cut ? tail.threshold : -INFINITY;

	for (uint64_t i = 0; i < n; i++)
		if (floor_of[i] > least)
			scratch_of[above++] = floor_of[i];
	double cut = above >= kept ? kth_greatest(scratch_of, above, kept) : -INFINITY;
	return tail.cut && tail.threshold > cut ? tail.threshold : cut;
}

/* Revalues todo[0, ntodo) in full: their losses into the tail (tail) and
 * their P&L into pnl[id - from] (pnl) */
static void revalue_todo(size_t ntodo, bool to_tail, double *pnl, uint64_t from)
{
	for (size_t done = 0; done < ntodo;) {
		int m = ntodo - done < BLOCK ? (int)(ntodo - done) : BLOCK;
		simulate_or_die(todo + done, m, true);
		revalue(m, NULL);
		if (to_tail)
			add_losses(todo + done, m);
		if (pnl)
			for (int j = 0; j < m; j++)
				pnl[todo[done + (size_t)j] - from] = -loss[j];
		done += (size_t)m;
	}
}

static void screen_segment(uint64_t from, uint64_t n)
{
	size_t ntodo = 0;

	bound_segment(from, n);
	double cut = segment_cut(n);
	for (uint64_t i = 0; i < n; i++)
		if (!(bound_of[i] < cut))
			todo[ntodo++] = from + i;
	revalue_todo(ntodo, true, NULL, 0);
}

/* --histogram (count <= SEGMENT): histogram_pnl of every scenario such
 * that write_histogram writes what it writes from every exact P&L, and
 * with --histogram-file the tail. Revalued in full: the scenarios that
 * may hold the least or the greatest P&L (a bound at least every floor, a
 * floor at most every bound), those of the tail (screen_segment), then,
 * the range known, those whose floor and bound fall in two bins. Any
 * other's P&L is given as minus its bound: the same bin (x -> bin_of(x)
 * is monotone), and inside the range, which it leaves as it is. */
static void screen_histogram(void)
{
	size_t ntodo = 0;
	double most_floor = -INFINITY, least_bound = INFINITY;

	bound_segment(first, count);
	for (uint64_t i = 0; i < count; i++) {
		most_floor = floor_of[i] > most_floor ? floor_of[i] : most_floor;
		least_bound = bound_of[i] < least_bound ? bound_of[i] : least_bound;
	}
	double cut = histogram_path ? segment_cut(count) : INFINITY;
	for (uint64_t i = 0; i < count; i++) {
		bool need = !(bound_of[i] < most_floor) || !(floor_of[i] > least_bound) || !(bound_of[i] < cut);
		if (need)
			todo[ntodo++] = first + i;
		scratch_of[i] = need ? 1 : 0;
	}
	revalue_todo(ntodo, histogram_path != NULL, histogram_pnl, first);
	double lo = INFINITY, hi = -INFINITY;
	for (size_t k = 0; k < ntodo; k++) {
		double x = histogram_pnl[todo[k] - first];
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	double width = hi > lo ? (hi - lo) / histogram_bins : 1;
	ntodo = 0;
	for (uint64_t i = 0; i < count; i++) {
		if (scratch_of[i] != 0)
			continue;
		double least = -bound_of[i], most = -floor_of[i];
		if (least >= lo && most <= hi && bin_of(least, lo, width) == bin_of(most, lo, width))
			histogram_pnl[i] = least;
		else
			todo[ntodo++] = first + i;
	}
	revalue_todo(ntodo, false, histogram_pnl, first);
}

/* Every scenario of the shard revalued in full (--no-screen, or no
 * screening possible): its loss into the tail, and its P&L into
 * histogram_pnl under --histogram (the tail too with --histogram-file) */
static void revalue_all(void)
{
	static uint64_t ids[BLOCK];
	bool to_tail = !histogram_bins || histogram_path;

	for (uint64_t done = 0; done < count; done += BLOCK) {
		int n = count - done < BLOCK ? (int)(count - done) : BLOCK;
		for (int j = 0; j < n; j++)
			ids[j] = first + done + (uint64_t)j;
		simulate_or_die(ids, n, true);
		revalue(n, NULL);
		if (histogram_bins)
			for (int j = 0; j < n; j++)
				histogram_pnl[done + (uint64_t)j] = -loss[j];
		if (to_tail)
			add_losses(ids, n);
	}
}

static void run(void)
{
	bool screening = !no_screen && (!histogram_bins || count <= SEGMENT) && setup_screening();

	start_tail(&tail, no_positions ? 0 : npositions);
	if (histogram_bins)
		histogram_pnl = xreallocarray(NULL, (size_t)count, sizeof *histogram_pnl);
	if (!screening)
		revalue_all();
	else if (histogram_bins)
		screen_histogram();
	else
		for (uint64_t done = 0; done < count; done += SEGMENT)
			screen_segment(first + done, count - done < SEGMENT ? count - done : SEGMENT);
	if (histogram_path) {
		/* the picture's histogram from the scenarios this shard revalues
		 * anyway (make var), not from a second revaluation */
		FILE *fp = fopen(histogram_path, "w");
		if (!fp)
			data_error(histogram_path, "cannot open:");
		write_histogram(fp);
		if (fflush(fp) != 0 || ferror(fp) || fclose(fp) != 0)
			data_error(histogram_path, "write error:");
	} else if (histogram_bins) {
		write_histogram(stdout);
	}
	if (!histogram_bins || histogram_path) {
		tail_add_range(&tail, first, count, "scenarios");
		tail_trim(&tail);
		if (!no_positions)
			attach_positions(&tail, tail.n);
		tail_check_coverage(&tail, false);
		tail_write(&tail, "scenarios");
	}
	tail_free(&tail);
}

/* --positions: a tail of this run written with --no-positions (merged by
 * risk -p, say), written again with each position's loss. Its identity
 * must be this run's. --contributions: the tails in paths (the shards'
 * partials, merged here as risk(1) merges them; stdin if none) must cover
 * the whole run, and the result is the positions' Euler contributions to
 * the ES, the table risk -c writes from what --positions writes, without
 * the million numbers of text between them (100 positions, 10^4 rows). */
static void run_positions(int npaths, char **paths, bool contributions)
{
	static struct tail in;
	struct stream s;
	const char *what = npaths == 1 ? paths[0] : "the tails";

	stream_open(&s, npaths, paths);
	tail_read(&in, &s);
	if (in.nextra != 0)
		data_error(what, "the tail has extra columns already");
	/* the losses merged alone, the positions' columns added after the
	 * trim (tail_add_extras): the shards' 6 x 10^4 rows need none */
	start_tail(&tail, 0);
	if (in.level != tail.level || in.scenarios != tail.scenarios || in.weighted)
		data_error(what, "the tail's level= or scenarios= differ from this run's");
	for (int i = 0; i < tail.nidentity; i++) {
		const struct meta_entry *e = meta_entry_find(in.identity, in.nidentity, tail.identity[i].key);
		if (!e || strcmp(e->value, tail.identity[i].value) != 0)
			data_error(what, "the tail's %s=%s differs from this run's %s",
			           tail.identity[i].key, e ? e->value : "(none)", tail.identity[i].value);
	}
	/* and the other way: a key this run has not (normals=ziggurat in a
	 * tail given to a run of inversion) */
	for (int i = 0; i < in.nidentity; i++)
		if (!meta_entry_find(tail.identity, tail.nidentity, in.identity[i].key))
			data_error(what, "the tail's %s=%s differs from this run's (none)", in.identity[i].key,
			           in.identity[i].value);
	for (size_t i = 0; i < in.nranges; i++)
		tail_add_range(&tail, in.ranges[i].first, in.ranges[i].count, in.ranges[i].where);
	for (size_t i = 0; i < in.n; i++)
		tail_add(&tail, in.rows[i].scenario, in.rows[i].loss, 1, NULL);
	tail_trim(&tail);
	tail_check_coverage(&tail, contributions);
	char **names = xreallocarray(NULL, (size_t)npositions, sizeof *names);
	for (int p = 0; p < npositions; p++)
		names[p] = book[p].name;
	tail_add_extras(&tail, npositions, names);
	free(names);
	if (contributions) {
		/* the estimates need the losses alone; the contributions, the
		 * positions of the rows up to the VaR's (e.jstar), not of the
		 * 5 sqrt(M) rows kept past it for the VaR's interval */
		struct tail_estimate e;
		char why[400];
		if (!tail_estimates(&tail, &e, why, sizeof why))
			fatal("%s", why);
		attach_positions(&tail, e.jstar + 1);
		tail_write_contributions(stdout, &tail, &e, "scenarios");
	} else {
		attach_positions(&tail, tail.n);
		tail_write(&tail, "scenarios");
	}
	tail_free(&tail);
	tail_free(&in);
	stream_close(&s);
}

/* Delta-normal and delta-gamma-normal VaR and ES: the book's deltas and
 * gammas by Black-Scholes, price changes dS ~ N(m, C) over the horizon,
 * m_i = S_i mu_i h and C_ij = S_i S_j sigma_i sigma_j rho_ij h (time decay
 * left out, as these methods do). P&L ~ D'dS (+ dS'G dS / 2, G diagonal:
 * each option on one asset), taken as normal with its exact mean and
 * variance: mean D'm + sum G_i (m_i^2 + C_ii) / 2, variance
 * (D + G m)' C (D + G m) + sum_ij G_i G_j C_ij^2 / 2 (Jorion, Value at
 * Risk, 3rd ed., 2007, ch. 15; Britten-Jones and Schaefer 1999). */
static void write_closed_form(void)
{
	static double delta[MAX_ASSETS], gamma[MAX_ASSETS], m[MAX_ASSETS], c[MAX_ASSETS][MAX_ASSETS];
	double z = det_normal_quantile(level), tail_factor = exp(-0.5 * z * z) / 2.5066282746310002 / (1 - level);

	for (int p = 0; p < npositions; p++) {
		const struct position *pos = &book[p];
		int i = pos->asset;
		if (pos->kind == STOCK) {
			delta[i] += pos->quantity;
			continue;
		}
		double tau = pos->maturity, sv = vol[i] * sqrt(tau);
		double d1 = (log(spot[i] / pos->strike) + (rate - divq[i] + 0.5 * vol[i] * vol[i]) * tau) / sv;
		double dq = exp(-divq[i] * tau);
		delta[i] += pos->quantity * dq * (pos->kind == CALL ? normal_cdf(d1) : normal_cdf(d1) - 1);
		gamma[i] += pos->quantity * dq * exp(-0.5 * d1 * d1) / 2.5066282746310002 / (spot[i] * sv);
	}
	for (int i = 0; i < nassets; i++) {
		m[i] = spot[i] * mu[i] * horizon;
		for (int j = 0; j < nassets; j++)
			c[i][j] = spot[i] * spot[j] * vol[i] * vol[j] * corr[i][j] * horizon;
	}
	long double mean_dn = 0, var_dn = 0, mean_dg = 0, var_dg = 0;
	for (int i = 0; i < nassets; i++) {
		mean_dn += delta[i] * m[i];
		mean_dg += delta[i] * m[i] + 0.5L * gamma[i] * (m[i] * m[i] + c[i][i]);
		for (int j = 0; j < nassets; j++) {
			var_dn += (long double)delta[i] * c[i][j] * delta[j];
			var_dg += (long double)(delta[i] + gamma[i] * m[i]) * c[i][j] * (delta[j] + gamma[j] * m[j]) +
			          0.5L * gamma[i] * gamma[j] * c[i][j] * c[i][j];
		}
	}
	const struct { const char *name; long double mean, var; bool es; } rows[] = {
		{ "VaR-delta-normal", mean_dn, var_dn, false },
		{ "ES-delta-normal", mean_dn, var_dn, true },
		{ "VaR-delta-gamma-normal", mean_dg, var_dg, false },
		{ "ES-delta-gamma-normal", mean_dg, var_dg, true },
	};
	char text[NUM_TEXT_MAX];
	num_format(text, level);
	printf("# tool=scenarios closed-form=1 level=%s horizon=", text);
	num_format(text, horizon * TRADING_DAYS);
	printf("%s\nname\testimate\tstderr\tci95_low\tci95_high\tscenarios\n", text);
	for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
		double sd = (double)sqrtl(rows[k].var > 0 ? rows[k].var : 0);
		double value = (double)-rows[k].mean + (rows[k].es ? tail_factor : z) * sd;
		num_format(text, value);
		printf("%s\t%s\t0\t%s\t%s\t0\n", rows[k].name, text, text, text);
	}
}

static const char synopsis[] =
	"scenarios -m market -c corr -p portfolio [-H days] [-l level] [-n scenarios]\n"
	"                 [-s seed] [-r rate] [-R gbm|normal|t] [-d df] [-f first] [-k count]\n"
	"                 [--closed-form | --histogram bins | --no-positions | --positions tail]\n"
	"                 [--histogram-file file] [--normals inversion|ziggurat] [--no-screen]\n"
	"       scenarios -m market -c corr -p portfolio [-H days] [-l level] [-n scenarios]\n"
	"                 [-s seed] [-r rate] [-R gbm|normal|t] [-d df] [--normals inversion|ziggurat]\n"
	"                 --contributions [tail ...]";

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Simulate correlated market scenarios over a horizon, revalue a portfolio in full\n"
	       "in each, and write the tail of its losses (a partial for risk(1)).\n\n"
	       "  -m, --market FILE      asset spot vol q mu (annual vol, q and drift mu)\n"
	       "  -c, --corr FILE        correlation matrix: a header of names, a row per asset\n"
	       "  -p, --portfolio FILE   quantity asset instrument strike maturity\n"
	       "  -H, --horizon DAYS     horizon in trading days (252 a year; default 1)\n"
	       "  -l, --level L          VaR and ES level in [0.5, 1) (default 0.99)\n"
	       "  -n, --scenarios N      scenarios in the whole run (default 100000)\n"
	       "  -s, --seed S           the run's seed (default 20261206)\n"
	       "  -r, --rate R           continuously compounded rate (default 0)\n"
	       "  -R, --returns MODEL    gbm (default), normal (arithmetic) or t\n"
	       "  -d, --df DF            degrees of freedom for t, an integer in [3, %d]\n"
	       "      --normals METHOD   the assets' normals by inversion (default) or ziggurat\n"
	       "  -f, --first F          this shard's first scenario (default 0)\n"
	       "  -k, --count C          this shard's scenarios (default all from F)\n"
	       "      --closed-form      write the delta-normal and delta-gamma-normal rows\n"
	       "      --histogram BINS   write a histogram of the P&L instead of the tail\n"
	       "      --histogram-file F write that histogram to F, and the tail too\n"
	       "      --no-positions     leave the positions' columns out of the tail\n"
	       "      --no-screen        revalue every scenario, also those whose loss bound\n"
	       "                         is below the tail's cut (the same partial, slower)\n"
	       "      --positions TAIL   add them to TAIL, a merged tail of this run\n"
	       "      --contributions    merge the tails given (the run's shards) and write each\n"
	       "                         position's contribution to the ES, as risk -c would\n"
	       "  -h, --help             show this help\n"
	       "  -V, --version          show the version\n",
	       synopsis, MAX_DF);
	finish_output();
	exit(0);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "market", required_argument, NULL, 'm' },
		{ "corr", required_argument, NULL, 'c' },
		{ "portfolio", required_argument, NULL, 'p' },
		{ "horizon", required_argument, NULL, 'H' },
		{ "level", required_argument, NULL, 'l' },
		{ "scenarios", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "returns", required_argument, NULL, 'R' },
		{ "df", required_argument, NULL, 'd' },
		{ "first", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'k' },
		{ "closed-form", no_argument, NULL, 'C' },
		{ "histogram", required_argument, NULL, 'L' },
		{ "histogram-file", required_argument, NULL, 'F' },
		{ "no-positions", no_argument, NULL, 'N' },
		{ "positions", required_argument, NULL, 'P' },
		{ "contributions", no_argument, NULL, 'T' },
		{ "normals", required_argument, NULL, 'Z' },
		{ "no-screen", no_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	const char *df_text = NULL;

	tool_init("scenarios", argv);
	horizon = 1 / TRADING_DAYS;
	while ((c = getopt_long(argc, argv, "m:c:p:H:l:n:s:r:R:d:f:k:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': market_path = optarg; break;
		case 'c': corr_path = optarg; break;
		case 'p': portfolio_path = optarg; break;
		case 'H':
			horizon = opt_positive("--horizon", optarg);
			if (horizon > 2520)
				usage_error("--horizon: '%s' is beyond 2520 trading days", optarg);
			horizon /= TRADING_DAYS;
			break;
		case 'l': level = opt_double("--level", optarg); break;
		case 'n': nscenarios = (uint64_t)opt_int("--scenarios", optarg, 1, INT64_C(1) << 53); break;
		case 's': seed = opt_seed("--seed", optarg); break;
		case 'r':
			rate = opt_double("--rate", optarg);
			if (fabs(rate) > 1)
				usage_error("--rate: '%s' is not in [-1, 1]", optarg);
			break;
		case 'R':
			if (strcmp(optarg, "gbm") == 0)
				returns = GBM;
			else if (strcmp(optarg, "normal") == 0)
				returns = NORMAL;
			else if (strcmp(optarg, "t") == 0)
				returns = STUDENT;
			else
				usage_error("--returns: '%s': want gbm, normal or t", optarg);
			break;
		case 'd': df_text = optarg; break;
		case 'f': first = (uint64_t)opt_int("--first", optarg, 0, INT64_C(1) << 53); break;
		case 'k':
			count = (uint64_t)opt_int("--count", optarg, 1, INT64_C(1) << 53);
			have_count = true;
			break;
		case 'C': closed_form = true; break;
		case 'L': histogram_bins = (int)opt_int("--histogram", optarg, 1, 100000); break;
		case 'F': histogram_path = optarg; break;
		case 'N': no_positions = true; break;
		case 'X': no_screen = true; break;
		case 'P': positions_path = optarg; break;
		case 'T': contributions = true; break;
		case 'Z':
			if (strcmp(optarg, "inversion") == 0 || strcmp(optarg, "ziggurat") == 0)
				ziggurat = optarg[0] == 'z';
			else
				usage_error("--normals: '%s': want inversion or ziggurat", optarg);
			break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (histogram_path && (!histogram_bins || closed_form || positions_path || contributions))
		usage_error("--histogram-file goes with --histogram, and not with --closed-form, "
		            "--positions or --contributions");
	if (closed_form + (histogram_bins > 0 && !histogram_path) + no_positions + (positions_path != NULL) +
	    contributions > 1)
		usage_error("--closed-form, --histogram, --no-positions, --positions and --contributions: "
		            "choose one");
	if (optind != argc && !contributions)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (contributions && (have_count || first != 0))
		usage_error("--contributions reads the run's tails: no --first or --count");
	if (!market_path || !corr_path || !portfolio_path)
		usage_error("--market, --corr and --portfolio are required");
	if (!(level >= 0.5 && level < 1))
		usage_error("--level: '%s' is not in [0.5, 1)", text_of(level));
	if (returns == STUDENT && !df_text)
		usage_error("--returns t needs --df");
	if (returns != STUDENT && df_text)
		usage_error("--df goes with --returns t only");
	if (df_text)
		df = (int)opt_int("--df", df_text, 3, MAX_DF);
	if (first >= nscenarios)
		usage_error("--first: %llu is not below --scenarios %llu", (unsigned long long)first,
		            (unsigned long long)nscenarios);
	if (!have_count)
		count = nscenarios - first;
	if (count > nscenarios - first)
		usage_error("--count: scenarios %llu..%llu go past --scenarios %llu",
		            (unsigned long long)first, (unsigned long long)(first + count - 1),
		            (unsigned long long)nscenarios);
	read_market(market_path);
	read_corr(corr_path);
	read_portfolio(portfolio_path);
	if (closed_form) {
		write_closed_form();
	} else {
		prepare();
		if (positions_path)
			run_positions(1, (char **)&positions_path, false);
		else if (contributions)
			run_positions(argc - optind, argv + optind, true);
		else
			run();
	}
	finish_output();
	return 0;
}
