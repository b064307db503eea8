#define _POSIX_C_SOURCE 200809L
#include "payoffs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detmath.h"
#include "err.h"
#include "lognormal.h"
#include "model.h"
#include "numtext.h"
#include "opts.h"
#include "simd.h"
#include "vanilla.h"

/* The payoffs payoff prices, indexed by their id: the table says which
 * entry is which, so that the two cannot drift apart. */
enum payoff_id {
	CALL, PUT, DIGITAL_CALL, DIGITAL_PUT, ASIAN_CALL_ARITH, ASIAN_PUT_ARITH,
	ASIAN_CALL_GEO, ASIAN_PUT_GEO, UP_AND_OUT_CALL, UP_AND_IN_CALL,
	DOWN_AND_OUT_PUT, DOWN_AND_IN_PUT, LOOKBACK_CALL_FLOAT, LOOKBACK_PUT_FLOAT,
};
#define NPAYOFFS (LOOKBACK_PUT_FLOAT + 1)
static const struct payoff_kind payoff_kinds[NPAYOFFS + 1] = {
	[CALL] = { "call", NEED_ST, NO_BARRIER, false },
	[PUT] = { "put", NEED_ST, NO_BARRIER, false },
	[DIGITAL_CALL] = { "digital-call", NEED_ST, NO_BARRIER, false },
	[DIGITAL_PUT] = { "digital-put", NEED_ST, NO_BARRIER, false },
	[ASIAN_CALL_ARITH] = { "asian-call-arith", NEED_AVG, NO_BARRIER, true },
	[ASIAN_PUT_ARITH] = { "asian-put-arith", NEED_AVG, NO_BARRIER, true },
	[ASIAN_CALL_GEO] = { "asian-call-geo", NEED_GEO, NO_BARRIER, true },
	[ASIAN_PUT_GEO] = { "asian-put-geo", NEED_GEO, NO_BARRIER, true },
	[UP_AND_OUT_CALL] = { "up-and-out-call", NEED_ST | NEED_MAX, UP, true },
	[UP_AND_IN_CALL] = { "up-and-in-call", NEED_ST | NEED_MAX, UP, true },
	[DOWN_AND_OUT_PUT] = { "down-and-out-put", NEED_ST | NEED_MIN, DOWN, true },
	[DOWN_AND_IN_PUT] = { "down-and-in-put", NEED_ST | NEED_MIN, DOWN, true },
	[LOOKBACK_CALL_FLOAT] = { "lookback-call-float", NEED_ST | NEED_MIN, NO_BARRIER, true },
	[LOOKBACK_PUT_FLOAT] = { "lookback-put-float", NEED_ST | NEED_MAX, NO_BARRIER, true },
	[NPAYOFFS] = { NULL, 0, NO_BARRIER, false },
};

/* The payoffs priced by Longstaff-Schwartz (lsmfit, exercise), not by
 * payoff: the put first, then the call. */
static const char *const american_names[2] = { "american-put", "american-call" };

bool payoff_american(const char *name, bool *is_call)
{
	for (int k = 0; k < 2; k++)
		if (strcmp(name, american_names[k]) == 0) {
			if (is_call)
				*is_call = k == 1;
			return true;
		}
	return false;
}

const char *payoff_american_name(bool is_call)
{
	return american_names[is_call];
}

static const char *const control_names[] = { "none", "terminal", "asian-geo", "vanilla" };
static const char *const greek_names[NGREEKS] = { "delta", "gamma", "vega", "rho", "theta" };

static enum payoff_id id_of(const struct payoff *p)
{
	return (enum payoff_id)(p->kind - payoff_kinds);
}

enum payoff_plain payoff_plain(const struct payoff *p)
{
	if (p->control != NO_CONTROL || p->greek_set)
		return PLAIN_NONE;
	switch (id_of(p)) {
	case CALL: return PLAIN_CALL;
	case PUT: return PLAIN_PUT;
	case DIGITAL_CALL: return PLAIN_DIGITAL_CALL;
	case DIGITAL_PUT: return PLAIN_DIGITAL_PUT;
	default: return PLAIN_NONE;
	}
}

