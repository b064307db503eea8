/* payoff: discounted payoffs of simulated paths.
 *
 * Reads a simpaths stream and writes one row per path (one per pair with
 * antithetic paths): the payoff discounted at r over T. The model's r, T,
 * s0 and steps come from the stream's metadata, never from options, so a
 * price cannot be discounted with a rate other than the one simulated.
 * With --greeks it also writes per-path estimators of delta, gamma, vega,
 * rho and theta (pathwise or likelihood-ratio; see greeks_of). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detmath.h"
#include "err.h"
#include "numtext.h"
#include "opts.h"
#include "outbuf.h"
#include "stream.h"

/* What a payoff needs to know about one path. */
struct path_summary {
	double terminal, arith_mean, geo_mean, max, min;
};

enum need { NEED_ST = 1, NEED_AVG = 2, NEED_GEO = 4, NEED_MAX = 8, NEED_MIN = 16 };
enum barrier_side { NO_BARRIER, UP, DOWN };

struct payoff_kind {
	const char *name;
	unsigned needs;
	enum barrier_side barrier;
	bool path_dependent;   /* meaningless with one monitoring date */
};

static const struct payoff_kind payoff_kinds[] = {
	{ "call", NEED_ST, NO_BARRIER, false },
	{ "put", NEED_ST, NO_BARRIER, false },
	{ "digital-call", NEED_ST, NO_BARRIER, false },
	{ "digital-put", NEED_ST, NO_BARRIER, false },
	{ "asian-call-arith", NEED_AVG, NO_BARRIER, true },
	{ "asian-put-arith", NEED_AVG, NO_BARRIER, true },
	{ "asian-call-geo", NEED_GEO, NO_BARRIER, true },
	{ "asian-put-geo", NEED_GEO, NO_BARRIER, true },
	{ "up-and-out-call", NEED_ST | NEED_MAX, UP, true },
	{ "up-and-in-call", NEED_ST | NEED_MAX, UP, true },
	{ "down-and-out-put", NEED_ST | NEED_MIN, DOWN, true },
	{ "down-and-in-put", NEED_ST | NEED_MIN, DOWN, true },
	{ "lookback-call-float", NEED_ST | NEED_MIN, NO_BARRIER, true },
	{ "lookback-put-float", NEED_ST | NEED_MAX, NO_BARRIER, true },
	{ NULL, 0, NO_BARRIER, false },
};

static const struct payoff_kind *kind;
static unsigned kind_needs;   /* columns this run reads: the payoff's and the control's */
static double strike = 100, barrier = NAN, rebate = 0;
static bool hex_output;

/* Control variate: a second column with a known mean, from which aggregate
 * estimates the optimal coefficient. */
enum control_kind { NO_CONTROL, CONTROL_TERMINAL, CONTROL_GEO_ASIAN, CONTROL_VANILLA };
static const char *const control_names[] = { "none", "terminal", "asian-geo", "vanilla" };
static enum control_kind control;
static double control_mean = NAN;
static bool control_is_call;   /* the geometric Asian or vanilla control is a call */

/* From the stream's metadata. */
static double s0, discount;
static long steps;

/* Greeks (--greeks): one column each, after price and control, for those
 * the payoff and the stream allow (choose_greeks). */
enum greek { DELTA, GAMMA, VEGA, RHO, THETA, NGREEKS };
static const char *const greek_names[NGREEKS] = { "delta", "gamma", "vega", "rho", "theta" };
static bool greeks_asked;
static unsigned greek_set;       /* bit g: greek g is written */
static bool greeks_use_path;     /* they read the whole path S1..Sn */
static double *path_prices;      /* that path, steps values, when they do */
static double greek_phi;         /* +1 for calls, -1 for puts */
/* The model, for the Greeks: r, q, sigma, T from the metadata, and
 * ln s0, mu = r - q - sigma^2/2, sqrt(T), dt = T/steps, sqrt(dt). */
static double model_r, model_q, model_sigma, model_T, log_s0, mu, sqrt_T, dt, sqrt_dt;
/* Derived once, the same for every path: sigma sqrt(T), sigma sqrt(dt),
 * mu + sigma^2 (dx_i/dsigma = (x_i - (mu + sigma^2) t_i)/sigma), and the
 * geometric average's mean factor a = (n+1)/(2n) and volatility. */
static double vol_T, vol_dt, mu_vega, geo_a, vol_geo;

