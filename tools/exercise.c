/* exercise: discounted cash flows of American options under a fitted rule.
 *
 * Reads the coefficients lsmfit(1) fitted on training paths, then a stream
 * of whole pricing paths (simpaths --emit path), and writes one row per
 * path: the intrinsic value at the first monitoring date where it is
 * positive and at least the fitted continuation value (at the last date,
 * whenever it is positive), discounted to time 0; 0 if never exercised.
 * The pricing paths are independent of the training paths, so the mean is
 * a low-biased estimate of the American price: unbiased for this exercise
 * rule, which is at best the optimal one. The output goes to aggregate(1)
 * like payoff(1)'s, so shards and partials work the same.
 *
 * The rule must belong to the paths: s0, r, q, sigma, T and steps of the
 * coefficient file must equal the stream's, or nothing is priced.
 *
 * --upper N writes instead, for each path, its term of the rule's
 * Andersen–Broadie dual (tools/lib/dual.h), from N inner paths per date
 * that walk with the paths' model (rebuilt from the stream's metadata) from
 * each date's state, the price and under heston the variance (V1..Vn):
 * their mean is a high-biased price, an upper bound to set beside the
 * low-biased one. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dual.h"
#include "err.h"
#include "model.h"
#include "numtext.h"
#include "opts.h"
#include "outbuf.h"
#include "payoffs.h"
#include "rule.h"
#include "stream.h"
#include "xalloc.h"

static const char *coef_file;
static struct rule rule;      /* the rule, from the coefficient file (rule.h) */
static double *prices;        /* the current row's S1..Sn */
static double *variances;     /* and V1..Vn, for a rule with state=variance */
static int first_v = -1;      /* their first column */
static bool hex_output;
static struct outbuf out;
static long inner;            /* --upper: inner paths per date; 0: the prices */
static struct dual dual;
static uint64_t seed;         /* --upper: the outer paths' seed, their inner paths' key */

static const char synopsis[] =
	"exercise -c coefficients [-p american-put|american-call] [-K strike]\n"
	"                [-u inner] [-x] [file ...]";

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Discounted cash flow of each pricing path (simpaths --emit path) under the\n"
	       "exercise rule fitted by lsmfit: a low-biased American price estimate.\n\n"
	       "  -c, --coefficients FILE  lsmfit's output (required)\n"
	       "  -p, --payoff NAME        check that FILE was fitted for this payoff\n"
	       "  -K, --strike X           check that FILE was fitted for this strike\n"
	       "  -u, --upper N            write each path's term of the rule's Andersen-\n"
	       "                           Broadie dual, from N inner paths per date: their\n"
	       "                           mean is a high-biased price (column upper)\n"
	       "  -x, --hex                write C99 hex floats instead of decimal\n"
	       "  -h, --help               show this help\n"
	       "  -V, --version            show the version\n\n"
	       "s0, r, q, sigma, T and steps of FILE must equal the stream's.\n",
	       synopsis);
	finish_output();
	exit(0);
}

/* --- the pricing paths --------------------------------------------------------- */

/* --upper: the outer paths' model, rebuilt from their metadata (model.h's
 * keys; gbm when unnamed), for the inner paths to walk on. */
static void paths_model(struct stream *in, struct model *m)
{
	const char *name = stream_meta(in, "model");
	model_init(m);
	if (name && !model_kind_of(name, &m->kind))
		data_error(stream_where(in), "model=%.40s: unknown model", name);
	for (const char *const *key = model_keys(model_name(m->kind)); *key; key++)
		if (!model_set(m, *key, stream_meta_double(in, *key)))
			data_error(stream_where(in), "--upper: %s=%.40s is out of the model's range", *key,
			           stream_meta(in, *key));
	/* heston's inner paths draw their normals as the outer ones did
	 * (normals=ziggurat, or inversion when unnamed: model.h) */
	const char *normals = stream_meta(in, "normals");
	m->ziggurat = m->kind == MODEL_HESTON && normals && strcmp(normals, "ziggurat") == 0;
	/* model_done's own check, a usage error there: here the data's */
	if (m->kind == MODEL_MERTON && !(m->lambda * (m->T / (double)m->steps) <= 50))
		data_error(stream_where(in), "--upper: lambda=%g: more than 50 jumps expected between "
		           "dates (simpaths refuses those paths)", m->lambda);
	model_done(m);
}

/* Once the header is read: the checks, the layout, our own header. */
static int start(struct stream *in, bool *antithetic)
{
	const char *kind = stream_meta(in, "stream");
	if (kind && strcmp(kind, "training") == 0)
		data_error(stream_where(in), "these are training paths (stream=training): price "
		           "independent paths (simpaths without --training)");
	rule_check_model(&rule, in, stream_where(in));
	rule_set_discount(&rule, stream_meta_double(in, "r"), stream_meta_double(in, "T"));
	const char *a = stream_meta(in, "antithetic");
	*antithetic = a && strcmp(a, "1") == 0;
	if (inner > 0) {
		if (*antithetic)
			data_error(stream_where(in), "--upper: the paths are antithetic pairs "
			           "(antithetic=1); the bound takes independent paths");
		const char *text = stream_meta(in, "seed");
		if (!text)
			data_error(stream_where(in), "--upper: no seed= in the metadata: the inner "
			           "paths are drawn from the outer paths' seed");
		if (!num_parse_u64(text, strlen(text), &seed))
			data_error(stream_where(in), "--upper: seed=%.40s is not a 64-bit seed", text);
		struct model model;
		paths_model(in, &model);
		dual_init(&dual, &rule, &model, inner);
	}

	int first = stream_path_columns(in, rule.steps);
	if (first < 0)
		data_error(stream_where(in), "exercise needs whole paths: no column S1 "
		           "(simpaths --emit path)");
	if (rule.variance) {
		first_v = rule_variance_columns(in, rule.steps);
		rule_check_variance(&rule, first_v, stream_where(in));
	} else if (inner > 0 && dual.model.kind == MODEL_HESTON) {
		first_v = rule_variance_columns(in, rule.steps);
		if (first_v < 0)
			data_error(stream_where(in), "--upper: no columns V1..V%ld: under heston the "
			           "inner paths start from the outer path's variance too (simpaths "
			           "--variance)", rule.steps);
	}

	char line[512];
	rule_meta_line(&rule, inner, line, sizeof line);
	outbuf_put(&out, line, strlen(line));
	if (inner > 0)
		outbuf_put(&out, "\nupper\n", 7);
	else
		outbuf_put(&out, "\nprice\n", 7);
	return first;
}