void payoff_init(struct payoff *p)
{
	*p = (struct payoff){ .kind = payoff_kinds, .strike = 100, .barrier = NAN,
	                      .control_mean = NAN };
}

bool payoff_option(struct payoff *p, int c, const char *arg, const char **name)
{
	switch (c) {
	case 'p': *name = arg; return true;
	case 'K':
		p->strike = opt_positive("--strike", arg);
		p->strike_given = true;
		return true;
	case PAYOFF_OPT_BARRIER: p->barrier = opt_positive("--barrier", arg); return true;
	case PAYOFF_OPT_REBATE:
		p->rebate = opt_nonneg("--rebate", arg);
		p->rebate_given = true;
		return true;
	case PAYOFF_OPT_CONTROL: p->control_asked = true; return true;
	case PAYOFF_OPT_CONTROL_MEAN: p->control_mean = opt_double("--control-mean", arg); return true;
	case PAYOFF_OPT_GREEKS: p->greeks_asked = true; return true;
	}
	return false;
}

/* The geometric Asian or vanilla control, in words and as closedform's
 * payoff name. */
static const char *control_text(const struct payoff *p)
{
	if (p->control == CONTROL_GEO_ASIAN)
		return p->control_is_call ? "geometric Asian call" : "geometric Asian put";
	return p->control_is_call ? "vanilla call" : "vanilla put";
}

static const char *control_closedform_name(const struct payoff *p)
{
	if (p->control == CONTROL_GEO_ASIAN)
		return p->control_is_call ? "asian-call-geo" : "asian-put-geo";
	return p->control_is_call ? "call" : "put";
}

/* The control variate that suits a payoff (payoff_describe's too); under
 * heston and merton (not_lognormal) the geometric Asian, which has no
 * closed form there, gives way to the vanilla: S_T's payoff, whose mean is
 * the model's closed-form European and which an arithmetic average over
 * the dates up to T follows closely enough to remove most of its variance
 * (README.md measures it). */
static enum control_kind control_for(const struct payoff_kind *kind, bool not_lognormal)
{
	if (strncmp(kind->name, "asian-", 6) == 0 && strstr(kind->name, "-arith"))
		return not_lognormal ? CONTROL_VANILLA : CONTROL_GEO_ASIAN;
	if (kind->barrier != NO_BARRIER)
		return CONTROL_VANILLA;
	return CONTROL_TERMINAL;
}

/* The control that suits the payoff, and where its mean comes from. */
static void choose_control(struct payoff *p)
{
	const char *name = p->kind->name;

	p->control_is_call = strstr(name, "call") != NULL;
	p->control = control_for(p->kind, false);
	if (p->control == CONTROL_GEO_ASIAN)
		p->needs |= NEED_GEO;
	if (p->control == CONTROL_TERMINAL)
		p->needs |= NEED_ST;
	if (p->control == CONTROL_TERMINAL && !isnan(p->control_mean))
		usage_error("--control-mean: the control of %s is the discounted terminal price, "
		            "whose mean s0 e^{-qT} payoff knows", name);
	if (p->control != CONTROL_TERMINAL && isnan(p->control_mean))
		usage_error("--control: %s's control is the %s; give its closed-form price "
		            "with --control-mean (closedform --payoff %s)", name, control_text(p),
		            control_closedform_name(p));
}

/* A --control-mean that is not the control's mean biases the price by the
 * difference (times the fitted coefficient) while the standard error looks
 * as good as ever. So it must be the closed form under the stream's model,
 * to about 7 significant digits (closedform prints 17); it is checked when
 * the model is known in full, q and sigma included (simpaths' streams say
 * both). The tolerance is far above the last bits in which libm's erfc, exp
 * and log may differ between CPUs. */
#define CONTROL_MEAN_TOLERANCE 1e-7

