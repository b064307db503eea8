/* model.c: the models' options, metadata and walks (model.h). */
#define _POSIX_C_SOURCE 200809L
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "err.h"
#include "normals.h"
#include "numtext.h"
#include "opts.h"
#include "rng.h"
#include "simd.h"
#include "ziggurat.h"

static const char *const names[NMODELS] = { "gbm", "heston", "merton" };

/* Which model each model-specific option belongs to. */
#define GIVEN(opt) (1u << ((opt) - MODEL_OPT_MODEL))
#define HESTON_OPTS (GIVEN(MODEL_OPT_V0) | GIVEN(MODEL_OPT_KAPPA) | GIVEN(MODEL_OPT_THETA) | \
                     GIVEN(MODEL_OPT_XI) | GIVEN(MODEL_OPT_RHO) | GIVEN(MODEL_OPT_SUBSTEPS))
#define MERTON_OPTS (GIVEN(MODEL_OPT_LAMBDA) | GIVEN(MODEL_OPT_MU_J) | GIVEN(MODEL_OPT_DELTA_J))
static const char *const option_names[] = {
	"--model", "--s0", "--sigma", "--steps", "--v0", "--kappa", "--theta", "--xi", "--rho",
	"--substeps", "--lambda", "--mu-j", "--delta-j",
};

const char *model_name(enum model_kind kind)
{
	return names[kind];
}

void model_init(struct model *m)
{
	*m = (struct model){ .kind = MODEL_GBM, .s0 = 100, .r = 0.05, .q = 0, .T = 1, .steps = 1,
	                     .sigma = 0.2, .v0 = 0.04, .kappa = 1.5, .theta = 0.04, .xi = 0.3,
	                     .rho = -0.7, .lambda = 1, .mu_j = -0.1, .delta_j = 0.15 };
}

bool model_option(struct model *m, int c, const char *arg)
{
	switch (c) {
	case MODEL_OPT_MODEL: {
		int k = 0;
		while (k < NMODELS && strcmp(arg, names[k]) != 0)
			k++;
		if (k == NMODELS)
			usage_error("--model: unknown model '%s' (gbm, heston or merton)", arg);
		m->kind = (enum model_kind)k;
		break;
	}
	case MODEL_OPT_S0: m->s0 = opt_positive("--s0", arg); break;
	case 'r': m->r = opt_double("--rate", arg); break;
	case 'q': m->q = opt_double("--yield", arg); break;
	case MODEL_OPT_SIGMA: m->sigma = opt_nonneg("--sigma", arg); break;
	case 'T': m->T = opt_positive("--maturity", arg); break;
	case MODEL_OPT_STEPS: m->steps = (long)opt_int("--steps", arg, 1, MODEL_MAX_STEPS); break;
	case MODEL_OPT_V0: m->v0 = opt_nonneg("--v0", arg); break;
	case MODEL_OPT_KAPPA: m->kappa = opt_positive("--kappa", arg); break;
	case MODEL_OPT_THETA: m->theta = opt_positive("--theta", arg); break;
	case MODEL_OPT_XI: m->xi = opt_positive("--xi", arg); break;
	case MODEL_OPT_RHO:
		m->rho = opt_double("--rho", arg);
		if (!(m->rho >= -1 && m->rho <= 1))
			usage_error("--rho: %s is not a correlation in [-1, 1]", arg);
		break;
	case MODEL_OPT_SUBSTEPS:
		m->substeps = (long)opt_int("--substeps", arg, 1, MODEL_MAX_SUBSTEPS);
		break;
	case MODEL_OPT_LAMBDA: m->lambda = opt_nonneg("--lambda", arg); break;
	case MODEL_OPT_MU_J: m->mu_j = opt_double("--mu-j", arg); break;
	case MODEL_OPT_DELTA_J: m->delta_j = opt_nonneg("--delta-j", arg); break;
	default: return false;
	}
	if (c >= MODEL_OPT_MODEL)   /* -r, -q, -T belong to every model */
		m->given |= GIVEN(c);
	return true;
}

/* The first option of `set` given, for the message refusing it. */
static const char *first_given(const struct model *m, unsigned set)
{
	for (unsigned k = 0; k < sizeof option_names / sizeof option_names[0]; k++)
		if ((m->given & set) >> k & 1)
			return option_names[k];
	return NULL;
}