#define MAX_VALUES (2 + NGREEKS)   /* price, control, the Greeks */

static struct outbuf out;

static const char synopsis[] =
	"payoff [-p name] [-K strike] [--barrier h] [--rebate x]\n"
	"              [--control [--control-mean x]] [--greeks] [-x] [file ...]";

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Discounted payoff of each simulated path (a simpaths stream).\n\n"
	       "  -p, --payoff NAME  call, put, digital-call, digital-put (cash-or-nothing 1),\n"
	       "                     asian-{call,put}-{arith,geo}, up-and-out-call,\n"
	       "                     up-and-in-call, down-and-out-put, down-and-in-put,\n"
	       "                     lookback-call-float, lookback-put-float (default call)\n"
	       "  -K, --strike X     strike (default 100)\n"
	       "  --barrier H        barrier level (barrier payoffs; a touch counts)\n"
	       "  --rebate X         paid at expiry when knocked out / never knocked in\n"
	       "  --control          add a control-variate column: the discounted S_T, or\n"
	       "                     for arithmetic Asians the geometric Asian, for\n"
	       "                     barriers the vanilla (aggregate then uses it)\n"
	       "  --control-mean X   the control's known mean (Asian and barrier controls)\n"
	       "  --greeks           add columns delta gamma vega rho theta (those the\n"
	       "                     payoff and the stream allow; see the man page)\n"
	       "  -x, --hex          write C99 hex floats instead of decimal\n"
	       "  -h, --help         show this help\n"
	       "  -V, --version      show the version\n\n"
	       "r, T, s0 and steps (and q, sigma for --greeks) are read from the stream's\n"
	       "metadata.\n",
	       synopsis);
	finish_output();
	exit(0);
}

/* In the order of payoff_kinds[]. */
enum payoff_id {
	CALL, PUT, DIGITAL_CALL, DIGITAL_PUT, ASIAN_CALL_ARITH, ASIAN_PUT_ARITH,
	ASIAN_CALL_GEO, ASIAN_PUT_GEO, UP_AND_OUT_CALL, UP_AND_IN_CALL,
	DOWN_AND_OUT_PUT, DOWN_AND_IN_PUT, LOOKBACK_CALL_FLOAT, LOOKBACK_PUT_FLOAT,
};

static double call_value(double underlying)
{
	return underlying > strike ? underlying - strike : 0;
}

static double put_value(double underlying)
{
	return strike > underlying ? strike - underlying : 0;
}

/* Undiscounted payoff. Barriers: a touch counts (>= up, <= down). */
static double payoff_of(const struct path_summary *p)
{
	switch ((enum payoff_id)(kind - payoff_kinds)) {
	case CALL: return call_value(p->terminal);
	case PUT: return put_value(p->terminal);
	case DIGITAL_CALL: return p->terminal > strike ? 1 : 0;
	case DIGITAL_PUT: return p->terminal < strike ? 1 : 0;
	case ASIAN_CALL_ARITH: return call_value(p->arith_mean);
	case ASIAN_PUT_ARITH: return put_value(p->arith_mean);
	case ASIAN_CALL_GEO: return call_value(p->geo_mean);
	case ASIAN_PUT_GEO: return put_value(p->geo_mean);
	case UP_AND_OUT_CALL: return p->max >= barrier ? rebate : call_value(p->terminal);
	case UP_AND_IN_CALL: return p->max < barrier ? rebate : call_value(p->terminal);
	case DOWN_AND_OUT_PUT: return p->min <= barrier ? rebate : put_value(p->terminal);
	case DOWN_AND_IN_PUT: return p->min > barrier ? rebate : put_value(p->terminal);
	/* Floating lookbacks: S0 counts in the extreme. */
	case LOOKBACK_CALL_FLOAT: return p->terminal - (p->min < s0 ? p->min : s0);
	case LOOKBACK_PUT_FLOAT: return (p->max > s0 ? p->max : s0) - p->terminal;
	}
	abort();
}

/* The control's undiscounted value: the discounted terminal price has mean
 * s0 e^{-qT}; the geometric Asian (for arithmetic Asians) and the vanilla
 * (for barriers) have closed forms, given by --control-mean. */