static void check_control_mean(const struct payoff *p, const struct payoff_model *m)
{
	double a = 1, c = 1;   /* the vanilla: S_T itself */
	double mean;
	const char *model_option = "";

	if (m->not_lognormal) {   /* the vanilla, in the model's closed form */
		if (!m->sv)
			return;
		mean = vanilla_price(m->sv, p->control_is_call ? 1 : -1, p->strike);
		if (isnan(mean))
			return;   /* closedform has none either: nothing to check against */
		model_option = m->sv->kind == MODEL_HESTON ? "--model heston " : "--model merton ";
	} else {
		if (isnan(m->q) || isnan(m->sigma))
			return;
		if (p->control == CONTROL_GEO_ASIAN)
			lognormal_average_factors(m->steps, &a, &c);
		struct lognormal L = lognormal_of(m->s0, p->strike, m->r, m->q, m->sigma, m->T, a, c);
		mean = lognormal_black(&L, p->control_is_call ? 1 : -1, NULL, NULL);
	}
	if (fabs(p->control_mean - mean) <= CONTROL_MEAN_TOLERANCE * (fabs(mean) + 1e-3 * m->s0))
		return;
	char given[NUM_TEXT_MAX], want[NUM_TEXT_MAX];
	num_format(given, p->control_mean);
	num_format(want, mean);
	usage_error("--control-mean %s: the %s's closed-form price under the stream's model "
	            "is %s (closedform %s--payoff %s)", given, control_text(p), want,
	            model_option, control_closedform_name(p));
}

void payoff_options_done(struct payoff *p, const char *name)
{
	const struct payoff_kind *kind = payoff_kinds;

	while (kind->name && strcmp(kind->name, name) != 0)
		kind++;
	if (!kind->name) {
		if (payoff_american(name, NULL))
			usage_error("--payoff: %s is priced by Longstaff-Schwartz, not by payoff", name);
		usage_error("--payoff: unknown payoff '%s'", name);
	}
	p->kind = kind;
	p->needs = kind->needs;
	if (kind->barrier != NO_BARRIER && isnan(p->barrier))
		usage_error("--payoff: %s needs --barrier", kind->name);
	if (kind->barrier == NO_BARRIER && !isnan(p->barrier))
		usage_error("--barrier: %s has no barrier", kind->name);
	if (kind->barrier == NO_BARRIER && p->rebate_given)
		usage_error("--rebate: %s has no barrier", kind->name);
	/* Ignoring it would price something else than the user meant. */
	if (strncmp(kind->name, "lookback-", 9) == 0 && p->strike_given)
		usage_error("--strike: %s has no strike (it is the path's extreme)", kind->name);
	if (p->control_asked)
		choose_control(p);
	else if (!isnan(p->control_mean))
		usage_error("--control-mean goes with --control");
}

void payoff_set_model(struct payoff *p, const struct payoff_model *m)
{
	const struct payoff_kind *kind = p->kind;

	p->s0 = m->s0;
	p->steps = m->steps;
	p->discount = det_exp(-m->r * m->T);
	if (kind->path_dependent && m->steps < 2)
		usage_error("--payoff: %s needs at least 2 monitoring dates (the stream has steps=1)",
		            kind->name);
	if (kind->barrier == UP && !(p->barrier > m->s0))
		usage_error("--barrier: an up barrier must lie above s0=%g", m->s0);
	if (kind->barrier == DOWN && !(p->barrier < m->s0))
		usage_error("--barrier: a down barrier must lie below s0=%g", m->s0);
	if (p->control && m->not_lognormal && control_for(kind, true) != p->control) {
		p->control = control_for(kind, true);   /* the vanilla */
		p->needs |= NEED_ST;
	}
	if (p->control == CONTROL_TERMINAL)
		p->control_mean = m->s0 * det_exp(-m->q * m->T);
	if (p->control == CONTROL_GEO_ASIAN || p->control == CONTROL_VANILLA)
		check_control_mean(p, m);
	if (!p->greeks_asked)
		return;
	p->model_r = m->r;
	p->model_q = m->q;
	p->model_sigma = m->sigma;
	p->model_T = m->T;
	if (!(m->sigma > 0))
		usage_error("--greeks: the stream has sigma=%g; the Greeks' estimators need "
		            "sigma > 0", m->sigma);
	p->log_s0 = det_log(m->s0);
	p->mu = m->r - m->q - 0.5 * m->sigma * m->sigma;
	p->sqrt_T = sqrt(m->T);
	p->dt = m->T / (double)m->steps;
	p->sqrt_dt = sqrt(p->dt);
	p->vol_T = m->sigma * p->sqrt_T;
	p->vol_dt = m->sigma * p->sqrt_dt;
	p->mu_vega = p->mu + m->sigma * m->sigma;
	/* ln G = ln s0 + mu a T + sigma (mean of W_{t_i}), its variance
	 * sigma^2 c T: a = (n+1)/(2n), c = (n+1)(2n+1)/(6n^2) */
	double n = (double)m->steps, c = (n + 1) * (2 * n + 1) / (6 * n * n);
	p->geo_a = (n + 1) / (2 * n);
	p->vol_geo = m->sigma * sqrt(c * m->T);
}

