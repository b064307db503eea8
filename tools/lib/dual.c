/* dual.c: the Andersen–Broadie upper bound of an exercise rule (dual.h). */
#define _POSIX_C_SOURCE 200809L
#include "dual.h"

#include <math.h>
#include <stdbool.h>

#include "detmath.h"
#include "err.h"
#include "normals.h"
#include "rng.h"
#include "simd.h"

/* Inner paths go LANES at a time, in chunks of 2, 4, 8, then 16 dates,
 * and after each chunk the paths still alive are packed to the front: an
 * inner path that the rule exercises early (most of them, for a put deep
 * in the money) costs a few dates' random numbers, not the rest of the
 * path's, whatever its batch's longest path does. */
#define LANES 64
#define DATES 16         /* at most; every chunk even: Philox blocks (two dates each) align */
_Static_assert(LANES * DATES <= NORMALS_MAX, "a chunk's normals fit normals.h's scratch");

/* A batch's lanes, as both walkers (gbm's inner_batch, inner_batch_model)
 * keep them: lane l holds inner path m0 + path_of[l] while alive[l]; w
 * lanes in use, nalive of them alive. */
struct lanes {
	bool alive[LANES];
	int path_of[LANES];
	int w, nalive;
};

/* w lanes, each alive with its own inner path; no cash flow yet. */
static inline void lanes_start(struct lanes *t, int w, double *cash)
{
	t->w = t->nalive = w;
	for (int l = 0; l < w; l++) {
		t->alive[l] = true;
		t->path_of[l] = l;
		cash[l] = 0;
	}
}

/* The live lanes to the front, in order, each taking its values of the
 * ncols arrays cols[] (the walk's state: the price, the model's log-price
 * and variance) with it. */
static inline void lanes_pack(struct lanes *t, double *const cols[], int ncols)
{
	int live = 0;
	for (int l = 0; l < t->w; l++)
		if (t->alive[l]) {
			for (int k = 0; k < ncols; k++)
				cols[k][live] = cols[k][l];
			t->path_of[live] = t->path_of[l];
			t->alive[live++] = true;
		}
	t->w = live;
}

/* Lane l's path exercised at date `date` at price s, for h: its discounted
 * cash flow and control; the lane walks no further. */
static inline void lanes_exercise(struct lanes *t, int l, const struct dual *d, long date,
                                  double h, double s, double *cash, double *control)
{
	cash[t->path_of[l]] = h * d->rule->discount[date];
	control[t->path_of[l]] = s * d->forward_discount[date];
	t->alive[l] = false;
	t->nalive--;
}

/* The paths never exercised: the control at T, at their last price s[l]. */
static inline void lanes_finish(const struct lanes *t, const struct dual *d, const double *s,
                                double *control)
{
	for (int l = 0; l < t->w; l++)
		if (t->alive[l])
			control[t->path_of[l]] = s[l] * d->forward_discount[d->rule->steps];
}

void dual_init(struct dual *d, const struct rule *r, const struct model *m, long inner)
{
	double dt = m->T / (double)r->steps;
	*d = (struct dual){ .rule = r, .model = *m, .s0 = m->s0, .inner = inner };
	d->drift = (m->r - m->q - 0.5 * m->sigma * m->sigma) * dt;
	d->vol = m->sigma * sqrt(dt);
	d->blocks_per_path = (uint32_t)((r->steps + 1) / 2);
	/* gbm: m * blocks_per_path + b fits the block word; the others: m
	 * fits the path's low word */
	uint64_t most = m->kind == MODEL_GBM ? (UINT64_C(1) << 32) / d->blocks_per_path
	                                     : UINT64_C(1) << 32;
	if (inner < 1 || (uint64_t)inner > most)
		usage_error("--upper %ld: want 1 to %llu inner paths for %ld dates", inner,
		            (unsigned long long)most, r->steps);
	rule_discounts(r, m->r - m->q, m->T, &d->forward_discount);
}

void dual_free(struct dual *d)
{
	free(d->forward_discount);
}

/* The discounted cash flows of inner paths m0 .. m0+w-1 of outer path
 * `path`, started at date `from` at price s0: cash[l], 0 where the rule
 * never exercises; and the control, e^{-(r-q) t} S_t at the date t where
 * it does, or at T: control[l]. One clone per vector target (simd.h);
 * each lane's arithmetic is its own, so the bits do not depend on the
 * clone. */
