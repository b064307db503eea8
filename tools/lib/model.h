/* model.h: the models simpaths simulates, behind one interface.
 *
 * A model is its parameters (options and stream metadata), per-path state
 * (the log-price x = ln(S/s0), and the variance under heston) and one walk
 * over a run of monitoring dates, drawing from its own slice of the Philox
 * counters (rng.h), so that a path depends only on (seed, path):
 *   gbm     exact log-normal steps; counter { date/2, stream, path }:
 *           simpaths' own vectorised loop (the hot path), not model_walk;
 *   heston  Andersen's (2008) quadratic-exponential (QE) scheme with his
 *           martingale correction, psi_c = 1.5, `substeps` scheme steps per
 *           monitoring interval; counter { scheme step, stream |
 *           RNG_MODEL_HESTON, path }: one block per scheme step, two
 *           64-bit words: the variance's word A and the log-price's word B.
 *           By inversion (the default) U_v = u01(A), Z_v = Phi^-1(U_v),
 *           Z_x = Phi^-1(u01(B)). With `ziggurat` set (simpaths --normals
 *           ziggurat, metadata normals=ziggurat) Z_v and Z_x are the
 *           ziggurat's normals of A and B (ziggurat.h; the rare words
 *           finished from { 2 scheme step (+1 for B), stream |
 *           RNG_MODEL_HESTON | RNG_ZIGGURAT, path }), and U_v = u01(A)
 *           still: a step uses Z_v where psi <= 1.5 and U_v where psi >
 *           1.5, never both (psi is the variance's before the step), so
 *           each is exactly distributed and independent of the past and of
 *           Z_x, though both come from A;
 *   merton  exact steps of GBM plus compound-Poisson lognormal jumps, the
 *           compensator in the drift; counter { 2 date (+1), stream |
 *           RNG_MODEL_MERTON, path }: the diffusion's normal, the Poisson
 *           count's uniform (by inversion), the jumps' normal.
 * The antithetic mirror negates every normal and takes 1 - U for the QE
 * variance's uniform (which with Z_v = Phi^-1(U_v) negates Z_v too; under
 * the ziggurat -Z_v is the sign bit's, 1 - U_v = u01(~A), both exact); the
 * Poisson count is the path's own (its uniform is not mirrored), the sum of
 * its jumps mirrored about its mean. */
#ifndef MCPIPE_MODEL_H
#define MCPIPE_MODEL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum model_kind { MODEL_GBM, MODEL_HESTON, MODEL_MERTON, NMODELS };

#define MODEL_MAX_STEPS 100000
#define MODEL_MAX_SUBSTEPS 10000
#define MODEL_MAX_JUMPS 1000   /* the Poisson count's cap (lambda dt <= 50) */

struct model {
	enum model_kind kind;
	double s0, r, q, T;
	long steps;
	double sigma;                            /* gbm, merton */
	double v0, kappa, theta, xi, rho;        /* heston */
	long substeps;                           /* heston: 0 until model_done */
	double lambda, mu_j, delta_j;            /* merton */
	bool ziggurat;                           /* heston: normals by ziggurat.h, not inversion */
	unsigned given;                          /* bit k: option MODEL_OPT_... + k given */

	/* derived by model_done, the same for every path */
	double drift_dt, vol_dt;                 /* gbm, merton: per date */
	double h_dt, h_drift, h_E, h_c1, h_c2, h_K0, h_K1, h_K2, h_K3, h_K4, h_A, h_K13;
	double m_lam_dt, m_p0;                   /* merton: lambda dt, e^{-lambda dt} */
};

/* simpaths' model options, for its getopt_long table (short letters
 * MODEL_SHORTOPTS). */
enum { MODEL_OPT_MODEL = 0x2000, MODEL_OPT_S0, MODEL_OPT_SIGMA, MODEL_OPT_STEPS,
       MODEL_OPT_V0, MODEL_OPT_KAPPA, MODEL_OPT_THETA, MODEL_OPT_XI, MODEL_OPT_RHO,
       MODEL_OPT_SUBSTEPS, MODEL_OPT_LAMBDA, MODEL_OPT_MU_J, MODEL_OPT_DELTA_J };