unsigned payoff_missing(const struct payoff *p, unsigned available)
{
	return p->needs & ~available;
}

const char *payoff_need_column(unsigned need)
{
	static const char *const columns[] = { "ST", "avg", "geo", "max", "min" };
	for (int i = 0; i < 5; i++)
		if (need & 1u << i)
			return columns[i];
	return "?";
}

/* Which Greeks the payoff and the stream allow (payoff.1, "Greeks"):
 * everything for the payoffs of S_T alone; no theta for path-dependent
 * payoffs (shortening T moves their monitoring dates); the arithmetic
 * Asian's gamma, vega and rho, the lookbacks' vega and rho and every
 * barrier Greek need the whole path (simpaths --emit path). */
bool payoff_choose_greeks(struct payoff *p, bool whole_path)
{
	const unsigned all = (1u << NGREEKS) - 1, no_theta = all & ~(1u << THETA);

	p->greek_phi = strstr(p->kind->name, "call") ? 1 : -1;
	switch (id_of(p)) {
	case CALL: case PUT: case DIGITAL_CALL: case DIGITAL_PUT:
		p->greek_set = all;
		break;
	case ASIAN_CALL_GEO: case ASIAN_PUT_GEO:
		p->greek_set = no_theta;
		break;
	case ASIAN_CALL_ARITH: case ASIAN_PUT_ARITH:
		p->greek_set = whole_path ? no_theta : 1u << DELTA;
		p->greeks_use_path = whole_path;
		break;
	case LOOKBACK_CALL_FLOAT: case LOOKBACK_PUT_FLOAT:
		p->greek_set = whole_path ? no_theta : 1u << DELTA | 1u << GAMMA;
		p->greeks_use_path = whole_path;
		break;
	case UP_AND_OUT_CALL: case UP_AND_IN_CALL: case DOWN_AND_OUT_PUT: case DOWN_AND_IN_PUT:
		if (!whole_path)
			return false;
		p->greek_set = no_theta;
		p->greeks_use_path = true;
		break;
	}
	return true;
}

/* Appends " key=value" with the value as exact number text. */
static size_t put_word(char *text, size_t size, size_t len, const char *key, const char *value)
{
	int n = snprintf(text + len, len < size ? size - len : 0, " %s=%s", key, value);
	return len + (size_t)n;
}

static size_t put_number_word(char *text, size_t size, size_t len, const char *key, double value)
{
	char number[NUM_TEXT_MAX];
	num_format(number, value);
	return put_word(text, size, len, key, number);
}