static void heston_done(struct model *m)
{
	if (m->given & GIVEN(MODEL_OPT_SIGMA))
		usage_error("--sigma: model heston has no sigma (its variance starts at --v0)");
	const char *other = first_given(m, MERTON_OPTS);
	if (other)
		usage_error("%s: a parameter of model merton, not heston", other);
	double interval = m->T / (double)m->steps;
	if (m->substeps == 0) {   /* every scheme step at most 1/32 year */
		double n = ceil(interval * 32);
		m->substeps = n < 1 ? 1 : n > MODEL_MAX_SUBSTEPS ? MODEL_MAX_SUBSTEPS : (long)n;
	}
	/* Andersen (2008), section 3.2.4 and 4.2 (gamma1 = gamma2 = 1/2). */
	double dt = interval / (double)m->substeps, k = m->kappa, th = m->theta, xi = m->xi;
	double E = det_exp(-k * dt), rho_xi = m->rho / xi;
	m->h_dt = dt;
	m->h_drift = (m->r - m->q) * dt;
	m->h_E = E;
	m->h_c1 = xi * xi * E * (1 - E) / k;
	m->h_c2 = th * xi * xi * (1 - E) * (1 - E) / (2 * k);
	m->h_K0 = -rho_xi * k * th * dt;
	m->h_K1 = 0.5 * dt * (k * rho_xi - 0.5) - rho_xi;
	m->h_K2 = 0.5 * dt * (k * rho_xi - 0.5) + rho_xi;
	m->h_K3 = 0.5 * dt * (1 - m->rho * m->rho);
	m->h_K4 = m->h_K3;
	m->h_A = m->h_K2 + 0.5 * m->h_K4;
	m->h_K13 = m->h_K1 + 0.5 * m->h_K3;
	double check[] = { m->h_drift, m->h_c1, m->h_c2, m->h_K0, m->h_K1, m->h_K2, m->h_A };
	for (size_t i = 0; i < sizeof check / sizeof check[0]; i++)
		if (!isfinite(check[i]))
			usage_error("the model parameters overflow (a constant of the QE step is not finite)");
}

static void merton_done(struct model *m)
{
	const char *other = first_given(m, HESTON_OPTS);
	if (other)
		usage_error("%s: a parameter of model heston, not merton", other);
	double dt = m->T / (double)m->steps;
	/* the compensator: E[e^J] - 1 = e^{mu_j + delta_j^2/2} - 1 per jump */
	double k = det_exp(m->mu_j + 0.5 * m->delta_j * m->delta_j) - 1;
	m->drift_dt = (m->r - m->q - m->lambda * k - 0.5 * m->sigma * m->sigma) * dt;
	m->vol_dt = m->sigma * sqrt(dt);
	m->m_lam_dt = m->lambda * dt;
	if (!(m->m_lam_dt <= 50))
		usage_error("--lambda: %g jumps expected between dates; at most 50 (more --steps)",
		            m->m_lam_dt);
	m->m_p0 = det_exp(-m->m_lam_dt);
	if (!isfinite(m->drift_dt) || !isfinite(m->vol_dt))
		usage_error("the model parameters overflow (drift or volatility per step is not finite)");
}

void model_done(struct model *m)
{
	switch (m->kind) {
	case MODEL_GBM: {
		const char *other = first_given(m, HESTON_OPTS | MERTON_OPTS);
		if (other)
			usage_error("%s: not a parameter of model gbm (--model heston or merton)", other);
		double dt = m->T / (double)m->steps;
		m->drift_dt = (m->r - m->q - 0.5 * m->sigma * m->sigma) * dt;
		m->vol_dt = m->sigma * sqrt(dt);
		if (!isfinite(m->drift_dt) || !isfinite(m->vol_dt))
			usage_error("the model parameters overflow (drift or volatility per step is not finite)");
		break;
	}
	case MODEL_HESTON: heston_done(m); break;
	case MODEL_MERTON: merton_done(m); break;
	case NMODELS: break;
	}
}

static const char *const gbm_keys[] = { "s0", "r", "q", "sigma", "T", "steps", NULL };
static const char *const heston_keys[] = { "s0", "r", "q", "T", "steps", "v0", "kappa",
	                                   "theta", "xi", "rho", "substeps", NULL };
static const char *const merton_keys[] = { "s0", "r", "q", "sigma", "T", "steps", "lambda",
	                                   "mu_j", "delta_j", NULL };
