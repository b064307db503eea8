/* bumpgreeks.c: Greeks by bump and reprice with common random numbers
 * (bumpgreeks.h).
 *
 * The bumps. A central difference with step h has a bias of order h^2 (the
 * third or fourth derivative of the price), and with common random numbers
 * a variance that depends on the payoff: for a payoff continuous in the
 * parameter (calls, puts, Asians, lookbacks; the rate and V0 for them all
 * but digitals and barriers) the per-path difference tends to the pathwise
 * derivative and its variance stays bounded as h -> 0; for a kink (gamma
 * of a call) or a jump (digitals, barriers: delta, rho) only the paths
 * within about h of it contribute, each by 1/h or 1/h^2, so the variance
 * grows like 1/h (kink, gamma) to 1/h^3 (jump, gamma). Small h buys a bias
 * nobody can see at the cost of a variance everybody pays, so the bump is
 * as large as keeps the bias well below the standard error of any
 * affordable run: 1% of S0 (a call's delta bias (hS^2/6) C''' is ~1e-5 of
 * it, its gamma's (hS^2/12) C'''' ~1e-4), 1% of V0 or SIGMA, and for the
 * rate the bump that moves the forward by 1% too, hr = 0.01/T, so that rho
 * is as well behaved as delta at every maturity. README.md and payoff.1
 * give the measurements. */
#define _POSIX_C_SOURCE 200809L
#include "bumpgreeks.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "detmath.h"
#include "err.h"

#define BL 32       /* paths per block */
#define BCHUNK 32   /* dates per model_walk */
#define NV (2 * BL) /* virtual lanes, with the mirrors */

/* The walks: the base, and the vol (V0 or SIGMA) and rate bumps. The base
 * walk is summarised three times: at S0, S0+hS and S0-hS (the log-price
 * x = ln(S/S0) does not depend on S0). */
enum walk { W_BASE, W_VOL_UP, W_VOL_DOWN, W_R_UP, W_R_DOWN, NWALKS };
enum view { V_BASE, V_S_UP, V_S_DOWN, V_VOL_UP, V_VOL_DOWN, V_R_UP, V_R_DOWN, NVIEWS };
static const enum walk walk_of[NVIEWS] = { W_BASE, W_BASE, W_BASE, W_VOL_UP, W_VOL_DOWN,
	                                   W_R_UP, W_R_DOWN };

struct summary {   /* per virtual lane, as simpaths' simulate_width keeps them */
	double last[NV], sum_s[NV], sum_x[NV], max[NV], min[NV], avg[NV], geo[NV];
};

void bump_greeks_choose(struct payoff *p, const struct model *m)
{
	if (m->kind == MODEL_HESTON && !(m->v0 > 0))
		usage_error("--greeks: vega is d/dV0 by a central difference, which needs --v0 > 0");
	if (m->kind == MODEL_MERTON && !(m->sigma > 0))
		usage_error("--greeks: vega is d/dsigma by a central difference, which needs "
		            "--sigma > 0");
	p->greek_set = 1u << DELTA | 1u << GAMMA | 1u << VEGA | 1u << RHO;
	p->greeks_use_path = false;
}

/* m with one parameter moved, its derived constants again (the substeps
 * stay: the same scheme grid, so the same draws on the same steps). */
static struct model bumped(const struct model *m, enum walk w, double h_vol, double h_r)
{
	struct model b = *m;
	double sign = w == W_VOL_UP || w == W_R_UP ? 1 : -1;

	if (w == W_VOL_UP || w == W_VOL_DOWN) {
		if (m->kind == MODEL_HESTON)
			b.v0 = m->v0 + sign * h_vol;
		else
			b.sigma = m->sigma + sign * h_vol;
	} else if (w == W_R_UP || w == W_R_DOWN) {
		b.r = m->r + sign * h_r;
	}
	model_done(&b);
	return b;
}

static void check_price(double price, uint64_t path)
{
	if (!(fabs(price) <= DBL_MAX))
		fatal("path %llu: a simulated price overflows a double "
		      "(--s0, --rate or --sigma too large?)", (unsigned long long)path);
	if (!(price > 0))
		fatal("path %llu: a simulated price underflows to 0 "
		      "(--sigma or --maturity too large?)", (unsigned long long)path);
}

/* One block: w paths from `first` (valid of them wanted), every view's
 * summary, by the operations simulate_width takes. */
static void walk_block(const struct model *walks, const double *s0v, long steps, uint64_t seed,
                       uint32_t stream, uint64_t first, int w, bool antithetic,
                       struct summary *sum)
{
	static double x[NV], var[NV], logprice[BCHUNK * NV];
	int nv = antithetic ? 2 * w : w;