void payoff_meta_line(const struct payoff *p, char *text, size_t size)
{
	size_t len = (size_t)snprintf(text, size, "# tool=payoff payoff=%s", p->kind->name);

	if (strncmp(p->kind->name, "lookback", 8) != 0)
		len = put_number_word(text, size, len, "strike", p->strike);
	if (p->kind->barrier != NO_BARRIER) {
		len = put_number_word(text, size, len, "barrier", p->barrier);
		len = put_number_word(text, size, len, "rebate", p->rebate);
	}
	if (p->control) {
		len = put_word(text, size, len, "control", control_names[p->control]);
		len = put_number_word(text, size, len, "control_mean", p->control_mean);
	}
	if (p->greek_set) {
		char list[64] = "";
		for (int g = 0; g < NGREEKS; g++)
			if (p->greek_set & 1u << g) {
				strcat(list, *list ? "," : "");
				strcat(list, greek_names[g]);
			}
		len = put_word(text, size, len, "greeks", list);
	}
	if (len >= size)
		fatal("payoff_meta_line: %zu bytes do not fit in %zu", len, size);
}

int payoff_zero_side(const struct payoff *p)
{
	if (p->control != NO_CONTROL || p->greek_set)
		return 0;
	switch (id_of(p)) {
	case CALL: case DIGITAL_CALL: return 1;
	case PUT: case DIGITAL_PUT: return -1;
	default: return 0;
	}
}

int payoff_columns(const struct payoff *p, const char *names[PAYOFF_MAX_VALUES])
{
	int count = 0;

	names[count++] = "price";
	if (p->control)
		names[count++] = "control";
	for (int g = 0; g < NGREEKS; g++)
		if (p->greek_set & 1u << g)
			names[count++] = greek_names[g];
	return count;
}

void payoff_summarize_path(const struct payoff *p, const double *prices,
                           struct path_summary *summary)
{
	double sum = 0, sum_log = 0, max = -HUGE_VAL, min = HUGE_VAL, s = 0;

	for (long i = 0; i < p->steps; i++) {
		s = prices[i];
		sum += s;
		if (p->needs & NEED_GEO)
			sum_log += det_log(s);
		max = s > max ? s : max;
		min = s < min ? s : min;
	}
	*summary = (struct path_summary){ s, sum / (double)p->steps,
	                                  det_exp(sum_log / (double)p->steps), max, min };
}

/* Undiscounted payoffs of n paths, f[i], and their controls, c[i] (with
 * --control). One loop per payoff, each a plain loop over the paths that
 * the compiler vectorises, with selects instead of branches (in or out of
 * the money is a coin toss a branch predictor loses). Barriers: a touch
 * counts (>= up, <= down). Floating lookbacks: S0 counts in the extreme. */
SIMD_CLONES void payoff_undiscounted(const struct payoff *p, const struct path_block *b, int n,
                                     double *f, double *c)
{
	const double *S = b->terminal, *A = b->arith_mean, *G = b->geo_mean;
	const double *max = b->max, *min = b->min;
	const double K = p->strike, h = p->barrier, rebate = p->rebate, s0 = p->s0;

#define EACH(expr) for (int i = 0; i < n; i++) f[i] = (expr); break
	switch (id_of(p)) {
	case CALL: EACH(S[i] > K ? S[i] - K : 0);
	case PUT: EACH(K > S[i] ? K - S[i] : 0);
	case DIGITAL_CALL: EACH(S[i] > K ? 1 : 0);
	case DIGITAL_PUT: EACH(S[i] < K ? 1 : 0);
	case ASIAN_CALL_ARITH: EACH(A[i] > K ? A[i] - K : 0);
	case ASIAN_PUT_ARITH: EACH(K > A[i] ? K - A[i] : 0);
	case ASIAN_CALL_GEO: EACH(G[i] > K ? G[i] - K : 0);
	case ASIAN_PUT_GEO: EACH(K > G[i] ? K - G[i] : 0);
	case UP_AND_OUT_CALL: EACH(max[i] >= h ? rebate : S[i] > K ? S[i] - K : 0);
	case UP_AND_IN_CALL: EACH(max[i] < h ? rebate : S[i] > K ? S[i] - K : 0);
	case DOWN_AND_OUT_PUT: EACH(min[i] <= h ? rebate : K > S[i] ? K - S[i] : 0);
	case DOWN_AND_IN_PUT: EACH(min[i] > h ? rebate : K > S[i] ? K - S[i] : 0);
	case LOOKBACK_CALL_FLOAT: EACH(S[i] - (min[i] < s0 ? min[i] : s0));
	case LOOKBACK_PUT_FLOAT: EACH((max[i] > s0 ? max[i] : s0) - S[i]);
	}
#undef EACH
	/* The control: the terminal price, whose discounted mean is s0 e^{-qT};
	 * the geometric Asian (for arithmetic Asians) and the vanilla (for
	 * barriers), whose means come from --control-mean. */
	const double *X = p->control == CONTROL_GEO_ASIAN ? G : S;
	switch (p->control) {
	case NO_CONTROL:
		break;
	case CONTROL_TERMINAL:
		for (int i = 0; i < n; i++)
			c[i] = S[i];
		break;
	case CONTROL_GEO_ASIAN: case CONTROL_VANILLA:
		if (p->control_is_call)
			for (int i = 0; i < n; i++)
				c[i] = X[i] > K ? X[i] - K : 0;
		else
			for (int i = 0; i < n; i++)
				c[i] = K > X[i] ? K - X[i] : 0;
		break;
	}
}