static double control_of(const struct path_summary *p)
{
	switch (control) {
	case CONTROL_TERMINAL: return p->terminal;
	case CONTROL_GEO_ASIAN: return control_is_call ? call_value(p->geo_mean) : put_value(p->geo_mean);
	case CONTROL_VANILLA: return control_is_call ? call_value(p->terminal) : put_value(p->terminal);
	case NO_CONTROL: break;
	}
	abort();
}

/* Where each quantity is found in the row: a summary column, or computed
 * from the whole path's columns S1..Sn. */
struct layout {
	int terminal, arith_mean, geo_mean, max, min;
	int path_start;   /* column of S1, or -1 */
};

static struct layout find_layout(struct stream *in)
{
	struct layout l = {
		stream_column(in, "ST"), stream_column(in, "avg"), stream_column(in, "geo"),
		stream_column(in, "max"), stream_column(in, "min"), -1,
	};
	if ((l.path_start = stream_path_columns(in, steps)) >= 0)
		return l;
	static const struct { unsigned need; const char *column; } columns[] = {
		{ NEED_ST, "ST" }, { NEED_AVG, "avg" }, { NEED_GEO, "geo" },
		{ NEED_MAX, "max" }, { NEED_MIN, "min" },
	};
	for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
		if ((kind_needs & columns[i].need) && stream_column(in, columns[i].column) < 0)
			data_error(stream_where(in),
			           "%s needs column '%s', which the stream lacks (simpaths --emit summary)",
			           kind->name, columns[i].column);
	return l;
}

static void read_summary(struct stream *in, const struct layout *l, struct path_summary *p)
{
	if (l->path_start >= 0) {
		double sum = 0, sum_log = 0, max = -HUGE_VAL, min = HUGE_VAL, s = 0;
		for (long i = 0; i < steps; i++) {
			s = stream_field_price(in, l->path_start + (int)i);
			if (greeks_use_path)
				path_prices[i] = s;
			sum += s;
			if (kind_needs & NEED_GEO)
				sum_log += det_log(s);
			max = s > max ? s : max;
			min = s < min ? s : min;
		}
		*p = (struct path_summary){ s, sum / (double)steps,
		                            det_exp(sum_log / (double)steps), max, min };
	} else {
		if (kind_needs & NEED_ST)
			p->terminal = stream_field_price(in, l->terminal);
		if (kind_needs & NEED_AVG)
			p->arith_mean = stream_field_price(in, l->arith_mean);
		if (kind_needs & NEED_GEO)
			p->geo_mean = stream_field_price(in, l->geo_mean);
		if (kind_needs & NEED_MAX)
			p->max = stream_field_price(in, l->max);
		if (kind_needs & NEED_MIN)
			p->min = stream_field_price(in, l->min);
	}
}

static void put_number(double value, char separator)
{
	char *p = outbuf_reserve(&out, NUM_TEXT_MAX + 1);
	size_t len = hex_output ? num_format_hex(p, value)
	                        : (size_t)snprintf(p, NUM_TEXT_MAX, "%.17g", value);
	p[len] = separator;
	out.len += len + 1;
}

/* One output row: the discounted payoff, the control if asked for, the
 * Greeks if asked for. */
static void put_row(const double *values, int count)
{
	for (int i = 0; i < count; i++)
		put_number(values[i], i + 1 < count ? '\t' : '\n');
}

static void put_text(const char *text)
{
	outbuf_put(&out, text, strlen(text));
}