	for (int k = 0; k < NVIEWS; k++)
		for (int v = 0; v < nv; v++) {
			sum[k].sum_s[v] = sum[k].sum_x[v] = 0;
			sum[k].max[v] = -HUGE_VAL;
			sum[k].min[v] = HUGE_VAL;
		}
	for (int wk = 0; wk < NWALKS; wk++) {
		model_start(&walks[wk], nv, x, var);
		for (long i0 = 0; i0 < steps; i0 += BCHUNK) {
			long n = steps - i0 < BCHUNK ? steps - i0 : BCHUNK;
			model_walk(&walks[wk], seed, stream, first, w, antithetic, i0, n, x, var,
			           logprice);
			for (int k = 0; k < NVIEWS; k++) {
				if (walk_of[k] != (enum walk)wk)
					continue;
				struct summary *s = &sum[k];
				for (long i = 0; i < n; i++)
					for (int v = 0; v < nv; v++) {
						double lp = logprice[i * nv + v], price = s0v[k] * det_exp(lp);
						s->sum_s[v] = s->sum_s[v] + price;
						s->sum_x[v] = s->sum_x[v] + lp;
						s->max[v] = price > s->max[v] ? price : s->max[v];
						s->min[v] = price < s->min[v] ? price : s->min[v];
					}
			}
		}
		for (int k = 0; k < NVIEWS; k++) {
			if (walk_of[k] != (enum walk)wk)
				continue;
			struct summary *s = &sum[k];
			for (int v = 0; v < nv; v++) {
				s->last[v] = s0v[k] * det_exp(x[v]);
				s->avg[v] = s->sum_s[v] / (double)steps;
				s->geo[v] = s0v[k] * det_exp(s->sum_x[v] / (double)steps);
			}
		}
	}
}

void bump_greeks_rows(const struct payoff *p, const struct model *m, uint64_t seed,
                      uint32_t stream, uint64_t first, uint64_t count, bool antithetic,
                      void (*row)(uint64_t path, const double *values, void *ctx), void *ctx)
{
	static struct summary sum[NVIEWS];
	static double f[NVIEWS][NV], c[NV];
	const double h_s = BUMP_RELATIVE * m->s0, h_r = BUMP_RELATIVE / m->T;
	const double h_vol = BUMP_RELATIVE * (m->kind == MODEL_HESTON ? m->v0 : m->sigma);
	const double disc = p->discount, disc_up = det_exp(-(m->r + h_r) * m->T),
	             disc_down = det_exp(-(m->r - h_r) * m->T);
	const double s0v[NVIEWS] = { m->s0, m->s0 + h_s, m->s0 - h_s, m->s0, m->s0, m->s0, m->s0 };
	struct model walks[NWALKS];
	struct payoff views[NVIEWS];

	if (m->kind != MODEL_HESTON && m->kind != MODEL_MERTON)
		fatal("internal error: bump_greeks_rows under gbm");
	for (int wk = 0; wk < NWALKS; wk++)
		walks[wk] = wk == W_BASE ? *m : bumped(m, (enum walk)wk, h_vol, h_r);
	/* each view's payoff sees its own S0 (the lookbacks' extremes start
	 * there); only the base view's control is used */
	for (int k = 0; k < NVIEWS; k++) {
		views[k] = *p;
		views[k].s0 = s0v[k];
	}
	for (uint64_t done = 0; done < count; done += BL) {
		int valid = count - done < BL ? (int)(count - done) : BL;
		int w = BL, nv = antithetic ? 2 * w : w;
		uint64_t block_first = first + done;
		walk_block(walks, s0v, m->steps, seed, stream, block_first, w, antithetic, sum);
		/* the base view last: c keeps its control */
		for (int k = NVIEWS - 1; k >= 0; k--) {
			const struct summary *s = &sum[k];
			for (int l = 0; l < valid; l++)
				for (int v = l; v < nv; v += w) {
					const double cols[5] = { s->last[v], s->avg[v], s->geo[v], s->max[v],
					                         s->min[v] };
					for (int j = 0; j < 5; j++)
						if (p->needs & 1u << j)
							check_price(cols[j], block_first + (uint64_t)l);
				}
			const struct path_block b = { s->last, s->avg, s->geo, s->max, s->min };
			payoff_undiscounted(&views[k], &b, nv, f[k], c);
		}
		for (int l = 0; l < valid; l++) {
			double values[2][PAYOFF_MAX_VALUES], pair[PAYOFF_MAX_VALUES];
			int ncol = 0;
			for (int half = 0; half < (antithetic ? 2 : 1); half++) {
				int v = l + half * w, n = 0;
				double *out = values[half];
				out[n++] = disc * f[V_BASE][v];
				if (p->control)
					out[n++] = disc * c[v];
				out[n++] = disc * ((f[V_S_UP][v] - f[V_S_DOWN][v]) / (2 * h_s)) + 0.0;
				out[n++] = disc * (((f[V_S_UP][v] + f[V_S_DOWN][v]) - 2 * f[V_BASE][v]) /
				                   (h_s * h_s)) + 0.0;
				out[n++] = disc * ((f[V_VOL_UP][v] - f[V_VOL_DOWN][v]) / (2 * h_vol)) + 0.0;
				out[n++] = (disc_up * f[V_R_UP][v] - disc_down * f[V_R_DOWN][v]) /
				           (2 * h_r) + 0.0;
				ncol = n;
			}
			const double *values_out = values[0];
			if (antithetic) {
				payoff_pair_mean(values[0], values[1], ncol, pair);
				values_out = pair;
			}
			row(block_first + (uint64_t)l, values_out, ctx);
		}
	}
}