/* The Greeks of one path, undiscounted like payoff_undiscounted's f, into
 * g[] (only those in greek_set are used). Notation as in payoff.1: mu =
 * r - q - sigma^2/2, x = ln(S/s0), Z = (x - mu T)/(sigma sqrt T), the
 * normal draw that made S_T; phi = +1 for calls, -1 for puts; "in" = the
 * option ends in the money. Each is an unbiased estimator of the Greek
 * (before discounting) under the model simpaths simulates:
 *   pathwise (d payoff/d parameter along the path with its normal draws
 *   held fixed) where the payoff is Lipschitz in the parameter;
 *   likelihood ratio (payoff times the derivative of the log density of
 *   the draws' law) where it is not: digitals and barriers, and for
 *   gamma after a pathwise first derivative (the kink).
 * The discount e^{-rT} adds -T f to every rho and r f to theta. */
static void greeks_of(const struct payoff *o, const struct path_summary *p,
                      const double *path_prices, double f, double g[NGREEKS])
{
	double phi = o->greek_phi;

	switch (id_of(o)) {
	case CALL: case PUT: {
		double S = p->terminal, z = (det_log(S) - o->log_s0 - o->mu * o->model_T) / o->vol_T;
		bool in = phi > 0 ? S > o->strike : S < o->strike;
		g[DELTA] = in ? phi * S / o->s0 : 0;
		/* d/ds0 of the LR delta f Z/(s0 sigma sqrt T), pathwise: the
		 * kink drops out, S_T 1{in} - f = K 1{in} for a call */
		g[GAMMA] = in ? phi * o->strike * z / (o->s0 * o->s0 * o->vol_T) : 0;
		g[VEGA] = in ? phi * S * (o->sqrt_T * z - o->model_sigma * o->model_T) : 0;
		g[RHO] = in ? phi * o->strike * o->model_T : 0;
		/* theta = -dV/dT: dS_T/dT = S_T (mu + sigma Z/(2 sqrt T)) */
		g[THETA] = o->model_r * f - (in ? phi * S * (o->mu + o->model_sigma * z / (2 * o->sqrt_T)) : 0);
		return;
	}
	case DIGITAL_CALL: case DIGITAL_PUT: {
		double z = (det_log(p->terminal) - o->log_s0 - o->mu * o->model_T) / o->vol_T;
		g[DELTA] = f * z / (o->s0 * o->vol_T);
		g[GAMMA] = f * (z * z - 1 - z * o->vol_T) / (o->s0 * o->s0 * o->vol_T * o->vol_T);
		g[VEGA] = f * ((z * z - 1) / o->model_sigma - z * o->sqrt_T);
		g[RHO] = f * (z * o->sqrt_T / o->model_sigma - o->model_T);
		g[THETA] = f * (o->model_r - z * o->mu / o->vol_T - (z * z - 1) / (2 * o->model_T));
		return;
	}
	case ASIAN_CALL_GEO: case ASIAN_PUT_GEO: {
		double a = o->geo_a, vol_G = o->vol_geo;
		double G = p->geo_mean, x = det_log(G) - o->log_s0;
		double z = (x - o->mu * a * o->model_T) / vol_G;
		bool in = phi > 0 ? G > o->strike : G < o->strike;
		g[DELTA] = in ? phi * G / o->s0 : 0;
		g[GAMMA] = in ? phi * o->strike * z / (o->s0 * o->s0 * vol_G) : 0;
		g[VEGA] = in ? phi * G * (x - o->mu_vega * a * o->model_T) / o->model_sigma : 0;
		g[RHO] = (in ? phi * G * a * o->model_T : 0) - o->model_T * f;
		return;
	}
	case ASIAN_CALL_ARITH: case ASIAN_PUT_ARITH: {
		double A = p->arith_mean;
		bool in = phi > 0 ? A > o->strike : A < o->strike;
		g[DELTA] = in ? phi * A / o->s0 : 0;
		if (!o->greeks_use_path)
			return;
		/* dS_i/dsigma = S_i (x_i - (mu + sigma^2) t_i)/sigma, dS_i/dr = t_i S_i;
		 * gamma: the LR score of s0 lies in the first step alone */
		double n = (double)o->steps, sum_vega = 0, sum_rho = 0;
		for (long i = 0; i < o->steps; i++) {
			double S = path_prices[i], t = (double)(i + 1) * o->dt;
			sum_vega += S * (det_log(S) - o->log_s0 - o->mu_vega * t);
			sum_rho += S * t;
		}
		double z1 = (det_log(path_prices[0]) - o->log_s0 - o->mu * o->dt) / o->vol_dt;
		g[GAMMA] = in ? phi * o->strike * z1 / (o->s0 * o->s0 * o->vol_dt) : 0;
		g[VEGA] = in ? phi * sum_vega / (n * o->model_sigma) : 0;
		g[RHO] = (in ? phi * sum_rho / n : 0) - o->model_T * f;
		return;
	}
	case LOOKBACK_CALL_FLOAT: case LOOKBACK_PUT_FLOAT: {
		/* f is homogeneous of degree 1 in s0 (S0 counts in the extreme):
		 * delta = f/s0 exactly, gamma = 0 */
		g[DELTA] = f / o->s0;
		g[GAMMA] = 0;
		if (!o->greeks_use_path)
			return;
		/* the extreme's date j (0: s0 itself, which moves with neither
		 * sigma nor r), as payoff_undiscounted chooses it */
		long j = -1;
		double extreme = o->s0;
		for (long i = 0; i < o->steps; i++)
			if (phi > 0 ? path_prices[i] < extreme : path_prices[i] > extreme) {
				extreme = path_prices[i];
				j = i;
			}
		double S = p->terminal;
		double dS_sigma = S * (det_log(S) - o->log_s0 - o->mu_vega * o->model_T) / o->model_sigma;
		double dE_sigma = 0, dE_r = 0;
		if (j >= 0) {
			double t = (double)(j + 1) * o->dt;
			dE_sigma = extreme * (det_log(extreme) - o->log_s0 - o->mu_vega * t) / o->model_sigma;
			dE_r = extreme * t;
		}
		g[VEGA] = phi * (dS_sigma - dE_sigma);
		g[RHO] = phi * (S * o->model_T - dE_r) - o->model_T * f;
		return;
	}
	case UP_AND_OUT_CALL: case UP_AND_IN_CALL: case DOWN_AND_OUT_PUT: case DOWN_AND_IN_PUT: {
		/* likelihood ratio on the path's steps Z_i: s0 moves the first
		 * step's mean; sigma and r every step's */
		double x_prev = 0, sum_z = 0, score_sigma = 0, z1 = 0;
		for (long i = 0; i < o->steps; i++) {
			double x = det_log(path_prices[i]) - o->log_s0;
			double z = (x - x_prev - o->mu * o->dt) / o->vol_dt;
			if (i == 0)
				z1 = z;
			sum_z += z;
			score_sigma += (z * z - 1) / o->model_sigma - z * o->sqrt_dt;
			x_prev = x;
		}
		g[DELTA] = f * z1 / (o->s0 * o->vol_dt);
		g[GAMMA] = f * (z1 * z1 - 1 - z1 * o->vol_dt) / (o->s0 * o->s0 * o->vol_dt * o->vol_dt);
		g[VEGA] = f * score_sigma;
		g[RHO] = f * (sum_z * o->sqrt_dt / o->model_sigma - o->model_T);
		return;
	}
	}
	abort();
}