/* The model facts this payoff needs, from the metadata before the header. */
static void learn_model(struct stream *in)
{
	double rate = stream_meta_double(in, "r");
	double maturity = stream_meta_double(in, "T");
	double steps_value = stream_meta_double(in, "steps");

	s0 = stream_meta_double(in, "s0");
	if (!(maturity > 0) || !(s0 > 0) || !(steps_value >= 1) || steps_value > 1e6 ||
	    steps_value != floor(steps_value))
		data_error(stream_where(in), "metadata has an invalid model (s0, T or steps)");
	steps = (long)steps_value;
	discount = det_exp(-rate * maturity);
	if (kind->path_dependent && steps < 2)
		usage_error("--payoff: %s needs at least 2 monitoring dates (the stream has steps=1)",
		            kind->name);
	if (kind->barrier == UP && !(barrier > s0))
		usage_error("--barrier: an up barrier must lie above s0=%g", s0);
	if (kind->barrier == DOWN && !(barrier < s0))
		usage_error("--barrier: a down barrier must lie below s0=%g", s0);
	if (control == CONTROL_TERMINAL)
		control_mean = s0 * det_exp(-stream_meta_double(in, "q") * maturity);
	if (greeks_asked) {
		model_r = rate;
		model_q = stream_meta_double(in, "q");
		model_sigma = stream_meta_double(in, "sigma");
		model_T = maturity;
		if (!(model_sigma > 0))
			usage_error("--greeks: the stream has sigma=%g; the Greeks' estimators need "
			            "sigma > 0", model_sigma);
		log_s0 = det_log(s0);
		mu = model_r - model_q - 0.5 * model_sigma * model_sigma;
		sqrt_T = sqrt(model_T);
		dt = model_T / (double)steps;
		sqrt_dt = sqrt(dt);
		vol_T = model_sigma * sqrt_T;
		vol_dt = model_sigma * sqrt_dt;
		mu_vega = mu + model_sigma * model_sigma;
		/* ln G = ln s0 + mu a T + sigma (mean of W_{t_i}), its variance
		 * sigma^2 c T: a = (n+1)/(2n), c = (n+1)(2n+1)/(6n^2) */
		double n = (double)steps, c = (n + 1) * (2 * n + 1) / (6 * n * n);
		geo_a = (n + 1) / (2 * n);
		vol_geo = model_sigma * sqrt(c * model_T);
	}
}

static void put_own_header(void)
{
	char text[NUM_TEXT_MAX];

	put_text("# tool=payoff payoff=");
	put_text(kind->name);
	if (strncmp(kind->name, "lookback", 8) != 0) {
		num_format(text, strike);
		put_text(" strike=");
		put_text(text);
	}
	if (kind->barrier != NO_BARRIER) {
		num_format(text, barrier);
		put_text(" barrier=");
		put_text(text);
		num_format(text, rebate);
		put_text(" rebate=");
		put_text(text);
	}
	if (control) {
		num_format(text, control_mean);
		put_text(" control=");
		put_text(control_names[control]);
		put_text(" control_mean=");
		put_text(text);
	}
	if (greek_set) {
		const char *separator = " greeks=";
		for (int g = 0; g < NGREEKS; g++)
			if (greek_set & 1u << g) {
				put_text(separator);
				put_text(greek_names[g]);
				separator = ",";
			}
	}
	put_text(control ? "\nprice\tcontrol" : "\nprice");
	for (int g = 0; g < NGREEKS; g++)
		if (greek_set & 1u << g) {
			put_text("\t");
			put_text(greek_names[g]);
		}
	put_text("\n");
}

/* The control that suits the payoff, and where its mean comes from. */
static void choose_control(void)
{
	control_is_call = strstr(kind->name, "call") != NULL;
	if (strncmp(kind->name, "asian-", 6) == 0 && strstr(kind->name, "-arith")) {
		control = CONTROL_GEO_ASIAN;
		kind_needs |= NEED_GEO;
	} else if (kind->barrier != NO_BARRIER) {
		control = CONTROL_VANILLA;
	} else {
		control = CONTROL_TERMINAL;
		kind_needs |= NEED_ST;
	}
	if (control == CONTROL_TERMINAL && !isnan(control_mean))
		usage_error("--control-mean: the control of %s is the discounted terminal price, "
		            "whose mean s0 e^{-qT} payoff knows", kind->name);
	if (control != CONTROL_TERMINAL && isnan(control_mean))
		usage_error("--control: %s's control is the %s %s; give its closed-form price "
		            "with --control-mean (closedform --payoff %s)", kind->name,
		            control == CONTROL_GEO_ASIAN ? "geometric Asian" : "vanilla",
		            control_is_call ? "call" : "put",
		            control == CONTROL_GEO_ASIAN
		                ? (control_is_call ? "asian-call-geo" : "asian-put-geo")
		                : (control_is_call ? "call" : "put"));}

/* Which Greeks the payoff and the stream allow (payoff.1, "Greeks"):
 * everything for the payoffs of S_T alone; no theta for path-dependent
 * payoffs (shortening T moves their monitoring dates); the arithmetic
 * Asian's gamma, vega and rho, the lookbacks' vega and rho and every
 * barrier Greek need the whole path (simpaths --emit path). */