static const char *const *const keys[NMODELS] = { gbm_keys, heston_keys, merton_keys };

const char *const *model_keys(const char *name)
{
	for (int k = 0; k < NMODELS; k++)
		if (strcmp(name, names[k]) == 0)
			return keys[k];
	return NULL;
}

/* The value of metadata key `key` of m's model. */
static double key_value(const struct model *m, const char *key)
{
	const struct { const char *key; double value; } numbers[] = {
		{ "s0", m->s0 }, { "r", m->r }, { "q", m->q }, { "sigma", m->sigma }, { "T", m->T },
		{ "v0", m->v0 }, { "kappa", m->kappa }, { "theta", m->theta }, { "xi", m->xi },
		{ "rho", m->rho }, { "lambda", m->lambda }, { "mu_j", m->mu_j },
		{ "delta_j", m->delta_j },
	};
	for (size_t k = 0; k < sizeof numbers / sizeof numbers[0]; k++)
		if (strcmp(key, numbers[k].key) == 0)
			return numbers[k].value;
	return NAN;
}

size_t model_meta_line(const struct model *m, char *line, size_t size)
{
	size_t len = (size_t)snprintf(line, size, "# tool=simpaths model=%s", names[m->kind]);

	for (const char *const *key = keys[m->kind]; *key && len < size; key++) {
		char text[NUM_TEXT_MAX];
		if (strcmp(*key, "steps") == 0 || strcmp(*key, "substeps") == 0) {
			len += (size_t)snprintf(line + len, size - len, " %s=%ld", *key,
			                        strcmp(*key, "steps") == 0 ? m->steps : m->substeps);
			continue;
		}
		num_format(text, key_value(m, *key));
		len += (size_t)snprintf(line + len, size - len, " %s=%s", *key, text);
	}
	return len < size ? len : size - 1;
}

void model_start(const struct model *m, int nv, double *x, double *var)
{
	for (int v = 0; v < nv; v++) {
		x[v] = 0;
		var[v] = m->v0;
	}
}

/* One QE step of the variance v (Andersen 2008, eq. 23-27 and 33-34,
 * psi_c = 1.5) in three parts: qe_quadratic, qe_exponential and qe_price.
 * The martingale correction's K0* makes E[S(t+dt)/S(t)] = e^{(r-q)dt}
 * exactly; where it does not exist (A at or beyond its bound, which
 * Andersen's test cases with rho < 0 never reach) the plain K0 is used.
 * Every part is branch-free (selects, as payoffs.c has them), so that
 * heston_walk's lane loops vectorise; each value is the same operations in
 * the same order as a step of one path alone would take, so the same bits
 * at every width. */

/* The quadratic branch's next variance from the variance's normal zv, its
 * K0* in *k0, and in *exponential whether psi > 1.5 (or is NaN), where the
 * exponential branch's values must replace both. */
ALWAYS_INLINE static double qe_quadratic(const struct model *m, double v, double zv, double *k0,
                                         int *exponential)
{
	double mean = m->theta + (v - m->theta) * m->h_E;
	double s2 = v * m->h_c1 + m->h_c2;
	double psi = s2 / (mean * mean);
	double two_psi = 2 / psi;
	double b2 = two_psi - 1 + sqrt(two_psi) * sqrt(two_psi - 1);
	double a = mean / (1 + b2), b = sqrt(b2);
	double one_2aa = 1 - 2 * m->h_A * a;
	double k = -(m->h_A * b2 * a) / one_2aa + 0.5 * det_log(one_2aa) - m->h_K13 * v;

	*k0 = one_2aa > 0 ? k : m->h_K0;
	*exponential = !(psi <= 1.5);
	return a * ((b + zv) * (b + zv));
}

/* The exponential branch's next variance from the variance's uniform u,
 * its K0* in *k0. */
ALWAYS_INLINE static double qe_exponential(const struct model *m, double v, double u, double *k0)
{
	double mean = m->theta + (v - m->theta) * m->h_E;
	double s2 = v * m->h_c1 + m->h_c2;
	double psi = s2 / (mean * mean);
	double p = (psi - 1) / (psi + 1), beta = (1 - p) / mean;
	double next = det_log((1 - p) / (1 - u)) / beta;
	double k = -det_log(p + beta * (1 - p) / (beta - m->h_A)) - m->h_K13 * v;

	*k0 = m->h_A < beta ? k : m->h_K0;
	return u <= p ? 0 : next;
}