void payoff_values(const struct payoff *p, const struct path_summary *path,
                   const double *prices, double *values)
{
	const struct path_block one = { &path->terminal, &path->arith_mean, &path->geo_mean,
	                                &path->max, &path->min };
	double f, c;
	int count = 0;

	payoff_undiscounted(p, &one, 1, &f, &c);
	values[count++] = p->discount * f;
	if (p->control)
		values[count++] = p->discount * c;
	if (!p->greek_set)
		return;
	double g[NGREEKS];
	greeks_of(p, path, prices, f, g);
	for (int k = 0; k < NGREEKS; k++)
		if (p->greek_set & 1u << k)
			values[count++] = p->discount * g[k] + 0.0;   /* + 0.0: no "-0" */
}

int payoff_nonfinite_greek(const struct payoff *p, const double *values)
{
	int count = p->control ? 2 : 1;
	for (int g = 0; g < NGREEKS; g++)
		if (p->greek_set & 1u << g) {
			if (!isfinite(values[count]))
				return count;
			count++;
		}
	return -1;
}

/* The catalog as a table for the shell, payoff --describe (see
 * DESIGN.md, "The payoff catalog"): what a job needs to know about each
 * payoff, so that no script keeps its own list of names. */
static const char *emission(bool whole_path, const struct payoff_kind *kind)
{
	if (whole_path)
		return "path";
	return kind->needs == NEED_ST && !kind->path_dependent ? "terminal" : "summary";
}