static void choose_greeks(struct stream *in, const struct layout *l)
{
	const unsigned all = (1u << NGREEKS) - 1, no_theta = all & ~(1u << THETA);
	bool path = l->path_start >= 0;

	greek_phi = strstr(kind->name, "call") ? 1 : -1;
	switch ((enum payoff_id)(kind - payoff_kinds)) {
	case CALL: case PUT: case DIGITAL_CALL: case DIGITAL_PUT:
		greek_set = all;
		break;
	case ASIAN_CALL_GEO: case ASIAN_PUT_GEO:
		greek_set = no_theta;
		break;
	case ASIAN_CALL_ARITH: case ASIAN_PUT_ARITH:
		greek_set = path ? no_theta : 1u << DELTA;
		greeks_use_path = path;
		break;
	case LOOKBACK_CALL_FLOAT: case LOOKBACK_PUT_FLOAT:
		greek_set = path ? no_theta : 1u << DELTA | 1u << GAMMA;
		greeks_use_path = path;
		break;
	case UP_AND_OUT_CALL: case UP_AND_IN_CALL: case DOWN_AND_OUT_PUT: case DOWN_AND_IN_PUT:
		if (!path)
			data_error(stream_where(in), "--greeks: %s's Greeks need the whole path, "
			           "columns S1..S%ld, which the stream lacks (simpaths --emit path)",
			           kind->name, steps);
		greek_set = no_theta;
		greeks_use_path = true;
		break;
	}
	if (greeks_use_path) {
		path_prices = xreallocarray(NULL, (size_t)steps, sizeof *path_prices);
	}
}