/* The log-price's increment over the step from v to next, with the
 * log-price's normal zx. */
ALWAYS_INLINE static double qe_price(const struct model *m, double v, double next, double k0,
                                     double zx)
{
	return m->h_drift + k0 + m->h_K1 * v + m->h_K2 * next +
	       sqrt(m->h_K3 * v + m->h_K4 * next) * zx;
}

/* Scheme step by scheme step, each a few loops over the block's virtual
 * lanes (paths, then their mirrors), which a vectorising compiler takes
 * several at a time (one clone per vector target, simd.h): the Philox
 * words; their normals by normals.h (both words of a step in one call:
 * Z_v = Phi^-1(U_v), which only the quadratic branch uses, and the
 * log-price's normal); the quadratic branch on every lane; the lanes with
 * psi > 1.5 gathered (as normals.h gathers its tails: few or none at
 * moderate vol of vol) for the exponential branch, and scattered back;
 * the log-prices. The mirror takes 1 - U_v, and Phi^-1(1 - U_v) = -Z_v
 * exactly (detmath.h, for u from det_u01). Under m->ziggurat the step's
 * normals are ziggurat.h's from the same words (U_v unchanged), its rare
 * words counted as step 2 b of the variance's and 2 b + 1 of the
 * log-price's for scheme step b, so that the two never share a block. */
#define HESTON_LANES 512   /* simpaths' widest block */
SIMD_CLONES static void heston_walk(const struct model *m, uint64_t seed, uint32_t stream,
                        uint64_t first, int w, bool antithetic, long i0, long n,
                        double *restrict x, double *restrict var, double *restrict logprice,
                        double *variance)
{
	const philox4x32_key_t key = { { (uint32_t)seed, (uint32_t)(seed >> 32) } };
	/* Philox words and normals: [0, w) the variance's, [w, 2w) the log-price's */
	static uint32_t lo[2 * HESTON_LANES], hi[2 * HESTON_LANES];
	static double z[2 * HESTON_LANES];
	static struct normal_scratch scratch;
	static struct zig_scratch zscratch;
	/* per virtual lane */
	static double next[2 * HESTON_LANES], k0[2 * HESTON_LANES];
	static int flag[2 * HESTON_LANES];
	/* + 16: normals__flag_indices reads and writes whole groups */
	static unsigned char exponential[2 * HESTON_LANES + 16];
	static int at[2 * HESTON_LANES + 16];
	/* the gathered lanes of the exponential branch */
	static double gv[2 * HESTON_LANES], gu[2 * HESTON_LANES], gnext[2 * HESTON_LANES],
	              gk0[2 * HESTON_LANES];
	_Static_assert(2 * HESTON_LANES <= NORMALS_MAX, "a step's words fit normals.h's scratch");
	/* a local copy: stores to the arrays could alias *m's fields, which
	 * would keep the loops from vectorising */
	const struct model p = *m;
	int nv = antithetic ? 2 * w : w;

	if (w > HESTON_LANES)
		fatal("internal error: a block of %d paths", w);
	if (normals__bits_in[255] == 0)
		normals__fill_table();
	for (long i = 0; i < n; i++) {
		for (long s = 0; s < p.substeps; s++) {
			uint32_t block = (uint32_t)((i0 + i) * p.substeps + s);
			for (int l = 0; l < w; l++) {
				uint64_t path = first + (uint64_t)l;
				philox4x32_ctr_t ctr = { { block, stream | RNG_MODEL_HESTON, (uint32_t)path,
				                           (uint32_t)(path >> 32) } };
				philox4x32_ctr_t r = philox4x32_R(10, ctr, key);
				lo[l] = r.v[0];
				hi[l] = r.v[1];
				lo[w + l] = r.v[2];
				hi[w + l] = r.v[3];
			}
			if (p.ziggurat) {
				const struct zig_where where = { seed, first, stream | RNG_MODEL_HESTON, w,
				                                 2 * (long)block };
				ziggurat_from_words(lo, hi, 2 * w, z, &zscratch, &where);
			} else {
				normals_from_words(lo, hi, 2 * w, z, &scratch);
			}
			for (int l = 0; l < w; l++)
				next[l] = qe_quadratic(&p, var[l], z[l], &k0[l], &flag[l]);
			if (antithetic)
				for (int l = 0; l < w; l++) {
					next[w + l] = qe_quadratic(&p, var[w + l], -z[l], &k0[w + l],
					                           &flag[w + l]);
				}
			/* the exponential lanes' indices, as normals.h gathers its
			 * tails */
			for (int l = 0; l < nv; l++)
				exponential[l] = (unsigned char)flag[l];
			for (int l = nv; l % 16; l++)
				exponential[l] = 0;
			int ne = normals__flag_indices(exponential, nv, at);
			/* U_v only where it is used: a mirror's 1 - U_v is
			 * det_u01 of the word's complement, exactly */
			for (int j = 0; j < ne; j++) {
				int l = at[j] < w ? at[j] : at[j] - w;
				uint64_t word = (uint64_t)hi[l] << 32 | lo[l];
				gv[j] = var[at[j]];
				gu[j] = det_u01(at[j] < w ? word : ~word);
			}
			for (int j = 0; j < ne; j++)
				gnext[j] = qe_exponential(&p, gv[j], gu[j], &gk0[j]);
			for (int j = 0; j < ne; j++) {
				next[at[j]] = gnext[j];
				k0[at[j]] = gk0[j];
			}
			for (int l = 0; l < w; l++) {
				x[l] = x[l] + qe_price(&p, var[l], next[l], k0[l], z[w + l]);
				var[l] = next[l];
			}
			if (antithetic)
				for (int l = 0; l < w; l++) {
					x[w + l] = x[w + l] + qe_price(&p, var[w + l], next[w + l], k0[w + l],
					                               -z[w + l]);
					var[w + l] = next[w + l];
				}
		}
		for (int v = 0; v < nv; v++)
			logprice[i * nv + v] = x[v];
		if (variance)
			for (int v = 0; v < nv; v++)
				variance[i * nv + v] = var[v];
	}
}