/* The current row's path S1..Sn, every price read and checked (also those
 * after the exercise date). */
static const double *read_path(struct stream *in, int first)
{
	for (long i = 0; i < rule.steps; i++)
		prices[i] = stream_field_price(in, first + (int)i);
	for (long i = 0; first_v >= 0 && i < rule.steps; i++) {
		variances[i] = stream_field_double(in, first_v + (int)i);
		if (!(variances[i] >= 0))
			data_error(stream_where(in), "V%ld: a variance must not be negative", i + 1);
	}
	return prices;
}

/* --upper: the dual's term of the current row, path `path` of the run. */
static double upper_term(struct stream *in, int first, uint64_t path)
{
	if (dual.model.kind != MODEL_GBM && path > UINT32_MAX)
		data_error(stream_where(in), "--upper: path %llu: under model=%s the inner paths "
		           "number outer paths below 2^32", (unsigned long long)path,
		           model_name(dual.model.kind));
	const double *p = read_path(in, first);
	double value = dual_value(&dual, seed, path, p, first_v >= 0 ? variances : NULL);
	if (!isfinite(value))
		data_error(stream_where(in), "--upper: path %llu: the bound is not a finite number "
		           "(inner paths overflow: volatility or T too large?)", (unsigned long long)path);
	return value;
}

static void price_paths(int ninputs, char **inputs)
{
	struct stream in;
	bool started = false, antithetic = false, half_pair = false, in_range = false;
	double first_of_pair = 0;
	int first = -1;
	uint64_t path = 0, range_end = 0;   /* --upper: the row's path index, its range's end */

	stream_open(&in, ninputs, inputs);
	for (enum record r; (r = stream_next(&in)) != RECORD_END;) {
		if (!started && in.ncolumns > 0) {   /* the header has been read */
			first = start(&in, &antithetic);
			started = true;
		}
		if (r == RECORD_META) {
			if (half_pair && in.range_opened)
				data_error(stream_where(&in), "antithetic pair cut off by a new range");
			if (in.range_opened) {
				in_range = true;
				path = in.range_first;
				range_end = in.range_first + in.range_count;
			}
			outbuf_put(&out, in.line, in.line_len);
			outbuf_put(&out, "\n", 1);
			continue;
		}
		if (inner > 0) {
			if (!in_range)
				data_error(stream_where(&in), "--upper: a row before any path range "
				           "(# first= count=): its path index is unknown");
			if (path == range_end)
				data_error(stream_where(&in), "--upper: more rows than the range's count=%llu",
				           (unsigned long long)in.range_count);
			outbuf_put_number(&out, upper_term(&in, first, path++), hex_output, '\n');
			continue;
		}
		double value = rule_cash_flow_variance(&rule, read_path(&in, first), variances);
		if (!antithetic) {
			outbuf_put_number(&out, value, hex_output, '\n');
		} else if (!half_pair) {
			first_of_pair = value;
			half_pair = true;
		} else {
			double pair;
			payoff_pair_mean(&first_of_pair, &value, 1, &pair);
			outbuf_put_number(&out, pair, hex_output, '\n');
			half_pair = false;
		}
	}
	if (!started && in.ncolumns > 0)   /* a header and no rows: no prices */
		start(&in, &antithetic);
	else if (!started)
		data_error(in.name ? in.name : "stdin", "no header: empty input?");
	if (half_pair)
		data_error(stream_where(&in), "antithetic stream ends inside a pair");
	stream_close(&in);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "coefficients", required_argument, NULL, 'c' },
		{ "payoff", required_argument, NULL, 'p' },
		{ "strike", required_argument, NULL, 'K' },
		{ "upper", required_argument, NULL, 'u' },
		{ "hex", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *payoff_name = NULL, *strike_text = NULL;
	double strike_wanted = 0;
	int c;

	tool_init("exercise", argv);
	while ((c = getopt_long(argc, argv, "c:p:K:u:xhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': coef_file = optarg; break;
		case 'p':
			if (!payoff_american(optarg, NULL))
				usage_error("--payoff: '%s' is not american-put or american-call", optarg);
			payoff_name = optarg;
			break;
		case 'K':
			strike_wanted = opt_positive("--strike", optarg);
			strike_text = optarg;
			break;
		case 'u': inner = (long)opt_int("--upper", optarg, 1, INT32_MAX); break;
		case 'x': hex_output = true; break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (!coef_file)
		usage_error("--coefficients is required (lsmfit's output)");

	rule_load(&rule, coef_file);
	rule_check_wanted(&rule, payoff_name, strike_text, strike_wanted);
	prices = xreallocarray(NULL, (size_t)rule.steps, sizeof *prices);
	variances = xreallocarray(NULL, (size_t)rule.steps, sizeof *variances);
	price_paths(argc - optind, argv + optind);
	outbuf_flush(&out);
	if (inner > 0)
		dual_free(&dual);
	rule_free(&rule);
	free(prices);
	free(variances);
	finish_output();
	return 0;
}