SIMD_CLONES static void inner_batch(const struct dual *d, uint64_t seed, uint64_t path,
                                    long from, long m0, int w, double s0, double *cash,
                                    double *control)
{
	static uint32_t lo[LANES * DATES], hi[LANES * DATES];
	static double z[LANES * DATES];
	static struct normal_scratch scratch;
	double s[LANES];
	double *const state[] = { s };
	struct lanes t;
	const struct rule *r = d->rule;
	const philox4x32_key_t key = { { (uint32_t)seed, (uint32_t)(seed >> 32) } };
	const uint32_t stream = RNG_INNER | (uint32_t)from;

	lanes_start(&t, w, cash);
	for (int l = 0; l < w; l++)
		s[l] = s0;
	/* step q (0-based) of an inner path is date from+1+q */
	long chunk = 2;
	for (long q0 = 0; from + 1 + q0 <= r->steps && t.nalive > 0;
	     q0 += chunk, chunk = chunk < DATES ? 2 * chunk : DATES) {
		lanes_pack(&t, state, 1);
		w = t.w;
		long n = r->steps - (from + q0) < chunk ? r->steps - (from + q0) : chunk;
		for (long b = 0; b < (n + 1) / 2; b++) {
			uint32_t *lo0 = lo + 2 * b * w, *hi0 = hi + 2 * b * w;
			for (int l = 0; l < w; l++) {
				uint32_t block = (uint32_t)(m0 + t.path_of[l]) * d->blocks_per_path +
				                 (uint32_t)(q0 / 2 + b);
				philox4x32_ctr_t ctr = { { block, stream, (uint32_t)path,
				                           (uint32_t)(path >> 32) } };
				philox4x32_ctr_t x = philox4x32_R(10, ctr, key);
				lo0[l] = x.v[0];
				hi0[l] = x.v[1];
				lo0[w + l] = x.v[2];
				hi0[w + l] = x.v[3];
			}
		}
		normals_from_words(lo, hi, (int)n * w, z, &scratch);
		for (long q = 0; q < n && t.nalive > 0; q++) {
			long date = from + 1 + q0 + q;
			const double *zq = z + q * w;
			for (int l = 0; l < w; l++)
				s[l] = s[l] * det_exp(d->drift + d->vol * zq[l]);
			for (int l = 0; l < w; l++) {
				double h;
				if (t.alive[l] && rule_exercises(r, date, s[l], &h))
					lanes_exercise(&t, l, d, date, h, s[l], cash, control);
			}
		}
	}
	lanes_finish(&t, d, s, control);
}

/* Does the rule exercise at date i, at price s and variance v? */
static bool exercises(const struct rule *r, long i, double s, double v, double *h)
{
	return r->variance ? rule_exercises_variance(r, i, s, v, h) : rule_exercises(r, i, s, h);
}

/* inner_batch under heston and merton: the model's own walk (model_walk,
 * model_walk_variance for heston's variance after each date), from price
 * s0 and variance v0 at date `from`. The packing of the live paths is
 * inner_batch's (struct lanes), its chunks from 1 date (a model's block is not two
 * dates); model_walk numbers its lanes' paths
 * first, first+1, ..., so the live paths go to it in runs of consecutive
 * inner paths, each a call. Each path's numbers are its own counters',
 * so the bits do not depend on the runs. */