/* The Poisson count with mean lambda dt whose distribution function first
 * reaches u (inversion, summing the terms in order), at most
 * MODEL_MAX_JUMPS. */
static double poisson(const struct model *m, double u)
{
	double term = m->m_p0, cdf = term;
	int count = 0;

	while (u > cdf && count < MODEL_MAX_JUMPS) {
		count++;
		term = term * m->m_lam_dt / count;
		cdf = cdf + term;
	}
	return count;
}

/* One date of merton's walk for the w lanes (and their mirrors): the
 * Poisson counts (a loop of its own per lane), then the log-prices x and
 * their copy into logprice[virtual lane]. */
ALWAYS_INLINE static void merton_step(const struct model *m, int w, bool antithetic,
                                      const double *z1, const double *u, const double *z2,
                                      double *count, double *x, double *logprice)
{
	int nv = antithetic ? 2 * w : w;

	for (int l = 0; l < w; l++)
		count[l] = poisson(m, u[l]);
	for (int l = 0; l < w; l++) {
		double spread = m->delta_j * sqrt(count[l]), mean_j = count[l] * m->mu_j;
		x[l] = x[l] + (m->drift_dt + m->vol_dt * z1[l] + (mean_j + spread * z2[l]));
		if (antithetic)
			x[w + l] = x[w + l] + (m->drift_dt + m->vol_dt * -z1[l] +
			                       (mean_j + spread * -z2[l]));
	}
	for (int v = 0; v < nv; v++)
		logprice[v] = x[v];
}

/* Date by date, each a loop over the block's lanes as in heston_walk: the
 * draws (vectorisable), the Poisson counts (a loop of its own per lane),
 * then the log-prices. */
SIMD_CLONES static void merton_walk(const struct model *m, const philox4x32_key_t key,
                                    uint32_t stream, uint64_t first, int w, bool antithetic,
                                    long i0, long n, double *x, double *logprice)
{
	static double z1[HESTON_LANES], u[HESTON_LANES], z2[HESTON_LANES], count[HESTON_LANES];
	int nv = antithetic ? 2 * w : w;

	if (w > HESTON_LANES)
		fatal("internal error: a block of %d paths", w);
	for (long i = 0; i < n; i++) {
		uint32_t block = (uint32_t)(2 * (i0 + i));
		for (int l = 0; l < w; l++) {
			uint64_t path = first + (uint64_t)l;
			philox4x32_ctr_t ctr = { { block, stream | RNG_MODEL_MERTON, (uint32_t)path,
			                           (uint32_t)(path >> 32) } };
			philox4x32_ctr_t r = philox4x32_R(10, ctr, key);
			ctr.v[0] = block + 1;
			philox4x32_ctr_t r2 = philox4x32_R(10, ctr, key);
			z1[l] = det_normal_quantile(det_u01((uint64_t)r.v[1] << 32 | r.v[0]));
			u[l] = det_u01((uint64_t)r.v[3] << 32 | r.v[2]);
			z2[l] = det_normal_quantile(det_u01((uint64_t)r2.v[1] << 32 | r2.v[0]));
		}
		merton_step(m, w, antithetic, z1, u, z2, count, x, logprice + i * nv);
	}
}