void payoff_describe(FILE *f)
{
	fputs("name\temit\tstrike\tbarrier\trebate\tcontrol\tamerican\tmin_steps"
	      "\tgreeks\tgreeks_emit\tcontrol_sv\n", f);
	for (const struct payoff_kind *kind = payoff_kinds; kind->name; kind++) {
		struct payoff p;
		payoff_init(&p);
		p.kind = kind;
		p.control_is_call = strstr(kind->name, "call") != NULL;
		p.control = control_for(kind, false);
		const char *control = p.control == CONTROL_TERMINAL ? "terminal"
		                      : control_closedform_name(&p);
		struct payoff sv = p;
		sv.control = control_for(kind, true);
		const char *control_sv = sv.control == CONTROL_TERMINAL ? "terminal"
		                         : control_closedform_name(&sv);
		/* the Greeks from the whole path, and whether the cheap emission gives them all */
		payoff_choose_greeks(&p, true);
		unsigned all = p.greek_set;
		bool cheap = payoff_choose_greeks(&p, false) && p.greek_set == all;
		char list[64] = "";
		for (int g = 0; g < NGREEKS; g++)
			if (all & 1u << g) {
				strcat(list, *list ? "," : "");
				strcat(list, greek_names[g]);
			}
		fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\tno\t%d\t%s\t%s\t%s\n", kind->name,
		        emission(false, kind), strncmp(kind->name, "lookback-", 9) ? "yes" : "no",
		        kind->barrier == UP ? "up" : kind->barrier == DOWN ? "down" : "none",
		        kind->barrier != NO_BARRIER ? "yes" : "no", control,
		        kind->path_dependent ? 2 : 1, list, emission(!cheap, kind), control_sv);
	}
	/* priced by Longstaff-Schwartz (lsmfit, exercise): exercise decides date by date */
	for (size_t i = 0; i < sizeof american_names / sizeof *american_names; i++)
		fprintf(f, "%s\tpath\tyes\tnone\tno\tnone\tyes\t1\tnone\tnone\tnone\n",
		        american_names[i]);
}