#define MODEL_LONGOPTS \
	{ "model", required_argument, NULL, MODEL_OPT_MODEL }, \
	{ "s0", required_argument, NULL, MODEL_OPT_S0 }, \
	{ "rate", required_argument, NULL, 'r' }, \
	{ "yield", required_argument, NULL, 'q' }, \
	{ "sigma", required_argument, NULL, MODEL_OPT_SIGMA }, \
	{ "maturity", required_argument, NULL, 'T' }, \
	{ "steps", required_argument, NULL, MODEL_OPT_STEPS }, \
	{ "v0", required_argument, NULL, MODEL_OPT_V0 }, \
	{ "kappa", required_argument, NULL, MODEL_OPT_KAPPA }, \
	{ "theta", required_argument, NULL, MODEL_OPT_THETA }, \
	{ "xi", required_argument, NULL, MODEL_OPT_XI }, \
	{ "rho", required_argument, NULL, MODEL_OPT_RHO }, \
	{ "substeps", required_argument, NULL, MODEL_OPT_SUBSTEPS }, \
	{ "lambda", required_argument, NULL, MODEL_OPT_LAMBDA }, \
	{ "mu-j", required_argument, NULL, MODEL_OPT_MU_J }, \
	{ "delta-j", required_argument, NULL, MODEL_OPT_DELTA_J }
#define MODEL_SHORTOPTS "r:q:T:"

/* gbm with simpaths' defaults: s0 100, r 0.05, q 0, sigma 0.2, T 1, one
 * date; heston's v0 0.04, kappa 1.5, theta 0.04, xi 0.3, rho -0.7 and
 * merton's lambda 1, mu_j -0.1, delta_j 0.15 where those models are chosen. */
void model_init(struct model *m);

/* Takes getopt's c and optarg if c is one of MODEL_LONGOPTS: true if it
 * was. Usage errors for bad values. */
bool model_option(struct model *m, int c, const char *arg);

/* After the options: each option checked against the model (--sigma under
 * heston, --v0 under gbm: usage errors), SUBSTEPS' default (every scheme
 * step at most 1/32 year), and the derived constants. */
void model_done(struct model *m);

/* The model's metadata as the stream's header line begins: "# tool=simpaths
 * model=NAME s0=... steps=N ..." (gbm: s0 r q sigma T steps; heston: s0 r q
 * T steps v0 kappa theta xi rho substeps; merton: s0 r q sigma T steps
 * lambda mu_j delta_j). Returns its length. */
size_t model_meta_line(const struct model *m, char *line, size_t size);

/* The metadata keys that define model `name` (NULL-terminated; NULL for an
 * unknown name): what a rule fitted on its paths must agree on. */
const char *const *model_keys(const char *name);
const char *model_name(enum model_kind kind);

/* heston and merton (not gbm): x[v] = 0 and the variance var[v] = v0 for
 * the nv virtual lanes of a block; then dates i0 .. i0+n-1 of the block's
 * w paths from `first`, lane l path first+l, lane w+l its mirror when
 * antithetic: logprice[i*nv + v] = x after date i0+i, x and var updated. */
void model_start(const struct model *m, int nv, double *x, double *var);
void model_walk(const struct model *m, uint64_t seed, uint32_t stream, uint64_t first,
                int w, bool antithetic, long i0, long n, double *x, double *var,
                double *logprice);

/* merton under randomized QMC (qmc.h): dates i0 .. i0+n-1 of a block of w
 * paths (no mirrors) from the draws given as [date][lane] arrays from date
 * i0: z1 the diffusion's normals, u the Poisson counts' uniforms, z2 the
 * jumps' normals. logprice[i*w + l] = x after date i0+i. */
void model_walk_merton_draws(const struct model *m, int w, long n, const double *z1,
                             const double *u, const double *z2, double *x, double *logprice);
/* heston: model_walk, also keeping the variance after each date,
 * variance[i*nv + v] (simpaths --variance, for lsmfit's second state);
 * the same draws and operations, so the same log-prices. */
void model_walk_variance(const struct model *m, uint64_t seed, uint32_t stream, uint64_t first,
                         int w, bool antithetic, long i0, long n, double *x, double *var,
                         double *logprice, double *variance);

/* The inverse of the metadata (exercise --upper rebuilds the paths' model
 * from it): sets the parameter of metadata key `key` (model_keys) to
 * value; false for an unknown key or a value outside the range its option
 * takes. model_done follows, once every key is set. */
bool model_set(struct model *m, const char *key, double value);
/* The model named `name`: false if there is none. */
bool model_kind_of(const char *name, enum model_kind *kind);

#endif
