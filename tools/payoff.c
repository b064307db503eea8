/* payoff: discounted payoffs of simulated paths.
 *
 * Reads a simpaths stream and writes one row per path (one per pair with
 * antithetic paths): the payoff discounted at r over T. The model's r, T,
 * s0 and steps come from the stream's metadata, never from options, so a
 * price cannot be discounted with a rate other than the one simulated.
 * With --greeks it also writes per-path estimators of delta, gamma, vega,
 * rho and theta (pathwise or likelihood-ratio). The payoffs themselves are
 * in tools/lib/payoffs.c, shared with simpaths --payoff. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "model.h"
#include "numtext.h"
#include "outbuf.h"
#include "payoffs.h"
#include "stream.h"
#include "xalloc.h"

static struct payoff payoff;
static bool hex_output;
static double *path_prices;   /* a whole path S1..Sn, when the rows hold one */

static struct outbuf out;

static const char synopsis[] =
	"payoff [-p name] [-K strike] [--barrier h] [--rebate x]\n"
	"              [--control [--control-mean x]] [--greeks] [-x] [file ...]\n"
	"       payoff --describe";

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
	       "  --describe         print the payoff catalog as a table (no input read)\n"
	       "  -h, --help         show this help\n"
	       "  -V, --version      show the version\n\n"
	       "r, T, s0 and steps (and q, sigma for --greeks) are read from the stream's\n"
	       "metadata.\n",
	       synopsis);
	finish_output();
	exit(0);
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
	if ((l.path_start = stream_path_columns(in, payoff.steps)) >= 0)
		return l;
	unsigned available = (l.terminal >= 0 ? NEED_ST : 0) | (l.arith_mean >= 0 ? NEED_AVG : 0) |
	                     (l.geo_mean >= 0 ? NEED_GEO : 0) | (l.max >= 0 ? NEED_MAX : 0) |
	                     (l.min >= 0 ? NEED_MIN : 0);
	unsigned missing = payoff_missing(&payoff, available);
	if (missing)
		data_error(stream_where(in),
		           "%s needs column '%s', which the stream lacks (simpaths --emit summary)",
		           payoff.kind->name, payoff_need_column(missing));
	return l;
}

static void read_summary(struct stream *in, const struct layout *l, struct path_summary *p)
{
	if (l->path_start >= 0) {
		for (long i = 0; i < payoff.steps; i++)
			path_prices[i] = stream_field_price(in, l->path_start + (int)i);
		payoff_summarize_path(&payoff, path_prices, p);
		return;
	}
	/* Every summary column the row has is read and checked, needed or not:
	 * a geo=nan beside a call's ST is a broken stream, not a price. */
	if (l->terminal >= 0)
		p->terminal = stream_field_price(in, l->terminal);
	if (l->arith_mean >= 0)
		p->arith_mean = stream_field_price(in, l->arith_mean);
	if (l->geo_mean >= 0)
		p->geo_mean = stream_field_price(in, l->geo_mean);
	if (l->max >= 0)
		p->max = stream_field_price(in, l->max);
	if (l->min >= 0)
		p->min = stream_field_price(in, l->min);
}

/* One output row: the discounted payoff, the control if asked for, the
 * Greeks if asked for. */
static void put_row(const double *values, int count)
{
	for (int i = 0; i < count; i++)
		outbuf_put_number(&out, values[i], hex_output, i + 1 < count ? '\t' : '\n');
}

static void put_text(const char *text)
{
	outbuf_put(&out, text, strlen(text));
}

/* Heston or merton as the stream describes it (model=name), when it says
 * every parameter: the model whose closed-form vanilla a --control-mean
 * is checked against (vanilla.h). false if it is another model or lacks
 * one. */
static bool learn_sv_model(struct stream *in, const char *name, struct model *m)
{
	const char *const *keys = name ? model_keys(name) : NULL;

	if (!keys || strcmp(name, "gbm") == 0)
		return false;
	for (const char *const *key = keys; *key; key++)
		if (!stream_meta(in, *key))
			return false;
	model_init(m);
	m->kind = strcmp(name, "heston") == 0 ? MODEL_HESTON : MODEL_MERTON;
	m->s0 = stream_meta_double(in, "s0");
	m->r = stream_meta_double(in, "r");
	m->q = stream_meta_double(in, "q");
	m->T = stream_meta_double(in, "T");
	if (m->kind == MODEL_HESTON) {
		m->v0 = stream_meta_double(in, "v0");
		m->kappa = stream_meta_double(in, "kappa");
		m->theta = stream_meta_double(in, "theta");
		m->xi = stream_meta_double(in, "xi");
		m->rho = stream_meta_double(in, "rho");
	} else {
		m->sigma = stream_meta_double(in, "sigma");
		m->lambda = stream_meta_double(in, "lambda");
		m->mu_j = stream_meta_double(in, "mu_j");
		m->delta_j = stream_meta_double(in, "delta_j");
	}
	return true;
}