/* The Greeks of one path, undiscounted like payoff_of's value f, into
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
static void greeks_of(const struct path_summary *p, double f, double g[NGREEKS])
{
	double phi = greek_phi;

	switch ((enum payoff_id)(kind - payoff_kinds)) {
	case CALL: case PUT: {
		double S = p->terminal, z = (det_log(S) - log_s0 - mu * model_T) / vol_T;
		bool in = phi > 0 ? S > strike : S < strike;
		g[DELTA] = in ? phi * S / s0 : 0;
		/* d/ds0 of the LR delta f Z/(s0 sigma sqrt T), pathwise: the
		 * kink drops out, S_T 1{in} - f = K 1{in} for a call */
		g[GAMMA] = in ? phi * strike * z / (s0 * s0 * vol_T) : 0;
		g[VEGA] = in ? phi * S * (sqrt_T * z - model_sigma * model_T) : 0;
		g[RHO] = in ? phi * strike * model_T : 0;
		/* theta = -dV/dT: dS_T/dT = S_T (mu + sigma Z/(2 sqrt T)) */
		g[THETA] = model_r * f - (in ? phi * S * (mu + model_sigma * z / (2 * sqrt_T)) : 0);
		return;
	}
	case DIGITAL_CALL: case DIGITAL_PUT: {
		double z = (det_log(p->terminal) - log_s0 - mu * model_T) / vol_T;
		g[DELTA] = f * z / (s0 * vol_T);
		g[GAMMA] = f * (z * z - 1 - z * vol_T) / (s0 * s0 * vol_T * vol_T);
		g[VEGA] = f * ((z * z - 1) / model_sigma - z * sqrt_T);
		g[RHO] = f * (z * sqrt_T / model_sigma - model_T);
		g[THETA] = f * (model_r - z * mu / vol_T - (z * z - 1) / (2 * model_T));
		return;
	}
	case ASIAN_CALL_GEO: case ASIAN_PUT_GEO: {
		double a = geo_a, vol_G = vol_geo;
		double G = p->geo_mean, x = det_log(G) - log_s0;
		double z = (x - mu * a * model_T) / vol_G;
		bool in = phi > 0 ? G > strike : G < strike;
		g[DELTA] = in ? phi * G / s0 : 0;
		g[GAMMA] = in ? phi * strike * z / (s0 * s0 * vol_G) : 0;
		g[VEGA] = in ? phi * G * (x - mu_vega * a * model_T) / model_sigma : 0;
		g[RHO] = (in ? phi * G * a * model_T : 0) - model_T * f;
		return;
	}
	case ASIAN_CALL_ARITH: case ASIAN_PUT_ARITH: {
		double A = p->arith_mean;
		bool in = phi > 0 ? A > strike : A < strike;
		g[DELTA] = in ? phi * A / s0 : 0;
		if (!greeks_use_path)
			return;
		/* dS_i/dsigma = S_i (x_i - (mu + sigma^2) t_i)/sigma, dS_i/dr = t_i S_i;
		 * gamma: the LR score of s0 lies in the first step alone */
		double n = (double)steps, sum_vega = 0, sum_rho = 0;
		for (long i = 0; i < steps; i++) {
			double S = path_prices[i], t = (double)(i + 1) * dt;
			sum_vega += S * (det_log(S) - log_s0 - mu_vega * t);
			sum_rho += S * t;
		}
		double z1 = (det_log(path_prices[0]) - log_s0 - mu * dt) / vol_dt;
		g[GAMMA] = in ? phi * strike * z1 / (s0 * s0 * vol_dt) : 0;
		g[VEGA] = in ? phi * sum_vega / (n * model_sigma) : 0;
		g[RHO] = (in ? phi * sum_rho / n : 0) - model_T * f;
		return;
	}
	case LOOKBACK_CALL_FLOAT: case LOOKBACK_PUT_FLOAT: {
		/* f is homogeneous of degree 1 in s0 (S0 counts in the extreme):
		 * delta = f/s0 exactly, gamma = 0 */
		g[DELTA] = f / s0;
		g[GAMMA] = 0;
		if (!greeks_use_path)
			return;
		/* the extreme's date j (0: s0 itself, which moves with neither
		 * sigma nor r), as payoff_of chooses it */
		long j = -1;
		double extreme = s0;
		for (long i = 0; i < steps; i++)
			if (phi > 0 ? path_prices[i] < extreme : path_prices[i] > extreme) {
				extreme = path_prices[i];
				j = i;
			}
		double S = p->terminal;
		double dS_sigma = S * (det_log(S) - log_s0 - mu_vega * model_T) / model_sigma;
		double dE_sigma = 0, dE_r = 0;
		if (j >= 0) {
			double t = (double)(j + 1) * dt;
			dE_sigma = extreme * (det_log(extreme) - log_s0 - mu_vega * t) / model_sigma;
			dE_r = extreme * t;
		}
		g[VEGA] = phi * (dS_sigma - dE_sigma);
		g[RHO] = phi * (S * model_T - dE_r) - model_T * f;
		return;
	}
	case UP_AND_OUT_CALL: case UP_AND_IN_CALL: case DOWN_AND_OUT_PUT: case DOWN_AND_IN_PUT: {
		/* likelihood ratio on the path's steps Z_i: s0 moves the first
		 * step's mean; sigma and r every step's */
		double x_prev = 0, sum_z = 0, score_sigma = 0, z1 = 0;
		for (long i = 0; i < steps; i++) {
			double x = det_log(path_prices[i]) - log_s0;
			double z = (x - x_prev - mu * dt) / vol_dt;
			if (i == 0)
				z1 = z;
			sum_z += z;
			score_sigma += (z * z - 1) / model_sigma - z * sqrt_dt;
			x_prev = x;
		}
		g[DELTA] = f * z1 / (s0 * vol_dt);
		g[GAMMA] = f * (z1 * z1 - 1 - z1 * vol_dt) / (s0 * s0 * vol_dt * vol_dt);
		g[VEGA] = f * score_sigma;
		g[RHO] = f * (sum_z * sqrt_dt / model_sigma - model_T);
		return;
	}
	}
	abort();
}

/* Once the header is read: the model, the layout, our own header. */
static void start(struct stream *in, struct layout *layout, bool *antithetic)
{
	learn_model(in);
	const char *a = stream_meta(in, "antithetic");
	*antithetic = a && strcmp(a, "1") == 0;
	*layout = find_layout(in);
	if (greeks_asked)
		choose_greeks(in, layout);
	put_own_header();
}

/* Values per row: price, control, the Greeks. */
static int value_count(void)
{
	int count = control ? 2 : 1;
	for (int g = 0; g < NGREEKS; g++)
		count += (greek_set >> g) & 1;
	return count;
}

/* One path's row: the discounted payoff, the control, the Greeks. */
static void path_values(struct stream *in, const struct path_summary *path, double *values)
{
	double f = payoff_of(path);
	int count = 0;

	values[count++] = discount * f;
	if (control)
		values[count++] = discount * control_of(path);
	if (!greek_set)
		return;
	double g[NGREEKS];
	greeks_of(path, f, g);
	for (int k = 0; k < NGREEKS; k++) {
		if (!(greek_set & 1u << k))
			continue;
		values[count] = discount * g[k] + 0.0;   /* + 0.0: no "-0" */
		if (!isfinite(values[count]))
			data_error(stream_where(in), "%s of this path is not a finite number "
			           "(sigma or T too small?)", greek_names[k]);
		count++;
	}
}