static void inner_batch_model(const struct dual *d, uint64_t seed, uint64_t path, long from,
                              long m0, int w, double s0, double v0, double *cash,
                              double *control)
{
	static double x[LANES], var[LANES], lp[LANES * DATES], vp[LANES * DATES],
	              run_lp[LANES * DATES], run_vp[LANES * DATES];
	double s[LANES];
	double *const state[] = { x, var, s };
	struct lanes t;
	const int *path_of = t.path_of;
	const struct rule *r = d->rule;
	const struct model *m = &d->model;
	const uint32_t stream = RNG_INNER | (uint32_t)from;
	const uint64_t outer = path << 32;   /* the model's path word pair: (m, path) */

	model_start(m, w, x, var);
	lanes_start(&t, w, cash);
	for (int l = 0; l < w; l++) {
		var[l] = v0;
		s[l] = s0;
	}
	long chunk = 1;
	for (long q0 = 0; from + 1 + q0 <= r->steps && t.nalive > 0;
	     q0 += chunk, chunk = chunk < DATES ? 2 * chunk : DATES) {
		lanes_pack(&t, state, 3);
		w = t.w;
		long n = r->steps - (from + q0) < chunk ? r->steps - (from + q0) : chunk;
		for (int a = 0, b; a < w; a = b) {
			for (b = a + 1; b < w && path_of[b] == path_of[b - 1] + 1; b++)
				;
			uint64_t first = outer | (uint64_t)(m0 + path_of[a]);
			if (m->kind == MODEL_HESTON)
				model_walk_variance(m, seed, stream, first, b - a, false, from + q0, n,
				                    x + a, var + a, run_lp, run_vp);
			else
				model_walk(m, seed, stream, first, b - a, false, from + q0, n, x + a,
				           var + a, run_lp);
			for (long q = 0; q < n; q++)
				for (int j = 0; j < b - a; j++) {
					lp[q * w + a + j] = run_lp[q * (b - a) + j];
					vp[q * w + a + j] = m->kind == MODEL_HESTON ? run_vp[q * (b - a) + j] : 0;
				}
		}
		for (long q = 0; q < n; q++) {
			long date = from + 1 + q0 + q;
			for (int l = 0; l < w; l++) {
				double h;
				if (!t.alive[l])
					continue;
				s[l] = s0 * det_exp(lp[q * w + l]);
				if (exercises(r, date, s[l], vp[q * w + l], &h))
					lanes_exercise(&t, l, d, date, h, s[l], cash, control);
			}
		}
	}
	lanes_finish(&t, d, s, control);
}

/* Sums of n cash flows f and control deviations y, for a regression. */
struct moments {
	double n, f, y, yy, fy;
};

/* The regression slope of f on y: 0 without spread. */
static double slope(const struct moments *m)
{
	if (m->n < 2)
		return 0;
	double f = m->f / m->n, y = m->y / m->n;
	double var = m->yy / m->n - y * y, cov = m->fy / m->n - f * y;
	return var > 0 ? cov / var : 0;
}

/* C_from: the discounted value of following the rule from date from+1 on,
 * from price s at date `from`: the mean cash flow of d->inner inner paths,
 * less its regression on the control's deviation from its known mean.
 * A slope fitted on the same paths would bias the mean down, by O(1/inner)
 * (-0.03 for a European put from 200 paths), so the paths are split in two
 * halves, each corrected with the other's slope (cross-fitting): unbiased. */
static double continuation(const struct dual *d, uint64_t seed, uint64_t path, long from,
                           double s, double v)
{
	double cash[LANES], control[LANES];
	double mean = s * d->forward_discount[from];   /* the control's, exactly */
	struct moments half[2] = { { 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0 } };

	for (long m0 = 0; m0 < d->inner; m0 += LANES) {
		int w = d->inner - m0 < LANES ? (int)(d->inner - m0) : LANES;
		if (d->model.kind == MODEL_GBM)
			inner_batch(d, seed, path, from, m0, w, s, cash, control);
		else
			inner_batch_model(d, seed, path, from, m0, w, s, v, cash, control);
		for (int l = 0; l < w; l++) {
			struct moments *h = &half[m0 + l < d->inner / 2 ? 0 : 1];
			double y = control[l] - mean;
			h->n += 1;
			h->f += cash[l];
			h->y += y;
			h->yy += y * y;
			h->fy += cash[l] * y;
		}
	}
	double beta0 = slope(&half[0]), beta1 = slope(&half[1]);
	double sum = (half[1].f - beta0 * half[1].y) + (half[0].f - beta1 * half[0].y);
	return sum / (double)d->inner;
}

double dual_value(const struct dual *d, uint64_t seed, uint64_t path, const double *prices,
                  const double *variances)
{
	const struct rule *r = d->rule;
	double m = 0, best = -HUGE_VAL;
	double c_before = continuation(d, seed, path, 0, d->s0, d->model.v0);   /* C_{k-1} */

	for (long k = 1; k <= r->steps; k++) {
		double h, s = prices[k - 1], var = variances ? variances[k - 1] : 0;
		bool exercise = exercises(r, k, s, var, &h);
		double z = h * r->discount[k], v = z, c = 0;
		if (k < r->steps) {
			c = continuation(d, seed, path, k, s, var);
			if (!exercise)
				v = c;
		}
		m += v - c_before;
		best = z - m > best ? z - m : best;
		c_before = c;
	}
	return best;
}