/* Randomized QMC (qmc.h): merton's walk from the draws given, [date][lane]
 * from date i0: the diffusion's normals (a Brownian bridge's increments),
 * the Poisson counts' uniforms and the jumps' normals, each date's step
 * the same arithmetic as merton_walk's. */
void model_walk_merton_draws(const struct model *m, int w, long n, const double *z1,
                             const double *u, const double *z2, double *x, double *logprice)
{
	static double count[HESTON_LANES];

	if (w > HESTON_LANES)
		fatal("internal error: a block of %d paths", w);
	for (long i = 0; i < n; i++)
		merton_step(m, w, false, z1 + i * w, u + i * w, z2 + i * w, count, x,
		            logprice + i * w);
}

void model_walk(const struct model *m, uint64_t seed, uint32_t stream, uint64_t first, int w,
                bool antithetic, long i0, long n, double *x, double *var, double *logprice)
{
	const philox4x32_key_t key = { { (uint32_t)seed, (uint32_t)(seed >> 32) } };

	if (m->kind == MODEL_HESTON)
		heston_walk(m, seed, stream, first, w, antithetic, i0, n, x, var, logprice, NULL);
	else
		merton_walk(m, key, stream, first, w, antithetic, i0, n, x, logprice);
}

void model_walk_variance(const struct model *m, uint64_t seed, uint32_t stream, uint64_t first,
                         int w, bool antithetic, long i0, long n, double *x, double *var,
                         double *logprice, double *variance)
{
	if (m->kind != MODEL_HESTON)
		fatal("internal error: model_walk_variance under %s", model_name(m->kind));
	heston_walk(m, seed, stream, first, w, antithetic, i0, n, x, var, logprice, variance);
}

bool model_set(struct model *m, const char *key, double value)
{
	/* each with the range its option takes (model_option) */
	struct { const char *key; double *field; double min; bool open; } reals[] = {
		{ "s0", &m->s0, 0, true }, { "r", &m->r, -HUGE_VAL, false },
		{ "q", &m->q, -HUGE_VAL, false }, { "sigma", &m->sigma, 0, false },
		{ "T", &m->T, 0, true }, { "v0", &m->v0, 0, false }, { "kappa", &m->kappa, 0, true },
		{ "theta", &m->theta, 0, true }, { "xi", &m->xi, 0, true },
		{ "rho", &m->rho, -1, false }, { "lambda", &m->lambda, 0, false },
		{ "mu_j", &m->mu_j, -HUGE_VAL, false }, { "delta_j", &m->delta_j, 0, false },
	};
	if (!isfinite(value))
		return false;
	bool steps = strcmp(key, "steps") == 0;
	if (steps || strcmp(key, "substeps") == 0) {
		long max = steps ? MODEL_MAX_STEPS : MODEL_MAX_SUBSTEPS;
		if (!(value >= 1 && value <= (double)max && value == floor(value)))
			return false;
		*(steps ? &m->steps : &m->substeps) = (long)value;
		return true;
	}
	for (size_t k = 0; k < sizeof reals / sizeof reals[0]; k++)
		if (strcmp(key, reals[k].key) == 0) {
			if (reals[k].open ? !(value > reals[k].min) : !(value >= reals[k].min))
				return false;
			if (strcmp(key, "rho") == 0 && !(value <= 1))
				return false;
			*reals[k].field = value;
			return true;
		}
	return false;
}

bool model_kind_of(const char *name, enum model_kind *kind)
{
	for (int k = 0; k < NMODELS; k++)
		if (strcmp(name, names[k]) == 0) {
			*kind = (enum model_kind)k;
			return true;
		}
	return false;
}