static void price_paths(int ninputs, char **inputs)
{
	struct stream in;
	struct layout layout;
	bool started = false, antithetic = false, half_pair = false;
	double first_of_pair[MAX_VALUES] = { 0 };
	int count = 0;   /* values per row */

	stream_open(&in, ninputs, inputs);
	for (enum record r; (r = stream_next(&in)) != RECORD_END;) {
		if (!started && in.ncolumns > 0) {   /* the header has been read */
			start(&in, &layout, &antithetic);
			started = true;
			count = value_count();
		}
		if (r == RECORD_META) {
			if (half_pair && in.range_opened)
				data_error(stream_where(&in), "antithetic pair cut off by a new range");
			put_text(in.line);
			put_text("\n");
			continue;
		}
		struct path_summary path = { 0, 0, 0, 0, 0 };
		read_summary(&in, &layout, &path);
		double values[MAX_VALUES];
		path_values(&in, &path, values);
		if (!antithetic) {
			put_row(values, count);
		} else if (!half_pair) {
			memcpy(first_of_pair, values, (size_t)count * sizeof *values);
			half_pair = true;
		} else {
			double pair[MAX_VALUES];
			for (int i = 0; i < count; i++)
				pair[i] = 0.5 * (first_of_pair[i] + values[i]);
			put_row(pair, count);
			half_pair = false;
		}
	}
	if (!started && in.ncolumns > 0)   /* a header and no rows: no prices */
		start(&in, &layout, &antithetic);
	else if (!started)
		data_error(in.name ? in.name : "stdin", "no header: empty input?");
	if (half_pair)
		data_error(stream_where(&in), "antithetic stream ends inside a pair");
	stream_close(&in);
	free(path_prices);
}

int main(int argc, char **argv)
{
	enum { OPT_BARRIER = 256, OPT_REBATE, OPT_CONTROL, OPT_CONTROL_MEAN, OPT_GREEKS };
	static const struct option longopts[] = {
		{ "payoff", required_argument, NULL, 'p' },
		{ "strike", required_argument, NULL, 'K' },
		{ "barrier", required_argument, NULL, OPT_BARRIER },
		{ "rebate", required_argument, NULL, OPT_REBATE },
		{ "control", no_argument, NULL, OPT_CONTROL },
		{ "control-mean", required_argument, NULL, OPT_CONTROL_MEAN },
		{ "greeks", no_argument, NULL, OPT_GREEKS },
		{ "hex", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *payoff_name = "call";
	bool rebate_given = false, control_asked = false;
	int c;

	tool_init("payoff", argv);
	while ((c = getopt_long(argc, argv, "p:K:xhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': payoff_name = optarg; break;
		case 'K': strike = opt_positive("--strike", optarg); break;
		case OPT_BARRIER: barrier = opt_positive("--barrier", optarg); break;
		case OPT_REBATE:
			rebate = opt_nonneg("--rebate", optarg);
			rebate_given = true;
			break;
		case 'x': hex_output = true; break;
		case OPT_CONTROL: control_asked = true; break;
		case OPT_CONTROL_MEAN: control_mean = opt_double("--control-mean", optarg); break;
		case OPT_GREEKS: greeks_asked = true; break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	for (kind = payoff_kinds; kind->name && strcmp(kind->name, payoff_name) != 0; kind++)
		;
	if (!kind->name) {
		if (strncmp(payoff_name, "american-", 9) == 0)
			usage_error("--payoff: %s is priced by Longstaff-Schwartz, not by payoff",
			            payoff_name);
		usage_error("--payoff: unknown payoff '%s'", payoff_name);
	}
	kind_needs = kind->needs;
	if (kind->barrier != NO_BARRIER && isnan(barrier))
		usage_error("--payoff: %s needs --barrier", kind->name);
	if (kind->barrier == NO_BARRIER && !isnan(barrier))
		usage_error("--barrier: %s has no barrier", kind->name);
	if (kind->barrier == NO_BARRIER && rebate_given)
		usage_error("--rebate: %s has no barrier", kind->name);
	if (control_asked)
		choose_control();
	else if (!isnan(control_mean))
		usage_error("--control-mean goes with --control");

	price_paths(argc - optind, argv + optind);
	outbuf_flush(&out);
	finish_output();
	return 0;
}