/* The model facts this payoff needs, from the metadata before the header. */
static void learn_model(struct stream *in)
{
	static struct model sv;

	double rate = stream_meta_double(in, "r");
	double maturity = stream_meta_double(in, "T");
	double steps = stream_meta_double(in, "steps");
	double s0 = stream_meta_double(in, "s0");

	if (!(maturity > 0) || !(s0 > 0) || !(steps >= 1) || steps > 1e6 || steps != floor(steps))
		data_error(stream_where(in), "metadata has an invalid model (s0, T or steps)");
	struct payoff_model model = { s0, rate, NAN, NAN, maturity, (long)steps, false, NULL };
	/* The Greeks' estimators and the controls' closed forms are gbm's
	 * (a stream without model= is taken for gbm). */
	const char *name = stream_meta(in, "model");
	bool gbm = !name || strcmp(name, "gbm") == 0;
	if (payoff.greeks_asked && !gbm)
		data_error(stream_where(in), "--greeks: the Greeks' estimators are gbm's; the "
		           "stream has model=%.40s (bump and reprice: simpaths --payoff --greeks)",
		           name);
	/* a --control-mean is checked where the stream says q and sigma */
	bool check_mean = (payoff.control == CONTROL_GEO_ASIAN || payoff.control == CONTROL_VANILLA)
	                  && gbm && stream_meta(in, "q") && stream_meta(in, "sigma");
	if (payoff.control == CONTROL_TERMINAL || payoff.greeks_asked || check_mean)
		model.q = stream_meta_double(in, "q");
	if (payoff.greeks_asked || check_mean)
		model.sigma = stream_meta_double(in, "sigma");
	model.not_lognormal = !gbm;   /* an arithmetic Asian's control: the vanilla */
	/* under heston and merton the vanilla's closed form is the model's */
	if (payoff.control && payoff.control != CONTROL_TERMINAL && !gbm &&
	    learn_sv_model(in, name, &sv))
		model.sv = &sv;
	payoff_set_model(&payoff, &model);
}

static void put_own_header(void)
{
	char line[1024];
	const char *names[PAYOFF_MAX_VALUES];
	int count = payoff_columns(&payoff, names);

	payoff_meta_line(&payoff, line, sizeof line);
	put_text(line);
	for (int i = 0; i < count; i++) {
		put_text(i ? "\t" : "\n");
		put_text(names[i]);
	}
	put_text("\n");
}

/* Once the header is read: the model, the layout, our own header. */
static void start(struct stream *in, struct layout *layout, bool *antithetic)
{
	learn_model(in);
	const char *a = stream_meta(in, "antithetic");
	*antithetic = a && strcmp(a, "1") == 0;
	*layout = find_layout(in);
	if (payoff.greeks_asked && !payoff_choose_greeks(&payoff, layout->path_start >= 0))
		data_error(stream_where(in), "--greeks: %s's Greeks need the whole path, "
		           "columns S1..S%ld, which the stream lacks (simpaths --emit path)",
		           payoff.kind->name, payoff.steps);
	if (layout->path_start >= 0)
		path_prices = xreallocarray(NULL, (size_t)payoff.steps, sizeof *path_prices);
	put_own_header();
}

/* One path's row: the discounted payoff, the control, the Greeks. */
static void path_values(struct stream *in, const struct path_summary *path, double *values)
{
	const char *names[PAYOFF_MAX_VALUES];

	payoff_values(&payoff, path, path_prices, values);
	int bad = payoff_nonfinite_greek(&payoff, values);
	if (bad >= 0) {
		payoff_columns(&payoff, names);
		data_error(stream_where(in), "%s of this path is not a finite number "
		           "(sigma or T too small?)", names[bad]);
	}
}

static void price_paths(int ninputs, char **inputs)
{
	struct stream in;
	struct layout layout;
	bool started = false, antithetic = false, half_pair = false;
	double first_of_pair[PAYOFF_MAX_VALUES] = { 0 };
	int count = 0;   /* values per row */

	stream_open(&in, ninputs, inputs);
	for (enum record r; (r = stream_next(&in)) != RECORD_END;) {
		if (!started && in.ncolumns > 0) {   /* the header has been read */
			start(&in, &layout, &antithetic);
			started = true;
			const char *names[PAYOFF_MAX_VALUES];
			count = payoff_columns(&payoff, names);
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
		double values[PAYOFF_MAX_VALUES];
		path_values(&in, &path, values);
		if (!antithetic) {
			put_row(values, count);
		} else if (!half_pair) {
			memcpy(first_of_pair, values, (size_t)count * sizeof *values);
			half_pair = true;
		} else {
			double pair[PAYOFF_MAX_VALUES];
			payoff_pair_mean(first_of_pair, values, count, pair);
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
	static const struct option longopts[] = {
		PAYOFF_LONGOPTS,
		{ "hex", no_argument, NULL, 'x' },
		{ "describe", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *payoff_name = "call";
	int c;

	tool_init("payoff", argv);
	payoff_init(&payoff);
	while ((c = getopt_long(argc, argv, PAYOFF_SHORTOPTS "xhV", longopts, NULL)) != -1) {
		if (payoff_option(&payoff, c, optarg, &payoff_name))
			continue;
		switch (c) {
		case 'x': hex_output = true; break;
		case 'D':
			payoff_describe(stdout);
			finish_output();
			return 0;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	payoff_options_done(&payoff, payoff_name);

	price_paths(argc - optind, argv + optind);
	outbuf_flush(&out);
	finish_output();
	return 0;
}
